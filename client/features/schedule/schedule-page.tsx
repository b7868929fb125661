import { useCallback, useId, useMemo, useState } from 'react';
import { type Clinician, type PatientLink, type Visit } from '@shared/api/visits.schema';
import { usePageTitle } from '../../components/use-page-title';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ApiError } from '../../lib/api';
import { LinkNotice } from './link-notice';
import { addDays, formatDay, formatDayTime, formatShortDay, formatTime, localZoneName, startOfLocalDay, startOfLocalWeek, toDateInput } from './local-time';
import { findOverlaps } from './overlaps';
import { cancelVisit, reissueLink, useClinicians, useScheduleVisits } from './schedule-api';
import { VisitForm, type PatientPickerSlot } from './visit-form';
import { VisitStatusBadge } from '../../components/visit-status-badge';

type View = 'day' | 'week';
type Pending = { kind: 'cancel' | 'reissue'; visit: Visit };

const CHANGEABLE = new Set<Visit['status']>(['scheduled', 'in_progress', 'no_show']);
const CANCELLABLE = new Set<Visit['status']>(['scheduled', 'in_progress']);

const patientLabel = (v: Visit) => v.patient.preferredName || v.patient.displayName;

const NO_CLINICIANS: Clinician[] = [];
const NO_VISITS: Visit[] = [];

function scheduleLoadError(e: Error): string {
  return e instanceof ApiError && e.status === 403 ? 'Only schedulers and administrators can use the schedule.' : e.message || 'Could not load visits';
}

