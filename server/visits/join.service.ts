import type { Kysely } from 'kysely';
import type { JoinRequest, JoinResponse } from '@shared/api/join.schema';
import type { PatientPrincipal } from '../auth/session';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';
import { findPatientById, type PatientRow } from '../patients/patients.store';
import { findOrCreatePatientParticipant } from './participants.store';
import { deleteDobFailure, dobFailuresSince, findLinkByHash, insertDobFailure, touchLink, type PatientLinkRow } from './patient-links.store';
import { hashToken, linkWindow } from './visits.service';
import { toJoinResponse } from './visits.presenter';
import { clinicianNamesByVisit, findVisit } from './visits.store';

/** Wrong dates of birth allowed per link per window before the link locks. */
export const DOB_MAX_FAILURES = 5;
export const DOB_WINDOW_MS = 3600_000;

export interface JoinOutcome {
  response: JoinResponse;
  participantId: string;
  visitId: string;
  patientId: string;
  linkId: string;
  /** The patient session lives no longer than the link itself. */
  sessionEnd: Date;
}

/**
 * The date-of-birth gate. Every attempt is written as a failure *before* the count is read, so
 * parallel guesses cannot slip past the limit; a right answer (or a refused one) takes its row back.
 */
async function checkDateOfBirth(
  db: Kysely<DB>,
  config: Config,
  link: PatientLinkRow,
  patient: PatientRow,
  given: string | undefined,
  now: Date,
  onFailure: () => Promise<void>,
): Promise<void> {
  const since = new Date(now.getTime() - DOB_WINDOW_MS).toISOString();
  const locked = (failures: { at: string }[]) => {
    const freeing = failures[failures.length - DOB_MAX_FAILURES];
    const lifts = freeing ? Date.parse(freeing.at) + DOB_WINDOW_MS : now.getTime() + DOB_WINDOW_MS;
    const retryAfter = Math.max(1, Math.ceil((lifts - now.getTime()) / 1000));
    return new HttpError(429, 'rate_limited', 'Too many attempts. Please wait and try again.', { retryAfterSeconds: retryAfter }, {
      'Retry-After': String(retryAfter),
    });
  };
  if (given === undefined) {
    const failures = await dobFailuresSince(db, link.id, since);
    if (failures.length >= DOB_MAX_FAILURES) throw locked(failures);
    // Reveals the clinic's name and nothing else: not who, not when, not with whom.
    throw new HttpError(403, 'dob_required', 'Enter your date of birth to continue', { clinicName: config.clinicName });
  }
  const attemptId = await insertDobFailure(db, link.id, now.toISOString());
  const failures = await dobFailuresSince(db, link.id, since);
  const before = failures.filter((f) => f.id !== attemptId);
  if (before.length >= DOB_MAX_FAILURES || failures.length > DOB_MAX_FAILURES) {
    await deleteDobFailure(db, attemptId);
    throw locked(before);
  }
  if (given === patient.date_of_birth) {
    await deleteDobFailure(db, attemptId);
    return;
  }
  await onFailure();
  throw new HttpError(403, 'dob_mismatch', 'That date of birth does not match our records', {
    attemptsLeft: Math.max(0, DOB_MAX_FAILURES - failures.length),
  });
}

/**
 * Opens a visit from a patient link: checks the link, its window and (when one is on file) the
 * date of birth, then finds or creates the visit's one patient participant.
 */
export async function joinVisit(
  db: Kysely<DB>,
  config: Config,
  input: JoinRequest,
  current: PatientPrincipal | undefined,
  /** Called for each wrong date of birth, to audit it (ids only). */
  onDobFailure: (targets: { visitId: string; patientId: string; linkId: string }) => Promise<void> = async () => undefined,
): Promise<JoinOutcome> {
  const link = await findLinkByHash(db, hashToken(input.token));
  if (!link) throw new HttpError(404, 'not_found', 'This link is not valid');
  const visit = await findVisit(db, link.visit_id);
  if (!visit) throw new HttpError(404, 'not_found', 'This link is not valid');
  if (visit.status === 'cancelled') throw new HttpError(410, 'visit_cancelled', 'This appointment was cancelled');
  if (link.revoked_at) throw new HttpError(410, 'link_revoked', 'This link was replaced by a newer one');
  const now = new Date();
  const window = linkWindow(config, visit);
  if (visit.status === 'completed') throw new HttpError(410, 'visit_ended', 'This visit has ended');
  if (now >= window.expiresAt) throw new HttpError(410, 'link_expired', 'This link has expired');

  const patient = await findPatientById(db, visit.patient_id);
  if (!patient) throw new HttpError(404, 'not_found', 'This link is not valid');
  const resuming = current?.visitId === visit.id;
  // The gate comes before "too early", which would otherwise tell a stranger holding the link when the visit is.
  if (patient.date_of_birth && !resuming) {
    await checkDateOfBirth(db, config, link, patient, input.dateOfBirth, now, () =>
      onDobFailure({ visitId: visit.id, patientId: patient.id, linkId: link.id }),
    );
  }
  if (now < window.opensAt) {
    throw new HttpError(403, 'too_early', 'This link is not open yet', { opensAt: window.opensAt.toISOString() });
  }

  const participant = await findOrCreatePatientParticipant(db, visit.id);
  await touchLink(db, link.id, now.toISOString());
  const team = (await clinicianNamesByVisit(db, [visit.id])).get(visit.id) ?? [];
  return {
    participantId: participant.id,
    visitId: visit.id,
    patientId: patient.id,
    linkId: link.id,
    sessionEnd: window.expiresAt,
    response: toJoinResponse({ visit, patient, participant, team }),
  };
}
