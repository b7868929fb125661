import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB, PatientTable } from '../db/schema';
import { patientIdsOnCareTeamOf } from '../care-team/care-team.store';
import { patientIdsOfClinician } from '../visits/visits.store';

export type PatientRow = PatientTable;

/** Lower-cased, accent-stripped text, so "José" is found by "jose". */
export function searchKey(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

export interface NewPatient {
  displayName: string;
  preferredName: string | null;
  pronouns: string | null;
  preferredLanguage: 'en' | 'es';
  dateOfBirth: string | null;
  externalId: string | null;
  createdBy: string;
}

/** Inserts one patient and returns the stored row. */
export async function insertPatient(db: Kysely<DB>, p: NewPatient): Promise<PatientRow> {
  const now = new Date().toISOString();
  const row: PatientRow = {
    id: randomUUID(),
    display_name: p.displayName,
    preferred_name: p.preferredName,
    pronouns: p.pronouns,
    preferred_language: p.preferredLanguage,
    date_of_birth: p.dateOfBirth,
    external_id: p.externalId,
    search_name: searchKey([p.displayName, p.preferredName ?? ''].join(' ')),
    created_by: p.createdBy,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('patients').values(row).execute();
  return row;
}

export function findPatientById(db: Kysely<DB>, id: string): Promise<PatientRow | undefined> {
  return db.selectFrom('patients').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Patients whose name contains `q` or whose external id starts with it (case- and accent-insensitive;
 * `!` escapes LIKE wildcards on both dialects), newest first (or by name with `order: 'name'`).
 * With `clinicianId`, only patients who have a visit with that clinician or whose care team they
 * are on; with `currentSince` too, only the visits that count as a current care relationship
 * (uncancelled, starting at or after it).
 */
export async function searchPatients(
  db: Kysely<DB>,
  opts: { q?: string; clinicianId?: string; currentSince?: string; order?: 'newest' | 'name'; limit: number },
): Promise<PatientRow[]> {
  let query = db.selectFrom('patients').selectAll('patients');
  const q = opts.q ? searchKey(opts.q) : '';
  if (q) {
    const escaped = q.replace(/[!%_]/g, '!$&');
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`${eb.ref('patients.search_name')} like ${`%${escaped}%`} escape '!'`,
        sql<boolean>`lower(${eb.ref('patients.external_id')}) like ${`${escaped}%`} escape '!'`,
      ]),
    );
  }
  if (opts.clinicianId) {
    const clinicianId = opts.clinicianId;
    let visits = patientIdsOfClinician(db, clinicianId);
    if (opts.currentSince) visits = visits.where('visits.status', '!=', 'cancelled').where('visits.starts_at', '>=', opts.currentSince);
    query = query.where((eb) => eb.or([eb('patients.id', 'in', visits), eb('patients.id', 'in', patientIdsOnCareTeamOf(db, clinicianId))]));
  }
  query =
    opts.order === 'name'
      ? query.orderBy('patients.search_name').orderBy('patients.id')
      : query.orderBy('patients.created_at', 'desc').orderBy('patients.id');
  return query.limit(opts.limit).execute();
}
