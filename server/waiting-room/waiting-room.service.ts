import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { WaitingMessageSchema, type WaitingMessage, type WaitingMessageRequest } from '@shared/api/waiting-room.schema';
import type { DB, ParticipantState } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { isAlreadyGone, type VideoService } from '../video/livekit';
import type { VisitBroadcast } from './visit-broadcast';
import {
  findParticipant,
  findVisit,
  recordConsent,
  revokePatientSessions,
  setVisitStatus,
  updateParticipant,
  type ParticipantRow,
  type VisitRow,
} from './waiting-room.store';

export interface WaitingRoomDeps {
  db: Kysely<DB>;
  broadcast: VisitBroadcast;
  video: VideoService;
  logger: Logger;
}

// A no-show visit stays open: a late patient may still arrive within the link's grace period,
// and the clinician may still see them; admission then moves it to in_progress.
const OPEN_STATUSES = new Set<VisitRow['status']>(['scheduled', 'in_progress', 'no_show']);

/** The visit, or 409 when it is no longer open (ended, cancelled, no-show). */
export async function openVisit(db: Kysely<DB>, visitId: string): Promise<VisitRow> {
  const visit = await findVisit(db, visitId);
  if (!visit) throw notFound();
  if (!OPEN_STATUSES.has(visit.status)) throw new HttpError(409, 'conflict', 'This visit is no longer open');
  return visit;
}

/** A participant of this visit who can be acted on from the waiting list (patients and guests). */
async function visitGuest(db: Kysely<DB>, visitId: string, participantId: string): Promise<ParticipantRow> {
  const p = await findParticipant(db, participantId);
  if (!p || p.visit_id !== visitId) throw notFound('No such participant in this visit');
  if (p.kind === 'clinician') throw new HttpError(409, 'conflict', 'Clinicians of the visit cannot be moved');
  return p;
}

