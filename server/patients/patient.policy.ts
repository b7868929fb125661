import type { Kysely } from 'kysely';
import type { StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { hasCareRelationship, isPatientOfClinician } from '../visits/visits.store';

/** Schedulers and admins read every patient; a clinician only the patients of their own visits. */
export async function canReadPatient(db: Kysely<DB>, staff: StaffPrincipal, patientId: string): Promise<boolean> {
  return staff.role !== 'clinician' || isPatientOfClinician(db, patientId, staff.id);
}

/**
 * Only a clinician currently caring for the patient reads their check-in history: it is clinical,
 * not scheduling, data. Current means on the care team of an uncancelled visit that starts within
 * the last `careRelationshipDays` days or later (CARE_RELATIONSHIP_DAYS); a single old or
 * cancelled visit does not open the history for ever.
 */
export async function canReadPatientHistory(db: Kysely<DB>, staff: StaffPrincipal, patientId: string, careRelationshipDays: number): Promise<boolean> {
  if (staff.role !== 'clinician') return false;
  const since = new Date(Date.now() - careRelationshipDays * 86400_000).toISOString();
  return hasCareRelationship(db, patientId, staff.id, since);
}
