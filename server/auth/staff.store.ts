import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { StaffRole } from '@shared/api/auth.schema';
import type { DB, StaffTable } from '../db/schema';

export type StaffRow = StaffTable;

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
  const row = await db.selectFrom('staff').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Inserts a staff account; a duplicate email surfaces as a unique violation (409). */
export async function insertStaff(
  db: Kysely<DB>,
  input: { email: string; name: string; role: StaffRole; passwordHash: string },
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
  };
  await db.insertInto('staff').values(row).execute();
  return row;
}

export async function updateStaff(
  db: Kysely<DB>,
  id: string,
  patch: Partial<Pick<StaffRow, 'name' | 'role' | 'active' | 'password_hash'>>,
): Promise<StaffRow | undefined> {
  await db
    .updateTable('staff')
    .set({ ...patch, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
  return findStaffById(db, id);
}
