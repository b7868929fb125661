import type { Kysely } from 'kysely';
import type { AcceptInvitationRequest, IssuedInvitation } from '@shared/api/account.schema';
import type { AuditAction } from '@shared/api/audit.schema';
import type { CreateStaffRequest, UpdateStaffRequest } from '@shared/api/staff.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import { hashPassword, passwordProblem, verifyPassword } from '../auth/password';
import { revokeStaffSessions } from '../auth/session';
import {
  NO_PASSWORD,
  claimInvitation,
  findInvitationByToken,
  findStaffByEmail,
  findStaffById,
  insertInvitation,
  insertStaff,
  revokeInvitations,
  updateStaff,
  type StaffInvitationRow,
  type StaffRow,
} from '../auth/staff.store';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';

/** Where revocations reach open sockets (server/realtime/revocation.ts, through the session manager). Post-commit, never throws. */
export interface SignOut {
  /** Ends every session of the account and drops its sockets on every process. */
  revokeAllForStaff(staffId: string): Promise<void>;
  /** Ends one session and drops its sockets. */
  revoke(sessionId: string): Promise<void>;
}

export interface StaffDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  /** The address people reach us on: links are built from it. */
  publicUrl: string;
  inviteHours: number;
  signOut: SignOut;
}

const SETUP_LINK_HOURS = 24;

/** The page a one-time link opens; the token is a path segment like a patient's join link. */
export const invitationUrl = (publicUrl: string, token: string) => `${publicUrl.replace(/\/$/, '')}/invite/${token}`;

const issued = (publicUrl: string, token: string, row: StaffInvitationRow): IssuedInvitation => ({
  url: invitationUrl(publicUrl, token),
  expiresAt: row.expires_at,
});

const hoursFromNow = (h: number) => new Date(Date.now() + h * 3600_000);

/**
 * Creates an account without going through the admin screen (tests, benchmarks, the CLI). With a
 * password, `mustChangePassword` decides whether it must be replaced at first sign-in (the CLI
 * sets it: that password was chosen by someone else); without one, the account can only be
 * entered through an invitation. Not audited: callers that act for a person audit themselves.
 */
export async function createStaffAccount(
  db: Kysely<DB>,
  input: CreateStaffRequest,
  password?: string,
  opts: { mustChangePassword?: boolean } = {},
): Promise<{ staff: StaffRow }> {
  const passwordHash = password === undefined ? NO_PASSWORD : await hashPassword(password);
  const staff = await insertStaff(db, {
    ...input,
    passwordHash,
    mustChangePassword: password !== undefined && opts.mustChangePassword === true,
  });
  return { staff };
}

/** An admin (or the CLI) adds an account: no password, a one-time invitation link shown once, both audited with the insert. */
export async function inviteStaffMember(
  deps: StaffDeps,
  ctx: AuditContext,
  input: CreateStaffRequest,
): Promise<{ staff: StaffRow; invitation: IssuedInvitation }> {
  return deps.auditor.transaction(async (trx) => {
    const staff = await insertStaff(trx, { ...input, passwordHash: NO_PASSWORD });
    const { token, invitation } = await insertInvitation(trx, {
      staffId: staff.id,
      purpose: 'invite',
      expiresAt: hoursFromNow(deps.inviteHours),
    });
    await deps.auditor.record(
      trx,
      ctx,
      { action: 'staff.created', targets: { staffId: staff.id } },
      { action: 'staff.invitation_issued', targets: { staffId: staff.id } },
    );
    return { staff, invitation: issued(deps.publicUrl, token, invitation) };
  });
}

/**
 * A reset: the old password stops working, every session ends, and a one-time link lets the person
 * choose a new one. Also re-sends an invitation that expired. Undefined when there is no such account.
 */
