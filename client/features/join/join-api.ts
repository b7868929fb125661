import type { z } from 'zod';
import type { JoinResponseSchema } from '@shared/api/join.schema';
import type { ConsentResponseSchema, ParticipantResponseSchema } from '@shared/api/visits.schema';
import { CONSENT_VERSION, WaitingMessageSchema, type WaitingMessage } from '@shared/api/waiting-room.schema';
import { api } from '../../lib/api';

/** What `POST /api/join` returns: only what the patient's own screens need. */
export type JoinResponse = z.infer<typeof JoinResponseSchema>;
type ConsentResponse = z.infer<typeof ConsentResponseSchema>;
type ParticipantResponse = z.infer<typeof ParticipantResponseSchema>;

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
export function postConsent(visitId: string): Promise<ConsentResponse> {
  return api('POST', `/api/visits/${visitId}/consent`, { version: CONSENT_VERSION, accepted: true });
}

export function postWaitingRoom(visitId: string): Promise<ParticipantResponse> {
  return api('POST', `/api/visits/${visitId}/waiting-room`);
}

export function postLeave(visitId: string): Promise<ParticipantResponse> {
  return api('POST', `/api/visits/${visitId}/leave`);
}
