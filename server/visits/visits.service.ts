import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CreateVisitRequest, ListVisitsQuery, UpdateVisitRequest } from '@shared/api/visits.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import type { Config } from '../config';
import type { Revocation } from '../realtime/revocation';
import type { DB, PatientLinkTable, PatientTable } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { findPatientById } from '../patients/patients.store';
import { attendanceSummary, type AttendanceSummary } from '../video/attendance.store';
import { participantsByVisit, type ParticipantWithName } from './participants.store';
import { replaceLink, type PatientLinkRow } from './patient-links.store';
import { cancelVisit as cancelVisitNow, isSettled, markNoShows } from './visit-lifecycle';
import { requireReadableVisit } from './visit.policy';
import {
  activeClinicianIds,
  clinicianIdsOf,
  clinicianNamesByVisit,
  insertVisit,
  latestLinkByVisit,
  listVisitsStarting,
  revokeVisitPatientSessions,
  updateVisit,
  type VisitRow,
} from './visits.store';

export interface VisitsDeps {
  db: Kysely<DB>;
  config: Config;
  auditor: Auditor;
  /** Ends the live channels (sockets, video room) of people a change shuts out; after commit. */
  revocation?: Revocation;
}

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

/** Stores a new link for the visit (revoking the old one). Run inside the caller's transaction. */
async function issueLink(db: Kysely<DB>, config: Config, visit: VisitRow): Promise<IssuedLink> {
  // 32 random bytes: 256 bits, far past guessing; only the hash is stored.
  const token = randomBytes(32).toString('base64url');
  const row = await replaceLink(db, visit.id, hashToken(token));
  const w = linkWindow(config, visit);
  return { token, url: joinUrl(config, token), opensAt: w.opensAt.toISOString(), expiresAt: w.expiresAt.toISOString(), row };
}

