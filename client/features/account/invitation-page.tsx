import { useId, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Field } from '../../components/field';
import { usePageTitle } from '../../components/use-page-title';
import { ApiError } from '../../lib/api';
import { useAcceptInvitation, useInvitation } from './account-api';
import { NewPasswordField } from './password-fields';

const HEADINGS = { invite: 'Set your password', reset: 'Choose a new password', setup: 'Create the administrator account' } as const;

/**
 * `/invite/:token`: the person chooses their own password through a one-time link, and is signed in.
 * `ssoOnly` (SSO_ONLY, the server refuses every password): the page says to use single sign-on instead.
 */
export function InvitationPage({ ssoOnly = false }: { ssoOnly?: boolean }) {
  usePageTitle('Set your password');
  const { token = '' } = useParams();
  const id = useId();
  const navigate = useNavigate();
  const invitation = useInvitation(token);
  const accept = useAcceptInvitation();
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');

  const err = accept.error;
  const fieldErrors = err instanceof ApiError ? err.fieldErrors() : {};
  const formError = err && Object.keys(fieldErrors).length === 0 ? err.message || 'Could not set the password' : null;

  function handleSubmit(e: FormEvent) {
    e.preventDefault();
    const setup = invitation.data?.purpose === 'setup';
    accept.mutate({ token, password, ...(setup ? { email, name } : {}) }, { onSuccess: () => void navigate('/', { replace: true }) });
  }

  const linkError = invitation.error;
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand" aria-hidden="true">
          <span className="brand-mark" /> Alcove
        </p>
        {ssoOnly && (
          <>
            <h1>Sign in with single sign-on</h1>
            <p role="status" className="alert alert-info">
              This clinic signs in through its identity provider only, so you do not need a password here. Use the single sign-on button on
              the sign-in page.
            </p>
            <p>
              <Link to="/signin">Go to sign in</Link>
            </p>
          </>
        )}
        {!ssoOnly && invitation.isPending && <p role="status">Checking your link…</p>}
        {!ssoOnly && linkError && (
          <>
            <h1>This link cannot be used</h1>
            <p role="alert" className="alert alert-error">
              {linkError instanceof ApiError && linkError.status === 410
                ? linkError.message
                : 'This link is not valid. Ask your administrator for a new one.'}
            </p>
            <p>
              <Link to="/signin">Go to sign in</Link>
            </p>
          </>
        )}
        {!ssoOnly && invitation.data && (
          <>
            <h1>{HEADINGS[invitation.data.purpose]}</h1>
            {invitation.data.email && (
              <p className="muted">
                For <strong>{invitation.data.email}</strong>. This link works once.
              </p>
            )}
            <form onSubmit={handleSubmit} noValidate>
              {formError && (
                <p role="alert" className="alert alert-error">
                  {formError}
                </p>
              )}
              {invitation.data.purpose === 'setup' && (
                <>
                  <Field id={`${id}-name`} label="Your full name" error={fieldErrors.name}>
                    <input
                      id={`${id}-name`}
                      autoComplete="name"
                      value={name}
                      onChange={(e) => setName(e.target.value)}
                      aria-invalid={!!fieldErrors.name}
                    />
                  </Field>
                  <Field id={`${id}-email`} label="Your email" error={fieldErrors.email}>
                    <input
                      id={`${id}-email`}
                      type="email"
                      autoComplete="username"
                      value={email}
                      onChange={(e) => setEmail(e.target.value)}
                      aria-invalid={!!fieldErrors.email}
                    />
                  </Field>
                </>
              )}
              <NewPasswordField id={`${id}-password`} value={password} onChange={setPassword} error={fieldErrors.password} />
              <button type="submit" className="btn btn-primary btn-block" disabled={accept.isPending}>
                {accept.isPending ? 'Saving…' : 'Set password and sign in'}
              </button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}
