import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import type { StaffUser } from '@shared/api/auth.schema';
import { usePageTitle } from '../../components/use-page-title';
import { ApiError } from '../../lib/api';
import { sessionKey } from './session-api';
import { TotpEnrolment } from './totp-enrolment';
import { startSso, useSecondFactor, useSsoConfig } from './two-factor-api';
import { useSession } from './use-session';

type Step = 'password' | 'totp' | 'enrol';

export function SignInPage() {
  usePageTitle('Sign in');
  const { user } = useSession();
  const location = useLocation();
  const [step, setStep] = useState<Step>('password');

  if (user) {
    const from = (location.state as { from?: string } | null)?.from;
    return <Navigate to={from && from.startsWith('/') ? from : '/'} replace />;
  }

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand" aria-hidden="true">
          <span className="brand-mark" /> Alcove
        </p>
        {step === 'password' && <PasswordStep onNext={setStep} />}
        {step === 'totp' && <CodeStep onRestart={() => setStep('password')} />}
        {step === 'enrol' && <EnrolStep />}
      </div>
    </main>
  );
}

function PasswordStep({ onNext }: { onNext(step: Step): void }) {
  const { signIn } = useSession();
  const sso = useSsoConfig();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ssoOnly = sso.data?.ssoOnly === true;

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const next = await signIn(email, password);
      if (next !== 'done') onNext(next);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'rate_limited') setError('Too many attempts. Please wait a few minutes and try again.');
      else if (err instanceof ApiError && err.code === 'sso_only')
        setError('This clinic signs in through its identity provider only. Use the button above.');
      else if (err instanceof ApiError && err.status === 401) setError('That email and password do not match. Check both and try again.');
      else setError(err instanceof Error ? err.message : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  }

  async function handleSso() {
    setError(null);
    try {
      await startSso();
    } catch {
      setError('The clinic’s sign-in service cannot be reached. Try again in a minute.');
    }
  }

  return (
    <>
      <h1>Staff sign in</h1>
      <p className="muted">Patients do not need an account: they join from the link in their invitation.</p>
      {sso.data?.enabled && (
        <p>
          <button type="button" className="btn btn-primary btn-block" onClick={() => void handleSso()}>
            {sso.data.label ?? 'Sign in with your clinic account'}
          </button>
        </p>
      )}
      {ssoOnly && error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {!ssoOnly && (
        <form onSubmit={(e) => void handleSubmit(e)} noValidate>
          {error && (
            <div className="alert alert-error" role="alert">
              {error}
            </div>
          )}
          <label htmlFor="email">Email</label>
          <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" className={`btn btn-block ${sso.data?.enabled ? '' : 'btn-primary'}`} disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
    </>
  );
}

/** The second step: a code from the authenticator app, or one of the recovery codes. */
function CodeStep({ onRestart }: { onRestart(): void }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const { mutateAsync, isPending } = useSecondFactor();

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await mutateAsync(code.trim());
    } catch (err) {
      if (err instanceof ApiError && err.code === 'challenge_expired') {
        setError('This sign-in has expired or had too many wrong codes. Sign in again with your email and password.');
      } else if (err instanceof ApiError && err.code === 'rate_limited')
        setError('Too many attempts. Please wait a few minutes and try again.');
      else setError('That code is not right, or was already used. Enter the code your app shows now, or a recovery code.');
    }
  }

  return (
    <>
      <h1>Two-step sign-in</h1>
      <form onSubmit={(e) => void handleSubmit(e)} noValidate>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <label htmlFor="code">Code from your authenticator app</label>
        <p className="muted" id="code-hint">
          Lost your phone? Enter one of your recovery codes instead.
        </p>
        <input
          id="code"
          autoComplete="one-time-code"
          autoCapitalize="none"
          spellCheck={false}
          required
          aria-describedby="code-hint"
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        <button type="submit" className="btn btn-primary btn-block" disabled={isPending}>
          {isPending ? 'Checking…' : 'Continue'}
        </button>
        <button type="button" className="btn btn-quiet btn-block" onClick={onRestart}>
          Start again
        </button>
      </form>
    </>
  );
}

/** The clinic requires a second factor and this account has none yet: set one up to finish signing in. */
function EnrolStep() {
  const queryClient = useQueryClient();
  return (
    <>
      <h1>Set up two-step sign-in</h1>
      <p className="muted">
        Your clinic asks everyone in your role to sign in with a code from an authenticator app as well as a password.
      </p>
      <TotpEnrolment onFinished={(user?: StaffUser) => user && queryClient.setQueryData<StaffUser | null>(sessionKey, user)} />
    </>
  );
}
