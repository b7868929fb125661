import type { NextFunction, Request, Response } from 'express';
import type { StaffRole } from '@shared/api/auth.schema';
import { HttpError, unauthenticated } from '../http-error';
import { PATIENT_COOKIE, STAFF_COOKIE, readCookie, type PatientPrincipal, type SessionManager, type StaffPrincipal } from './session';

declare module 'express-serve-static-core' {
  interface Locals {
    staff?: StaffPrincipal;
    patient?: PatientPrincipal;
    actorId?: string;
  }
}

/** Loads whichever sessions the request carries (staff and/or patient) into res.locals. */
export function loadSessions(sessions: SessionManager) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const staffToken = readCookie(req, STAFF_COOKIE);
    if (staffToken) {
      const staff = await sessions.resolveStaff(staffToken);
      if (staff) {
        res.locals.staff = staff;
        res.locals.actorId = staff.id;
        sessions.maybeRenew(req, res, STAFF_COOKIE, 'staff');
      }
    }
    const patientToken = readCookie(req, PATIENT_COOKIE);
    if (patientToken) {
      const patient = await sessions.resolvePatient(patientToken);
      if (patient) {
        res.locals.patient = patient;
        res.locals.actorId ??= patient.participantId;
        sessions.maybeRenew(req, res, PATIENT_COOKIE, 'patient');
      }
    }
    next();
  };
}

/**
 * The signed-in staff member, or 401; with roles given, 403 for any other role. While a password
 * set by someone else awaits its change, 403 `password_change_required` (see signedInStaff).
 */
export function requireStaff(res: Response, ...roles: StaffRole[]): StaffPrincipal {
  const staff = signedInStaff(res);
  if (staff.mustChangePassword) throw new HttpError(403, 'password_change_required', 'Choose your own password first');
  if (roles.length && !roles.includes(staff.role)) throw new HttpError(403, 'forbidden', 'Your role cannot do this');
  return staff;
}

/** The signed-in staff member or 401, even while their password must be changed: only for /me, sign-out and the change itself. */
export function signedInStaff(res: Response): StaffPrincipal {
  const staff = res.locals.staff;
  if (!staff) throw unauthenticated();
  return staff;
}
