import { useState, type FormEvent } from 'react';
import { WAITING_PRESETS, type WaitingMessage, type WaitingMessageRequest } from '@shared/api/waiting-room.schema';

/** How each preset reads to staff; the patient sees it in their own language. */
export const PRESET_LABELS: Record<(typeof WAITING_PRESETS)[number], string> = {
  running_late_5: 'Running about 5 minutes late',
  running_late_10: 'Running about 10 minutes late',
  running_late_15: 'Running about 15 minutes late',
  starting_soon: 'Starting soon',
};

const CUSTOM = 'custom';
const MAX_TEXT = 140;

const keyOf = (m: WaitingMessage | null) => (m ? ('preset' in m ? `preset:${m.preset}` : `text:${m.text}`) : '');
const choiceOf = (m: WaitingMessage | null): string => (m ? ('preset' in m ? m.preset : CUSTOM) : WAITING_PRESETS[1]);
const textOf = (m: WaitingMessage | null) => (m && 'text' in m ? m.text : '');

/**
 * The one-way message patients see in the waiting room: a preset (translated for the patient) or a
 * short text. Free text is shown as typed, so the hint asks for no clinical details.
 */
export function WaitingMessageControl({
  current,
  anyoneWaiting,
  disabled,
  busy,
  onSend,
}: {
  current: WaitingMessage | null;
  /** While nobody waits the control folds away to one line. */
  anyoneWaiting: boolean;
  disabled: boolean;
  busy: boolean;
  onSend: (req: WaitingMessageRequest) => Promise<boolean>;
}) {
  const [choice, setChoice] = useState<string>(() => choiceOf(current));
  const [text, setText] = useState(() => textOf(current));
  const [error, setError] = useState<string | null>(null);
  // The picker follows the message that is showing, also when another clinician changes it.
  const [shown, setShown] = useState(() => keyOf(current));
  if (shown !== keyOf(current)) {
    setShown(keyOf(current));
    setChoice(choiceOf(current));
    setText(textOf(current));
  }

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    if (choice === CUSTOM) {
      const trimmed = text.trim();
      if (!trimmed) return setError('Type a message, or choose one of the ready-made ones.');
      setError(null);
      await onSend({ text: trimmed });
      return;
    }
    setError(null);
    await onSend({ preset: choice as (typeof WAITING_PRESETS)[number] });
  }

  const currentLabel = current ? ('preset' in current ? PRESET_LABELS[current.preset] : `“${current.text}”`) : null;

  const form = (
    <form onSubmit={(e) => void handleSubmit(e)} noValidate>
      <div className="field">
        <label htmlFor="waiting-message-choice">Message</label>
        <select id="waiting-message-choice" value={choice} onChange={(e) => setChoice(e.target.value)}>
          {WAITING_PRESETS.map((p) => (
            <option key={p} value={p}>
              {PRESET_LABELS[p]}
            </option>
          ))}
          <option value={CUSTOM}>Write my own…</option>
        </select>
      </div>
      {choice === CUSTOM && (
        <div className="field">
          <label htmlFor="waiting-message-text">Your message</label>
          <p className="field-hint" id="waiting-message-text-hint">
            Up to {MAX_TEXT} characters. Shown exactly as typed (not translated). No clinical details.
          </p>
          <input
            id="waiting-message-text"
            maxLength={MAX_TEXT}
            value={text}
            aria-describedby={`waiting-message-text-hint${error ? ' waiting-message-text-err' : ''}`}
            aria-invalid={error ? true : undefined}
            onChange={(e) => setText(e.target.value)}
          />
          {error && (
            <p className="field-error" id="waiting-message-text-err">
              {error}
            </p>
          )}
        </div>
      )}
      <div className="button-row">
        <button type="submit" className="btn btn-primary" disabled={disabled || busy}>
          Show message
        </button>
        <button type="button" className="btn" disabled={disabled || busy} onClick={() => void onSend({ preset: null })}>
          Clear message
        </button>
      </div>
    </form>
  );
  const status = (
    <p className="muted" role="status" data-testid="waiting-message-showing">
      {currentLabel ? <>Showing now: {currentLabel}</> : 'No message is showing.'}
    </p>
  );

  if (!anyoneWaiting) {
    return (
      <details className="waiting-message-control waiting-message-fold" data-testid="waiting-message-folded">
        <summary>
          <span className="fold-title">Message to the waiting room</span>
          <span className="muted fold-note">{currentLabel ? `Showing: ${currentLabel}` : 'Nobody is waiting'}</span>
        </summary>
        {status}
        {form}
      </details>
    );
  }
  return (
    <section aria-labelledby="message-heading" className="waiting-message-control">
      <h2 id="message-heading">Message to the waiting room</h2>
      {status}
      {form}
    </section>
  );
}
