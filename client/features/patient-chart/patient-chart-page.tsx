import './patient-chart.css';
import type { ComponentType } from 'react';
import { Link, useParams } from 'react-router';
import type { ChartVisit, PatientChart } from '@shared/api/patient-chart.schema';
import type { PatientLanguage } from '@shared/api/patients.schema';
import { BandBadge } from '../../components/band-badge';
import { usePageTitle } from '../../components/use-page-title';
import { VisitStatusBadge } from '../../components/visit-status-badge';
import { ApiError } from '../../lib/api';
import { usePatientChart } from './chart-api';
import { CareTeamSection } from './care-team-section';

const dateTimeFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

export const LANGUAGE_NAMES: Record<PatientLanguage, string> = { en: 'English', es: 'Spanish (español)' };

export const formatDateTime = (iso: string) => dateTimeFmt.format(new Date(iso));
export const formatDate = (iso: string) => dateFmt.format(new Date(iso));

function Details({ chart }: { chart: PatientChart }) {
  const p = chart.patient;
  return (
    <dl className="chart-details">
      <div>
        <dt>Preferred name</dt>
        <dd>{p.preferredName ?? <span className="muted">not given</span>}</dd>
      </div>
      <div>
        <dt>Pronouns</dt>
        <dd>{p.pronouns ?? <span className="muted">not given</span>}</dd>
      </div>
      <div>
        <dt>Preferred language</dt>
        <dd>
          <strong className="chart-language" data-testid="preferred-language">
            {LANGUAGE_NAMES[p.preferredLanguage]}
          </strong>
        </dd>
      </div>
      <div>
        <dt>Date of birth</dt>
        <dd>{p.dateOfBirth ?? <span className="muted">not on file</span>}</dd>
      </div>
      <div>
        <dt>External id</dt>
        <dd>{p.externalId ?? <span className="muted">none</span>}</dd>
      </div>
    </dl>
  );
}

function VisitList({ visits, empty, label }: { visits: ChartVisit[]; empty: string; label: string }) {
  if (!visits.length) return <p className="muted">{empty}</p>;
  return (
    <ul className="chart-visits" aria-label={label}>
      {visits.map((v) => (
        <li key={v.id}>
          {/* A full page load: the visit page sets its own camera permission policy. */}
          <a href={`/visits/${v.id}`}>{formatDateTime(v.startsAt)}</a> <VisitStatusBadge status={v.status} />
          {v.clinicians.length > 0 && <span className="muted"> · {v.clinicians.map((c) => c.name).join(', ')}</span>}
        </li>
      ))}
    </ul>
  );
}

function VisitsSection({ chart }: { chart: PatientChart }) {
  return (
    <section aria-labelledby="chart-visits" className="card chart-section">
      <h2 id="chart-visits">Visits</h2>
      <h3>Upcoming</h3>
      <VisitList visits={chart.upcomingVisits} empty="No upcoming visits." label="Upcoming visits" />
      <h3>Past</h3>
      <VisitList visits={chart.pastVisits} empty="No past visits." label="Past visits" />
    </section>
  );
}

function CheckinsSection({ chart }: { chart: PatientChart }) {
  return (
    <section aria-labelledby="chart-checkins" className="card chart-section">
      <h2 id="chart-checkins">Check-ins</h2>
      {chart.checkins.length === 0 ? (
        <p className="muted">No shared check-ins yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="stack">
            <caption className="visually-hidden">Every check-in the patient shared, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Check-in</th>
                <th scope="col">Shared</th>
                <th scope="col">Total</th>
                <th scope="col">Severity</th>
              </tr>
            </thead>
            <tbody>
              {chart.checkins.map((c) => (
                <tr key={c.id}>
                  <td data-label="Check-in">
                    <a href={`/visits/${c.visitId}`}>{c.title}</a>
                  </td>
                  <td data-label="Shared">{formatDate(c.sharedAt)}</td>
                  <td data-label="Total">
                    {c.total !== undefined ? c.total : <span className="muted">{c.complete ? '–' : 'none (incomplete)'}</span>}
                  </td>
                  <td data-label="Severity">{c.band ? <BandBadge band={c.band} /> : <span className="muted">–</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function AlertsSection({ chart }: { chart: PatientChart }) {
  return (
    <section aria-labelledby="chart-alerts" className="card chart-section">
      <h2 id="chart-alerts">Safety alerts</h2>
      {chart.alerts.length === 0 ? (
        <p className="muted">No safety alerts.</p>
      ) : (
        <ul className="chart-alerts">
          {chart.alerts.map((a) => (
            <li key={`${a.checkinId}:${a.code}`} className={a.acknowledgedAt ? 'is-acknowledged' : 'is-open'}>
              <p>
                <span className={a.acknowledgedAt ? 'badge' : 'badge badge-danger'}>
                  <span aria-hidden="true">⚠</span> {a.acknowledgedAt ? 'Acknowledged' : 'Open'}
                </span>{' '}
                <strong>{a.message}</strong>
              </p>
              <p className="muted">
                {a.instrumentTitle} · raised {formatDateTime(a.raisedAt)} · <a href={`/visits/${a.visitId}`}>visit</a>
              </p>
              <p>
                {a.acknowledgedAt
                  ? `Acknowledged by ${a.acknowledgedBy?.name ?? 'a former staff member'} on ${formatDateTime(a.acknowledgedAt)}`
                  : 'Not acknowledged yet.'}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A section another feature adds to the chart (trends, care plan, measurement plan, visit notes). */
export type ChartSection = ComponentType<{ patientId: string }>;

/**
 * A patient's chart for the clinicians caring for them. Other features' sections come below, in
 * the order given: the router composes them (client/app/router.tsx), so no feature imports another.
 */
export function PatientChartPage({ sections = [] }: { sections?: ChartSection[] }) {
  const { id = '' } = useParams();
  const query = usePatientChart(id);
  const chart = query.data;
  const name = chart ? chart.patient.preferredName || chart.patient.displayName : null;
  // A section name only: the patient's name never goes in a title (tabs, history, screen sharing).
  usePageTitle('Patient chart');

  if (query.error) {
    const notFound = query.error instanceof ApiError && query.error.status === 404;
    return (
      <div className="page">
        <h1>Patient chart</h1>
        <p role="alert" className="alert alert-error">
          {notFound ? 'This patient is not one of yours, or does not exist.' : query.error.message || 'Could not load the chart.'}
        </p>
        <p>
          <Link to="/patients">Back to your patients</Link>
        </p>
      </div>
    );
  }
  if (!chart) {
    return (
      <div className="page">
        <p role="status">Loading…</p>
      </div>
    );
  }
  return (
    <div className="page patient-chart">
      <p>
        <Link to="/patients">← Your patients</Link>
      </p>
      <h1>
        {name}
        {chart.patient.preferredName && chart.patient.preferredName !== chart.patient.displayName && (
          <span className="muted chart-legal-name"> ({chart.patient.displayName})</span>
        )}
      </h1>
      <Details chart={chart} />
      <CareTeamSection patientId={id} members={chart.careTeam} />
      <VisitsSection chart={chart} />
      <CheckinsSection chart={chart} />
      <AlertsSection chart={chart} />
      {sections.map((Section, i) => (
        <Section key={i} patientId={id} />
      ))}
    </div>
  );
}
