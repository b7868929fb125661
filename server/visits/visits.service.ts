import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CreateVisitRequest, ListVisitsQuery, UpdateVisitRequest } from '@shared/api/visits.schema';
import type { StaffPrincipal } from '../auth/session';
import type { Config } from '../config';
import type { DB, PatientLinkTable, PatientTable } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { findPatientById } from '../patients/patients.store';
import { replaceLink, type PatientLinkRow } from './patient-links.store';
import {
  activeClinicianIds,
  cancelVisitRow,
  clinicianNamesByVisit,
  findVisitById,
  insertVisit,
  isClinicianOnVisit,
  latestLinkByVisit,
  listVisitsStarting,
  markNoShows,
  participantsByVisit,
  revokePatientSessions,
  updateVisit,
  type ParticipantWithName,
  type VisitRow,
} from './visits.store';

/** A visit with everything its staff view needs, gathered in a few batched queries. */
export interface VisitDetail {
  visit: VisitRow;
  patient: Pick<PatientTable, 'id' | 'display_name' | 'preferred_name' | 'pronouns'>;
  clinicians: { id: string; name: string }[];
  participants: ParticipantWithName[];
  link: PatientLinkTable | undefined;
}

/** A link as issued: the token exists only here and in the URL handed to staff once. */
export interface IssuedLink {
  token: string;
  url: string;
  opensAt: string;
  expiresAt: string;
  row: PatientLinkRow;
}

export const visitEnd = (v: Pick<VisitRow, 'starts_at' | 'duration_minutes'>): Date => new Date(Date.parse(v.starts_at) + v.duration_minutes * 60_000);

/** When the patient link of a visit starts and stops working. */
export function linkWindow(config: Config, v: Pick<VisitRow, 'starts_at' | 'duration_minutes'>): { opensAt: Date; expiresAt: Date } {
  return {
    opensAt: new Date(Date.parse(v.starts_at) - config.join.opensMinutesBefore * 60_000),
    expiresAt: new Date(visitEnd(v).getTime() + config.join.graceMinutes * 60_000),
  };
}

/** SHA-256 hex of a link token: the only form in which a token is stored or compared. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export const joinUrl = (config: Config, token: string): string => `${config.publicUrl}/join/${token}`;

/** Visit statuses that can still be changed; the others are settled. */
const SETTLED = new Set(['completed', 'cancelled']);

function fieldError(field: string, message: string): HttpError {
  return new HttpError(400, 'validation_failed', 'Some fields are not valid', [{ field, message }]);
}

async function assertClinicians(db: Kysely<DB>, ids: string[]): Promise<string[]> {
  const lower = ids.map((i) => i.toLowerCase());
  const found = await activeClinicianIds(db, lower);
  if (found.size !== lower.length) throw fieldError('clinicianIds', 'Choose active clinicians only');
  return lower;
}

/** Gathers patients, care teams, participants and links for many visits at once. */
export async function loadDetails(db: Kysely<DB>, visits: VisitRow[]): Promise<VisitDetail[]> {
  if (!visits.length) return [];
  const ids = visits.map((v) => v.id);
  const patientIds = [...new Set(visits.map((v) => v.patient_id))];
  const patients = new Map(
    (
      await db
        .selectFrom('patients')
        .select(['id', 'display_name', 'preferred_name', 'pronouns'])
        .where('id', 'in', patientIds)
        .execute()
    ).map((p) => [p.id, p]),
  );
  const [clinicians, participants, links] = await Promise.all([
    clinicianNamesByVisit(db, ids),
    participantsByVisit(db, ids),
    latestLinkByVisit(db, ids),
  ]);
  return visits.map((visit) => {
    const patient = patients.get(visit.patient_id);
    if (!patient) throw new Error('visit without patient');
    return {
      visit,
      patient,
      clinicians: clinicians.get(visit.id) ?? [],
      participants: participants.get(visit.id) ?? [],
      link: links.get(visit.id),
    };
  });
}

async function issueLink(db: Kysely<DB>, config: Config, visit: VisitRow): Promise<IssuedLink> {
  // 32 random bytes: 256 bits, far past guessing; only the hash is stored.
  const token = randomBytes(32).toString('base64url');
  const row = await replaceLink(db, visit.id, hashToken(token));
  const w = linkWindow(config, visit);
  return { token, url: joinUrl(config, token), opensAt: w.opensAt.toISOString(), expiresAt: w.expiresAt.toISOString(), row };
}

