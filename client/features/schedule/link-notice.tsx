import { useEffect, useId, useRef, useState } from 'react';
import type { PatientLink } from '@shared/api/visits.schema';
import { formatDayTime } from './local-time';
import { downloadPatientInvite } from './schedule-api';

/**
 * A freshly issued patient link. The server keeps only its hash, so this is the one time anyone
 * can copy it or put it in the patient's calendar invite.
 */
export function LinkNotice({ visitId, link, why, onDone }: { visitId: string; link: PatientLink; why: 'created' | 'reissued'; onDone: () => void }) {
  const id = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [status, setStatus] = useState('');
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => headingRef.current?.focus(), []);

  async function handleCopy() {
    setFailed(null);
    try {
      await navigator.clipboard.writeText(link.url);
      setStatus('Link copied');
    } catch {
      // Clipboard access can be refused; the field is selectable as a fallback.
      (document.getElementById(`${id}-url`) as HTMLInputElement | null)?.select();
      setStatus('Copying was blocked: the link is selected, press Ctrl+C or ⌘C');
    }
  }

  async function handleDownload() {
    setFailed(null);
    try {
      await downloadPatientInvite(visitId, link.url);
      setStatus('Invite downloaded');
    } catch (err) {
      setFailed(err instanceof Error ? err.message : 'Could not make the invite');
    }
  }

  return (
    <section className="alert alert-success link-notice" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} ref={headingRef} tabIndex={-1}>
        {why === 'created' ? 'Visit created' : 'New patient link issued'}
      </h2>
      <p>
        Send this link to the patient. It is shown only now: copy it or download the invite before you close this.
        {why === 'reissued' ? ' The previous link no longer works.' : ''}
      </p>
      <label htmlFor={`${id}-url`}>Patient link</label>
      <input id={`${id}-url`} className="link-url" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
      <p className="muted">
        Opens {formatDayTime(link.opensAt)}, works until {formatDayTime(link.expiresAt)}.
      </p>
      <div className="button-row">
        <button type="button" className="btn btn-primary" onClick={() => void handleCopy()}>
          Copy link
        </button>
        <button type="button" className="btn" onClick={() => void handleDownload()}>
          Download patient invite
        </button>
        <button type="button" className="btn btn-quiet" onClick={onDone}>
          Done
        </button>
      </div>
      <p role="status" className="copy-status">
        {status}
      </p>
      {failed && (
        <p role="alert" className="alert alert-error">
          {failed}
        </p>
      )}
    </section>
  );
}
