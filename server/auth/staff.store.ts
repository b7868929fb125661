import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { StaffRole } from '@shared/api/auth.schema';
import type { DB, StaffInvitationTable, StaffTable } from '../db/schema';

export type StaffRow = StaffTable;
export type StaffInvitationRow = StaffInvitationTable;

/** Stored in place of a hash while an account has no password of its own (invited, or reset). */
export const NO_PASSWORD = '';

export function findStaffByEmail(db: Kysely<DB>, email: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
}

export function findStaffById(db: Kysely<DB>, id: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listStaff(db: Kysely<DB>): Promise<StaffRow[]> {
  return db.selectFrom('staff').selectAll().orderBy('name').orderBy('id').execute();
}

export async function countStaff(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('staff')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Inserts a staff account; a duplicate email surfaces as a unique violation (409). */
export async function insertStaff(
  db: Kysely<DB>,
  input: { email: string; name: string; role: StaffRole; passwordHash: string; mustChangePassword?: boolean },
): Promise<StaffRow> {
  const now = new Date().toISOString();
  const row: StaffRow = {
    id: randomUUID(),
    email: input.email.toLowerCase(),
    name: input.name,
    role: input.role,
    password_hash: input.passwordHash,
    active: 1,
    created_at: now,
    updated_at: now,
    must_change_password: input.mustChangePassword ? 1 : 0,
    last_sign_in_at: null,
  };
  await db.insertInto('staff').values(row).execute();
  return row;
}

export async function updateStaff(
  db: Kysely<DB>,
  id: string,
  patch: Partial<Pick<StaffRow, 'name' | 'role' | 'active' | 'password_hash' | 'must_change_password'>>,
): Promise<StaffRow | undefined> {
  await db
    .updateTable('staff')
    .set({ ...patch, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
  return findStaffById(db, id);
}

/** When the account last completed a sign-in (shown on the admin screen). */
export async function recordSignIn(db: Kysely<DB>, id: string): Promise<void> {
  await db.updateTable('staff').set({ last_sign_in_at: new Date().toISOString() }).where('id', '=', id).execute();
}

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Stores a one-time link for setting a password and returns its token (shown once; only its hash is
 * kept). Earlier unused links of the same account (or earlier setup links) stop working.
 */
export async function insertInvitation(
  db: Kysely<DB>,
  input: { staffId: string | null; purpose: StaffInvitationRow['purpose']; expiresAt: Date },
): Promise<{ token: string; invitation: StaffInvitationRow }> {
  const now = new Date().toISOString();
  let revoke = db.updateTable('staff_invitations').set({ revoked_at: now }).where('used_at', 'is', null).where('revoked_at', 'is', null);
  revoke = input.staffId ? revoke.where('staff_id', '=', input.staffId) : revoke.where('staff_id', 'is', null);
  await revoke.execute();
  const token = randomBytes(32).toString('base64url');
  const invitation: StaffInvitationRow = {
    id: randomUUID(),
    staff_id: input.staffId,
    purpose: input.purpose,
    token_hash: hashToken(token),
    created_at: now,
    expires_at: input.expiresAt.toISOString(),
    used_at: null,
    revoked_at: null,
  };
  await db.insertInto('staff_invitations').values(invitation).execute();
  return { token, invitation };
}

export function findInvitationByToken(db: Kysely<DB>, token: string): Promise<StaffInvitationRow | undefined> {
  return db.selectFrom('staff_invitations').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
}

/** Marks a link used; false when another request used (or someone revoked) it first. */
export async function claimInvitation(db: Kysely<DB>, id: string): Promise<boolean> {
  const now = new Date().toISOString();
  const result = await db
    .updateTable('staff_invitations')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends every unused link of an account (deactivation). */
export async function revokeInvitations(db: Kysely<DB>, staffId: string): Promise<void> {
  await db
    .updateTable('staff_invitations')
    .set({ revoked_at: new Date().toISOString() })
    .where('staff_id', '=', staffId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

/** The expiry of each account's live (unused, unexpired) invitation, for the admin list. */
export async function pendingInvitations(db: Kysely<DB>): Promise<Map<string, string>> {
  const now = new Date().toISOString();
  const rows = await db
    .selectFrom('staff_invitations')
    .select(['staff_id', 'expires_at'])
    .where('staff_id', 'is not', null)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  return new Map(rows.map((r) => [r.staff_id as string, r.expires_at]));
}

/** Remembers a device or address an account signed in from (upsert on both dialects). */
export async function rememberSignInSource(db: Kysely<DB>, staffId: string, sourceHash: string): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto('staff_sign_in_sources')
    .values({ staff_id: staffId, source_hash: sourceHash, last_seen_at: now })
    .onConflict((oc) => oc.columns(['staff_id', 'source_hash']).doUpdateSet({ last_seen_at: now }))
    .execute();
}

/** Whether any of the given source hashes is one the account signed in from before. */
export async function isKnownSignInSource(db: Kysely<DB>, staffId: string, sourceHashes: string[]): Promise<boolean> {
  if (!sourceHashes.length) return false;
  const row = await db
    .selectFrom('staff_sign_in_sources')
    .select('staff_id')
    .where('staff_id', '=', staffId)
    .where('source_hash', 'in', sourceHashes)
    .executeTakeFirst();
  return row !== undefined;
}
