import { useId, useState, type FormEvent } from 'react';
import type { StaffRole } from '@shared/api/auth.schema';
import type { StaffMember } from '@shared/api/staff.schema';
import { Field } from '../../components/field';
import { usePageTitle } from '../../components/use-page-title';
import { ApiError } from '../../lib/api';
import { useCreateStaff, useResetPassword, useStaffList, type StaffWithPassword } from './staff-admin-api';

const ROLES: { value: StaffRole; label: string }[] = [
  { value: 'clinician', label: 'Clinician' },
  { value: 'scheduler', label: 'Scheduler' },
  { value: 'admin', label: 'Administrator' },
];

interface Issued {
  email: string;
  password: string;
  why: 'created' | 'reset';
}

/** Admin: list staff, add an account, reset a password. A new password is shown exactly once. */
export function StaffAdminPage() {
  usePageTitle('Staff');
  const list = useStaffList();
  const staff = list.data ?? null;
  const resetPassword = useResetPassword();
  const [issued, setIssued] = useState<Issued | null>(null);
  const loadError = list.error ? list.error.message || 'Could not load staff' : null;
  const resetError = resetPassword.error ? resetPassword.error.message || 'Could not reset the password' : null;

  function handleReset(member: StaffMember) {
    if (!window.confirm(`Reset the password for ${member.email}? They will be signed out everywhere.`)) return;
    resetPassword.mutate(member.id, { onSuccess: (r) => setIssued({ email: r.staff.email, password: r.password, why: 'reset' }) });
  }

  return (
    <div className="page">
      <h1>Staff</h1>
      {issued && <PasswordNotice issued={issued} onDone={() => setIssued(null)} />}
      <AddStaffForm onCreated={(r) => setIssued({ email: r.staff.email, password: r.password, why: 'created' })} />
      <section aria-labelledby="staff-list-heading" className="card">
        <h2 id="staff-list-heading">Accounts</h2>
        {(loadError ?? resetError) && (
          <p role="alert" className="alert alert-error">
            {loadError ?? resetError}
          </p>
        )}
        {!staff && !loadError && <p role="status">Loading…</p>}
        {staff && (
          <div className="table-wrap">
            <table className="stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {staff.map((m) => (
                  <tr key={m.id}>
                    <td>
                      <strong>{m.name}</strong>
                    </td>
                    <td className="break" data-label="Email">
                      {m.email}
                    </td>
                    <td data-label="Role">{ROLES.find((r) => r.value === m.role)?.label}</td>
                    <td data-label="Status">{m.active ? 'Active' : 'Deactivated'}</td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => handleReset(m)}
                        aria-label={`Reset password for ${m.email}`}
                      >
                        Reset password
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function PasswordNotice({ issued, onDone }: { issued: Issued; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert alert-success" role="status">
      <p>
        {issued.why === 'created' ? 'Account created' : 'Password reset'} for <strong>{issued.email}</strong>. Give them this password
        through a private channel; it will not be shown again.
      </p>
      <p className="password-line">
        <code data-testid="issued-password">{issued.password}</code>{' '}
        <button
          type="button"
          className="btn btn-small"
          onClick={() =>
            void navigator.clipboard?.writeText(issued.password).then(
              () => setCopied(true),
              () => undefined,
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>{' '}
        <button type="button" className="btn btn-small btn-quiet" onClick={onDone}>
          Done
        </button>
      </p>
    </div>
  );
}

function AddStaffForm({ onCreated }: { onCreated: (r: StaffWithPassword) => void }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<StaffRole>('clinician');
  const create = useCreateStaff();
  const err = create.error;
  const errors: Record<string, string> =
    err instanceof ApiError && err.code === 'validation_failed'
      ? err.fieldErrors()
      : err instanceof ApiError && err.status === 409
        ? { email: 'An account with this email already exists' }
        : {};
  const formError = err && Object.keys(errors).length === 0 ? err.message || 'Could not create the account' : null;
  const busy = create.isPending;

  function handleSubmit(e: FormEvent) {
    e.preventDefault();
    create.mutate(
      { email, name, role },
      {
        onSuccess: (r) => {
          setEmail('');
          setName('');
          onCreated(r);
        },
      },
    );
  }

  return (
    <section aria-labelledby={`${id}-h`} className="card">
      <h2 id={`${id}-h`}>Add a staff member</h2>
      <form onSubmit={handleSubmit} noValidate className="form-grid">
        {formError && (
          <p role="alert" className="alert alert-error">
            {formError}
          </p>
        )}
        <Field id={`${id}-name`} label="Full name" error={errors.name}>
          <input
            id={`${id}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="off"
            aria-invalid={!!errors.name}
            aria-describedby={errors.name ? `${id}-name-err` : undefined}
          />
        </Field>
        <Field id={`${id}-email`} label="Email" error={errors.email}>
          <input
            id={`${id}-email`}
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="off"
            aria-invalid={!!errors.email}
            aria-describedby={errors.email ? `${id}-email-err` : undefined}
          />
        </Field>
        <Field id={`${id}-role`} label="Role" error={errors.role}>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as StaffRole)}>
            {ROLES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </Field>
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add staff member'}
          </button>
        </div>
      </form>
    </section>
  );
}
