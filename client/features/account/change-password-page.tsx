import { useId, useState, type FormEvent } from 'react';
import { Field } from '../../components/field';
import { usePageTitle } from '../../components/use-page-title';
import { ApiError } from '../../lib/api';
import { useChangePassword } from './account-api';
import { NewPasswordField } from './password-fields';

/** `/account/password`: change one's own password (required once when someone else set it); none under SSO_ONLY. */
export function ChangePasswordPage({ required, ssoOnly = false }: { required: boolean; ssoOnly?: boolean }) {
  usePageTitle('Change password');
  const id = useId();
  const change = useChangePassword();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const err = change.error;
  const fieldErrors = err instanceof ApiError ? err.fieldErrors() : {};
  const formError = err && Object.keys(fieldErrors).length === 0 ? err.message || 'Could not change the password' : null;

  function handleSubmit(e: FormEvent) {
    e.preventDefault();
    change.mutate({ currentPassword, newPassword }, { onSuccess: () => (setCurrent(''), setNew('')) });
  }

  if (ssoOnly)
    return (
      <div className="page">
        <h1>Change password</h1>
        <p className="alert alert-info" role="status">
          This clinic signs in through its identity provider only, so passwords are not used here. Change your password with your identity
          provider.
        </p>
      </div>
    );

  return (
    <div className="page">
      <h1>Change password</h1>
      {required && (
        <p className="alert alert-info" role="status">
          Your password was set by someone else. Choose your own to continue.
        </p>
      )}
      {change.isSuccess && (
        <p className="alert alert-success" role="status">
          Password changed. You were signed out everywhere else.
        </p>
      )}
      <section className="card" aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`} className="visually-hidden">
          Your password
        </h2>
        <form onSubmit={handleSubmit} noValidate className="form-grid">
          {formError && (
            <p role="alert" className="alert alert-error">
              {formError}
            </p>
          )}
          <Field id={`${id}-current`} label="Current password" error={fieldErrors.currentPassword}>
            <input
              id={`${id}-current`}
              type="password"
              autoComplete="current-password"
              value={currentPassword}
              onChange={(e) => setCurrent(e.target.value)}
              aria-invalid={!!fieldErrors.currentPassword}
              aria-describedby={fieldErrors.currentPassword ? `${id}-current-err` : undefined}
            />
          </Field>
          <NewPasswordField id={`${id}-new`} value={newPassword} onChange={setNew} error={fieldErrors.newPassword} />
          <div>
            <button type="submit" className="btn btn-primary" disabled={change.isPending}>
              {change.isPending ? 'Saving…' : 'Change password'}
            </button>
          </div>
        </form>
      </section>
    </div>
  );
}
