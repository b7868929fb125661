import { useId, useState, type FormEvent } from 'react';
import type { StaffRole } from '@shared/api/auth.schema';
import type { StaffMember } from '@shared/api/staff.schema';
import { Field } from '../../components/field';
import { usePageTitle } from '../../components/use-page-title';
import { ApiError } from '../../lib/api';
import {
  useCreateStaff,
  useResetPassword,
  useResetSecondFactor,
  useStaffList,
  useUpdateStaff,
  type StaffWithInvitation,
} from './staff-admin-api';

const ROLES: { value: StaffRole; label: string }[] = [
  { value: 'clinician', label: 'Clinician' },
  { value: 'scheduler', label: 'Scheduler' },
  { value: 'admin', label: 'Administrator' },
];

interface Issued {
  email: string;
  url: string;
  expiresAt: string;
  why: 'created' | 'reset';
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Admin: list staff, invite, reset a password, rename, change role, deactivate. A link is shown exactly once. */
export function StaffAdminPage() {
  usePageTitle('Staff');
  const list = useStaffList();
  const staff = list.data ?? null;
  const resetPassword = useResetPassword();
  const update = useUpdateStaff();
  const resetSecondFactor = useResetSecondFactor();
  const [issued, setIssued] = useState<Issued | null>(null);
  const loadError = list.error ? list.error.message || 'Could not load staff' : null;
  const resetError = resetPassword.error ? resetPassword.error.message || 'Could not reset the password' : null;
  const changeError = update.error ?? resetSecondFactor.error;
  const updateError = changeError ? changeError.message || 'Could not change the account' : null;
  const show = (r: StaffWithInvitation, why: Issued['why']) =>
    setIssued({ email: r.staff.email, url: r.invitation.url, expiresAt: r.invitation.expiresAt, why });

  function handleReset(member: StaffMember) {
    const what = member.passwordSet ? 'Reset the password for' : 'Send a new invitation link to';
    if (!window.confirm(`${what} ${member.email}? Their current password stops working and they are signed out everywhere.`)) return;
    resetPassword.mutate(member.id, { onSuccess: (r) => show(r, 'reset') });
  }

  function handleActive(member: StaffMember) {
    if (member.active && !window.confirm(`Deactivate ${member.email}? They are signed out everywhere at once.`)) return;
    update.mutate({ id: member.id, patch: { active: !member.active } });
  }

  function handleResetSecondFactor(member: StaffMember) {
    if (!window.confirm(`Remove the authenticator app of ${member.email}? They are signed out everywhere.`)) return;
    resetSecondFactor.mutate(member.id);
  }

  function handleRename(member: StaffMember) {
    const name = window.prompt(`New name for ${member.email}`, member.name)?.trim();
    if (name && name !== member.name) update.mutate({ id: member.id, patch: { name } });
  }

  return (
    <div className="page">
      <h1>Staff</h1>
      {issued && <LinkNotice issued={issued} onDone={() => setIssued(null)} />}
      <AddStaffForm onCreated={(r) => show(r, 'created')} />
      <section aria-labelledby="staff-list-heading" className="card">
        <h2 id="staff-list-heading">Accounts</h2>
        {(loadError ?? resetError ?? updateError) && (
          <p role="alert" className="alert alert-error">
            {loadError ?? resetError ?? updateError}
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
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Two-factor</th>
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
                    <td data-label="Role">
                      <select
                        aria-label={`Role for ${m.email}`}
                        value={m.role}
                        disabled={update.isPending}
                        onChange={(e) => update.mutate({ id: m.id, patch: { role: e.target.value as StaffRole } })}
                      >
                        {ROLES.map((r) => (
                          <option key={r.value} value={r.value}>
                            {r.label}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td data-label="Status">
                      {!m.active ? 'Deactivated' : m.passwordSet ? 'Active' : m.invitationExpiresAt ? 'Invited' : 'Invitation expired'}
                    </td>
                    <td data-label="Last sign-in">{m.lastSignInAt ? when(m.lastSignInAt) : 'Never'}</td>
                    <td data-label="Two-factor">
                      {m.twoFactorEnabled ? 'On' : 'Off'}
                      {m.twoFactorEnabled && (
                        <>
                          {' '}
                          <button
                            type="button"
                            className="btn btn-small"
                            onClick={() => handleResetSecondFactor(m)}
                            aria-label={`Reset two-step sign-in for ${m.email}`}
                          >
                            Reset
                          </button>
                        </>
                      )}
                    </td>
                    <td className="row-actions">
                      <button type="button" className="btn btn-small" onClick={() => handleRename(m)} aria-label={`Rename ${m.email}`}>
                        Rename
                      </button>{' '}
                      {m.active && (
                        <button
                          type="button"
                          className="btn btn-small"
                          onClick={() => handleReset(m)}
                          aria-label={`${m.passwordSet ? 'Reset password for' : 'New invitation link for'} ${m.email}`}
                        >
                          {m.passwordSet ? 'Reset password' : 'New link'}
                        </button>
                      )}{' '}
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => handleActive(m)}
                        aria-label={`${m.active ? 'Deactivate' : 'Reactivate'} ${m.email}`}
                      >
                        {m.active ? 'Deactivate' : 'Reactivate'}
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

function LinkNotice({ issued, onDone }: { issued: Issued; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert alert-success" role="status">
      <p>
        {issued.why === 'created' ? 'Account created' : 'New link issued'} for <strong>{issued.email}</strong>. Send them this one-time link
        through a private channel; they choose their own password with it. It works once, until {when(issued.expiresAt)}, and will not be
        shown again.
      </p>
      <p className="password-line">
        <code data-testid="issued-link" className="break">
          {issued.url}
        </code>{' '}
        <button
          type="button"
          className="btn btn-small"
          onClick={() =>
            void navigator.clipboard?.writeText(issued.url).then(
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

function AddStaffForm({ onCreated }: { onCreated: (r: StaffWithInvitation) => void }) {
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
