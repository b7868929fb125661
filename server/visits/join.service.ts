import type { Kysely } from 'kysely';
import type { AuditAction } from '@shared/api/audit.schema';
import type { DobLock, JoinRequest, JoinResponse } from '@shared/api/join.schema';
import type { AuditTargets } from '../audit/audit.service';
import type { PatientPrincipal } from '../auth/session';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';
import { findPatientById, type PatientRow } from '../patients/patients.store';
import { createPatientDevice, findReturningDevice, wasRemovedDevice, type ParticipantRow } from './participants.store';
import {
  deleteDobFailure,
  dobFailuresSince,
  findLinkByHash,
  insertDobFailure,
  touchLink,
  type DobFailure,
  type PatientLinkRow,
} from './patient-links.store';
import { hashToken, linkWindow } from './visits.service';
import { toJoinResponse } from './visits.presenter';
import { clinicianNamesByVisit, findVisit } from './visits.store';

/**
 * Wrong dates of birth allowed per address per link per window: one address (one attacker, or a
 * patient's own slips) locks only itself.
 */
export const DOB_MAX_FAILURES_PER_ADDRESS = 5;
/**
 * Wrong dates of birth allowed per link per window from all addresses together, before the link
 * locks for everyone until staff unlock it or the window passes. Four times the per-address limit:
 * one attacker cannot reach it, and many addresses together get only this many guesses an hour.
 */
export const DOB_MAX_FAILURES_PER_LINK = 20;
export const DOB_WINDOW_MS = 3600_000;

export interface JoinOutcome {
  response: JoinResponse;
  participantId: string;
  visitId: string;
  patientId: string;
  linkId: string;
  /** The patient session lives no longer than the link itself. */
  sessionEnd: Date;
  /** A browser that was already this device keeps its session; any other gets a new one. */
  returning: boolean;
}

/** Writes one audit entry for the door (ids only; the route supplies who, when and from where). */
export type DoorAudit = (action: AuditAction, outcome: 'success' | 'failure', targets: AuditTargets) => Promise<void>;

/**
 * Runs the join's one change (a new device, or a returning one, and the link's last use) in a
 * transaction and appends its `link.used` entry, acting as the device, as that transaction's last
 * statement.
 */
export type JoinCommit = (change: (trx: Kysely<DB>) => Promise<ParticipantRow>, targets: AuditTargets) => Promise<ParticipantRow>;

function lockedError(failures: DobFailure[], limit: number, now: Date): HttpError {
  const freeing = failures[failures.length - limit];
  const lifts = freeing ? Date.parse(freeing.at) + DOB_WINDOW_MS : now.getTime() + DOB_WINDOW_MS;
  const retryAfter = Math.max(1, Math.ceil((lifts - now.getTime()) / 1000));
  return new HttpError(
    429,
    'rate_limited',
    'Too many attempts. Please wait and try again.',
    { retryAfterSeconds: retryAfter },
    {
      'Retry-After': String(retryAfter),
    },
  );
}

/** The link's lock as staff see it: locked for everyone once the per-link limit is reached. */
export function dobLockOf(failures: DobFailure[], now: Date): DobLock {
  if (failures.length < DOB_MAX_FAILURES_PER_LINK) return { locked: false, lockedUntil: null, failures: failures.length };
  const freeing = failures[failures.length - DOB_MAX_FAILURES_PER_LINK];
  const until = new Date((freeing ? Date.parse(freeing.at) : now.getTime()) + DOB_WINDOW_MS);
  return { locked: until > now, lockedUntil: until > now ? until.toISOString() : null, failures: failures.length };
}

/** Failures of one link counted now (within the window). */
export function recentDobFailures(db: Kysely<DB>, linkId: string, now: Date): Promise<DobFailure[]> {
  return dobFailuresSince(db, linkId, new Date(now.getTime() - DOB_WINDOW_MS).toISOString());
}

/**
 * The date-of-birth gate, limited per address and per link. Every attempt is written as a failure
 * *before* the counts are read, so parallel guesses cannot slip past a limit; a right answer (or a
 * refused one) takes its row back.
 */
