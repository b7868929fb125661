import type { Response } from 'express';
import type { Kysely } from 'kysely';
import type { PatientPrincipal, StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { HttpError, notFound, unauthenticated } from '../http-error';
import { isClinicianOn } from './waiting-room.store';

/** The patient session of exactly this visit; another visit's session gets 404, no session 401. */
export function requireVisitPatient(res: Response, visitId: string): PatientPrincipal {
  const patient = res.locals.patient;
  if (!patient) {
    if (res.locals.staff) throw new HttpError(403, 'forbidden', 'Only the patient of this visit can do this');
    throw unauthenticated();
  }
  if (patient.visitId !== visitId) throw notFound();
  return patient;
}

/** A clinician on this visit's care team; any other staff member gets 404 (the visit is not theirs). */
export async function requireVisitClinician(res: Response, db: Kysely<DB>, visitId: string): Promise<StaffPrincipal> {
  const staff = res.locals.staff;
  if (!staff) {
    if (res.locals.patient) throw new HttpError(403, 'forbidden', 'Only the visit’s clinicians can do this');
    throw unauthenticated();
  }
  if (!(await isClinicianOn(db, visitId, staff.id))) throw notFound();
  return staff;
}
