import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, ParticipantTable, PatientLinkTable, VisitStatus, VisitTable } from '../db/schema';

export type VisitRow = VisitTable;
type Db = Kysely<DB>;

/** Largest `in (…)` list sent in one query; well under both dialects' parameter limits. */
const CHUNK = 500;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export interface NewVisit {
  patientId: string;
  clinicianIds: string[];
  startsAt: string;
  durationMinutes: number;
  reason: string | null;
  roomName: string;
  e2eeKey: string;
  createdBy: string;
}

/** Inserts a visit with its care team in one transaction. */
export async function insertVisit(db: Db, v: NewVisit): Promise<VisitRow> {
  const now = new Date().toISOString();
  const row: VisitRow = {
    id: randomUUID(),
    patient_id: v.patientId,
    starts_at: v.startsAt,
    duration_minutes: v.durationMinutes,
    reason: v.reason,
    status: 'scheduled',
    room_name: v.roomName,
    e2ee_key: v.e2eeKey,
    waiting_message: null,
    started_at: null,
    ended_at: null,
    cancelled_at: null,
    created_by: v.createdBy,
    created_at: now,
    updated_at: now,
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('visits').values(row).execute();
    await trx
      .insertInto('visit_clinicians')
      .values(v.clinicianIds.map((staffId) => ({ visit_id: row.id, staff_id: staffId })))
      .execute();
  });
  return row;
}

export function findVisitById(db: Db, id: string): Promise<VisitRow | undefined> {
  return db.selectFrom('visits').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Visits starting in [from, to), optionally only those a given clinician is on, in start order. */
export function listVisitsStarting(db: Db, opts: { from: string; to: string; clinicianId?: string }): Promise<VisitRow[]> {
  let q = db.selectFrom('visits').selectAll('visits').where('visits.starts_at', '>=', opts.from).where('visits.starts_at', '<', opts.to);
  if (opts.clinicianId) {
    const clinicianId = opts.clinicianId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('visit_clinicians')
          .select('visit_clinicians.visit_id')
          .whereRef('visit_clinicians.visit_id', '=', 'visits.id')
          .where('visit_clinicians.staff_id', '=', clinicianId),
      ),
    );
  }
  return q.orderBy('visits.starts_at').orderBy('visits.id').execute();
}

export async function isClinicianOnVisit(db: Db, visitId: string, staffId: string): Promise<boolean> {
  const row = await db
    .selectFrom('visit_clinicians')
    .select('visit_id')
    .where('visit_id', '=', visitId)
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return row !== undefined;
}

/** The care teams of many visits, by visit id, with each clinician's name. */
export async function clinicianNamesByVisit(db: Db, visitIds: string[]): Promise<Map<string, { id: string; name: string }[]>> {
  const out = new Map<string, { id: string; name: string }[]>();
  for (const ids of chunks(visitIds)) {
    const rows = await db
      .selectFrom('visit_clinicians')
      .innerJoin('staff', 'staff.id', 'visit_clinicians.staff_id')
      .select(['visit_clinicians.visit_id', 'staff.id', 'staff.name'])
      .where('visit_clinicians.visit_id', 'in', ids)
      .orderBy('staff.name')
      .orderBy('staff.id')
      .execute();
    for (const r of rows) {
      const list = out.get(r.visit_id) ?? [];
      list.push({ id: r.id, name: r.name });
      out.set(r.visit_id, list);
    }
  }
  return out;
}

export type ParticipantWithName = Pick<ParticipantTable, 'id' | 'visit_id' | 'kind' | 'state' | 'created_at'> & { staff_name: string | null };

/** Participants of many visits (with the staff name for clinicians), by visit id. */
export async function participantsByVisit(db: Db, visitIds: string[]): Promise<Map<string, ParticipantWithName[]>> {
  const out = new Map<string, ParticipantWithName[]>();
  for (const ids of chunks(visitIds)) {
    const rows = await db
      .selectFrom('participants')
      .leftJoin('staff', 'staff.id', 'participants.staff_id')
      .select([
        'participants.id',
        'participants.visit_id',
        'participants.kind',
        'participants.state',
        'participants.created_at',
        'staff.name as staff_name',
      ])
      .where('participants.visit_id', 'in', ids)
      .orderBy('participants.created_at')
      .orderBy('participants.id')
      .execute();
    for (const r of rows) {
      const list = out.get(r.visit_id) ?? [];
      list.push(r);
      out.set(r.visit_id, list);
    }
  }
  return out;
}