async function checkDateOfBirth(
  db: Kysely<DB>,
  config: Config,
  link: PatientLinkRow,
  patient: PatientRow,
  given: string | undefined,
  address: string | null,
  now: Date,
  audit: DoorAudit,
  targets: AuditTargets,
): Promise<void> {
  const fromHere = (failures: DobFailure[]) => failures.filter((f) => f.address === address);
  const refuseIfLocked = (failures: DobFailure[], mine: DobFailure[]) => {
    if (failures.length >= DOB_MAX_FAILURES_PER_LINK) throw lockedError(failures, DOB_MAX_FAILURES_PER_LINK, now);
    if (mine.length >= DOB_MAX_FAILURES_PER_ADDRESS) throw lockedError(mine, DOB_MAX_FAILURES_PER_ADDRESS, now);
  };
  if (given === undefined) {
    const failures = await recentDobFailures(db, link.id, now);
    refuseIfLocked(failures, fromHere(failures));
    // Reveals the clinic's name and nothing else: not who, not when, not with whom.
    throw new HttpError(403, 'dob_required', 'Enter your date of birth to continue', { clinicName: config.clinicName });
  }
  const attemptId = await insertDobFailure(db, link.id, now.toISOString(), address);
  const failures = await recentDobFailures(db, link.id, now);
  const before = failures.filter((f) => f.id !== attemptId);
  const mine = fromHere(failures);
  const mineBefore = mine.filter((f) => f.id !== attemptId);
  if (
    before.length >= DOB_MAX_FAILURES_PER_LINK ||
    mineBefore.length >= DOB_MAX_FAILURES_PER_ADDRESS ||
    failures.length > DOB_MAX_FAILURES_PER_LINK ||
    mine.length > DOB_MAX_FAILURES_PER_ADDRESS
  ) {
    await deleteDobFailure(db, attemptId);
    refuseIfLocked(before, mineBefore);
    // A parallel guess took the last place: refused like a locked one.
    throw lockedError(
      mine.length > DOB_MAX_FAILURES_PER_ADDRESS ? mineBefore : before,
      mine.length > DOB_MAX_FAILURES_PER_ADDRESS ? DOB_MAX_FAILURES_PER_ADDRESS : DOB_MAX_FAILURES_PER_LINK,
      now,
    );
  }
  if (given === patient.date_of_birth) {
    await deleteDobFailure(db, attemptId);
    return;
  }
  await audit('dob.failed', 'failure', targets);
  if (failures.length === DOB_MAX_FAILURES_PER_LINK) await audit('dob.locked', 'failure', targets);
  throw new HttpError(403, 'dob_mismatch', 'That date of birth does not match our records', {
    attemptsLeft: Math.max(0, Math.min(DOB_MAX_FAILURES_PER_ADDRESS - mine.length, DOB_MAX_FAILURES_PER_LINK - failures.length)),
  });
}

/**
 * Opens a visit from a patient link. The order is the door's security: the link and its time
 * window first (before the window opens nothing about the date of birth is checked, so the
 * answer cannot be an oracle), then the date of birth, and only then what happened to the visit
 * (cancelled, ended). A browser that is already a device of this link resumes; any other becomes
 * a new participant that must be admitted on its own.
 */
export async function joinVisit(
  db: Kysely<DB>,
  config: Config,
  input: JoinRequest,
  current: PatientPrincipal | undefined,
  address: string | null,
  audit: DoorAudit,
  commit: JoinCommit,
  formerDevice?: { participantId: string; visitId: string },
): Promise<JoinOutcome> {
  const link = await findLinkByHash(db, hashToken(input.token));
  if (!link) {
    await audit('link.refused', 'failure', {});
    throw new HttpError(404, 'not_found', 'This link is not valid');
  }
  const visit = await findVisit(db, link.visit_id);
  if (!visit) throw new HttpError(404, 'not_found', 'This link is not valid');
  const targets: AuditTargets = { visitId: visit.id, patientId: visit.patient_id, linkId: link.id };
  const refuse = async (err: HttpError) => {
    await audit('link.refused', 'failure', targets);
    return err;
  };
  const now = new Date();
  const window = linkWindow(config, visit);
  // A replaced link says so at once: it no longer leads anywhere, so nothing is checked on it.
  if (link.revoked_at && visit.status !== 'cancelled')
    throw await refuse(new HttpError(410, 'link_revoked', 'This link was replaced by a newer one'));
  if (now < window.opensAt) {
    throw await refuse(new HttpError(403, 'too_early', 'This link is not open yet', { opensAt: window.opensAt.toISOString() }));
  }
  if (now >= window.expiresAt) throw await refuse(new HttpError(410, 'link_expired', 'This link has expired'));

  const patient = await findPatientById(db, visit.patient_id);
  if (!patient) throw new HttpError(404, 'not_found', 'This link is not valid');
  // A device a clinician removed stays out: its own (ended) session names it, so reloading the
  // page does not turn it into a new arrival. Another browser with the link still knocks anew.
  if (!current && formerDevice?.visitId === visit.id && (await wasRemovedDevice(db, formerDevice.participantId, visit.id, link.id))) {
    throw await refuse(new HttpError(410, 'participant_removed', 'You were removed from this visit'));
  }
  const returning = current?.visitId === visit.id ? await findReturningDevice(db, current.participantId, visit.id, link.id) : undefined;
  if (patient.date_of_birth && !returning) {
    await checkDateOfBirth(db, config, link, patient, input.dateOfBirth, address, now, audit, targets);
  }
  if (visit.status === 'cancelled') throw await refuse(new HttpError(410, 'visit_cancelled', 'This appointment was cancelled'));
  if (visit.status === 'completed') throw await refuse(new HttpError(410, 'visit_ended', 'This visit has ended'));

  const participant = await commit(async (trx) => {
    const device = returning ?? (await createPatientDevice(trx, visit.id, link.id));
    await touchLink(trx, link.id, now.toISOString());
    return device;
  }, targets);
  const team = (await clinicianNamesByVisit(db, [visit.id])).get(visit.id) ?? [];
  return {
    participantId: participant.id,
    visitId: visit.id,
    patientId: patient.id,
    linkId: link.id,
    sessionEnd: window.expiresAt,
    returning: returning !== undefined,
    response: toJoinResponse({ visit, patient, participant, team }),
  };
}
