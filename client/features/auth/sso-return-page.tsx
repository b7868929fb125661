import { useEffect, useRef, useState } from 'react';
import { Link, Navigate } from 'react-router';
import { usePageTitle } from '../../components/use-page-title';
import { ApiError } from '../../lib/api';
import { useSsoCallback } from './two-factor-api';
import { useSession } from './use-session';

const MESSAGES: Partial<Record<string, string>> = {
  sso_invalid_state: 'This sign-in did not start on this device or took too long. Please start again.',
  sso_rejected: 'Your identity provider refused this sign-in (the link may have been used already). Please start again.',
  sso_invalid_token: 'The answer from your identity provider could not be trusted, so you were not signed in.',
  sso_email_unverified: 'Your identity provider has not verified your email address, so it cannot sign you in here.',
  sso_no_account: 'There is no active staff account for your email address. Ask your clinic’s administrator.',
  sso_unavailable: 'The clinic’s sign-in service cannot be reached. Try again in a minute.',
};

/**
 * Where the clinic's identity provider sends the browser back (`/signin/sso?code=…&state=…`): hands
 * the answer to the server once, then goes to the start page signed in, or says why not.
 */
export function SsoReturnPage() {
  usePageTitle('Signing in');
  const { user } = useSession();
  const { mutate, error, isSuccess } = useSsoCallback();
  const [problem] = useState(() => {
    const q = new URLSearchParams(window.location.search);
    return q.get('error')
      ? 'Sign-in at your identity provider was cancelled or failed.'
      : !q.get('code') || !q.get('state')
        ? 'This address is incomplete.'
        : null;
  });
  const sent = useRef(false);

  useEffect(() => {
    if (problem || sent.current) return;
    // Once only (the code works once), even when React runs this effect twice in development.
    sent.current = true;
    const q = new URLSearchParams(window.location.search);
    mutate({ code: q.get('code') ?? '', state: q.get('state') ?? '', ...(q.get('iss') ? { iss: q.get('iss')! } : {}) });
  }, [mutate, problem]);

  if (user && isSuccess) return <Navigate to="/" replace />;
  const message = problem ?? (error ? (error instanceof ApiError && MESSAGES[error.code]) || 'Sign-in failed. Please start again.' : null);

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>Signing in</h1>
        {message ? (
          <>
            <div className="alert alert-error" role="alert">
              {message}
            </div>
            <p>
              <Link to="/signin">Back to sign in</Link>
            </p>
          </>
        ) : (
          <p role="status" aria-busy="true">
            Checking with your clinic’s identity provider…
          </p>
        )}
      </div>
    </main>
  );
}
