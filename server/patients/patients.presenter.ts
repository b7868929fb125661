import type { Patient } from '@shared/api/patients.schema';
import type { PatientRow } from './patients.store';

/** The staff view of a patient; drops the search key and bookkeeping columns. */
export function toPatientResponse(row: PatientRow): Patient {
  return {
    id: row.id,
    displayName: row.display_name,
    preferredName: row.preferred_name,
    pronouns: row.pronouns,
    preferredLanguage: row.preferred_language,
    dateOfBirth: row.date_of_birth,
    externalId: row.external_id,
    createdAt: row.created_at,
  };
}
