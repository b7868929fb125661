import type { Kysely } from 'kysely';
import type { CreateStaffRequest, UpdateStaffRequest } from '@shared/api/staff.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import { generatePassword, hashPassword } from '../auth/password';
import { revokeStaffSessions } from '../auth/session';
import { countStaff, findStaffById, insertStaff, updateStaff, type StaffRow } from '../auth/staff.store';
import type { DB } from '../db/schema';

export interface StaffDeps {
  db: Kysely<DB>;
  auditor: Auditor;
}

/** Creates an account with a generated password (or the one given, e.g. from the CLI's stdin). Not audited: for the CLI and first start. */
export async function createStaffAccount(
  db: Kysely<DB>,
  input: CreateStaffRequest,
  password = generatePassword(),
): Promise<{ staff: StaffRow; password: string }> {
  const staff = await insertStaff(db, { ...input, passwordHash: await hashPassword(password) });
  return { staff, password };
}

/** An admin adds an account: a generated password, shown once, and the audit entry with the insert. */
export async function addStaffMember(deps: StaffDeps, ctx: AuditContext, input: CreateStaffRequest): Promise<{ staff: StaffRow; password: string }> {
  const password = generatePassword();
  // Hashed before the transaction: the slow part must not hold the write lock.
  const passwordHash = await hashPassword(password);
  const staff = await deps.auditor.transaction(async (trx) => {
    const staff = await insertStaff(trx, { ...input, passwordHash });
    await deps.auditor.record(trx, ctx, { action: 'staff.created', targets: { staffId: staff.id } });
    return staff;
  });
  return { staff, password };
}

/** Sets a new generated password and signs the account out everywhere; undefined when there is no such account. */
export async function resetStaffPassword(deps: StaffDeps, ctx: AuditContext, id: string): Promise<{ staff: StaffRow; password: string } | undefined> {
  if (!(await findStaffById(deps.db, id))) return undefined;
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const staff = await deps.auditor.transaction(async (trx) => {
    const staff = await updateStaff(trx, id, { password_hash: passwordHash });
    if (!staff) return undefined;
    await revokeStaffSessions(trx, id);
    await deps.auditor.record(trx, ctx, { action: 'staff.password_reset', targets: { staffId: id } });
    return staff;
  });
  return staff && { staff, password };
}

/** Changes name, role or active flag; deactivating or changing role ends the account's sessions. Undefined when there is no such account. */
export async function updateStaffAccount(deps: StaffDeps, ctx: AuditContext, id: string, patch: UpdateStaffRequest): Promise<StaffRow | undefined> {
  return deps.auditor.transaction(async (trx) => {
    const before = await findStaffById(trx, id);
    if (!before) return undefined;
    const staff = await updateStaff(trx, id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
    });
    if (!staff) return undefined;
    if (patch.active === false || (patch.role && patch.role !== before.role)) await revokeStaffSessions(trx, id);
    await deps.auditor.record(trx, ctx, { action: 'staff.updated', targets: { staffId: staff.id } });
    return staff;
  });
}

export const FIRST_ADMIN_EMAIL = 'admin@alcove.local';

/**
 * On the very first start with an empty database, creates one admin and returns its sign-in so
 * main.ts can print it once. Returns undefined when any account exists.
 */
export async function ensureFirstAdmin(db: Kysely<DB>): Promise<{ email: string; password: string } | undefined> {
  if ((await countStaff(db)) > 0) return undefined;
  const { staff, password } = await createStaffAccount(db, { email: FIRST_ADMIN_EMAIL, name: 'Clinic administrator', role: 'admin' });
  return { email: staff.email, password };
}
