import type { Kysely } from 'kysely';
import type { CreatePatientRequest } from '@shared/api/patients.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { notFound } from '../http-error';
import { canReadPatient } from './patient.policy';
import { findPatientById, insertPatient, searchPatients, type PatientRow } from './patients.store';

/** Most patients a search returns; the picker asks people to type more rather than page. */
export const PATIENT_SEARCH_LIMIT = 25;

export interface PatientsDeps {
  db: Kysely<DB>;
  auditor: Auditor;
}

/** Creates a patient record on behalf of a scheduler or admin, with its audit entry. */
export function createPatient(deps: PatientsDeps, ctx: AuditContext, input: CreatePatientRequest, staff: StaffPrincipal): Promise<PatientRow> {
  return deps.auditor.transaction(async (trx) => {
    const patient = await insertPatient(trx, {
      displayName: input.displayName,
      preferredName: input.preferredName ?? null,
      pronouns: input.pronouns ?? null,
      preferredLanguage: input.preferredLanguage ?? 'en',
      dateOfBirth: input.dateOfBirth ?? null,
      externalId: input.externalId ?? null,
      createdBy: staff.id,
    });
    await deps.auditor.record(trx, ctx, { action: 'patient.created', targets: { patientId: patient.id } });
    return patient;
  });
}

/** Searches the patients this staff member may see: all for schedulers and admins, their own visits' patients for clinicians. */
export async function searchPatientsFor(deps: PatientsDeps, ctx: AuditContext, staff: StaffPrincipal, q: string | undefined): Promise<PatientRow[]> {
  const patients = await searchPatients(deps.db, {
    q,
    clinicianId: staff.role === 'clinician' ? staff.id : undefined,
    limit: PATIENT_SEARCH_LIMIT,
  });
  // A search is one read event; opening a patient records which one.
  await deps.auditor.record(deps.db, ctx, { action: 'patient.read' });
  return patients;
}

/** One patient, or 404 when it does not exist or is not this clinician's patient. The read is audited. */
export async function getPatientFor(deps: PatientsDeps, ctx: AuditContext, staff: StaffPrincipal, id: string): Promise<PatientRow> {
  const patient = await findPatientById(deps.db, id);
  if (!patient || !(await canReadPatient(deps.db, staff, id))) throw notFound();
  await deps.auditor.record(deps.db, ctx, { action: 'patient.read', targets: { patientId: patient.id } });
  return patient;
}
