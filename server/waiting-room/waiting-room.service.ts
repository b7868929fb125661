import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AuditAction } from '@shared/api/audit.schema';
import type { WaitingMessage, WaitingMessageRequest } from '@shared/api/waiting-room.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { DB, ParticipantState } from '../db/schema';
import type { Revocation } from '../realtime/revocation';
import { HttpError, notFound } from '../http-error';
import { isAlreadyGone, type VideoService } from '../video/livekit';
import {
  endOtherDevices,
  findParticipant,
  recordConsent,
  revokeParticipantSessions,
  transitionParticipant,
  type ParticipantPatch,
  type ParticipantRow,
} from '../visits/participants.store';
import type { VisitBroadcast } from '../visits/visit-broadcast';
import { endVisit as completeVisit, requireOpenVisit, requireVisit, startVisit } from '../visits/visit-lifecycle';
import { saveWaitingMessage, type VisitRow } from '../visits/visits.store';

export interface WaitingRoomDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  broadcast: VisitBroadcast;
  video: VideoService;
  logger: Logger;
  /** Drops the sockets and video-room places of people whose right to the visit ended; after commit. */
  revocation: Revocation;
  /**
   * After a patient's device is in the waiting room (newly or again): sends the check-ins the
   * patient's measurement plan has due at this visit (server/measurement). Never throws.
   */
  afterEnteringWaitingRoom?: (visitId: string, requestId?: string) => Promise<void>;
}

/** A participant's state after an action, as the routes answer it. */
export interface ParticipantOutcome {
  id: string;
  state: ParticipantState;
}

/** One participant change: where it may start from, where it goes, and how it is recorded. */
interface Move {
  to: ParticipantState;
  from: readonly ParticipantState[];
  /** States answered as they are, changing nothing (default: only `to`). */
  settled?: readonly ParticipantState[];
  /** A refusal that comes before any state check (e.g. consent first). */
  check?: (p: ParticipantRow) => void;
  patch: (now: string) => ParticipantPatch;
  /** The entry written when the state changes (nothing is written when it was already settled). */
  action: AuditAction;
  /** Only while the visit is open (leaving and removal also work after it ended). */
  needsOpenVisit: boolean;
  /** Clinicians of the visit cannot be moved by these actions; 404 unless this participant is the caller. */
  guestsOnly: boolean;
  /** The 409 (or 403) for a participant in a state this move cannot start from. */
  refuse: (state: ParticipantState) => HttpError;
}

const conflict = (message: string) => new HttpError(409, 'conflict', message);

/** What happened in the transaction, so the caller can broadcast and call LiveKit after commit. */
interface Moved {
  participant: ParticipantRow;
  visit: VisitRow;
  /** The state before; undefined when nothing changed (the participant was already settled). */
  before?: ParticipantState;
  started: boolean;
}

/**
 * Runs one participant move as a single transaction: the visit row is locked first (so every
 * change to one visit queues in one order on both databases), the state is checked, moved with a
 * guarded update, and the audit entry written last. A participant already in a settled state (by
 * default the target) is answered as is (`before` undefined) and nothing is recorded.
 */
async function move(
  deps: WaitingRoomDeps,
  ctx: AuditContext,
  visitId: string,
  participantId: string,
  m: Move,
  extra: (trx: Kysely<DB>, visit: VisitRow, now: string) => Promise<boolean> = async () => false,
): Promise<Moved> {
  return deps.auditor.transaction(async (trx) => {
    const visit = m.needsOpenVisit ? await requireOpenVisit(trx, visitId) : await requireVisit(trx, visitId);
    const p = await findParticipant(trx, participantId);
    if (!p || p.visit_id !== visitId) throw notFound(m.guestsOnly ? 'No such participant in this visit' : 'Not found');
    if (m.guestsOnly && p.kind === 'clinician') throw conflict('Clinicians of the visit cannot be moved');
    m.check?.(p);
    if ((m.settled ?? [m.to]).includes(p.state)) return { participant: p, visit, started: false };
    if (!m.from.includes(p.state)) throw m.refuse(p.state);
    const now = new Date().toISOString();
    // The visit lock already orders competing changes; the guard makes a lost race impossible to miss.
    if (!(await transitionParticipant(trx, p.id, p.state, m.to, m.patch(now))))
      throw conflict('Someone else changed this participant just now');
    const started = await extra(trx, visit, now);
    await deps.auditor.record(trx, ctx, { action: m.action, targets: { visitId, participantId: p.id, patientId: visit.patient_id } });
    return { participant: { ...p, state: m.to }, visit, before: p.state, started };
  });
}

/** After commit: tell the participant and the visit's staff; the visit's status too when it started. */
async function announce(deps: WaitingRoomDeps, moved: Moved): Promise<void> {
  if (moved.before === undefined) return;
  deps.broadcast.participantState(moved.participant.id, moved.participant.state);
  await deps.broadcast.participantsChanged(moved.visit.id);
  if (moved.started) await deps.broadcast.status(moved.visit.id, 'in_progress');
}

