import { useState, type ReactNode } from 'react';
import type { LiveParticipant } from '@shared/realtime';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { usePageTitle } from '../../components/use-page-title';
import { AttentionControls } from './attention-controls';
import { useVisitAttention } from './use-visit-attention';
import { useVisitConsole, type ParticipantAction, type VisitConsoleState, type VisitDetail } from './use-visit-console';
import { DoorLockNotice } from './door-lock';
import { WaitingList } from './waiting-list';
import './visit-console.css';
import { WaitingMessageControl } from './waiting-message-control';

const STATUS_LABEL: Record<string, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Ended',
  cancelled: 'Cancelled',
  no_show: 'No-show',
};

const dateTime = (iso: string) =>
  new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(
    new Date(iso),
  );
const time = (iso: string) => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));

/** What the console gives the call slot. */
export interface ConsoleCallSlotProps {
  visitId: string;
  durationMinutes: number;
  /** The console's controls, to sit beside the video. */
  aside: ReactNode;
  onLeave: () => void;
  onEnded: () => void;
}

function Attendance({ visit }: { visit: VisitDetail }) {
  if (!visit.attendance || visit.attendance.length === 0) return null;
  return (
    <section aria-labelledby="attendance-heading" className="card">
      <h2 id="attendance-heading">Attendance</h2>
      <div className="table-wrap">
        <table className="stack">
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Joined</th>
              <th scope="col">Left</th>
              <th scope="col">Minutes</th>
            </tr>
          </thead>
          <tbody>
            {visit.attendance.map((a) => (
              <tr key={a.participantId}>
                <td data-label="Who">{a.displayName}</td>
                <td data-label="Joined">{time(a.joinedAt)}</td>
                <td data-label="Left">{a.leftAt ? time(a.leftAt) : 'Still in'}</td>
                <td data-label="Minutes">{a.totalMinutes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

type Pending = { kind: 'participant'; action: ParticipantAction; participant: LiveParticipant } | { kind: 'end' } | null;

const CONFIRM_TEXT: Record<'deny' | 'remove', { title: (name: string) => string; body: string; label: string }> = {
  deny: {
    title: (name) => `Deny ${name}?`,
    body: 'They will be told they cannot join this visit. You can send them back to the waiting room later.',
    label: 'Deny',
  },
  remove: {
    title: (name) => `Remove ${name} from this visit?`,
    body: 'They leave the call at once and cannot come back into this visit with their link.',
    label: 'Remove',
  },
};

/** The controls panel: waiting list, message, visit actions. Shown beside the video during a call. */
function ConsolePanel({
  c,
  inCall,
  onJoinVideo,
  extraPanel,
}: {
  c: VisitConsoleState;
  inCall: boolean;
  onJoinVideo: () => void;
  extraPanel?: ReactNode;
}) {
  const [confirm, setConfirm] = useState<Pending>(null);
  const visit = c.visit;
  if (!visit) return null;
  const closed = c.ended || c.status === 'cancelled';
  const anyoneWaiting = c.participants.some((p) => p.state === 'waiting');

  function handleAction(action: ParticipantAction, participant: LiveParticipant) {
    if (action === 'deny' || action === 'remove') setConfirm({ kind: 'participant', action, participant });
    else void c.act(action, participant.id);
  }

  async function handleConfirm() {
    if (!confirm) return;
    if (confirm.kind === 'end') await c.endVisit();
    else await c.act(confirm.action, confirm.participant.id);
    setConfirm(null);
  }

  return (
    <div className="console-panel">
      {c.actionError && (
        <div className="alert alert-error" role="alert">
          {c.actionError}
        </div>
      )}
      {!c.live && !closed && (
        <p className="alert alert-warn" role="status">
          {c.watchError ? 'You cannot watch this visit live.' : 'Reconnecting to live updates…'}
        </p>
      )}
      {!closed && <DoorLockNotice visitId={visit.id} />}
      <div className="card" aria-live="polite">
        <WaitingList participants={c.participants} pending={c.pending} disabled={closed} onAction={handleAction} />
      </div>
      {!closed && (
        <div className={`card${anyoneWaiting ? '' : ' card-folded'}`}>
          <WaitingMessageControl
            current={c.waitingMessage}
            anyoneWaiting={anyoneWaiting}
            disabled={closed}
            busy={c.pending === 'message'}
            onSend={c.setWaitingMessage}
          />
        </div>
      )}
      {extraPanel}
      {!closed && (
        <div className="card console-actions">
          {!inCall && (
            <button type="button" className="btn btn-primary" onClick={onJoinVideo}>
              Join video
            </button>
          )}
          <button type="button" className="btn btn-danger" onClick={() => setConfirm({ kind: 'end' })} disabled={c.pending === 'end'}>
            End visit for everyone
          </button>
        </div>
      )}
      {confirm?.kind === 'end' && (
        <ConfirmDialog
          title="End this visit for everyone?"
          confirmLabel="End visit"
          danger
          busy={c.pending === 'end'}
          onConfirm={() => void handleConfirm()}
          onCancel={() => setConfirm(null)}
        >
          <p>
            The video closes for everyone, the patient is told the visit has ended, and the visit is marked completed. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      )}
      {confirm?.kind === 'participant' && (confirm.action === 'deny' || confirm.action === 'remove') && (
        <ConfirmDialog
          title={CONFIRM_TEXT[confirm.action].title(confirm.participant.displayName)}
          confirmLabel={CONFIRM_TEXT[confirm.action].label}
          danger
          busy={c.pending !== null}
          onConfirm={() => void handleConfirm()}
          onCancel={() => setConfirm(null)}
        >
          <p>{CONFIRM_TEXT[confirm.action].body}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/**
 * A clinician's page for one visit: who is waiting, admit/deny, the waiting-room message, joining
 * the video, and ending the visit. The patient's name is on the page, never in its title or URL.
 */
export function VisitConsole({
  visitId,
  renderCall,
  extraPanel,
  record,
  note,
  patientLanguage,
}: {
  visitId: string;
  renderCall: (p: ConsoleCallSlotProps) => ReactNode;
  extraPanel?: ReactNode;
  /** The ended visit's read-only record beside attendance (its check-ins, results and alerts). */
  record?: ReactNode;
  /** The ended visit's notes (issue 13, item 7), below its record. */
  note?: ReactNode;
  /** The patient's preferred language, shown in the header (issue 13, item 8). */
  patientLanguage?: (patientId: string) => ReactNode;
}) {
  usePageTitle('Visit');
  const c = useVisitConsole(visitId);
  const [inCall, setInCall] = useState(false);
  const visit = c.visit;
  useVisitAttention(visitId, c.participants, visit !== null, c.ended || c.status === 'cancelled');

  if (c.loadError) {
    return (
      <div className="page">
        <h1>Visit</h1>
        <div className="alert alert-error" role="alert">
          {c.loadError === 'not_found'
            ? 'This visit does not exist, or you are not on its care team.'
            : 'The visit could not be loaded. Please reload the page.'}
        </div>
      </div>
    );
  }
  if (!visit) {
    return (
      <p className="loading" role="status">
        Loading visit…
      </p>
    );
  }

  const status = c.status ?? visit.status;
  const header = (
    <header className="console-header">
      <h1>
        Visit with {visit.patient.preferredName ?? visit.patient.displayName}
        {visit.patient.pronouns && <span className="muted console-pronouns"> ({visit.patient.pronouns})</span>}
      </h1>
      <p className="console-when">
        {dateTime(visit.startsAt)} – {time(visit.endsAt)} · {visit.durationMinutes} min{' '}
        <span
          className={`badge ${status === 'in_progress' ? 'badge-live' : status === 'completed' ? '' : 'badge-warn'}`}
          data-testid="visit-status"
        >
          {STATUS_LABEL[status] ?? status}
        </span>{' '}
        {patientLanguage?.(visit.patient.id)}
      </p>
      <div className="console-header-row">
        <details className="visit-details">
          <summary>Visit details</summary>
          <dl>
            <dt>Care team</dt>
            <dd>{visit.clinicians.map((cl) => cl.name).join(', ')}</dd>
            {visit.patient.preferredName && visit.patient.preferredName !== visit.patient.displayName && (
              <>
                <dt>Name on record</dt>
                <dd>{visit.patient.displayName}</dd>
              </>
            )}
            <dt>Reason (staff only)</dt>
            <dd>{visit.reason ?? <span className="muted">None given</span>}</dd>
          </dl>
        </details>
        {!c.ended && <AttentionControls />}
      </div>
    </header>
  );

  if (c.ended) {
    return (
      <div className="page visit-console">
        {header}
        <div className="alert alert-success" role="status" data-testid="console-ended">
          This visit has ended.
        </div>
        <div className="card">
          {c.participants.some((p) => p.state !== 'waiting') ? (
            <WaitingList participants={c.participants} pending={null} disabled readOnly onAction={() => undefined} />
          ) : (
            <p className="muted">Nobody joined this visit.</p>
          )}
        </div>
        <Attendance visit={visit} />
        {record}
        {note}
      </div>
    );
  }

  const panel = <ConsolePanel c={c} inCall={inCall} onJoinVideo={() => setInCall(true)} extraPanel={extraPanel} />;

  if (inCall) {
    return (
      <div className="visit-console visit-console-call">
        <div className="console-call-header">{header}</div>
        {renderCall({
          visitId,
          durationMinutes: visit.durationMinutes,
          aside: panel,
          onLeave: () => setInCall(false),
          onEnded: c.reload,
        })}
      </div>
    );
  }

  return (
    <div className="page visit-console">
      {header}
      {panel}
      <Attendance visit={visit} />
    </div>
  );
}
