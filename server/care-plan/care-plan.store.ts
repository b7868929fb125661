import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type {
  CarePlanChangeTable,
  CarePlanGoalTable,
  CarePlanProblemTable,
  DB,
  MedicationEventTable,
  MedicationTable,
  ReferralTable,
} from '../db/schema';

type Db = Kysely<DB>;

export type GoalRow = CarePlanGoalTable & { owner_name: string | null };
export type ProblemRow = CarePlanProblemTable & { owner_name: string | null };
export type MedicationRow = MedicationTable;
export type MedicationEventRow = MedicationEventTable;
export type ReferralRow = ReferralTable;
export type ChangeRow = CarePlanChangeTable & { by_name: string };

export interface CarePlanRows {
  goals: GoalRow[];
  problems: ProblemRow[];
  medications: MedicationRow[];
  events: MedicationEventRow[];
  referrals: ReferralRow[];
  changes: ChangeRow[];
}

/** Everything of one patient's plan, oldest item first; the history newest first. */
export async function loadCarePlan(db: Db, patientId: string): Promise<CarePlanRows> {
  const goals = await db
    .selectFrom('care_plan_goals')
    .leftJoin('staff', 'staff.id', 'care_plan_goals.owner_id')
    .selectAll('care_plan_goals')
    .select('staff.name as owner_name')
    .where('care_plan_goals.patient_id', '=', patientId)
    .orderBy('care_plan_goals.created_at')
    .orderBy('care_plan_goals.id')
    .execute();
  const problems = await db
    .selectFrom('care_plan_problems')
    .leftJoin('staff', 'staff.id', 'care_plan_problems.owner_id')
    .selectAll('care_plan_problems')
    .select('staff.name as owner_name')
    .where('care_plan_problems.patient_id', '=', patientId)
    .orderBy('care_plan_problems.created_at')
    .orderBy('care_plan_problems.id')
    .execute();
  const medications = await db
    .selectFrom('medications')
    .selectAll()
    .where('patient_id', '=', patientId)
    .orderBy('started_on')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const events = medications.length
    ? await db
        .selectFrom('medication_events')
        .selectAll()
        .where(
          'medication_id',
          'in',
          medications.map((m) => m.id),
        )
        .execute()
    : [];
  const referrals = await db
    .selectFrom('referrals')
    .selectAll()
    .where('patient_id', '=', patientId)
    .orderBy('referred_on')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const changes = await db
    .selectFrom('care_plan_changes')
    .innerJoin('staff', 'staff.id', 'care_plan_changes.by_staff_id')
    .selectAll('care_plan_changes')
    .select('staff.name as by_name')
    .where('care_plan_changes.patient_id', '=', patientId)
    .orderBy('care_plan_changes.seq', 'desc')
    .execute();
  return { goals, problems, medications, events, referrals, changes: changes.map((c) => ({ ...c, seq: Number(c.seq) })) };
}

export function findGoal(db: Db, patientId: string, id: string): Promise<CarePlanGoalTable | undefined> {
  return db.selectFrom('care_plan_goals').selectAll().where('patient_id', '=', patientId).where('id', '=', id).executeTakeFirst();
}

export function findProblem(db: Db, patientId: string, id: string): Promise<CarePlanProblemTable | undefined> {
  return db.selectFrom('care_plan_problems').selectAll().where('patient_id', '=', patientId).where('id', '=', id).executeTakeFirst();
}

export function findMedication(db: Db, patientId: string, id: string): Promise<MedicationRow | undefined> {
  return db.selectFrom('medications').selectAll().where('patient_id', '=', patientId).where('id', '=', id).executeTakeFirst();
}

export function eventsOf(db: Db, medicationId: string): Promise<MedicationEventRow[]> {
  return db.selectFrom('medication_events').selectAll().where('medication_id', '=', medicationId).execute();
}

export function findReferral(db: Db, patientId: string, id: string): Promise<ReferralRow | undefined> {
  return db.selectFrom('referrals').selectAll().where('patient_id', '=', patientId).where('id', '=', id).executeTakeFirst();
}

export async function insertGoal(db: Db, row: CarePlanGoalTable): Promise<void> {
  await db.insertInto('care_plan_goals').values(row).execute();
}

export async function updateGoal(db: Db, id: string, set: Partial<CarePlanGoalTable>): Promise<void> {
  await db.updateTable('care_plan_goals').set(set).where('id', '=', id).execute();
}

export async function insertProblem(db: Db, row: CarePlanProblemTable): Promise<void> {
  await db.insertInto('care_plan_problems').values(row).execute();
}

export async function updateProblem(db: Db, id: string, set: Partial<CarePlanProblemTable>): Promise<void> {
  await db.updateTable('care_plan_problems').set(set).where('id', '=', id).execute();
}

export async function insertMedication(db: Db, row: MedicationRow): Promise<void> {
  await db.insertInto('medications').values(row).execute();
}

export async function updateMedication(db: Db, id: string, set: Partial<MedicationRow>): Promise<void> {
  await db.updateTable('medications').set(set).where('id', '=', id).execute();
}

export async function insertMedicationEvent(db: Db, e: Omit<MedicationEventRow, 'id'>): Promise<void> {
  await db
    .insertInto('medication_events')
    .values({ id: randomUUID(), ...e })
    .execute();
}

export async function insertReferral(db: Db, row: ReferralRow): Promise<void> {
  await db.insertInto('referrals').values(row).execute();
}

export async function updateReferral(db: Db, id: string, set: Partial<ReferralRow>): Promise<void> {
  await db.updateTable('referrals').set(set).where('id', '=', id).execute();
}

/** Appends one entry to the patient's history. Call after locking the patient row (the seq depends on the last one). */
export async function appendChange(db: Db, c: Omit<CarePlanChangeTable, 'id' | 'seq'>): Promise<void> {
  const last = await db
    .selectFrom('care_plan_changes')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('patient_id', '=', c.patient_id)
    .executeTakeFirst();
  const seq = Number(last?.seq ?? 0) + 1;
  await db
    .insertInto('care_plan_changes')
    .values({ id: randomUUID(), seq, ...c })
    .execute();
}
