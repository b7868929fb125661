import { usePageTitle } from '../../components/use-page-title';
import { VisitStatusBadge } from '../../components/visit-status-badge';
import { useTodayVisits } from './today-api';
import { useLiveVisitFacts } from './use-live-visit-facts';

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

/** A clinician's day: their visits, each one's status, and a live badge while the patient waits. */
export function TodayPage() {
  usePageTitle('Today');
  const today = useTodayVisits();
  const visits = today.data ?? null;
  const error = today.error ? today.error.message || 'Could not load your visits' : null;
  const live = useLiveVisitFacts();

  return (
    <div className="page today-page">
      <h1>Today</h1>
      <p className="muted">{dayFmt.format(new Date())}</p>
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
      {visits === null && !error && <p role="status">Loading…</p>}
      {visits?.length === 0 && <p className="card">No visits today.</p>}
      {visits && visits.length > 0 && (
        <ul className="visit-list today-list" aria-label="Your visits today">
          {visits.map((v) => {
            const status = live.status[v.id] ?? v.status;
            const initialWaiting = v.participants.filter((p) => p.kind !== 'clinician' && p.state === 'waiting').length;
            const waiting = live.waiting[v.id] ?? initialWaiting;
            const name = v.patient.preferredName || v.patient.displayName;
            const others = v.clinicians.length > 1 ? v.clinicians.map((c) => c.name) : [];
            return (
              <li key={v.id} className="visit-item card">
                <div className="visit-when">
                  <span className="visit-time">
                    {timeFmt.format(new Date(v.startsAt))} – {timeFmt.format(new Date(v.endsAt))}
                  </span>
                </div>
                <div className="visit-main">
                  <p className="visit-title">
                    <strong>{name}</strong>
                    {v.patient.pronouns && <span className="muted"> · {v.patient.pronouns}</span>}
                  </p>
                  {others.length > 0 && <p className="visit-team">Care team: {others.join(', ')}</p>}
                  <p className="visit-badges" aria-live="polite">
                    <VisitStatusBadge status={status} />
                    {waiting > 0 && status !== 'cancelled' && status !== 'completed' && (
                      <span className="badge badge-live waiting-badge">{waiting > 1 ? `${waiting} waiting` : 'Patient waiting'}</span>
                    )}
                  </p>
                </div>
                <div className="visit-actions">
                  {/* A full page load: the camera permission policy is set per document. */}
                  <a className="btn btn-primary btn-small" href={`/visits/${v.id}`}>
                    Open visit<span className="visually-hidden"> with {name} at {timeFmt.format(new Date(v.startsAt))}</span>
                  </a>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
