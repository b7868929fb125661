import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, PatientLinkTable } from '../db/schema';
import { revokeVisitLinks } from './visits.store';

type Db = Kysely<DB>;
export type PatientLinkRow = PatientLinkTable;

/** Revokes the visit's live links and stores a new one. Run inside the caller's transaction. */
export async function replaceLink(db: Db, visitId: string, tokenHash: string): Promise<PatientLinkRow> {
  const now = new Date().toISOString();
  const row: PatientLinkRow = { id: randomUUID(), visit_id: visitId, token_hash: tokenHash, created_at: now, revoked_at: null, last_used_at: null };
  await revokeVisitLinks(db, visitId, now);
  await db.insertInto('patient_links').values(row).execute();
  return row;
}

export function findLinkByHash(db: Db, tokenHash: string): Promise<PatientLinkRow | undefined> {
  return db.selectFrom('patient_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function touchLink(db: Db, linkId: string, at: string): Promise<void> {
  await db.updateTable('patient_links').set({ last_used_at: at }).where('id', '=', linkId).execute();
}

/** Records one date-of-birth attempt as a failure; returns its id so a right answer can take it back. */
export async function insertDobFailure(db: Db, linkId: string, at: string): Promise<string> {
  const id = randomUUID();
  await db.insertInto('dob_failures').values({ id, link_id: linkId, at }).execute();
  return id;
}

export async function deleteDobFailure(db: Db, id: string): Promise<void> {
  await db.deleteFrom('dob_failures').where('id', '=', id).execute();
}

/** Failures for a link since `since`, oldest first (their times decide when the lock lifts). */
export function dobFailuresSince(db: Db, linkId: string, since: string): Promise<{ id: string; at: string }[]> {
  return db
    .selectFrom('dob_failures')
    .select(['id', 'at'])
    .where('link_id', '=', linkId)
    .where('at', '>=', since)
    .orderBy('at')
    .orderBy('id')
    .execute();
}