/** Schedulers and admins: the day or week of visits, with create, edit, re-link and cancel. */
export function SchedulePage({ PatientPicker }: { PatientPicker: PatientPickerSlot }) {
  usePageTitle('Schedule');
  const ids = useId();
  const [view, setView] = useState<View>('day');
  const [anchor, setAnchor] = useState(() => startOfLocalDay(new Date()));
  const [clinicianId, setClinicianId] = useState('');
  const [editing, setEditing] = useState<Visit | 'new' | null>(null);
  const [issued, setIssued] = useState<{ visitId: string; link: PatientLink; why: 'created' | 'reissued' } | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<string | null>(null);

  const from = view === 'day' ? anchor : startOfLocalWeek(anchor);
  const days = view === 'day' ? 1 : 7;
  const to = addDays(from, days);
  const fromMs = from.getTime();
  const toMs = to.getTime();

  const clinicians: Clinician[] = useClinicians().data ?? NO_CLINICIANS;
  const visitsQuery = useScheduleVisits(fromMs, toMs, clinicianId || undefined);
  const { refetch } = visitsQuery;
  const visits = visitsQuery.isError ? NO_VISITS : (visitsQuery.data ?? null);
  const loadError = visitsQuery.isError ? scheduleLoadError(visitsQuery.error) : null;
  const reload = useCallback(() => void refetch(), [refetch]);
  const overlaps = useMemo(() => findOverlaps(visits ?? []), [visits]);
  // Cheap enough to recompute each render: a week holds a few dozen visits.
  const byDay = Array.from({ length: days }, (_, i) => ({ day: addDays(from, i), visits: [] as Visit[] }));
  for (const v of visits ?? []) {
    const i = Math.round((startOfLocalDay(new Date(v.startsAt)).getTime() - fromMs) / 86400_000);
    byDay[Math.min(Math.max(i, 0), days - 1)]?.visits.push(v);
  }

  async function handleConfirm() {
    if (!pending) return;
    setBusy(true);
    setActionError(null);
    try {
      if (pending.kind === 'cancel') {
        await cancelVisit(pending.visit.id);
        setNotice(`Visit at ${formatDayTime(pending.visit.startsAt)} cancelled. The patient link no longer works.`);
      } else {
        const r = await reissueLink(pending.visit.id);
        setIssued({ visitId: pending.visit.id, link: r.patientLink, why: 'reissued' });
        setNotice('');
      }
      setPending(null);
      reload();
    } catch (err) {
      setActionError(err instanceof Error ? err.message : 'That did not work');
      setPending(null);
    } finally {
      setBusy(false);
    }
  }

  const step = (dir: 1 | -1) => setAnchor((a) => addDays(a, dir * days));
  const rangeLabel = view === 'day' ? formatDay(from) : `${formatShortDay(from)} – ${formatShortDay(addDays(to, -1))}`;
  const unit = view === 'day' ? 'day' : 'week';

  return (
    <div className="page schedule-page">
      <div className="page-head">
        <h1>Schedule</h1>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => {
            setEditing('new');
            setIssued(null);
          }}
        >
          New visit
        </button>
      </div>

      <p role="status" className={notice ? 'alert alert-success' : 'visually-hidden'}>
        {notice}
      </p>
      {actionError && (
        <p role="alert" className="alert alert-error">
          {actionError}
        </p>
      )}
      {issued && <LinkNotice visitId={issued.visitId} link={issued.link} why={issued.why} onDone={() => setIssued(null)} />}

      {editing && (
        <VisitForm
          key={editing === 'new' ? 'new' : editing.id}
          visit={editing === 'new' ? undefined : editing}
          clinicians={clinicians}
          PatientPicker={PatientPicker}
          onClose={() => setEditing(null)}
          onSaved={({ visit, patientLink }) => {
            setEditing(null);
            if (patientLink) {
              setIssued({ visitId: visit.id, link: patientLink, why: 'created' });
              setNotice('');
            } else setNotice(`Visit for ${formatDayTime(visit.startsAt)} saved.`);
            // Show the day the visit is on, so the scheduler sees what they just did.
            setAnchor(startOfLocalDay(new Date(visit.startsAt)));
            reload();
          }}
        />
      )}

      <section className="card" aria-labelledby={`${ids}-range`}>
        <div className="schedule-toolbar">
          <div className="segmented" role="group" aria-label="View">
            {(['day', 'week'] as const).map((v) => (
              <button key={v} type="button" className="btn btn-small" aria-pressed={view === v} onClick={() => setView(v)}>
                {v === 'day' ? 'Day' : 'Week'}
              </button>
            ))}
          </div>
          <div className="schedule-nav">
            <button type="button" className="btn btn-small" onClick={() => step(-1)}>
              <span aria-hidden="true">‹</span> Previous<span className="visually-hidden"> {unit}</span>
            </button>
            <button type="button" className="btn btn-small" onClick={() => setAnchor(startOfLocalDay(new Date()))}>
              Today
            </button>
            <button type="button" className="btn btn-small" onClick={() => step(1)}>
              Next<span className="visually-hidden"> {unit}</span> <span aria-hidden="true">›</span>
            </button>
          </div>
          <div className="schedule-filter">
            <label htmlFor={`${ids}-date`}>Go to date</label>
            <input
              id={`${ids}-date`}
              type="date"
              value={toDateInput(anchor)}
              onChange={(e) => {
                const [y, m, d] = e.target.value.split('-').map(Number);
                if (y && m && d) setAnchor(new Date(y, m - 1, d));
              }}
            />
          </div>
          <div className="schedule-filter">
            <label htmlFor={`${ids}-clinician`}>Clinician</label>
            <select id={`${ids}-clinician`} value={clinicianId} onChange={(e) => setClinicianId(e.target.value)}>
              <option value="">All clinicians</option>
              {clinicians.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <h2 id={`${ids}-range`} className="range-heading">
          {rangeLabel}
        </h2>
        <p className="muted zone-note">Times shown in your time zone ({localZoneName()}).</p>
        {loadError && (
          <p role="alert" className="alert alert-error">
            {loadError}
          </p>
        )}
        {visits === null && <p role="status">Loading…</p>}
        {visits !== null &&
          byDay.map((group) => (
            <div key={group.day.getTime()} className="day-group">
              {view === 'week' && <h3>{formatDay(group.day)}</h3>}
              {group.visits.length === 0 ? (
                <p className="muted">No visits.</p>
              ) : (
                <ul className="visit-list">
                  {group.visits.map((v) => (
                    <VisitItem
                      key={v.id}
                      visit={v}
                      overlapsWith={overlaps.get(v.id)}
                      onEdit={() => {
                        setEditing(v);
                        setIssued(null);
                      }}
                      onReissue={() => setPending({ kind: 'reissue', visit: v })}
                      onCancel={() => setPending({ kind: 'cancel', visit: v })}
                    />
                  ))}
                </ul>
              )}
            </div>
          ))}
      </section>

      {pending?.kind === 'cancel' && (
        <ConfirmDialog
          title="Cancel this visit?"
          confirmLabel="Cancel visit"
          cancelLabel="Keep visit"
          danger
          busy={busy}
          onConfirm={() => void handleConfirm()}
          onCancel={() => setPending(null)}
        >
          <p>
            {patientLabel(pending.visit)}, {formatDayTime(pending.visit.startsAt)}. The patient’s link stops working at once. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'reissue' && (
        <ConfirmDialog
          title="Issue a new patient link?"
          confirmLabel="Issue new link"
          cancelLabel="Keep current link"
          busy={busy}
          onConfirm={() => void handleConfirm()}
          onCancel={() => setPending(null)}
        >
          <p>The current link stops working at once, and anyone who opened it has to use the new one. Send the new link to the patient.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function VisitItem({
  visit: v,
  overlapsWith,
  onEdit,
  onReissue,
  onCancel,
}: {
  visit: Visit;
  overlapsWith?: string[];
  onEdit: () => void;
  onReissue: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const changeable = CHANGEABLE.has(v.status);
  const link = !v.link.active ? 'No active link' : v.link.lastUsedAt ? `Link opened ${formatTime(v.link.lastUsedAt)}` : 'Link not opened yet';
  return (
    <li className="visit-item" aria-labelledby={`${id}-title`}>
      <div className="visit-when">
        <span className="visit-time">
          {formatTime(v.startsAt)} – {formatTime(v.endsAt)}
        </span>
        <span className="muted"> · {v.durationMinutes} min</span>
      </div>
      <div className="visit-main">
        <p className="visit-title" id={`${id}-title`}>
          <strong>{patientLabel(v)}</strong>
          {v.patient.preferredName && v.patient.preferredName !== v.patient.displayName && <span className="muted"> ({v.patient.displayName})</span>}
          {v.patient.pronouns && <span className="muted"> · {v.patient.pronouns}</span>}
          <span className="visually-hidden"> at {formatDayTime(v.startsAt)}</span>
        </p>
        <p className="visit-team">With {v.clinicians.map((c) => c.name).join(', ')}</p>
        <p className="visit-badges">
          <VisitStatusBadge status={v.status} />
          {overlapsWith && <span className="badge badge-warn">Overlaps: {overlapsWith.join(', ')}</span>}
          {changeable && <span className="muted link-state">{link}</span>}
        </p>
      </div>
      <div className="visit-actions">
        {changeable && (
          <>
            <button type="button" className="btn btn-small" onClick={onEdit} aria-describedby={`${id}-title`}>
              Edit
            </button>
            <button type="button" className="btn btn-small" onClick={onReissue} aria-describedby={`${id}-title`}>
              New link
            </button>
          </>
        )}
        {CANCELLABLE.has(v.status) && (
          <button type="button" className="btn btn-small" onClick={onCancel} aria-describedby={`${id}-title`}>
            Cancel visit
          </button>
        )}
        <a className="btn btn-small btn-quiet" href={`/api/visits/${v.id}/calendar.ics`} download="appointment.ics" aria-describedby={`${id}-title`}>
          Calendar file
        </a>
      </div>
    </li>
  );
}
