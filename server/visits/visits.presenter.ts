import type { JoinResponse } from '@shared/api/join.schema';
import { WaitingMessageSchema, type WaitingMessage } from '@shared/api/waiting-room.schema';
import type { PatientLink, Visit, VisitDetail as VisitDetailResponse } from '@shared/api/visits.schema';
import type { Config } from '../config';
import type { ParticipantState } from '../db/schema';
import { parseStoredJson } from '../db/stored-json';
import type { PatientRow } from '../patients/patients.store';
import type { AttendanceSummary } from '../video/attendance.store';
import type { ParticipantRow } from './participants.store';
import { linkWindow, visitEnd, type IssuedLink, type VisitDetail } from './visits.service';
import type { VisitRow } from './visits.store';

/*
 * Everything a visit sends out of the server is shaped here. Room name, E2EE key, link hashes
 * and (for the patient) the reason never leave.
 */

/** The stored waiting-room message, or null when there is none or it no longer parses. */
export function parseWaitingMessage(stored: string | null): WaitingMessage | null {
  return parseStoredJson(stored, WaitingMessageSchema) ?? null;
}

/** The staff view of a visit. */
export function toVisitResponse(config: Config, d: VisitDetail): Visit {
  const { visit, patient } = d;
  const w = linkWindow(config, visit);
  const patientName = patient.preferred_name || patient.display_name;
  return {
    id: visit.id,
    patient: {
      id: patient.id,
      displayName: patient.display_name,
      preferredName: patient.preferred_name,
      pronouns: patient.pronouns,
    },
    startsAt: visit.starts_at,
    endsAt: visitEnd(visit).toISOString(),
    durationMinutes: visit.duration_minutes,
    reason: visit.reason,
    status: visit.status,
    clinicians: d.clinicians.map((c) => ({ id: c.id, name: c.name })),
    participants: d.participants.map((p) => ({
      id: p.id,
      kind: p.kind,
      displayName: p.kind === 'patient' ? patientName : p.kind === 'clinician' ? (p.staff_name ?? 'Clinician') : 'Guest',
      state: p.state,
    })),
    link: {
      active: !!d.link && !d.link.revoked_at && visit.status !== 'cancelled',
      opensAt: w.opensAt.toISOString(),
      expiresAt: w.expiresAt.toISOString(),
      lastUsedAt: d.link?.last_used_at ?? null,
    },
    createdAt: visit.created_at,
  };
}

/** The single-visit staff view: the list's fields plus attendance and the current waiting message. */
export function toVisitDetailResponse(config: Config, d: VisitDetail, attendance: AttendanceSummary[]): VisitDetailResponse {
  return { ...toVisitResponse(config, d), attendance, waitingMessage: parseWaitingMessage(d.visit.waiting_message) };
}

/** A newly issued link as staff see it once. */
export const toPatientLinkResponse = (l: IssuedLink): PatientLink => ({ url: l.url, expiresAt: l.expiresAt, opensAt: l.opensAt });

/** A participant's state after a waiting-room action. */
export const toParticipantStateResponse = (p: { id: string; state: ParticipantState }) => ({ id: p.id, state: p.state });

/** What a patient opening their link may see: first names of the team, their own preferences, nothing else. */
export function toJoinResponse(j: {
  visit: VisitRow;
  patient: PatientRow;
  participant: ParticipantRow;
  team: { name: string }[];
}): JoinResponse {
  return {
    visit: {
      id: j.visit.id,
      startsAt: j.visit.starts_at,
      durationMinutes: j.visit.duration_minutes,
      status: j.visit.status,
      clinicians: j.team.map((c) => ({ name: c.name })),
    },
    patient: {
      preferredName: j.patient.preferred_name || j.patient.display_name,
      preferredLanguage: j.patient.preferred_language,
      pronouns: j.patient.pronouns,
    },
    participant: { id: j.participant.id, state: j.participant.state, consented: j.participant.consented_at !== null },
    waitingMessage: parseWaitingMessage(j.visit.waiting_message),
  };
}
