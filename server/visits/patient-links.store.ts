import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, PatientLinkTable } from '../db/schema';
import { retireLinkParticipants } from './participants.store';
import { revokeVisitLinks } from './visits.store';

type Db = Kysely<DB>;
export type PatientLinkRow = PatientLinkTable;

/**
 * Revokes the visit's live links and stores a new one. Whoever came through an older link keeps
 * nothing (see retireLinkParticipants): the new link starts a fresh participant. Run inside the
 * caller's transaction.
 */
export async function replaceLink(db: Db, visitId: string, tokenHash: string): Promise<PatientLinkRow> {
  const now = new Date().toISOString();
  const row: PatientLinkRow = {
    id: randomUUID(),
    visit_id: visitId,
    token_hash: tokenHash,
    created_at: now,
    revoked_at: null,
    last_used_at: null,
  };
  await revokeVisitLinks(db, visitId, now);
  await retireLinkParticipants(db, visitId, now);
  await db.insertInto('patient_links').values(row).execute();
  return row;
}

export function findLinkByHash(db: Db, tokenHash: string): Promise<PatientLinkRow | undefined> {
  return db.selectFrom('patient_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** The visit's newest link (the live one unless the visit was cancelled). */
export function findLatestLink(db: Db, visitId: string): Promise<PatientLinkRow | undefined> {
  return db
    .selectFrom('patient_links')
    .selectAll()
    .where('visit_id', '=', visitId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .executeTakeFirst();
}

export async function touchLink(db: Db, linkId: string, at: string): Promise<void> {
  await db.updateTable('patient_links').set({ last_used_at: at }).where('id', '=', linkId).execute();
}

/** Records one date-of-birth attempt as a failure; returns its id so a right answer can take it back. */
export async function insertDobFailure(db: Db, linkId: string, at: string, address: string | null): Promise<string> {
  const id = randomUUID();
  await db.insertInto('dob_failures').values({ id, link_id: linkId, at, address }).execute();
  return id;
}

export async function deleteDobFailure(db: Db, id: string): Promise<void> {
  await db.deleteFrom('dob_failures').where('id', '=', id).execute();
}

/** Forgets every wrong date of birth given for a link (staff unlocked it). Returns how many there were. */
export async function clearDobFailures(db: Db, linkId: string): Promise<number> {
  const r = await db.deleteFrom('dob_failures').where('link_id', '=', linkId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export interface DobFailure {
  id: string;
  at: string;
  address: string | null;
}

/** Failures for a link since `since`, oldest first (their times decide when a lock lifts). */
export function dobFailuresSince(db: Db, linkId: string, since: string): Promise<DobFailure[]> {
  return db
    .selectFrom('dob_failures')
    .select(['id', 'at', 'address'])
    .where('link_id', '=', linkId)
    .where('at', '>=', since)
    .orderBy('at')
    .orderBy('id')
    .execute();
}
