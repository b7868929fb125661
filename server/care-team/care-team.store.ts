import type { Kysely } from 'kysely';
import type { DB, PatientCareTeamTable } from '../db/schema';

type Db = Kysely<DB>;

export type CareTeamRow = PatientCareTeamTable & { name: string; staff_role: string; staff_active: number };

/** A patient's care team with each clinician's name: the coordinator first, then by name. */
export function listCareTeam(db: Db, patientId: string): Promise<CareTeamRow[]> {
  return db
    .selectFrom('patient_care_team')
    .innerJoin('staff', 'staff.id', 'patient_care_team.staff_id')
    .selectAll('patient_care_team')
    .select(['staff.name', 'staff.role as staff_role', 'staff.active as staff_active'])
    .where('patient_care_team.patient_id', '=', patientId)
    .orderBy('patient_care_team.is_coordinator', 'desc')
    .orderBy('staff.name')
    .orderBy('staff.id')
    .execute();
}

/**
 * True when the staff member is on the patient's care team and still an active clinician (a
 * deactivated account or one moved to another role keeps no clinical access through the team).
 */
export async function isOnCareTeam(db: Db, patientId: string, staffId: string): Promise<boolean> {
  const row = await db
    .selectFrom('patient_care_team')
    .innerJoin('staff', 'staff.id', 'patient_care_team.staff_id')
    .select('patient_care_team.staff_id')
    .where('patient_care_team.patient_id', '=', patientId)
    .where('patient_care_team.staff_id', '=', staffId)
    .where('staff.role', '=', 'clinician')
    .where('staff.active', '=', 1)
    .executeTakeFirst();
  return row !== undefined;
}

/** A subquery of the patient ids whose care team this clinician is on, for `where id in (…)`. */
export function patientIdsOnCareTeamOf(db: Db, staffId: string) {
  return db.selectFrom('patient_care_team').select('patient_care_team.patient_id').where('patient_care_team.staff_id', '=', staffId);
}

/**
 * Locks the patient's row for the rest of the transaction (a no-op update: a row lock on
 * PostgreSQL, the write lock on SQLite), so two replacements of one team queue up. Returns false
 * when there is no such patient.
 */
export async function lockPatient(db: Db, patientId: string): Promise<boolean> {
  const r = await db
    .updateTable('patients')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', patientId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Replaces the whole team. Run inside the caller's transaction, after `lockPatient`. */
export async function replaceCareTeam(
  db: Db,
  patientId: string,
  members: { staffId: string; role: string; isCoordinator: boolean }[],
  byStaffId: string,
  now: string,
  kept: Map<string, { addedAt: string; addedBy: string | null }>,
): Promise<void> {
  await db.deleteFrom('patient_care_team').where('patient_id', '=', patientId).execute();
  if (!members.length) return;
  await db
    .insertInto('patient_care_team')
    .values(
      members.map((m) => ({
        patient_id: patientId,
        staff_id: m.staffId,
        role: m.role,
        is_coordinator: m.isCoordinator ? 1 : 0,
        // Someone who stays on the team keeps when and by whom they were added.
        added_by: kept.get(m.staffId)?.addedBy ?? byStaffId,
        added_at: kept.get(m.staffId)?.addedAt ?? now,
      })),
    )
    .execute();
}
