import { useEffect, useId, useRef } from 'react';
import type { OpenAlert } from './use-checkin-console';

const time = (iso: string) => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));

/**
 * A safety alert that cannot be missed: a modal alert dialog over everything, focus moved into it,
 * Escape does nothing, and only an acknowledgement (recorded on the server with who and when) closes it.
 */
export function SafetyAlertDialog({
  open,
  more,
  busy,
  error,
  onAcknowledge,
}: {
  open: OpenAlert;
  /** How many other unacknowledged alerts wait behind this one. */
  more: number;
  busy: boolean;
  error: string | null;
  onAcknowledge: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    headingRef.current?.focus();
    return () => dialog?.close();
  }, []);

  // A second alert replacing the first: focus its heading again so it is read out.
  useEffect(() => {
    headingRef.current?.focus();
  }, [open.checkin.id, open.alert.code]);

  return (
    <dialog
      ref={ref}
      className="safety-dialog"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      data-testid="safety-alert"
      onCancel={(e) => e.preventDefault()}
    >
      <h2 id={titleId} ref={headingRef} tabIndex={-1}>
        <span className="safety-icon" aria-hidden="true">
          !
        </span>
        Safety alert
      </h2>
      <div id={bodyId}>
        <p className="safety-message">{open.alert.message}</p>
        <p className="muted">
          {open.checkin.title} · raised {time(open.alert.raisedAt)}
          {open.checkin.status !== 'shared' && ' · the patient has not shared the check-in yet'}
        </p>
      </div>
      {more > 0 && <p>{more === 1 ? 'One more alert is waiting.' : `${more} more alerts are waiting.`}</p>}
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <div className="safety-actions">
        <button type="button" className="btn btn-danger" onClick={onAcknowledge} disabled={busy}>
          {busy ? 'Recording…' : 'I have seen this: acknowledge'}
        </button>
      </div>
    </dialog>
  );
}