export async function resetStaffPassword(
  deps: StaffDeps,
  ctx: AuditContext,
  id: string,
): Promise<{ staff: StaffRow; invitation: IssuedInvitation } | undefined> {
  const result = await deps.auditor.transaction(async (trx) => {
    const before = await findStaffById(trx, id);
    if (!before) return undefined;
    if (!before.active) throw new HttpError(409, 'conflict', 'Reactivate the account first');
    const staff = await updateStaff(trx, id, { password_hash: NO_PASSWORD, must_change_password: 0 });
    if (!staff) return undefined;
    await revokeStaffSessions(trx, id);
    const purpose = before.password_hash === NO_PASSWORD ? 'invite' : 'reset';
    const { token, invitation } = await insertInvitation(trx, { staffId: id, purpose, expiresAt: hoursFromNow(deps.inviteHours) });
    await deps.auditor.record(
      trx,
      ctx,
      { action: 'staff.password_reset', targets: { staffId: id } },
      { action: 'staff.invitation_issued', targets: { staffId: id } },
    );
    return { staff, invitation: issued(deps.publicUrl, token, invitation) };
  });
  if (result) await deps.signOut.revokeAllForStaff(id);
  return result;
}

/**
 * Renames, changes the role, deactivates or reactivates. Any change signs the account out
 * everywhere (sessions and sockets); each kind of change is its own audit entry. Deactivation also
 * voids the account's unused links. Undefined when there is no such account.
 */
export async function updateStaffAccount(
  deps: StaffDeps,
  ctx: AuditContext,
  id: string,
  patch: UpdateStaffRequest,
): Promise<StaffRow | undefined> {
  const result = await deps.auditor.transaction(async (trx) => {
    const before = await findStaffById(trx, id);
    if (!before) return undefined;
    const actions: AuditAction[] = [];
    if (patch.name !== undefined && patch.name !== before.name) actions.push('staff.renamed');
    if (patch.role !== undefined && patch.role !== before.role) actions.push('staff.role_changed');
    if (patch.active !== undefined && patch.active !== (before.active === 1))
      actions.push(patch.active ? 'staff.reactivated' : 'staff.deactivated');
    if (!actions.length) return { staff: before, changed: false };
    const staff = await updateStaff(trx, id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
    });
    if (!staff) return undefined;
    await revokeStaffSessions(trx, id);
    if (patch.active === false) await revokeInvitations(trx, id);
    await deps.auditor.record(trx, ctx, ...actions.map((action) => ({ action, targets: { staffId: id } })));
    return { staff, changed: true };
  });
  if (result?.changed) await deps.signOut.revokeAllForStaff(id);
  return result?.staff;
}

/** Why a link cannot be used, as the API answers it: 404 for no such link, 410 once used, expired or replaced. */
function unusable(row: StaffInvitationRow | undefined, staff: StaffRow | undefined): HttpError | undefined {
  if (!row) return new HttpError(404, 'not_found', 'This link is not valid');
  if (row.used_at) return new HttpError(410, 'invitation_used', 'This link has already been used');
  if (row.revoked_at || row.expires_at <= new Date().toISOString() || (row.staff_id && !staff?.active)) {
    return new HttpError(410, 'invitation_expired', 'This link has expired. Ask your administrator for a new one.');
  }
  return undefined;
}

/** What the set-password page shows for a link; throws 404/410 for a link that cannot be used. */
export async function lookupInvitation(db: Kysely<DB>, token: string): Promise<{ invitation: StaffInvitationRow; staff?: StaffRow }> {
  const invitation = await findInvitationByToken(db, token);
  const staff = invitation?.staff_id ? await findStaffById(db, invitation.staff_id) : undefined;
  const problem = unusable(invitation, staff);
  if (problem || !invitation) throw problem;
  return { invitation, ...(staff ? { staff } : {}) };
}

/**
 * Sets the person's own password through a one-time link (an invitation, a reset, or the
 * first-start setup link, which also creates the first administrator). The link is claimed by a
 * guarded update in the same transaction, so of two requests with one link exactly one succeeds.
 * Returns the account, ready to be signed in.
 */
