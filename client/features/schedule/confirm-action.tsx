import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A modal confirmation on the native `<dialog>`: the browser traps focus and Escape backs out.
 * The safe choice has focus first, so a stray Enter never cancels a visit.
 */
export function ConfirmAction({
  title,
  children,
  confirmLabel,
  backLabel,
  busy,
  danger,
  onConfirm,
  onBack,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  backLabel: string;
  busy: boolean;
  danger?: boolean;
  onConfirm: () => void;
  onBack: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="schedule-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(e) => {
        e.preventDefault();
        onBack();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div id={bodyId}>{children}</div>
      <div className="button-row">
        <button type="button" className="btn" onClick={onBack} autoFocus>
          {backLabel}
        </button>
        <button type="button" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} onClick={onConfirm} disabled={busy}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
