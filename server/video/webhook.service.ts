import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { WebhookEvent } from 'livekit-server-sdk';
import type { DB } from '../db/schema';
import { findParticipant } from '../visits/participants.store';
import { findVisitByRoomName } from '../visits/visits.store';
import { claimWebhookEvent, closeAllAttendance, closeAttendance, openAttendance } from './attendance.store';

/** Events older than this are stale (LiveKit itself drops queued events after 30 s). */
export const WEBHOOK_MAX_AGE_SECONDS = 10 * 60;

export type WebhookOutcome = 'recorded' | 'duplicate' | 'stale' | 'ignored';

/**
 * Turns verified LiveKit events into attendance. Idempotent on the event id; admission and the
 * visit's status never depend on a webhook arriving (they follow our own actions), so a lost
 * event only costs attendance precision.
 */
export async function handleWebhookEvent(db: Kysely<DB>, logger: Logger, ev: WebhookEvent, now = new Date()): Promise<WebhookOutcome> {
  const createdSec = Number(ev.createdAt ?? 0n);
  if (!ev.id || !createdSec) return 'ignored';
  if (now.getTime() / 1000 - createdSec > WEBHOOK_MAX_AGE_SECONDS || createdSec - now.getTime() / 1000 > 60) return 'stale';
  const roomName = ev.room?.name;
  if (!roomName) return 'ignored';
  const visit = await findVisitByRoomName(db, roomName);
  if (!visit) return 'ignored';
  const at = new Date(createdSec * 1000).toISOString();

  return db.transaction().execute(async (trx) => {
    if (!(await claimWebhookEvent(trx, ev.id, ev.event, at))) return 'duplicate';
    return applyEvent(trx, logger, ev, visit, at, createdSec);
  });
}

async function applyEvent(
  db: Kysely<DB>,
  logger: Logger,
  ev: WebhookEvent,
  visit: { id: string; status: string },
  at: string,
  createdSec: number,
): Promise<WebhookOutcome> {
  switch (ev.event) {
    case 'participant_joined':
    case 'participant_left':
    case 'participant_connection_aborted': {
      const identity = ev.participant?.identity;
      const sid = ev.participant?.sid;
      if (!identity || !sid) return 'ignored';
      const participant = await findParticipant(db, identity);
      if (participant?.visit_id !== visit.id) return 'ignored';
      if (ev.event === 'participant_joined') {
        const joinedMs = Number(ev.participant?.joinedAtMs ?? 0n) || createdSec * 1000;
        await openAttendance(db, visit.id, participant.id, sid, new Date(joinedMs).toISOString());
      } else {
        await closeAttendance(db, visit.id, sid, at);
      }
      return 'recorded';
    }
    case 'room_finished': {
      // Only attendance is closed. The visit's status follows our own "end visit" action: an
      // empty room also finishes when everyone dropped for a moment, and they may come back.
      await closeAllAttendance(db, visit.id, at);
      if (visit.status === 'in_progress') logger.info({ visitId: visit.id }, 'video room finished while the visit is still open');
      return 'recorded';
    }
    default:
      return 'ignored';
  }
}
