import type { Response } from 'express';
import type { Kysely } from 'kysely';
import type { PatientPrincipal, StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { HttpError, forbidden, notFound, unauthenticated } from '../http-error';
import { parseId } from '../id';
import { canReadPatientHistory } from '../patients/patient.policy';
import { findParticipant, mayUseCheckins } from '../visits/participants.store';
import { isOpen } from '../visits/visit-lifecycle';
import { findVisit, isClinicianOnVisit } from '../visits/visits.store';
import { findCheckin, findCheckinForAnswering, heldElsewhere, type AnswerSaveFacts, type AnsweringFacts, type CheckinRow } from './checkins.store';

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
  // Powers follow the current role: a former clinician keeps no clinical access to old visits.
  if (staff && staff.role === 'clinician' && (await isClinicianOnVisit(db, row.visit_id, staff.id))) return { row, viewer: { kind: 'clinician', staff } };
  if (patient && patient.visitId === row.visit_id) {
    await requireCheckinDevice(db, patient);
    return { row, viewer: { kind: 'patient', patient } };
  }
  throw notFound();
}

/**
 * A patient device sees the visit's check-ins only once it has entered the waiting room, and not
 * while another device of the visit is in the call (a second browser with the link waits for a
 * clinician's decision first).
 */
export async function requireCheckinDevice(db: Kysely<DB>, patient: PatientPrincipal): Promise<void> {
  if (!(await mayUseCheckins(db, patient.participantId, patient.visitId))) throw notAdmittedHere();
}

const notAdmittedHere = () => new HttpError(403, 'not_admitted', 'Your clinician has not let this device in yet');

/**
 * Only the patient of the check-in's visit, with what `requireAnswering` needs; its clinicians get
 * 403, anyone else 404. A patient-only request (the answer saves) reads it all in one query.
 */
export async function requireCheckinPatient(
  res: Response,
  db: Kysely<DB>,
  rawId: unknown,
): Promise<{ row: CheckinRow; patient: PatientPrincipal; answering: AnsweringFacts; facts?: AnswerSaveFacts }> {
  const patient = res.locals.patient;
  if (patient && !res.locals.staff) {
    const found = await findCheckinForAnswering(db, parseId(rawId), patient.participantId);
    if (!found || found.row.visit_id !== patient.visitId) throw notFound();
    return { row: found.row, patient, answering: found.answering, facts: found.facts };
  }
  const { row, viewer } = await requireCheckinViewer(res, db, rawId);
  if (viewer.kind !== 'patient') throw forbidden('Only the patient can answer a check-in');
  const visit = await findVisit(db, row.visit_id);
  const p = await findParticipant(db, viewer.patient.participantId);
  const participant = p ? { id: p.id, visitId: p.visit_id, state: p.state, elsewhere: await heldElsewhere(db, row, p.id, p.state) } : null;
  return { row, patient: viewer.patient, answering: { visitStatus: visit?.status ?? null, participant } };
}

/** Only a clinician of the check-in's visit; its patient gets 403, anyone else 404. */
export async function requireCheckinClinician(res: Response, db: Kysely<DB>, rawId: unknown): Promise<{ row: CheckinRow; staff: StaffPrincipal }> {
  const { row, viewer } = await requireCheckinViewer(res, db, rawId);
  if (viewer.kind !== 'clinician') throw forbidden('Only the visit’s clinicians can do this');
  return { row, staff: viewer.staff };
}

/** The visit's patient may answer only while waiting or admitted in an open visit. */
export function requireAnswering(row: CheckinRow, facts: AnsweringFacts): void {
  if (!facts.visitStatus) throw notFound();
  if (!isOpen(facts.visitStatus)) throw new HttpError(409, 'conflict', 'This visit is no longer open');
  const p = facts.participant;
  if (!p || p.visitId !== row.visit_id) throw notFound();
  if (p.state !== 'waiting' && p.state !== 'admitted') throw new HttpError(403, 'not_admitted', 'Join the visit again to answer this check-in');
  if (p.elsewhere) throw notAdmittedHere();
}

/** Only a clinician currently caring for the patient reads their check-in history; anyone else gets 404. */
export async function requireHistoryReader(db: Kysely<DB>, staff: StaffPrincipal, patientId: string, careRelationshipDays: number): Promise<void> {
  if (!(await canReadPatientHistory(db, staff, patientId, careRelationshipDays))) throw notFound();
}
