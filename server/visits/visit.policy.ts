import type { Response } from 'express';
import type { Kysely } from 'kysely';
import type { PatientPrincipal, StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { HttpError, notFound, unauthenticated } from '../http-error';
import { findVisit, isClinicianOnVisit, type VisitRow } from './visits.store';

/*
 * Who may do what to a visit, for routes and sockets alike. Someone else's visit answers 404: its
 * existence is itself information about a patient.
 */

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

/**
 * An active clinician on this visit's care team now; any other staff member gets 404 (the visit is
 * not theirs). The role is the current one: a clinician turned scheduler or admin keeps no clinical
 * power over their old visits. (An inactive account has no session at all.)
 */
export async function requireVisitClinician(res: Response, db: Kysely<DB>, visitId: string): Promise<StaffPrincipal> {
  const staff = res.locals.staff;
  if (!staff) {
    if (res.locals.patient) throw new HttpError(403, 'forbidden', 'Only the visit’s clinicians can do this');
    throw unauthenticated();
  }
  if (staff.role !== 'clinician' || !(await isClinicianOnVisit(db, visitId, staff.id))) throw notFound();
  return staff;
}

/**
 * requireVisitClinician's session and role checks only, for a hot path whose own first query also
 * reads whether the caller is on the visit's care team and answers 404 when not (the video token:
 * one round trip less). Nothing may be read or changed for the caller before that check.
 */
export function requireClinicianSession(res: Response): StaffPrincipal {
  const staff = res.locals.staff;
  if (!staff) {
    if (res.locals.patient) throw new HttpError(403, 'forbidden', 'Only the visit’s clinicians can do this');
    throw unauthenticated();
  }
  if (staff.role !== 'clinician') throw notFound();
  return staff;
}

/** Whether a staff member may watch a visit's live room: only its own clinicians, while clinicians. */
export async function canWatchVisit(db: Kysely<DB>, staff: Pick<StaffPrincipal, 'id' | 'role'>, visitId: string): Promise<boolean> {
  return staff.role === 'clinician' && isClinicianOnVisit(db, visitId, staff.id);
}

/** Schedulers and admins read every visit; a clinician only the visits they are on. */
export async function canReadVisit(db: Kysely<DB>, staff: StaffPrincipal, visitId: string): Promise<boolean> {
  return staff.role !== 'clinician' || isClinicianOnVisit(db, visitId, staff.id);
}

/** The visit if this staff member may see it; 404 otherwise (a clinician not on it learns nothing). */
export async function requireReadableVisit(db: Kysely<DB>, staff: StaffPrincipal, visitId: string): Promise<VisitRow> {
  const visit = await findVisit(db, visitId);
  if (!visit || !(await canReadVisit(db, staff, visitId))) throw notFound();
  return visit;
}