export async function acceptInvitation(deps: StaffDeps, ctx: AuditContext, input: AcceptInvitationRequest): Promise<StaffRow> {
  const { invitation, staff: invited } = await lookupInvitation(deps.db, input.token);
  const isSetup = invitation.purpose === 'setup';
  if (isSetup && (!input.email || !input.name))
    throw new HttpError(400, 'validation_failed', 'Enter your email and name', [
      ...(!input.email ? [{ field: 'email', message: 'Enter your email' }] : []),
      ...(!input.name ? [{ field: 'name', message: 'Enter your name' }] : []),
    ]);
  if (!isSetup && (input.email !== undefined || input.name !== undefined)) {
    throw new HttpError(400, 'validation_failed', 'Only the first-start setup link takes an email and name');
  }
  const email = isSetup ? (input.email as string) : (invited as StaffRow).email;
  const name = isSetup ? (input.name as string) : (invited as StaffRow).name;
  const weak = passwordProblem(input.password, [email, name]);
  if (weak) throw new HttpError(400, 'weak_password', weak, [{ field: 'password', message: weak }]);
  // Hashed before the transaction: the slow part must not hold the write lock.
  const passwordHash = await hashPassword(input.password);

  const staff = await deps.auditor.transaction(async (trx) => {
    if (!(await claimInvitation(trx, invitation.id))) throw new HttpError(410, 'invitation_used', 'This link has already been used');
    let staff: StaffRow | undefined;
    if (isSetup) {
      if (await findStaffByEmail(trx, email)) throw new HttpError(409, 'already_exists', 'An account with this email already exists');
      staff = await insertStaff(trx, { email, name, role: 'admin', passwordHash });
      await deps.auditor.record(
        trx,
        { ...ctx, actor: { kind: 'staff', id: staff.id } },
        { action: 'staff.created', targets: { staffId: staff.id } },
      );
    } else {
      staff = await updateStaff(trx, invitation.staff_id as string, { password_hash: passwordHash, must_change_password: 0 });
      if (!staff) throw new HttpError(410, 'invitation_expired', 'This link has expired. Ask your administrator for a new one.');
      // Whoever held a session before the reset holds none now.
      await revokeStaffSessions(trx, staff.id);
    }
    await deps.auditor.record(
      trx,
      { ...ctx, actor: { kind: 'staff', id: staff.id } },
      { action: 'staff.invitation_accepted', targets: { staffId: staff.id } },
    );
    return staff;
  });
  if (!isSetup) await deps.signOut.revokeAllForStaff(staff.id);
  return staff;
}

/**
 * Staff change their own password, giving the current one. Every other session of the account
 * ends (and its sockets close); the session making the change stays. Throws 400 for a wrong
 * current password or a weak new one.
 */
export async function changeOwnPassword(
  deps: StaffDeps,
  ctx: AuditContext,
  who: { staffId: string; sessionId: string },
  input: { currentPassword: string; newPassword: string },
): Promise<{ staff: StaffRow; wrongCurrent: false } | { wrongCurrent: true }> {
  const before = await findStaffById(deps.db, who.staffId);
  if (!before) throw new HttpError(401, 'unauthenticated', 'Sign in first');
  if (!(await verifyPassword(input.currentPassword, before.password_hash))) return { wrongCurrent: true };
  if (input.newPassword === input.currentPassword) {
    throw new HttpError(400, 'weak_password', 'Choose a password different from the current one', [
      { field: 'newPassword', message: 'Choose a new password' },
    ]);
  }
  const weak = passwordProblem(input.newPassword, [before.email, before.name]);
  if (weak) throw new HttpError(400, 'weak_password', weak, [{ field: 'newPassword', message: weak }]);
  const passwordHash = await hashPassword(input.newPassword);
  const { staff, ended } = await deps.auditor.transaction(async (trx) => {
    const staff = await updateStaff(trx, who.staffId, { password_hash: passwordHash, must_change_password: 0 });
    if (!staff) throw new HttpError(401, 'unauthenticated', 'Sign in first');
    const others = await trx
      .selectFrom('sessions')
      .select('id')
      .where('staff_id', '=', who.staffId)
      .where('revoked_at', 'is', null)
      .where('id', '!=', who.sessionId)
      .execute();
    if (others.length) {
      await trx
        .updateTable('sessions')
        .set({ revoked_at: new Date().toISOString() })
        .where(
          'id',
          'in',
          others.map((o) => o.id),
        )
        .execute();
    }
    await deps.auditor.record(trx, ctx, { action: 'staff.password_changed', targets: { staffId: who.staffId } });
    return { staff, ended: others.map((o) => o.id) };
  });
  for (const sessionId of ended) await deps.signOut.revoke(sessionId);
  return { staff, wrongCurrent: false };
}

