import { z } from 'zod';

/** The consent text version the client showed; the server records it with the time. */
export const CONSENT_VERSION = '2026-11-27';

export const ConsentRequestSchema = z.strictObject({
  version: z.string().min(1).max(40),
  accepted: z.literal(true),
});
export type ConsentRequest = z.infer<typeof ConsentRequestSchema>;

export const ParticipantActionSchema = z.strictObject({ participantId: z.uuid() });
export type ParticipantAction = z.infer<typeof ParticipantActionSchema>;

/** Preset waiting-room messages; clients show them in the patient's language by key. */
export const WAITING_PRESETS = ['running_late_5', 'running_late_10', 'running_late_15', 'starting_soon'] as const;

export const WaitingMessageRequestSchema = z.strictObject({
  /** A preset key, free text (≤ 140 chars), or null to clear. */
  preset: z.enum(WAITING_PRESETS).nullable().optional(),
  text: z.string().trim().min(1).max(140).nullable().optional(),
});
export type WaitingMessageRequest = z.infer<typeof WaitingMessageRequestSchema>;

/** The waiting message as stored and broadcast: either a preset key or short free text. */
export const WaitingMessageSchema = z.union([
  z.object({ preset: z.enum(WAITING_PRESETS) }),
  z.object({ text: z.string() }),
]);
export type WaitingMessage = z.infer<typeof WaitingMessageSchema>;

export const VideoTokenResponseSchema = z.object({
  serverUrl: z.string(),
  roomName: z.string(),
  token: z.string(),
  /** The identity LiveKit will show for this participant: our participant id. */
  identity: z.string(),
  /** Per-visit end-to-end encryption key (base64url); absent only when E2EE is off for the clinic. */
  e2eeKey: z.string().optional(),
  /** When true, a browser that cannot do E2EE must not join unencrypted. */
  e2eeRequired: z.boolean(),
});
export type VideoTokenResponse = z.infer<typeof VideoTokenResponseSchema>;

/** POST /api/visits/:id/end. */
export const EndVisitResponseSchema = z.object({ visit: z.object({ id: z.string(), status: z.literal('completed') }) });

/** PUT /api/visits/:id/waiting-message: the message as now stored (null once cleared). */
export const WaitingMessageResponseSchema = z.object({ message: WaitingMessageSchema.nullable() });

/** GET /api/video/config: where the client may pre-warm its LiveKit connection. */
export const VideoConfigResponseSchema = z.object({ serverUrl: z.string() });

/** POST /api/livekit/webhook: what became of the event (a replay is a `duplicate`). */
export const WebhookResponseSchema = z.object({ outcome: z.enum(['recorded', 'duplicate', 'stale', 'ignored']) });
