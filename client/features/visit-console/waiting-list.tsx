import { useEffect, useState } from 'react';
import type { LiveParticipant } from '@shared/realtime';
import type { ParticipantAction } from './use-visit-console';

const STATE_LABEL: Record<LiveParticipant['state'], string> = {
  joining: 'Opened the link',
  waiting: 'Waiting',
  admitted: 'In the visit',
  denied: 'Denied',
  left: 'Left',
  removed: 'Removed',
};

const KIND_LABEL: Record<LiveParticipant['kind'], string> = { patient: 'Patient', clinician: 'Clinician', guest: 'Guest' };

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

function waitedFor(since: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(since)) / 60_000));
  return minutes < 1 ? 'just now' : minutes === 1 ? '1 min' : `${minutes} min`;
}

const timeOf = (iso: string) => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));

/** Shown while a participant's connection is gone; the text itself carries the meaning, not the colour. */
function ConnectionLost() {
  return (
    <>
      {' '}
      <span className="badge badge-warn" data-testid="connection-lost">
        Connection lost
      </span>
    </>
  );
}

/** A later device with the same link is shown as such, so the clinician knows what admitting it does. */
function nameOf(p: LiveParticipant): string {
  return p.otherDevice ? `${p.displayName} — another device` : p.displayName;
}

/**
 * Who is waiting (and since when) with Admit / Deny, and who is in the visit with "send back" and
 * "remove". Clinicians of the visit are listed for context but cannot be moved.
 */
export function WaitingList({
  participants,
  pending,
  disabled,
  readOnly = false,
  onAction,
}: {
  participants: LiveParticipant[];
  pending: string | null;
  disabled: boolean;
  /** After the visit: just who took part, no actions. */
  readOnly?: boolean;
  onAction: (action: ParticipantAction, participant: LiveParticipant) => void;
}) {
  const now = useNow(15_000);
  const waiting = participants.filter((p) => p.state === 'waiting');
  const others = participants.filter((p) => p.state !== 'waiting');
  const busy = (action: string, id: string) => pending === `${action}:${id}`;

  return (
    <div className="waiting-list">
      {!readOnly && (
        <section aria-labelledby="waiting-heading">
          <h2 id="waiting-heading">
            Waiting room <span className={`badge ${waiting.length ? 'badge-warn' : ''}`}>{waiting.length} waiting</span>
          </h2>
          {waiting.length === 0 ? (
            <p className="muted">Nobody is waiting.</p>
          ) : (
            <ul className="participant-list" data-testid="waiting-list">
              {waiting.map((p) => (
                <li key={p.id} className="participant-row" data-testid="waiting-participant">
                  <div className="participant-who">
                    <strong>{nameOf(p)}</strong> <span className="muted">· {KIND_LABEL[p.kind]}</span>
                    {p.connectionLost && <ConnectionLost />}
                    {p.otherDevice && (
                      <div className="muted">Same link, another browser or phone. Admitting it ends their earlier device.</div>
                    )}
                    {p.waitingSince && (
                      <div className="muted">
                        Waiting since <time dateTime={p.waitingSince}>{timeOf(p.waitingSince)}</time> ({waitedFor(p.waitingSince, now)})
                      </div>
                    )}
                  </div>
                  <div className="participant-actions">
                    <button
                      type="button"
                      className="btn btn-primary"
                      disabled={disabled || busy('admit', p.id)}
                      onClick={() => onAction('admit', p)}
                    >
                      Admit<span className="visually-hidden"> {nameOf(p)}</span>
                    </button>
                    <button type="button" className="btn" disabled={disabled || busy('deny', p.id)} onClick={() => onAction('deny', p)}>
                      Deny<span className="visually-hidden"> {nameOf(p)}</span>
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      {others.length > 0 && (
        <section aria-labelledby="people-heading">
          <h2 id="people-heading">People on this visit</h2>
          <ul className="participant-list" data-testid="participant-list">
            {others.map((p) => (
              <li key={p.id} className="participant-row" data-testid="participant" data-state={p.state}>
                <div className="participant-who">
                  <strong>{nameOf(p)}</strong> <span className="muted">· {KIND_LABEL[p.kind]}</span>{' '}
                  <span
                    className={`badge ${p.state === 'admitted' ? 'badge-live' : p.state === 'removed' || p.state === 'denied' ? 'badge-danger' : ''}`}
                  >
                    {STATE_LABEL[p.state]}
                  </span>
                  {p.connectionLost && <ConnectionLost />}
                </div>
                {p.kind !== 'clinician' && !readOnly && (
                  <div className="participant-actions">
                    {(p.state === 'admitted' || p.state === 'denied') && (
                      <button
                        type="button"
                        className="btn"
                        disabled={disabled || busy('return-to-waiting', p.id)}
                        onClick={() => onAction('return-to-waiting', p)}
                      >
                        Send back to waiting<span className="visually-hidden"> ({nameOf(p)})</span>
                      </button>
                    )}
                    {p.state !== 'removed' && (
                      <button
                        type="button"
                        className="btn btn-danger"
                        disabled={disabled || busy('remove', p.id)}
                        onClick={() => onAction('remove', p)}
                      >
                        Remove<span className="visually-hidden"> {nameOf(p)}</span>
                      </button>
                    )}
                  </div>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
