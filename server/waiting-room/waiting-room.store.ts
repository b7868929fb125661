import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { LiveParticipant } from '@shared/realtime';
import type { DB, ParticipantTable, VisitTable } from '../db/schema';

export type ParticipantRow = ParticipantTable;
export type VisitRow = VisitTable;

export function findVisit(db: Kysely<DB>, visitId: string): Promise<VisitRow | undefined> {
  return db.selectFrom('visits').selectAll().where('id', '=', visitId).executeTakeFirst();
}

export async function clinicianIdsOf(db: Kysely<DB>, visitId: string): Promise<string[]> {
  const rows = await db.selectFrom('visit_clinicians').select('staff_id').where('visit_id', '=', visitId).execute();
  return rows.map((r) => r.staff_id);
}

export async function isClinicianOn(db: Kysely<DB>, visitId: string, staffId: string): Promise<boolean> {
  const row = await db
    .selectFrom('visit_clinicians')
    .select('staff_id')
    .where('visit_id', '=', visitId)
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return row !== undefined;
}

export function findParticipant(db: Kysely<DB>, id: string): Promise<ParticipantRow | undefined> {
  return db.selectFrom('participants').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateParticipant(
  db: Kysely<DB>,
  id: string,
  patch: Partial<Omit<ParticipantRow, 'id' | 'visit_id' | 'kind' | 'staff_id' | 'created_at'>>,
): Promise<void> {
  await db
    .updateTable('participants')
    .set({ ...patch, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
}

/** A clinician's participant row for a visit, created the first time they join its video. */
export async function findOrCreateClinicianParticipant(db: Kysely<DB>, visitId: string, staffId: string): Promise<ParticipantRow> {
  const existing = await db
    .selectFrom('participants')
    .selectAll()
    .where('visit_id', '=', visitId)
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  if (existing) return existing;
  const now = new Date().toISOString();
  const row: ParticipantRow = {
    id: randomUUID(),
    visit_id: visitId,
    kind: 'clinician',
    staff_id: staffId,
    state: 'admitted',
    consent_version: null,
    consented_at: null,
    waiting_since: null,
    admitted_at: now,
    admitted_by: staffId,
    created_at: now,
    updated_at: now,
  };
  try {
    await db.insertInto('participants').values(row).execute();
    return row;
  } catch (err) {
    // Two tabs of the same clinician raced: the unique (visit_id, staff_id) index kept one row.
    const again = await db
      .selectFrom('participants')
      .selectAll()
      .where('visit_id', '=', visitId)
      .where('staff_id', '=', staffId)
      .executeTakeFirst();
    if (again) return again;
    throw err;
  }
}

/** The name shown for a participant: a clinician's name, or the patient's preferred name. */
export function participantDisplayName(r: { kind: string; staff_name: string | null; preferred_name: string | null; display_name: string }): string {
  return r.kind === 'clinician' ? (r.staff_name ?? 'Clinician') : (r.preferred_name ?? r.display_name);
}

/** The live participant list staff see: display names resolved, ordered by arrival. */
export async function listLiveParticipants(db: Kysely<DB>, visitId: string): Promise<LiveParticipant[]> {
  const rows = await db
    .selectFrom('participants')
    .innerJoin('visits', 'visits.id', 'participants.visit_id')
    .innerJoin('patients', 'patients.id', 'visits.patient_id')
    .leftJoin('staff', 'staff.id', 'participants.staff_id')
    .select([
      'participants.id',
      'participants.kind',
      'participants.state',
      'participants.waiting_since',
      'participants.created_at',
      'staff.name as staff_name',
      'patients.display_name',
      'patients.preferred_name',
    ])
    .where('participants.visit_id', '=', visitId)
    .orderBy('participants.created_at')
    .orderBy('participants.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    state: r.state,
    waitingSince: r.state === 'waiting' ? r.waiting_since : null,
    displayName: participantDisplayName(r),
  }));
}

export async function setVisitStatus(
  db: Kysely<DB>,
  visitId: string,
  patch: Partial<Pick<VisitRow, 'status' | 'started_at' | 'ended_at' | 'waiting_message'>>,
): Promise<void> {
  await db
    .updateTable('visits')
    .set({ ...patch, updated_at: new Date().toISOString() })
    .where('id', '=', visitId)
    .execute();
}

export async function recordConsent(db: Kysely<DB>, visitId: string, participantId: string, version: string): Promise<string> {
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('consents').values({ id: randomUUID(), visit_id: visitId, participant_id: participantId, version, accepted_at: now }).execute();
    await trx
      .updateTable('participants')
      .set({ consent_version: version, consented_at: now, updated_at: now })
      .where('id', '=', participantId)
      .execute();
  });
  return now;
}

export async function revokePatientSessions(db: Kysely<DB>, participantId: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: new Date().toISOString() })
    .where('participant_id', '=', participantId)
    .where('revoked_at', 'is', null)
    .execute();
}
