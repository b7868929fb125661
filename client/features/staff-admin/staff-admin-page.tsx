import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { StaffRole } from '@shared/api/auth.schema';
import type { StaffMember } from '@shared/api/staff.schema';
import { Field } from '../../components/field';
import { usePageTitle } from '../../components/use-page-title';
import { api, ApiError } from '../../lib/api';

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
  const [staff, setStaff] = useState<StaffMember[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [issued, setIssued] = useState<Issued | null>(null);

  const reload = useCallback(() => {
    api<{ staff: StaffMember[] }>('GET', '/api/staff')
      .then((r) => setStaff(r.staff))
      .catch((e: unknown) => setLoadError(e instanceof Error ? e.message : 'Could not load staff'));
  }, []);
  useEffect(reload, [reload]);

  async function handleReset(member: StaffMember) {
    if (!window.confirm(`Reset the password for ${member.email}? They will be signed out everywhere.`)) return;
    const r = await api<{ staff: StaffMember; password: string }>('POST', `/api/staff/${member.id}/reset-password`);
    setIssued({ email: r.staff.email, password: r.password, why: 'reset' });
  }

  return (
    <div className="page">
      <h1>Staff</h1>
      {issued && <PasswordNotice issued={issued} onDone={() => setIssued(null)} />}
      <AddStaffForm
        onCreated={(member, password) => {
          setIssued({ email: member.email, password, why: 'created' });
          reload();
        }}
      />
      <section aria-labelledby="staff-list-heading" className="card">
        <h2 id="staff-list-heading">Accounts</h2>
        {loadError && (
          <p role="alert" className="alert alert-error">
            {loadError}
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
                    <td className="break" data-label="Email">{m.email}</td>
                    <td data-label="Role">{ROLES.find((r) => r.value === m.role)?.label}</td>
                    <td data-label="Status">{m.active ? 'Active' : 'Deactivated'}</td>
                    <td>
                      <button type="button" className="btn btn-small" onClick={() => void handleReset(m)} aria-label={`Reset password for ${m.email}`}>
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
          onClick={() => void navigator.clipboard?.writeText(issued.password).then(() => setCopied(true), () => undefined)}
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

function AddStaffForm({ onCreated }: { onCreated: (m: StaffMember, password: string) => void }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<StaffRole>('clinician');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      const r = await api<{ staff: StaffMember; password: string }>('POST', '/api/staff', { email, name, role });
      setEmail('');
      setName('');
      onCreated(r.staff, r.password);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') setErrors(err.fieldErrors());
      else if (err instanceof ApiError && err.status === 409) setErrors({ email: 'An account with this email already exists' });
      else setFormError(err instanceof Error ? err.message : 'Could not create the account');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-h`} className="card">
      <h2 id={`${id}-h`}>Add a staff member</h2>
      <form onSubmit={(e) => void handleSubmit(e)} noValidate className="form-grid">
        {formError && (
          <p role="alert" className="alert alert-error">
            {formError}
          </p>
        )}
        <Field id={`${id}-name`} label="Full name" error={errors.name}>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" aria-invalid={!!errors.name} aria-describedby={errors.name ? `${id}-name-err` : undefined} />
        </Field>
        <Field id={`${id}-email`} label="Email" error={errors.email}>
          <input id={`${id}-email`} type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" aria-invalid={!!errors.email} aria-describedby={errors.email ? `${id}-email-err` : undefined} />
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