/** Best effort: LiveKit may be down or the participant already gone; our database is the authority. */
async function removeFromRoom(deps: WaitingRoomDeps, visit: VisitRow, participantId: string) {
  try {
    await deps.video.removeParticipant(visit.room_name, participantId);
  } catch (err) {
    if (!isAlreadyGone(err))
      deps.logger.warn({ visitId: visit.id, err: { message: (err as Error).message } }, 'could not remove participant from the video room');
  }
}

const outcome = (m: Moved): ParticipantOutcome => ({ id: m.participant.id, state: m.participant.state });

/** Records the patient's consent once (a repeat keeps the first time) with its audit entry. */
export async function consent(deps: WaitingRoomDeps, ctx: AuditContext, visitId: string, participantId: string, version: string) {
  return deps.auditor.transaction(async (trx) => {
    const visit = await requireOpenVisit(trx, visitId);
    const p = await findParticipant(trx, participantId);
    if (!p || p.visit_id !== visitId) throw notFound();
    if (p.consented_at) return { id: p.id, state: p.state, consented: true, consentedAt: p.consented_at };
    const now = new Date().toISOString();
    await recordConsent(trx, visitId, participantId, version, now);
    await deps.auditor.record(trx, ctx, { action: 'consent.recorded', targets: { visitId, participantId, patientId: visit.patient_id } });
    return { id: p.id, state: p.state, consented: true, consentedAt: now };
  });
}

/** The consented patient enters the waiting room; already waiting or admitted is answered as is. */
export async function enterWaitingRoom(
  deps: WaitingRoomDeps,
  ctx: AuditContext,
  visitId: string,
  participantId: string,
): Promise<ParticipantOutcome> {
  const m = await move(deps, ctx, visitId, participantId, {
    to: 'waiting',
    from: ['joining', 'left'],
    // Admitted stays admitted: a second tab entering the waiting room must not send the patient back.
    settled: ['waiting', 'admitted'],
    check: (p) => {
      if (!p.consented_at) throw new HttpError(403, 'consent_required', 'Please read and accept the consent first');
    },
    patch: (now) => ({ waiting_since: now }),
    action: 'participant.waiting',
    needsOpenVisit: true,
    guestsOnly: false,
    refuse: (state) =>
      state === 'removed'
        ? new HttpError(403, 'forbidden', 'You were removed from this visit')
        : conflict('The clinician could not admit you to this visit'),
  });
  await announce(deps, m);
  if (m.participant.state === 'waiting') await deps.afterEnteringWaitingRoom?.(visitId, ctx.requestId);
  return outcome(m);
}

/**
 * A "running late" message belongs to one wait: once the patient has left (and nobody else of the
 * visit is still waiting), it is cleared, so coming back is a new wait without an old message.
 * Runs inside the leaving transaction, after the visit row was locked; true when it cleared one.
 */
export async function clearWaitingMessageAfterLeaving(trx: Kysely<DB>, visit: VisitRow, leaverId: string): Promise<boolean> {
  if (visit.waiting_message === null) return false;
  const stillWaiting = await trx
    .selectFrom('participants')
    .select('id')
    .where('visit_id', '=', visit.id)
    .where('state', '=', 'waiting')
    .where('id', '!=', leaverId)
    .executeTakeFirst();
  if (stillWaiting) return false;
  await saveWaitingMessage(trx, visit.id, null);
  return true;
}

/** The patient leaves (closing the tab, "leave visit"); removed and denied stay as they are. */
export async function leave(deps: WaitingRoomDeps, ctx: AuditContext, visitId: string, participantId: string): Promise<ParticipantOutcome> {
  let messageCleared = false;
  const m = await move(
    deps,
    ctx,
    visitId,
    participantId,
    {
      to: 'left',
      from: ['joining', 'waiting', 'admitted'],
      settled: ['left', 'removed', 'denied'],
      patch: () => ({ waiting_since: null }),
      action: 'participant.left',
      needsOpenVisit: false,
      guestsOnly: false,
      refuse: (state) => conflict(`Cannot leave from here (${state})`),
    },
    async (trx, visit) => {
      messageCleared = await clearWaitingMessageAfterLeaving(trx, visit, participantId);
      return false;
    },
  );
  await announce(deps, m);
  if (messageCleared) deps.broadcast.waitingMessage(visitId, null);
  if (m.before === 'admitted') await removeFromRoom(deps, m.visit, m.participant.id);
  return outcome(m);
}

/**
 * A clinician admits a waiting participant; the first admission starts the visit. Admitting a
 * device ends the other devices of the same link (the same person's old phone, or whoever else
 * holds the link): they are told the visit moved, and lose their sessions, sockets and video.
 */
