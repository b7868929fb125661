import type { Kysely } from 'kysely';
import type { StaffMember } from '@shared/api/staff.schema';
import { NO_PASSWORD, listStaff, pendingInvitations, type StaffRow } from '../auth/staff.store';
import type { DB } from '../db/schema';

/** What the admin list shows besides the account row itself. */
export interface StaffMemberFacts {
  invitationExpiresAt: string | null;
  twoFactorEnabled: boolean;
}

/** The admin's view of an account: never its password hash, links or second-factor secret. */
export const toStaffMember = (row: StaffRow, facts: StaffMemberFacts): StaffMember => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  active: row.active === 1,
  createdAt: row.created_at,
  lastSignInAt: row.last_sign_in_at,
  passwordSet: row.password_hash !== NO_PASSWORD,
  invitationExpiresAt: facts.invitationExpiresAt,
  twoFactorEnabled: facts.twoFactorEnabled,
});

/** Every account (or one, by id) as the admin screen shows it, with pending links and whether a second factor is on. */
export async function listStaffMembers(db: Kysely<DB>, onlyId?: string): Promise<StaffMember[]> {
  const [rows, pending, twoFactor] = await Promise.all([listStaff(db), pendingInvitations(db), staffWithSecondFactor(db)]);
  return rows
    .filter((row) => onlyId === undefined || row.id === onlyId)
    .map((row) => toStaffMember(row, { invitationExpiresAt: pending.get(row.id) ?? null, twoFactorEnabled: twoFactor.has(row.id) }));
}

/** Accounts with a confirmed second factor. */
async function staffWithSecondFactor(db: Kysely<DB>): Promise<Set<string>> {
  const rows = await db.selectFrom('staff_totp').select('staff_id').where('confirmed_at', 'is not', null).execute();
  return new Set(rows.map((r) => r.staff_id));
}
