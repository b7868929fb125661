import type { Response } from 'express';
import type { Kysely } from 'kysely';
import type { PatientPrincipal, StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { forbidden, notFound, unauthenticated } from '../http-error';
import { parseId } from '../id';
import { isClinicianOn } from '../waiting-room/waiting-room.store';
import { findCheckin, type CheckinRow } from './checkins.store';

export type CheckinViewer = { kind: 'clinician'; staff: StaffPrincipal } | { kind: 'patient'; patient: PatientPrincipal };

/**
 * The check-in and who is asking: a clinician of its visit, or the patient of its visit. Anyone
 * else gets 404 (a check-in's existence is itself clinical information); nobody signed in gets 401.
 */
export async function requireCheckinViewer(
  res: Response,
  db: Kysely<DB>,
  rawId: unknown,
): Promise<{ row: CheckinRow; viewer: CheckinViewer }> {
  const staff = res.locals.staff;
  const patient = res.locals.patient;
  if (!staff && !patient) throw unauthenticated();
  const row = await findCheckin(db, parseId(rawId));
  if (!row) throw notFound();
  if (staff && (await isClinicianOn(db, row.visit_id, staff.id))) return { row, viewer: { kind: 'clinician', staff } };
  if (patient && patient.visitId === row.visit_id) return { row, viewer: { kind: 'patient', patient } };
  throw notFound();
}

/** Only the patient of the check-in's visit; its clinicians get 403, anyone else 404. */
export async function requireCheckinPatient(
  res: Response,
  db: Kysely<DB>,
  rawId: unknown,
): Promise<{ row: CheckinRow; patient: PatientPrincipal }> {
  const { row, viewer } = await requireCheckinViewer(res, db, rawId);
  if (viewer.kind !== 'patient') throw forbidden('Only the patient can answer a check-in');
  return { row, patient: viewer.patient };
}

/** Only a clinician of the check-in's visit; its patient gets 403, anyone else 404. */
export async function requireCheckinClinician(
  res: Response,
  db: Kysely<DB>,
  rawId: unknown,
): Promise<{ row: CheckinRow; staff: StaffPrincipal }> {
  const { row, viewer } = await requireCheckinViewer(res, db, rawId);
  if (viewer.kind !== 'clinician') throw forbidden('Only the visit’s clinicians can do this');
  return { row, staff: viewer.staff };
}
