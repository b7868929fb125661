import type { Kysely } from 'kysely';
import type { CheckinStatus, DB, MeasurementPlanItemTable, VisitStatus } from '../db/schema';

export type PlanItemRow = MeasurementPlanItemTable & { set_by_name: string | null };

/** A patient's plan, in the clinician's order, with who set each item. */
export function listPlanItems(db: Kysely<DB>, patientId: string): Promise<PlanItemRow[]> {
  return db
    .selectFrom('measurement_plan_items')
    .leftJoin('staff', 'staff.id', 'measurement_plan_items.set_by')
    .selectAll('measurement_plan_items')
    .select('staff.name as set_by_name')
    .where('measurement_plan_items.patient_id', '=', patientId)
    .orderBy('measurement_plan_items.position')
    .execute();
}

/**
 * Locks the patient's row for the rest of the transaction (a no-op update), so two edits of one
 * plan queue instead of both deleting and then both inserting. Returns false when there is no such patient.
 */
export async function lockPatient(db: Kysely<DB>, patientId: string): Promise<boolean> {
  const r = await db
    .updateTable('patients')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('id', '=', patientId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Replaces the whole plan with `rows`. */
export async function replacePlanItems(db: Kysely<DB>, patientId: string, rows: MeasurementPlanItemTable[]): Promise<void> {
  await db.deleteFrom('measurement_plan_items').where('patient_id', '=', patientId).execute();
  if (rows.length) await db.insertInto('measurement_plan_items').values(rows).execute();
}

/** One check-in of a plan instrument, with its visit's status (to tell a missed one from one still open). */
export interface PlanCheckinFact {
  instrument_id: string;
  visit_id: string;
  status: CheckinStatus;
  sent_at: string;
  shared_at: string | null;
  visit_status: VisitStatus;
}

/** Every check-in of these instruments ever sent to the patient, oldest first. */
export function planCheckinFacts(db: Kysely<DB>, patientId: string, instrumentIds: string[]): Promise<PlanCheckinFact[]> {
  if (instrumentIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('checkins')
    .innerJoin('visits', 'visits.id', 'checkins.visit_id')
    .select(['checkins.instrument_id', 'checkins.visit_id', 'checkins.status', 'checkins.sent_at', 'checkins.shared_at', 'visits.status as visit_status'])
    .where('checkins.patient_id', '=', patientId)
    .where('checkins.instrument_id', 'in', instrumentIds)
    .orderBy('checkins.sent_at')
    .execute();
}

/** The start of the patient's next visit that is still to happen (or under way), or undefined. */
export async function nextOpenVisitStart(db: Kysely<DB>, patientId: string, notBefore: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('visits')
    .select('starts_at')
    .where('patient_id', '=', patientId)
    .where('status', 'in', ['scheduled', 'in_progress'])
    .where('starts_at', '>=', notBefore)
    .orderBy('starts_at')
    .executeTakeFirst();
  return row?.starts_at;
}

/** Instruments this visit already has a check-in of (sent by anyone) or an automatic send recorded for. */
export async function instrumentsAlreadyInVisit(db: Kysely<DB>, visitId: string): Promise<Set<string>> {
  const [checkins, sends] = await Promise.all([
    db.selectFrom('checkins').select('instrument_id').where('visit_id', '=', visitId).execute(),
    db.selectFrom('measurement_sends').select('instrument_id').where('visit_id', '=', visitId).execute(),
  ]);
  return new Set([...checkins, ...sends].map((r) => r.instrument_id));
}

/** When the patient last shared a check-in of each instrument ("answered"), by instrument. */
export async function lastAnsweredAt(db: Kysely<DB>, patientId: string, instrumentIds: string[]): Promise<Map<string, string>> {
  if (instrumentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('checkins')
    .select(['instrument_id', (eb) => eb.fn.max('shared_at').as('last')])
    .where('patient_id', '=', patientId)
    .where('instrument_id', 'in', instrumentIds)
    .where('status', '=', 'shared')
    .groupBy('instrument_id')
    .execute();
  return new Map(rows.filter((r) => r.last).map((r) => [r.instrument_id, String(r.last)]));
}

/** Records the plan's automatic sends; the primary key (visit, instrument) refuses a second one. */
export async function insertSends(db: Kysely<DB>, rows: { visit_id: string; instrument_id: string; checkin_id: string; sent_at: string }[]): Promise<void> {
  if (rows.length) await db.insertInto('measurement_sends').values(rows).execute();
}

/** Whether the patient of this visit has a measurement plan at all (one read, outside any transaction). */
export async function visitPatientHasPlan(db: Kysely<DB>, visitId: string): Promise<boolean> {
  const row = await db
    .selectFrom('measurement_plan_items')
    .innerJoin('visits', 'visits.patient_id', 'measurement_plan_items.patient_id')
    .select('measurement_plan_items.instrument_id')
    .where('visits.id', '=', visitId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
