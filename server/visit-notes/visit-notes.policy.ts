import type { Response } from 'express';
import type { Kysely } from 'kysely';
import type { StaffPrincipal } from '../auth/session';
import { requireStaff } from '../auth/auth.middleware';
import type { DB } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { canReadPatientHistory } from '../patients/patient.policy';
import type { NoteRow } from './visit-notes.store';

/*
 * Who may read and write visit notes: a clinician with clinical access to the patient (THE rule,
 * canReadPatientHistory: on the patient's care team or a current visit). Everyone else — other clinicians,
 * schedulers, admins — gets 404, as if there were no such visit, patient or note. Patients never.
 */

/** Any signed-in staff member (the access check decides the rest); a patient session or none is 401. */
export function requireNotesStaff(res: Response): StaffPrincipal {
  return requireStaff(res);
}

/** 404 unless this staff member has clinical access to the patient. */
export async function requireClinicalAccess(
  db: Kysely<DB>,
  staff: StaffPrincipal,
  patientId: string,
  careRelationshipDays: number,
): Promise<void> {
  if (!(await canReadPatientHistory(db, staff, patientId, careRelationshipDays))) throw notFound();
}

/** Only the author edits or amends their note; a colleague on the team reads it and writes their own. */
export function requireAuthor(note: NoteRow, staff: StaffPrincipal): void {
  if (note.author_id !== staff.id)
    throw new HttpError(403, 'forbidden', 'Only the author of a note can change or amend it; write your own note instead');
}
