import { CONSENT_VERSION, WaitingMessageSchema, type WaitingMessage } from '@shared/api/waiting-room.schema';
import type { ParticipantStateName, VisitStatusName } from '@shared/realtime';
import { api } from '../../lib/api';

/** What `POST /api/join` returns: only what the patient's own screens need. */
export interface JoinResponse {
  visit: { id: string; startsAt: string; durationMinutes: number; status: VisitStatusName; clinicians: { name: string }[] };
  patient: { preferredName: string | null; preferredLanguage: 'en' | 'es'; pronouns: string | null };
  participant: { id: string; state: ParticipantStateName; consented: boolean };
  waitingMessage: WaitingMessage | null;
}

/** Anything unreadable counts as no message (the socket sends the current one on connect). */
function readWaitingMessage(raw: unknown): WaitingMessage | null {
  const parsed = WaitingMessageSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** Opens the link; with a date of birth when the clinic asked for one. Sets the patient session cookie. */
export async function postJoin(token: string, dateOfBirth?: string): Promise<JoinResponse> {
  const r = await api<JoinResponse>('POST', '/api/join', dateOfBirth ? { token, dateOfBirth } : { token });
  return { ...r, waitingMessage: readWaitingMessage(r.waitingMessage) };
}

/** Records agreement to the consent text version this client showed. */
export function postConsent(visitId: string): Promise<{ participant: { id: string; state: ParticipantStateName; consented: true } }> {
  return api('POST', `/api/visits/${visitId}/consent`, { version: CONSENT_VERSION, accepted: true });
}

export function postWaitingRoom(visitId: string): Promise<{ participant: { id: string; state: ParticipantStateName } }> {
  return api('POST', `/api/visits/${visitId}/waiting-room`);
}

export function postLeave(visitId: string): Promise<unknown> {
  return api('POST', `/api/visits/${visitId}/leave`);
}