export function parseWaitingMessage(stored: string | null): WaitingMessage | null {
  if (!stored) return null;
  try {
    const parsed = WaitingMessageSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function setState(deps: WaitingRoomDeps, p: ParticipantRow, state: ParticipantState, extra: Partial<ParticipantRow> = {}) {
  await updateParticipant(deps.db, p.id, { state, ...extra });
  deps.broadcast.participantState(p.id, state);
  await deps.broadcast.participantsChanged(p.visit_id);
}

/** Best effort: LiveKit may be down or the participant already gone; our database is the authority. */
async function removeFromRoom(deps: WaitingRoomDeps, visit: VisitRow, participantId: string) {
  try {
    await deps.video.removeParticipant(visit.room_name, participantId);
  } catch (err) {
    if (!isAlreadyGone(err)) deps.logger.warn({ visitId: visit.id, err: { message: (err as Error).message } }, 'could not remove participant from the video room');
  }
}

export async function consent(deps: WaitingRoomDeps, visitId: string, participantId: string, version: string) {
  await openVisit(deps.db, visitId);
  const p = await findParticipant(deps.db, participantId);
  if (!p || p.visit_id !== visitId) throw notFound();
  const consentedAt = p.consented_at ?? (await recordConsent(deps.db, visitId, participantId, version));
  return { id: p.id, state: p.state, consented: true, consentedAt };
}

export async function enterWaitingRoom(deps: WaitingRoomDeps, visitId: string, participantId: string) {
  await openVisit(deps.db, visitId);
  const p = await findParticipant(deps.db, participantId);
  if (!p || p.visit_id !== visitId) throw notFound();
  if (!p.consented_at) throw new HttpError(403, 'consent_required', 'Please read and accept the consent first');
  if (p.state === 'removed') throw new HttpError(403, 'forbidden', 'You were removed from this visit');
  if (p.state === 'denied') throw new HttpError(409, 'conflict', 'The clinician could not admit you to this visit');
  if (p.state === 'waiting' || p.state === 'admitted') return { id: p.id, state: p.state };
  await setState(deps, p, 'waiting', { waiting_since: new Date().toISOString() });
  return { id: p.id, state: 'waiting' as const };
}

export async function leave(deps: WaitingRoomDeps, visitId: string, participantId: string) {
  const visit = await findVisit(deps.db, visitId);
  const p = await findParticipant(deps.db, participantId);
  if (!visit || !p || p.visit_id !== visitId) throw notFound();
  if (p.state === 'waiting' || p.state === 'admitted' || p.state === 'joining') {
    await setState(deps, p, 'left', { waiting_since: null });
    if (p.state === 'admitted') await removeFromRoom(deps, visit, p.id);
  }
  return { id: p.id, state: p.state === 'removed' || p.state === 'denied' ? p.state : ('left' as const) };
}

export async function admit(deps: WaitingRoomDeps, visitId: string, participantId: string, staffId: string) {
  const visit = await openVisit(deps.db, visitId);
  const p = await visitGuest(deps.db, visitId, participantId);
  if (p.state === 'admitted') return { id: p.id, state: p.state };
  if (p.state !== 'waiting') throw new HttpError(409, 'conflict', `Only a waiting participant can be admitted (this one is ${p.state})`);
  const now = new Date().toISOString();
  await setState(deps, p, 'admitted', { admitted_at: now, admitted_by: staffId, waiting_since: null });
  if (visit.status === 'scheduled' || visit.status === 'no_show') {
    await setVisitStatus(deps.db, visitId, { status: 'in_progress', started_at: visit.started_at ?? now });
    await deps.broadcast.status(visitId, 'in_progress');
  }
  return { id: p.id, state: 'admitted' as const };
}

export async function deny(deps: WaitingRoomDeps, visitId: string, participantId: string) {
  await openVisit(deps.db, visitId);
  const p = await visitGuest(deps.db, visitId, participantId);
  if (p.state === 'denied') return { id: p.id, state: p.state };
  if (p.state !== 'waiting') throw new HttpError(409, 'conflict', `Only a waiting participant can be denied (this one is ${p.state})`);
  await setState(deps, p, 'denied', { waiting_since: null });
  return { id: p.id, state: 'denied' as const };
}

export async function returnToWaiting(deps: WaitingRoomDeps, visitId: string, participantId: string) {
  const visit = await openVisit(deps.db, visitId);
  const p = await visitGuest(deps.db, visitId, participantId);
  if (p.state === 'waiting') return { id: p.id, state: p.state };
  if (p.state !== 'admitted' && p.state !== 'denied') {
    throw new HttpError(409, 'conflict', `Only an admitted or denied participant can be sent back (this one is ${p.state})`);
  }
  await setState(deps, p, 'waiting', { waiting_since: new Date().toISOString() });
  if (p.state === 'admitted') await removeFromRoom(deps, visit, p.id);
  return { id: p.id, state: 'waiting' as const };
}

/** Removal is final for this participant: no new token is ever issued to it, and its sessions end. */
export async function remove(deps: WaitingRoomDeps, visitId: string, participantId: string) {
  const visit = await findVisit(deps.db, visitId);
  if (!visit) throw notFound();
  const p = await visitGuest(deps.db, visitId, participantId);
  if (p.state !== 'removed') {
    await setState(deps, p, 'removed', { waiting_since: null });
    await revokePatientSessions(deps.db, p.id);
    deps.broadcast.disconnectParticipant(p.id);
    await removeFromRoom(deps, visit, p.id);
  }
  return { id: p.id, state: 'removed' as const };
}

/** Ends the visit for everyone: completed in our database first, then the LiveKit room is closed. */
export async function endVisit(deps: WaitingRoomDeps, visitId: string) {
  const visit = await findVisit(deps.db, visitId);
  if (!visit) throw notFound();
  if (visit.status === 'completed') return { id: visit.id, status: visit.status };
  if (!OPEN_STATUSES.has(visit.status)) throw new HttpError(409, 'conflict', 'This visit is not open');
  const now = new Date().toISOString();
  await setVisitStatus(deps.db, visitId, { status: 'completed', ended_at: now, started_at: visit.started_at ?? now });
  await deps.db
    .updateTable('participants')
    .set({ state: 'left', waiting_since: null, updated_at: now })
    .where('visit_id', '=', visitId)
    .where('state', 'in', ['joining', 'waiting', 'admitted'])
    .execute();
  deps.broadcast.ended(visitId);
  await deps.broadcast.status(visitId, 'completed');
  await deps.broadcast.participantsChanged(visitId);
  try {
    await deps.video.deleteRoom(visit.room_name);
  } catch (err) {
    if (!isAlreadyGone(err)) deps.logger.warn({ visitId, err: { message: (err as Error).message } }, 'could not close the video room');
  }
  return { id: visit.id, status: 'completed' as const };
}

export async function setWaitingMessage(deps: WaitingRoomDeps, visitId: string, req: WaitingMessageRequest) {
  await openVisit(deps.db, visitId);
  if (req.preset && req.text) throw new HttpError(400, 'validation_failed', 'Send a preset or a text, not both', [{ field: 'text', message: 'Send a preset or a text, not both' }]);
  const message: WaitingMessage | null = req.preset ? { preset: req.preset } : req.text ? { text: req.text } : null;
  await setVisitStatus(deps.db, visitId, { waiting_message: message ? JSON.stringify(message) : null });
  deps.broadcast.waitingMessage(visitId, message);
  return message;
}