/** Creates a visit and its first patient link. */
export async function createVisit(
  db: Kysely<DB>,
  config: Config,
  input: CreateVisitRequest,
  staff: StaffPrincipal,
): Promise<{ detail: VisitDetail; link: IssuedLink }> {
  const patient = await findPatientById(db, input.patientId.toLowerCase());
  if (!patient) throw fieldError('patientId', 'No such patient');
  const clinicianIds = await assertClinicians(db, input.clinicianIds);
  const visit = await insertVisit(db, {
    patientId: patient.id,
    clinicianIds,
    startsAt: new Date(input.startsAt).toISOString(),
    durationMinutes: input.durationMinutes,
    reason: input.reason ?? null,
    // Random, so nothing about the patient or the visit can be read from the name LiveKit sees.
    roomName: `v_${randomBytes(18).toString('base64url')}`,
    e2eeKey: randomBytes(32).toString('base64url'),
    createdBy: staff.id,
  });
  const link = await issueLink(db, config, visit);
  const [detail] = await loadDetails(db, [visit]);
  if (!detail) throw new Error('visit vanished');
  return { detail, link };
}

/** Visits in a time range: all of them for schedulers and admins, only their own for clinicians. */
export async function listVisitsFor(db: Kysely<DB>, staff: StaffPrincipal, query: ListVisitsQuery): Promise<VisitDetail[]> {
  const now = new Date();
  await markNoShows(db, now);
  const from = query.from ? new Date(query.from) : startOfUtcDay(now);
  const to = query.to ? new Date(query.to) : new Date(from.getTime() + 86400_000);
  let visits = await listVisitsStarting(db, {
    from: from.toISOString(),
    to: to.toISOString(),
    clinicianId: staff.role === 'clinician' ? staff.id : query.clinicianId?.toLowerCase(),
  });
  // A clinician filtering by a colleague sees only the visits they share with them.
  if (staff.role === 'clinician' && query.clinicianId) {
    const other = query.clinicianId.toLowerCase();
    const teams = await clinicianNamesByVisit(
      db,
      visits.map((v) => v.id),
    );
    visits = visits.filter((v) => teams.get(v.id)?.some((c) => c.id === other));
  }
  return loadDetails(db, visits);
}

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** The visit if this staff member may see it; 404 otherwise (a clinician not on it learns nothing). */
export async function getVisitRowFor(db: Kysely<DB>, staff: StaffPrincipal, id: string): Promise<VisitRow> {
  const visit = await findVisitById(db, id);
  if (!visit) throw notFound();
  if (staff.role === 'clinician' && !(await isClinicianOnVisit(db, id, staff.id))) throw notFound();
  return visit;
}

/** One visit with its details, after settling no-shows. */
export async function getVisitFor(db: Kysely<DB>, staff: StaffPrincipal, id: string): Promise<VisitDetail> {
  await markNoShows(db, new Date());
  const visit = await getVisitRowFor(db, staff, id);
  const [detail] = await loadDetails(db, [visit]);
  if (!detail) throw notFound();
  return detail;
}

/** Reschedules, changes the care team or edits the reason. Settled visits answer 409. */
export async function changeVisit(db: Kysely<DB>, staff: StaffPrincipal, id: string, input: UpdateVisitRequest): Promise<VisitDetail> {
  await markNoShows(db, new Date());
  const visit = await getVisitRowFor(db, staff, id);
  if (SETTLED.has(visit.status)) throw new HttpError(409, 'conflict', `A ${visit.status} visit cannot be changed`);
  const clinicianIds = input.clinicianIds ? await assertClinicians(db, input.clinicianIds) : undefined;
  const retimed = input.startsAt !== undefined || input.durationMinutes !== undefined;
  await updateVisit(
    db,
    id,
    {
      ...(input.startsAt !== undefined ? { starts_at: new Date(input.startsAt).toISOString() } : {}),
      ...(input.durationMinutes !== undefined ? { duration_minutes: input.durationMinutes } : {}),
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
      // A missed visit moved to a new time is expected again; the sweep re-marks it if the new time has passed too.
      ...(retimed && visit.status === 'no_show' ? { status: 'scheduled' as const } : {}),
    },
    clinicianIds,
  );
  return getVisitFor(db, staff, id);
}

/** Cancels a scheduled or in-progress visit: every link answers 410 visit_cancelled from now on. */
export async function cancelVisit(db: Kysely<DB>, staff: StaffPrincipal, id: string): Promise<VisitDetail> {
  await markNoShows(db, new Date());
  const visit = await getVisitRowFor(db, staff, id);
  if (!(await cancelVisitRow(db, visit.id))) {
    throw new HttpError(409, 'conflict', `A visit that is ${visit.status.replace('_', ' ')} cannot be cancelled`);
  }
  return getVisitFor(db, staff, id);
}

/**
 * Issues a new patient link; the old one answers 410 link_revoked, and any patient session opened
 * with it ends (a link re-issued because it went to the wrong person must lock that person out).
 */
export async function reissueLink(db: Kysely<DB>, config: Config, staff: StaffPrincipal, id: string): Promise<IssuedLink> {
  const visit = await getVisitRowFor(db, staff, id);
  if (SETTLED.has(visit.status)) throw new HttpError(409, 'conflict', `A ${visit.status} visit cannot get a new link`);
  const link = await issueLink(db, config, visit);
  await revokePatientSessions(db, visit.id);
  return link;
}
