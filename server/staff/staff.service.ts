import type { Kysely } from 'kysely';
import type { CreateStaffRequest, UpdateStaffRequest } from '@shared/api/staff.schema';
import { generatePassword, hashPassword } from '../auth/password';
import type { SessionManager } from '../auth/session';
import { countStaff, findStaffById, insertStaff, updateStaff, type StaffRow } from '../auth/staff.store';
import type { DB } from '../db/schema';

/** Creates an account with a generated password (or the one given, e.g. from the CLI's stdin). */
export async function createStaffAccount(
  db: Kysely<DB>,
  input: CreateStaffRequest,
  password = generatePassword(),
): Promise<{ staff: StaffRow; password: string }> {
  const staff = await insertStaff(db, { ...input, passwordHash: await hashPassword(password) });
  return { staff, password };
}

/** Sets a new generated password and signs the account out everywhere. */
export async function resetStaffPassword(
  db: Kysely<DB>,
  sessions: SessionManager,
  id: string,
): Promise<{ staff: StaffRow; password: string } | undefined> {
  if (!(await findStaffById(db, id))) return undefined;
  const password = generatePassword();
  const staff = await updateStaff(db, id, { password_hash: await hashPassword(password) });
  await sessions.revokeAllForStaff(id);
  return staff && { staff, password };
}

/** Changes name, role or active flag; deactivating or changing role ends the account's sessions. */
export async function updateStaffAccount(
  db: Kysely<DB>,
  sessions: SessionManager,
  id: string,
  patch: UpdateStaffRequest,
): Promise<StaffRow | undefined> {
  const before = await findStaffById(db, id);
  if (!before) return undefined;
  const staff = await updateStaff(db, id, {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.role !== undefined ? { role: patch.role } : {}),
    ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
  });
  if (patch.active === false || (patch.role && patch.role !== before.role)) await sessions.revokeAllForStaff(id);
  return staff;
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
