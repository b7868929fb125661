import './two-factor.css';
import { useId, useState, type FormEvent } from 'react';
import type { StaffUser } from '@shared/api/auth.schema';
import type { TotpEnrolment as Enrolment } from '@shared/api/two-factor.schema';
import { ApiError } from '../../lib/api';
import { confirmTotpEnrolment, startTotpEnrolment } from './two-factor-api';

export interface TotpEnrolmentProps {
  /** The app is on and the person has seen the recovery codes; `user` when this finished a sign-in. */
  onFinished(user?: StaffUser): void;
}

/** The secret in groups of four, as authenticator apps show and accept it. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

function messageFor(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'invalid_code' || err.code === 'validation_failed')
      return 'That code is not right. Enter the 6 digits your app shows now.';
    if (err.code === 'challenge_expired' || err.status === 401) return 'This sign-in has expired. Go back and sign in again.';
    if (err.code === 'rate_limited') return 'Too many attempts. Please wait a few minutes and try again.';
    if (err.status === 409) return 'Two-step sign-in is already set up, or changed meanwhile. Reload the page.';
  }
  return 'Something went wrong. Please try again.';
}

/**
 * Sets up an authenticator app: a QR code (and the key for typing in), a code from the app to
 * confirm, then the ten recovery codes, shown once. Used at sign-in when the clinic requires a
 * second factor, and on the account page.
 */
export function TotpEnrolment({ onFinished }: TotpEnrolmentProps) {
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [code, setCode] = useState('');
  const [done, setDone] = useState<{ recoveryCodes: string[]; user?: StaffUser } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const codeId = useId();
  const keyId = useId();

  async function handleStart() {
    setBusy(true);
    setError(null);
    try {
      setEnrolment(await startTotpEnrolment());
    } catch (err) {
      setError(messageFor(err));
    } finally {
      setBusy(false);
    }
  }

  async function handleConfirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setDone(await confirmTotpEnrolment(code.replace(/\s/g, '')));
    } catch (err) {
      setError(messageFor(err));
    } finally {
      setBusy(false);
    }
  }

  const alert = error && (
    <div className="alert alert-error" role="alert">
      {error}
    </div>
  );

  if (done) {
    return (
      <section aria-labelledby={`${codeId}-codes`}>
        <h2 id={`${codeId}-codes`}>Save your recovery codes</h2>
        <p>
          Two-step sign-in is on. If you lose your phone, each of these codes signs you in once instead of a code from the app. Keep them
          somewhere safe: they are not shown again.
        </p>
        <ol className="recovery-codes" aria-label="Recovery codes">
          {done.recoveryCodes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ol>
        <button type="button" className="btn btn-primary btn-block" onClick={() => onFinished(done.user)}>
          I have saved my recovery codes
        </button>
      </section>
    );
  }

  if (!enrolment) {
    return (
      <div>
        {alert}
        <p>You need an authenticator app on your phone, for example one from your phone&apos;s maker or your clinic&apos;s IT team.</p>
        <button type="button" className="btn btn-primary btn-block" onClick={() => void handleStart()} disabled={busy}>
          {busy ? 'Preparing…' : 'Set up an authenticator app'}
        </button>
      </div>
    );
  }

  return (
    <form onSubmit={(e) => void handleConfirm(e)} noValidate>
      {alert}
      <p>Scan this code with your authenticator app.</p>
      <img className="totp-qr" src={enrolment.qrCode} width={200} height={200} alt="QR code for your authenticator app" />
      <p id={keyId}>
        Cannot scan it? Enter this key in the app instead:{' '}
        <code className="totp-secret" data-secret={enrolment.secret}>
          {grouped(enrolment.secret)}
        </code>
      </p>
      <label htmlFor={codeId}>6-digit code from the app</label>
      <input
        id={codeId}
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9 ]*"
        maxLength={7}
        required
        aria-describedby={keyId}
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
        {busy ? 'Checking…' : 'Turn on two-step sign-in'}
      </button>
    </form>
  );
}
