import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { usePageTitle } from '../../components/use-page-title';
import { useMyPatients } from './patients-api';

const whenFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const LANGUAGE = { en: 'English', es: 'Spanish' } as const;

/** The text typed, settled for a moment, so each keystroke does not ask the server. */
function useSettled(value: string, ms = 250): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** A clinician's patients: on their care team or with a current visit; each opens the chart. */
export function MyPatientsPage() {
  usePageTitle('Patients');
  const [text, setText] = useState('');
  const q = useSettled(text.trim());
  const list = useMyPatients(q);
  const searchId = useId();
  const patients = list.data ?? null;

  return (
    <div className="page my-patients-page">
      <h1>Patients</h1>
      <p className="muted">The patients you care for: on their care team, or with a recent or upcoming visit with you.</p>
      <form role="search" className="field" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor={searchId}>Search by name or external id</label>
        <input id={searchId} type="search" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
      </form>
      {list.error && (
        <p role="alert" className="alert alert-error">
          {list.error.message || 'Could not load your patients'}
        </p>
      )}
      {patients === null && !list.error && <p role="status">Loading…</p>}
      <p role="status" className="visually-hidden">
        {patients ? `${patients.length} ${patients.length === 1 ? 'patient' : 'patients'}` : ''}
      </p>
      {patients?.length === 0 && <p className="card">{q ? 'No patient of yours matches.' : 'No patients yet.'}</p>}
      {patients && patients.length > 0 && (
        <ul className="visit-list" aria-label="Your patients">
          {patients.map(({ patient: p, nextVisit, lastCheckin, openAlerts, onCareTeam }) => {
            const name = p.preferredName || p.displayName;
            return (
              <li key={p.id} className="visit-item card">
                <div className="visit-main">
                  <p className="visit-title">
                    <Link to={`/patients/${p.id}`}>
                      <strong>{name}</strong>
                    </Link>
                    {p.preferredName && p.preferredName !== p.displayName && <span className="muted"> ({p.displayName})</span>}
                    {p.pronouns && <span className="muted"> · {p.pronouns}</span>}
                    <span className="muted"> · {LANGUAGE[p.preferredLanguage]}</span>
                    {p.externalId && <span className="muted"> · {p.externalId}</span>}
                  </p>
                  <p>
                    Next visit: {nextVisit ? whenFmt.format(new Date(nextVisit.startsAt)) : <span className="muted">none scheduled</span>}
                  </p>
                  <p>
                    Last check-in:{' '}
                    {lastCheckin ? `${lastCheckin.title}, ${dayFmt.format(new Date(lastCheckin.sharedAt))}` : <span className="muted">none shared</span>}
                  </p>
                  <p className="visit-badges">
                    {openAlerts > 0 ? (
                      <span className="badge badge-danger">
                        <span aria-hidden="true">⚠</span> {openAlerts} open safety {openAlerts === 1 ? 'alert' : 'alerts'}
                      </span>
                    ) : (
                      <span className="badge">No open alerts</span>
                    )}
                    {onCareTeam && <span className="badge">Care team</span>}
                  </p>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
