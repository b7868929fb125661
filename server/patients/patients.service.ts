import type { Kysely } from 'kysely';
import type { CreatePatientRequest } from '@shared/api/patients.schema';
import type { StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { notFound } from '../http-error';
import { findPatientById, insertPatient, isPatientOfClinician, searchPatients, type PatientRow } from './patients.store';

/** Most patients a search returns; the picker asks people to type more rather than page. */
export const PATIENT_SEARCH_LIMIT = 25;

/** Creates a patient record on behalf of a scheduler or admin. */
export function createPatient(db: Kysely<DB>, input: CreatePatientRequest, staff: StaffPrincipal): Promise<PatientRow> {
  return insertPatient(db, {
    displayName: input.displayName,
    preferredName: input.preferredName ?? null,
    pronouns: input.pronouns ?? null,
    preferredLanguage: input.preferredLanguage ?? 'en',
    dateOfBirth: input.dateOfBirth ?? null,
    externalId: input.externalId ?? null,
    createdBy: staff.id,
  });
}

/** Searches the patients this staff member may see: all for schedulers and admins, their own visits' patients for clinicians. */
export function searchPatientsFor(db: Kysely<DB>, staff: StaffPrincipal, q: string | undefined): Promise<PatientRow[]> {
  return searchPatients(db, {
    q,
    clinicianId: staff.role === 'clinician' ? staff.id : undefined,
    limit: PATIENT_SEARCH_LIMIT,
  });
}

/** One patient, or 404 when it does not exist or is not this clinician's patient. */
export async function getPatientFor(db: Kysely<DB>, staff: StaffPrincipal, id: string): Promise<PatientRow> {
  const patient = await findPatientById(db, id);
  if (!patient) throw notFound();
  if (staff.role === 'clinician' && !(await isPatientOfClinician(db, id, staff.id))) throw notFound();
  return patient;
}
