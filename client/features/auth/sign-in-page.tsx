import { useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { usePageTitle } from '../../components/use-page-title';
import { ApiError } from '../../lib/api';
import { useSession } from './use-session';

export function SignInPage() {
  usePageTitle('Sign in');
  const { user, signIn } = useSession();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (user) {
    const from = (location.state as { from?: string } | null)?.from;
    return <Navigate to={from && from.startsWith('/') ? from : '/'} replace />;
  }

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'rate_limited') setError('Too many attempts. Please wait a few minutes and try again.');
      else if (err instanceof ApiError && err.status === 401) setError('That email and password do not match. Check both and try again.');
      else setError(err instanceof Error ? err.message : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand" aria-hidden="true">
          <span className="brand-mark" /> Alcove
        </p>
        <h1>Staff sign in</h1>
        <p className="muted">Patients do not need an account: they join from the link in their invitation.</p>
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
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