/** Whether the clinic still needs its first administrator: no active admin can sign in with a password. */
export async function needsFirstAdmin(db: Kysely<DB>): Promise<boolean> {
  const row = await db
    .selectFrom('staff')
    .select('id')
    .where('role', '=', 'admin')
    .where('active', '=', 1)
    .where('password_hash', '!=', NO_PASSWORD)
    .executeTakeFirst();
  return row === undefined;
}

/**
 * Issues the one-time link that creates (or finishes) the first administrator: bound to
 * `adminEmail` when the operator chose one (the account is created now, without a password),
 * otherwise a setup link whose page asks for the email and name. Earlier unused setup links stop
 * working. Audited as the system. Undefined when an administrator already exists.
 */
export async function issueFirstAdminLink(
  deps: Omit<StaffDeps, 'signOut'>,
  adminEmail: string | undefined,
): Promise<{ url: string; expiresAt: string; email?: string } | undefined> {
  if (!(await needsFirstAdmin(deps.db))) return undefined;
  const ctx: AuditContext = { actor: { kind: 'system' } };
  return deps.auditor.transaction(async (trx) => {
    const expiresAt = hoursFromNow(SETUP_LINK_HOURS);
    if (!adminEmail) {
      const { token, invitation } = await insertInvitation(trx, { staffId: null, purpose: 'setup', expiresAt });
      await deps.auditor.record(trx, ctx, { action: 'staff.invitation_issued' });
      return issued(deps.publicUrl, token, invitation);
    }
    let staff = await findStaffByEmail(trx, adminEmail);
    if (staff && (staff.role !== 'admin' || !staff.active)) {
      // The account the operator named becomes the administrator: on the trail like any role change.
      const promoted = staff.role !== 'admin';
      const reactivated = !staff.active;
      const targets = { staffId: staff.id };
      staff = await updateStaff(trx, staff.id, { role: 'admin', active: 1 });
      // As with every role change, the account's sessions end (open pages are refused at their next check).
      await revokeStaffSessions(trx, targets.staffId);
      if (promoted) await deps.auditor.record(trx, ctx, { action: 'staff.role_changed', targets });
      if (reactivated) await deps.auditor.record(trx, ctx, { action: 'staff.reactivated', targets });
    }
    if (!staff) {
      staff = await insertStaff(trx, { email: adminEmail, name: 'Clinic administrator', role: 'admin', passwordHash: NO_PASSWORD });
      await deps.auditor.record(trx, ctx, { action: 'staff.created', targets: { staffId: staff.id } });
    }
    const { token, invitation } = await insertInvitation(trx, { staffId: staff.id, purpose: 'invite', expiresAt });
    await deps.auditor.record(trx, ctx, { action: 'staff.invitation_issued', targets: { staffId: staff.id } });
    return { ...issued(deps.publicUrl, token, invitation), email: staff.email };
  });
}
