import type { Kysely } from 'kysely';
import type { StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { notFound } from '../http-error';
import { canReadPatientHistory } from '../patients/patient.policy';

/**
 * Reading and setting a patient's measurement plan is clinical work: only a clinician with clinical
 * access to the patient (the one rule, `canReadPatientHistory`); anyone else gets 404, so the answer
 * never tells whether the patient exists.
 */
export async function requirePlanClinician(db: Kysely<DB>, staff: StaffPrincipal, patientId: string, careRelationshipDays: number): Promise<void> {
  if (!(await canReadPatientHistory(db, staff, patientId, careRelationshipDays))) throw notFound();
}
