import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, PatientLinkTable, VisitStatus, VisitTable } from '../db/schema';

export type VisitRow = VisitTable;
type Db = Kysely<DB>;

/** Largest `in (…)` list sent in one query; well under both dialects' parameter limits. */
const CHUNK = 500;

/** Splits a long id list so no single `in (…)` grows past CHUNK. */
export function chunks<T>(items: T[]): T[][] {
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

/** Inserts a visit with its care team. Run inside the caller's transaction. */
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
  await db.insertInto('visits').values(row).execute();
  await db
    .insertInto('visit_clinicians')
    .values(v.clinicianIds.map((staffId) => ({ visit_id: row.id, staff_id: staffId })))
    .execute();
  return row;
}

/** One visit row by id. */
export function findVisit(db: Db, id: string): Promise<VisitRow | undefined> {
  return db.selectFrom('visits').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A visit with the names its patient goes by (the video tile shows the preferred one). */
export function findVisitWithPatientNames(
  db: Db,
  id: string,
): Promise<(VisitRow & { preferred_name: string | null; display_name: string }) | undefined> {
  return db
    .selectFrom('visits')
    .innerJoin('patients', 'patients.id', 'visits.patient_id')
    .selectAll('visits')
    .select(['patients.preferred_name', 'patients.display_name'])
    .where('visits.id', '=', id)
    .executeTakeFirst();
}

/** The visit behind a LiveKit room name (webhooks name rooms, not visits). */
export function findVisitByRoomName(db: Db, roomName: string): Promise<Pick<VisitRow, 'id' | 'status'> | undefined> {
  return db.selectFrom('visits').select(['id', 'status']).where('room_name', '=', roomName).executeTakeFirst();
}

/**
 * Locks one visit row for the rest of the transaction and returns it (with `statuses`, only when
 * its status is one of them). A no-op update: a row lock on PostgreSQL, the write lock on SQLite.
 * Every change to a visit's people takes it first, so changes to one visit queue up in one order.
 */
export async function lockVisit(db: Db, id: string, statuses?: readonly VisitStatus[]): Promise<VisitRow | undefined> {
  let q = db
    .updateTable('visits')
    .set((eb) => ({ status: eb.ref('status') }))
    .where('id', '=', id);
  if (statuses) q = q.where('status', 'in', [...statuses]);
  return q.returningAll().executeTakeFirst();
}

/**
 * Moves a visit to `to` only if its status is one of `from`, in one statement. `startedAt` is kept
 * when the visit already started. Returns the changed row, or undefined when the status was not
 * (or no longer) one of `from`.
 */
export function transitionVisit(
  db: Db,
  id: string,
  from: readonly VisitStatus[],
  to: VisitStatus,
  at: { now: string; startedAt?: string; endedAt?: string; cancelledAt?: string },
): Promise<VisitRow | undefined> {
  return db
    .updateTable('visits')
    .set((eb) => ({
      status: to,
      updated_at: at.now,
      ...(at.startedAt ? { started_at: eb.fn.coalesce('started_at', eb.val(at.startedAt)) } : {}),
      ...(at.endedAt ? { ended_at: at.endedAt } : {}),
      ...(at.cancelledAt ? { cancelled_at: at.cancelledAt } : {}),
    }))
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .returningAll()
    .executeTakeFirst();
}

/** Stores the waiting-room message (JSON text, or null to clear it); the only writer of that column. */
export async function saveWaitingMessage(db: Db, id: string, message: string | null): Promise<void> {
  await db.updateTable('visits').set({ waiting_message: message, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
}

/** The start time of each visit, by id. */
export async function visitStartsById(db: Db, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.selectFrom('visits').select(['id', 'starts_at']).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, r.starts_at);
  }
  return out;
}

/** The staff ids on a visit's care team. */
export async function clinicianIdsOf(db: Db, visitId: string): Promise<string[]> {
  const rows = await db.selectFrom('visit_clinicians').select('staff_id').where('visit_id', '=', visitId).execute();
  return rows.map((r) => r.staff_id);
}

/** A subquery of the patient ids that have at least one visit with this clinician, for `where id in (…)`. */
export function patientIdsOfClinician(db: Db, clinicianId: string) {
  return db
    .selectFrom('visits')
    .innerJoin('visit_clinicians', 'visit_clinicians.visit_id', 'visits.id')
    .select('visits.patient_id')
    .where('visit_clinicians.staff_id', '=', clinicianId);
}

/** True when the clinician is on at least one visit of this patient. */
export async function isPatientOfClinician(db: Db, patientId: string, clinicianId: string): Promise<boolean> {
  const row = await patientIdsOfClinician(db, clinicianId).where('visits.patient_id', '=', patientId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * Whether the clinician is on the care team of an uncancelled visit of this patient that starts at
 * or after `since` (upcoming visits included): a current care relationship, unlike any visit ever.
 */
export async function hasCareRelationship(db: Db, patientId: string, clinicianId: string, since: string): Promise<boolean> {
  const row = await patientIdsOfClinician(db, clinicianId)
    .where('visits.patient_id', '=', patientId)
    .where('visits.status', '!=', 'cancelled')
    .where('visits.starts_at', '>=', since)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
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

/** True when the staff member is on this visit's care team. */
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

/** Changes time, length, reason and/or care team. Run inside the caller's transaction. */
export async function updateVisit(
  db: Db,
  id: string,
  patch: { starts_at?: string; duration_minutes?: number; reason?: string | null; status?: VisitStatus },
  clinicianIds?: string[],
): Promise<void> {
  await db
    .updateTable('visits')
    .set({ ...patch, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
  if (clinicianIds) {
    await db.deleteFrom('visit_clinicians').where('visit_id', '=', id).execute();
    await db
      .insertInto('visit_clinicians')
      .values(clinicianIds.map((staffId) => ({ visit_id: id, staff_id: staffId })))
      .execute();
  }
}

/** Revokes every live link of a visit. */
export async function revokeVisitLinks(db: Db, visitId: string, now: string): Promise<void> {
  await db.updateTable('patient_links').set({ revoked_at: now }).where('visit_id', '=', visitId).where('revoked_at', 'is', null).execute();
}

/** Ends every patient session opened through a visit's links (a revoked link must not live on in a cookie). */
export async function revokeVisitPatientSessions(db: Db, visitId: string, now = new Date().toISOString()): Promise<void> {
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
