import type { Kysely } from 'kysely';
import type { StaffPrincipal } from '../auth/session';
import { isOnCareTeam } from '../care-team/care-team.store';
import type { DB } from '../db/schema';
import { hasCareRelationship, isPatientOfClinician } from '../visits/visits.store';

/**
 * Schedulers and admins read every patient; a clinician only the patients of their own visits or
 * on whose care team they are.
 */
export async function canReadPatient(db: Kysely<DB>, staff: StaffPrincipal, patientId: string): Promise<boolean> {
  if (staff.role !== 'clinician') return true;
  return (await isPatientOfClinician(db, patientId, staff.id)) || isOnCareTeam(db, patientId, staff.id);
}

/**
 * THE rule for the patient's clinical record (history, chart, plan, notes, FHIR): only a clinician
 * currently caring for the patient. Currently caring means on the patient's care team
 * (`patient_care_team`), or on the care team of an uncancelled visit of the patient that starts
 * within the last `careRelationshipDays` days or later (CARE_RELATIONSHIP_DAYS); a single old or
 * cancelled visit does not open the record for ever. Schedulers and admins never: they schedule.
 */
export async function canReadPatientHistory(db: Kysely<DB>, staff: StaffPrincipal, patientId: string, careRelationshipDays: number): Promise<boolean> {
  if (staff.role !== 'clinician') return false;
  if (await isOnCareTeam(db, patientId, staff.id)) return true;
  const since = new Date(Date.now() - careRelationshipDays * 86400_000).toISOString();
  return hasCareRelationship(db, patientId, staff.id, since);
}
