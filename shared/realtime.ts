import { z } from 'zod';
import type { ParticipantKind, ParticipantState, VisitStatus } from './api/visits.schema';
import type { WaitingMessage } from './api/waiting-room.schema';
import { ParticipantKindSchema, ParticipantStateSchema, VisitStatusSchema } from './api/visits.schema';
import { WaitingMessageSchema } from './api/waiting-room.schema';

/*
 * Socket.io event names and payloads, declared once. The server emits facts after persisting
 * them; clients send intents over HTTP. The only client→server events are subscriptions, which the
 * server authorizes. Payloads carry ids and states, never reasons, answers or dates of birth.
 */

export const SessionInfoSchema = z.object({ kind: z.enum(['staff', 'patient']), id: z.string() });
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

/** The participant states of shared/api/visits.schema.ts, under the name socket code uses. */
export type ParticipantStateName = ParticipantState;

/** A participant as staff see it live in the waiting list and the call. */
export interface LiveParticipant {
  id: string;
  kind: ParticipantKind;
  displayName: string;
  state: ParticipantStateName;
  waitingSince: string | null;
  /** Their last socket dropped and has not come back (yet); they leave the waiting room after a grace period. */
  connectionLost: boolean;
  /** A later device with the same link ("Jordan — another device"): admitting it ends the earlier one. */
  otherDevice: boolean;
}

/** The visit statuses of shared/api/visits.schema.ts, under the name socket code uses. */
export type VisitStatusName = VisitStatus;

/** Subscribing to one visit's live room (staff only; the server checks the visit is theirs). */
export const VisitWatchSchema = z.strictObject({ visitId: z.uuid() });
export type VisitWatch = z.infer<typeof VisitWatchSchema>;

export type Ack = (result: { ok: true } | { ok: false; code: string }) => void;

/** Check-in events carry ids and counts only: never answers, scores or free text. */
export interface CheckinRef {
  checkinId: string;
  visitId: string;
}
export interface CheckinSentEvent extends CheckinRef {
  instrumentId: string;
}
export interface CheckinProgressEvent extends CheckinRef {
  /** Answers given so far (a decline counts; a hidden follow-up answered earlier still counts). */
  answered: number;
  /** Every item of the instrument, whatever the answers switch on: a fixed number, so it reveals nothing. */
  total: number;
}
export interface SafetyAlertEvent extends CheckinRef {
  /** The instrument's flag code, e.g. safety.self-harm. */
  code: string;
}

export interface ServerToClientEvents {
  'session:ready': (info: SessionInfo) => void;
  /** Staff watching a visit: the whole participant list after any change. */
  'visit:participants': (p: { visitId: string; participants: LiveParticipant[] }) => void;
  /** Staff: a visit's waiting count changed (today page badge). */
  'visit:waiting': (p: { visitId: string; waiting: number }) => void;
  /** Everyone on the visit: its status changed. */
  'visit:status': (p: { visitId: string; status: VisitStatusName }) => void;
  /** Patient: their own participant state changed (admitted, denied, returned to waiting, removed). */
  'participant:state': (p: { participantId: string; state: ParticipantStateName }) => void;
  /** Patient: another device with this link was admitted; this one's session has ended (its socket is dropped next). */
  'participant:moved': (p: { participantId: string }) => void;
  /** Patient: the one-way waiting-room message changed (null clears it). */
  'visit:waiting-message': (p: { visitId: string; message: WaitingMessage | null }) => void;
  /** Patient: whether any clinician of the visit is online now. */
  'visit:clinician-presence': (p: { visitId: string; online: boolean }) => void;
  /** Everyone on the visit: it was ended for all. Never auto-rejoin after this. */
  'visit:ended': (p: { visitId: string }) => void;
  /**
   * Everyone still on the visit: its E2EE key was replaced because someone lost their place. Fetch
   * a new video token (it carries the new key; the route checks admission again). Names no key.
   */
  'video:rekey': (p: { visitId: string }) => void;
  /** Staff of the visit, and its patient: a check-in was sent. Ids only. */
  'checkin:sent': (p: CheckinSentEvent) => void;
  /** Staff of the visit: how many items are done so far, out of all the instrument's items — never answers, nor a count that depends on them (server progressOf); pushed only when the count moves, so how many pushes come does not depend on them either. */
  'checkin:progress': (p: CheckinProgressEvent) => void;
  /** Staff of the visit: the patient shared; GET the check-in for its result. */
  'checkin:shared': (p: CheckinRef) => void;
  /** Staff of the visit: a safety-positive answer was saved. Interrupt at once; GET the check-in for the message. */
  'safety:alert': (p: SafetyAlertEvent) => void;
  /** Staff of the visit: a clinician acknowledged a safety alert. */
  'safety:acknowledged': (p: SafetyAlertEvent) => void;
}

export interface ClientToServerEvents {
  'visit:watch': (p: VisitWatch, ack: Ack) => void;
  'visit:unwatch': (p: VisitWatch, ack: Ack) => void;
}

const CheckinRefSchema = z.object({ checkinId: z.string(), visitId: z.string() });
const SafetyAlertEventSchema = CheckinRefSchema.extend({ code: z.string() });

/**
 * The payload of every server→client event as a schema, so tests (and a wary client) can parse
 * what arrives. The `satisfies` clause keeps it in step with ServerToClientEvents above.
 */
export const SERVER_EVENT_SCHEMAS = {
  'session:ready': SessionInfoSchema,
  'visit:participants': z.object({
    visitId: z.string(),
    participants: z.array(
      z.object({
        id: z.string(),
        kind: ParticipantKindSchema,
        displayName: z.string(),
        state: ParticipantStateSchema,
        waitingSince: z.string().nullable(),
        connectionLost: z.boolean(),
        otherDevice: z.boolean(),
      }),
    ),
  }),
  'visit:waiting': z.object({ visitId: z.string(), waiting: z.number().int() }),
  'visit:status': z.object({ visitId: z.string(), status: VisitStatusSchema }),
  'participant:state': z.object({ participantId: z.string(), state: ParticipantStateSchema }),
  'participant:moved': z.object({ participantId: z.string() }),
  'visit:waiting-message': z.object({ visitId: z.string(), message: WaitingMessageSchema.nullable() }),
  'visit:clinician-presence': z.object({ visitId: z.string(), online: z.boolean() }),
  'visit:ended': z.object({ visitId: z.string() }),
  'video:rekey': z.object({ visitId: z.string() }),
  'checkin:sent': CheckinRefSchema.extend({ instrumentId: z.string() }),
  'checkin:progress': CheckinRefSchema.extend({ answered: z.number().int(), total: z.number().int() }),
  'checkin:shared': CheckinRefSchema,
  'safety:alert': SafetyAlertEventSchema,
  'safety:acknowledged': SafetyAlertEventSchema,
} satisfies { [E in keyof ServerToClientEvents]: z.ZodType<Parameters<ServerToClientEvents[E]>[0]> };