export async function admit(deps: WaitingRoomDeps, ctx: AuditContext, visitId: string, participantId: string, staffId: string) {
  let replaced: string[] = [];
  const m = await move(
    deps,
    ctx,
    visitId,
    participantId,
    {
      to: 'admitted',
      from: ['waiting'],
      patch: (now) => ({ admitted_at: now, admitted_by: staffId, waiting_since: null }),
      action: 'participant.admitted',
      needsOpenVisit: true,
      guestsOnly: true,
      refuse: (state) => conflict(`Only a waiting participant can be admitted (this one is ${state})`),
    },
    async (trx, _visit, now) => {
      const p = await findParticipant(trx, participantId);
      if (p) replaced = await endOtherDevices(trx, p, now);
      return startVisit(trx, visitId, now);
    },
  );
  await announce(deps, m);
  if (replaced.length) {
    deps.broadcast.moved(replaced);
    await deps.revocation.participantsRevoked(visitId, replaced);
  }
  return outcome(m);
}

/** A clinician turns a waiting participant away. */
export async function deny(deps: WaitingRoomDeps, ctx: AuditContext, visitId: string, participantId: string) {
  const m = await move(deps, ctx, visitId, participantId, {
    to: 'denied',
    from: ['waiting'],
    patch: () => ({ waiting_since: null }),
    action: 'participant.denied',
    needsOpenVisit: true,
    guestsOnly: true,
    refuse: (state) => conflict(`Only a waiting participant can be denied (this one is ${state})`),
  });
  await announce(deps, m);
  return outcome(m);
}

/** A clinician sends an admitted or denied participant back to the waiting room. */
export async function returnToWaiting(deps: WaitingRoomDeps, ctx: AuditContext, visitId: string, participantId: string) {
  const m = await move(deps, ctx, visitId, participantId, {
    to: 'waiting',
    from: ['admitted', 'denied'],
    patch: (now) => ({ waiting_since: now }),
    action: 'participant.returned',
    needsOpenVisit: true,
    guestsOnly: true,
    refuse: (state) => conflict(`Only an admitted or denied participant can be sent back (this one is ${state})`),
  });
  await announce(deps, m);
  if (m.before === 'admitted') await removeFromRoom(deps, m.visit, m.participant.id);
  return outcome(m);
}

/** Removal is final for this participant: no new token is ever issued to it, and its sessions end. */
export async function remove(deps: WaitingRoomDeps, ctx: AuditContext, visitId: string, participantId: string) {
  const m = await move(
    deps,
    ctx,
    visitId,
    participantId,
    {
      to: 'removed',
      from: ['joining', 'waiting', 'admitted', 'denied', 'left'],
      patch: () => ({ waiting_since: null }),
      action: 'participant.removed',
      needsOpenVisit: false,
      guestsOnly: true,
      refuse: (state) => conflict(`Cannot remove from here (${state})`),
    },
    async (trx) => {
      await revokeParticipantSessions(trx, participantId);
      return false;
    },
  );
  if (m.before !== undefined) {
    await announce(deps, m);
    // Sockets on every process, the LiveKit room, and a new E2EE key for those who stay.
    await deps.revocation.participantsRevoked(visitId, [m.participant.id]);
  }
  return outcome(m);
}

/** Ends the visit for everyone: completed in our database first, then the LiveKit room is closed. */
export async function endVisit(deps: WaitingRoomDeps, ctx: AuditContext, visitId: string) {
  const { visit, ended } = await deps.auditor.transaction(async (trx) => {
    const result = await completeVisit(trx, visitId, new Date().toISOString());
    if (result.ended)
      await deps.auditor.record(trx, ctx, { action: 'visit.ended', targets: { visitId, patientId: result.visit.patient_id } });
    return result;
  });
  if (ended) {
    deps.broadcast.ended(visitId);
    await deps.broadcast.status(visitId, 'completed');
    await deps.broadcast.participantsChanged(visitId);
    // After the ended/status pushes above, so the patient side hears why before it is dropped.
    await deps.revocation.disconnectVisit(visitId);
    try {
      await deps.video.deleteRoom(visit.room_name);
    } catch (err) {
      if (!isAlreadyGone(err)) deps.logger.warn({ visitId, err: { message: (err as Error).message } }, 'could not close the video room');
    }
  }
  return { id: visit.id, status: 'completed' as const };
}

/** Sets or clears the one-way "running late" message and pushes it to the waiting patient; audited without its text. */
export async function setWaitingMessage(
  deps: WaitingRoomDeps,
  ctx: AuditContext,
  visitId: string,
  req: WaitingMessageRequest,
): Promise<WaitingMessage | null> {
  const message = await deps.auditor.transaction(async (trx) => {
    const visit = await requireOpenVisit(trx, visitId);
    if (req.preset && req.text) {
      throw new HttpError(400, 'validation_failed', 'Send a preset or a text, not both', [
        { field: 'text', message: 'Send a preset or a text, not both' },
      ]);
    }
    const next: WaitingMessage | null = req.preset ? { preset: req.preset } : req.text ? { text: req.text } : null;
    await saveWaitingMessage(trx, visitId, next ? JSON.stringify(next) : null);
    await deps.auditor.record(trx, ctx, { action: 'visit.waiting_message_set', targets: { visitId, patientId: visit.patient_id } });
    return next;
  });
  deps.broadcast.waitingMessage(visitId, message);
  return message;
}