/** The newest link of each visit (active or not), by visit id. */
export async function latestLinkByVisit(db: Db, visitIds: string[]): Promise<Map<string, PatientLinkTable>> {
  const out = new Map<string, PatientLinkTable>();
  for (const ids of chunks(visitIds)) {
    const rows = await db
      .selectFrom('patient_links')
      .selectAll()
      .where('visit_id', 'in', ids)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    for (const r of rows) {
      const current = out.get(r.visit_id);
      // Prefer the unrevoked link; otherwise the newest one.
      if (!current || (current.revoked_at && !r.revoked_at)) out.set(r.visit_id, r);
    }
  }
  return out;
}

/** Changes time, length, reason and/or care team in one transaction. */
export async function updateVisit(
  db: Db,
  id: string,
  patch: { starts_at?: string; duration_minutes?: number; reason?: string | null; status?: VisitStatus },
  clinicianIds?: string[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('visits')
      .set({ ...patch, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
    if (clinicianIds) {
      await trx.deleteFrom('visit_clinicians').where('visit_id', '=', id).execute();
      await trx
        .insertInto('visit_clinicians')
        .values(clinicianIds.map((staffId) => ({ visit_id: id, staff_id: staffId })))
        .execute();
    }
  });
}

/**
 * Cancels a visit if it is still scheduled or in progress: revokes every link and ends every
 * patient session of the visit. Returns false when the status had already moved on.
 */
export async function cancelVisitRow(db: Db, id: string): Promise<boolean> {
  const now = new Date().toISOString();
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('visits')
      .set({ status: 'cancelled', cancelled_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['scheduled', 'in_progress'])
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await trx.updateTable('patient_links').set({ revoked_at: now }).where('visit_id', '=', id).where('revoked_at', 'is', null).execute();
    await revokePatientSessions(trx, id, now);
    return true;
  });
}

/** Ends the patient sessions opened through a visit's links (a revoked link must not live on in a cookie). */
export async function revokePatientSessions(db: Db, visitId: string, now = new Date().toISOString()): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('kind', '=', 'patient')
    .where('visit_id', '=', visitId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Active clinician accounts, by name. */
export function listActiveClinicians(db: Db): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('staff')
    .select(['id', 'name'])
    .where('role', '=', 'clinician')
    .where('active', '=', 1)
    .orderBy('name')
    .orderBy('id')
    .execute();
}

/** Which of `ids` are active clinicians. */
export async function activeClinicianIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db
    .selectFrom('staff')
    .select('id')
    .where('id', 'in', ids)
    .where('role', '=', 'clinician')
    .where('active', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Participant states that show someone from the patient side got as far as the waiting room. */
const REACHED_WAITING = ['waiting', 'admitted', 'denied', 'removed'] as const;

/**
 * Marks as `no_show` every scheduled or in-progress visit that has ended by `now` without anyone
 * from the patient side reaching the waiting room. Cheap enough to run before every read: only
 * visits that have started and are not yet settled are candidates. Returns the ids it marked.
 */
export async function markNoShows(db: Db, now: Date): Promise<string[]> {
  const candidates = await db
    .selectFrom('visits')
    .select(['id', 'starts_at', 'duration_minutes'])
    .where('status', 'in', ['scheduled', 'in_progress'])
    .where('starts_at', '<', now.toISOString())
    .execute();
  const ended = candidates.filter((v) => Date.parse(v.starts_at) + v.duration_minutes * 60_000 <= now.getTime()).map((v) => v.id);
  const marked: string[] = [];
  for (const ids of chunks(ended)) {
    // The check and the change are one statement, so a patient arriving this instant is never marked.
    const rows = await db
      .updateTable('visits')
      .set({ status: 'no_show', updated_at: now.toISOString() })
      .where('visits.id', 'in', ids)
      .where('visits.status', 'in', ['scheduled', 'in_progress'])
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('participants')
              .select('participants.id')
              .whereRef('participants.visit_id', '=', 'visits.id')
              .where('participants.kind', 'in', ['patient', 'guest'])
              .where((p) =>
                p.or([
                  p('participants.state', 'in', [...REACHED_WAITING]),
                  p('participants.waiting_since', 'is not', null),
                  p('participants.admitted_at', 'is not', null),
                ]),
              ),
          ),
        ),
      )
      .returning('visits.id')
      .execute();
    marked.push(...rows.map((r) => r.id));
  }
  return marked;
}
