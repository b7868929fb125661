import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, ParticipantTable, PatientLinkTable } from '../db/schema';

type Db = Kysely<DB>;
export type PatientLinkRow = PatientLinkTable;
export type ParticipantRow = ParticipantTable;

/** Revokes the visit's live links and stores a new one, in one transaction. */
export async function replaceLink(db: Db, visitId: string, tokenHash: string): Promise<PatientLinkRow> {
  const now = new Date().toISOString();
  const row: PatientLinkRow = { id: randomUUID(), visit_id: visitId, token_hash: tokenHash, created_at: now, revoked_at: null, last_used_at: null };
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('patient_links').set({ revoked_at: now }).where('visit_id', '=', visitId).where('revoked_at', 'is', null).execute();
    await trx.insertInto('patient_links').values(row).execute();
  });
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

/**
 * The visit's one patient participant, created in state `joining` if it does not exist yet.
 * Concurrent joins are serialized by touching the visit row first inside the transaction (a row
 * lock on PostgreSQL, the write lock on SQLite), so a visit never gets a second patient.
 */
export async function findOrCreatePatientParticipant(db: Db, visitId: string): Promise<ParticipantRow> {
  return db.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    await trx.updateTable('visits').set({ updated_at: now }).where('id', '=', visitId).execute();
    const existing = await trx
      .selectFrom('participants')
      .selectAll()
      .where('visit_id', '=', visitId)
      .where('kind', '=', 'patient')
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst();
    if (existing) return existing;
    const row: ParticipantRow = {
      id: randomUUID(),
      visit_id: visitId,
      kind: 'patient',
      staff_id: null,
      state: 'joining',
      consent_version: null,
      consented_at: null,
      waiting_since: null,
      admitted_at: null,
      admitted_by: null,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('participants').values(row).execute();
    return row;
  });
}
