import type { Kysely } from 'kysely';
import type { StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { isPatientOfClinician } from '../visits/visits.store';

/** Schedulers and admins read every patient; a clinician only the patients of their own visits. */
export async function canReadPatient(db: Kysely<DB>, staff: StaffPrincipal, patientId: string): Promise<boolean> {
  return staff.role !== 'clinician' || isPatientOfClinician(db, patientId, staff.id);
}

/** Only a clinician who has seen the patient reads their check-in history: it is clinical, not scheduling, data. */
export async function canReadPatientHistory(db: Kysely<DB>, staff: StaffPrincipal, patientId: string): Promise<boolean> {
  return staff.role === 'clinician' && isPatientOfClinician(db, patientId, staff.id);
}