/** Creates a visit and its first patient link, with both audit entries, in one transaction. */
export async function createVisit(
  deps: VisitsDeps,
  ctx: AuditContext,
  input: CreateVisitRequest,
  staff: StaffPrincipal,
): Promise<{ detail: VisitDetail; link: IssuedLink }> {
  const { db, config, auditor } = deps;
  const { visit, link } = await auditor.transaction(async (trx) => {
    const patient = await findPatientById(trx, input.patientId.toLowerCase());
    if (!patient) throw fieldError('patientId', 'No such patient');
    const clinicianIds = await assertClinicians(trx, input.clinicianIds);
    const visit = await insertVisit(trx, {
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
    const link = await issueLink(trx, config, visit);
    const targets = { visitId: visit.id, patientId: visit.patient_id };
    await auditor.record(trx, ctx, { action: 'visit.created', targets }, { action: 'link.issued', targets: { ...targets, linkId: link.row.id } });
    return { visit, link };
  });
  const [detail] = await loadDetails(db, [visit]);
  if (!detail) throw new Error('visit vanished');
  return { detail, link };
}

/** Visits in a time range: all of them for schedulers and admins, only their own for clinicians. The list is one audited read. */
export async function listVisitsFor(deps: VisitsDeps, ctx: AuditContext, staff: StaffPrincipal, query: ListVisitsQuery): Promise<VisitDetail[]> {
  const { db } = deps;
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
  const details = await loadDetails(db, visits);
  // A list is one read event; the single-visit view records which visit and patient.
  await deps.auditor.record(db, ctx, { action: 'visit.read' });
  return details;
}

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** One visit with its details, after settling no-shows; 404 when this staff member may not see it. */
async function loadVisitFor(db: Kysely<DB>, staff: StaffPrincipal, id: string): Promise<VisitDetail> {
  await markNoShows(db, new Date());
  const visit = await requireReadableVisit(db, staff, id);
  const [detail] = await loadDetails(db, [visit]);
  if (!detail) throw notFound();
  return detail;
}

/** One visit with its attendance, for the single-visit view; the read is audited. */
export async function getVisitFor(
  deps: VisitsDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  id: string,
): Promise<{ detail: VisitDetail; attendance: AttendanceSummary[] }> {
  const detail = await loadVisitFor(deps.db, staff, id);
  await deps.auditor.record(deps.db, ctx, { action: 'visit.read', targets: { visitId: detail.visit.id, patientId: detail.visit.patient_id } });
  // Attendance comes from LiveKit webhooks (server/video); shown on the single-visit view only.
  return { detail, attendance: await attendanceSummary(deps.db, detail.visit.id) };
}

/** The visit row if this staff member may see it, with an audited read (calendar files). */
export async function readVisitRowFor(deps: VisitsDeps, ctx: AuditContext, staff: StaffPrincipal, id: string): Promise<VisitRow> {
  const visit = await requireReadableVisit(deps.db, staff, id);
  await deps.auditor.record(deps.db, ctx, { action: 'visit.read', targets: { visitId: visit.id, patientId: visit.patient_id } });
  return visit;
}

/** Reschedules, changes the care team or edits the reason. Settled visits answer 409. */
export async function changeVisit(
  deps: VisitsDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  id: string,
  input: UpdateVisitRequest,
): Promise<VisitDetail> {
  const { db, auditor } = deps;
  await markNoShows(db, new Date());
  const visit = await requireReadableVisit(db, staff, id);
  if (isSettled(visit.status)) throw new HttpError(409, 'conflict', `A ${visit.status} visit cannot be changed`);
  const retimed = input.startsAt !== undefined || input.durationMinutes !== undefined;
  const leaving = await auditor.transaction(async (trx) => {
    const clinicianIds = input.clinicianIds ? await assertClinicians(trx, input.clinicianIds) : undefined;
    const before = clinicianIds ? await clinicianIdsOf(trx, id) : [];
    await updateVisit(
      trx,
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
    await auditor.record(trx, ctx, { action: 'visit.updated', targets: { visitId: visit.id, patientId: visit.patient_id } });
    return before.filter((c) => !clinicianIds?.includes(c));
  });
  // Off the care team: their sockets stop watching this visit and they leave its video room.
  await deps.revocation?.staffLeftVisit(visit.id, leaving);
  return loadVisitFor(db, staff, id);
}

/** Cancels a scheduled or in-progress visit: every link answers 410 visit_cancelled from now on. */
export async function cancelVisit(deps: VisitsDeps, ctx: AuditContext, staff: StaffPrincipal, id: string): Promise<VisitDetail> {
  const { db, auditor } = deps;
  await markNoShows(db, new Date());
  const visit = await requireReadableVisit(db, staff, id);
  await auditor.transaction(async (trx) => {
    if (!(await cancelVisitNow(trx, visit.id, new Date().toISOString()))) {
      throw new HttpError(409, 'conflict', `A visit that is ${visit.status.replace('_', ' ')} cannot be cancelled`);
    }
    const targets = { visitId: visit.id, patientId: visit.patient_id };
    await auditor.record(trx, ctx, { action: 'visit.cancelled', targets }, { action: 'link.revoked', targets });
  });
  await deps.revocation?.visitCancelled(visit.id);
  return loadVisitFor(db, staff, id);
}

/**
 * Issues a new patient link; the old one answers 410 link_revoked, and any patient session opened
 * with it ends (a link re-issued because it went to the wrong person must lock that person out).
 */
export async function reissueLink(deps: VisitsDeps, ctx: AuditContext, staff: StaffPrincipal, id: string): Promise<IssuedLink> {
  const { db, config, auditor } = deps;
  const visit = await requireReadableVisit(db, staff, id);
  if (isSettled(visit.status)) throw new HttpError(409, 'conflict', `A ${visit.status} visit cannot get a new link`);
  const { link, shutOut } = await auditor.transaction(async (trx) => {
    // Everyone who came in through an earlier link: they lose their sockets and the video room.
    const shutOut = await patientSideParticipantIds(trx, visit.id);
    const link = await issueLink(trx, config, visit);
    await revokeVisitPatientSessions(trx, visit.id);
    await auditor.record(trx, ctx, { action: 'link.revoked', targets: { visitId: id } }, { action: 'link.issued', targets: { visitId: id, linkId: link.row.id } });
    return { link, shutOut };
  });
  await deps.revocation?.participantsRevoked(visit.id, shutOut);
  return link;
}

/** The ids of a visit's patient-side participants (everyone who is not one of its clinicians). */
async function patientSideParticipantIds(db: Kysely<DB>, visitId: string): Promise<string[]> {
  const rows = await db.selectFrom('participants').select('id').where('visit_id', '=', visitId).where('kind', '!=', 'clinician').execute();
  return rows.map((r) => r.id);
}
