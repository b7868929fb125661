import type { Response } from 'express';
import type { Kysely } from 'kysely';
import type { PatientPrincipal, StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { HttpError, forbidden, notFound, unauthenticated } from '../http-error';
import { parseId } from '../id';
import { canReadPatientHistory } from '../patients/patient.policy';
import { findParticipant } from '../visits/participants.store';
import { isOpen } from '../visits/visit-lifecycle';
import { findVisit, isClinicianOnVisit } from '../visits/visits.store';
import { findCheckin, type CheckinRow } from './checkins.store';

/*
 * Who may see and touch a check-in. Anyone outside its visit gets 404: a check-in's existence is
 * itself clinical information; nobody signed in gets 401.
 */

export type CheckinViewer = { kind: 'clinician'; staff: StaffPrincipal } | { kind: 'patient'; patient: PatientPrincipal };

/** The check-in and who is asking: a clinician of its visit, or the patient of its visit. */
export async function requireCheckinViewer(res: Response, db: Kysely<DB>, rawId: unknown): Promise<{ row: CheckinRow; viewer: CheckinViewer }> {
  const staff = res.locals.staff;
  const patient = res.locals.patient;
  if (!staff && !patient) throw unauthenticated();
  const row = await findCheckin(db, parseId(rawId));
  if (!row) throw notFound();
  if (staff && (await isClinicianOnVisit(db, row.visit_id, staff.id))) return { row, viewer: { kind: 'clinician', staff } };
  if (patient && patient.visitId === row.visit_id) return { row, viewer: { kind: 'patient', patient } };
  throw notFound();
}

/** Only the patient of the check-in's visit; its clinicians get 403, anyone else 404. */
export async function requireCheckinPatient(res: Response, db: Kysely<DB>, rawId: unknown): Promise<{ row: CheckinRow; patient: PatientPrincipal }> {
  const { row, viewer } = await requireCheckinViewer(res, db, rawId);
  if (viewer.kind !== 'patient') throw forbidden('Only the patient can answer a check-in');
  return { row, patient: viewer.patient };
}

/** Only a clinician of the check-in's visit; its patient gets 403, anyone else 404. */
export async function requireCheckinClinician(res: Response, db: Kysely<DB>, rawId: unknown): Promise<{ row: CheckinRow; staff: StaffPrincipal }> {
  const { row, viewer } = await requireCheckinViewer(res, db, rawId);
  if (viewer.kind !== 'clinician') throw forbidden('Only the visit’s clinicians can do this');
  return { row, staff: viewer.staff };
}

/** The visit's patient may answer only while waiting or admitted in an open visit. */
export async function requireAnswering(db: Kysely<DB>, row: CheckinRow, patient: PatientPrincipal): Promise<void> {
  const visit = await findVisit(db, row.visit_id);
  if (!visit) throw notFound();
  if (!isOpen(visit.status)) throw new HttpError(409, 'conflict', 'This visit is no longer open');
  const p = await findParticipant(db, patient.participantId);
  if (!p || p.visit_id !== row.visit_id) throw notFound();
  if (p.state !== 'waiting' && p.state !== 'admitted') throw new HttpError(403, 'not_admitted', 'Join the visit again to answer this check-in');
}

/** Only a clinician who has seen the patient reads their check-in history; anyone else gets 404. */
export async function requireHistoryReader(db: Kysely<DB>, staff: StaffPrincipal, patientId: string): Promise<void> {
  if (!(await canReadPatientHistory(db, staff, patientId))) throw notFound();
}
