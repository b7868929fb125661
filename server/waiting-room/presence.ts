import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Auditor } from '../audit/auditor';
import type { DB } from '../db/schema';
import { lookupSockets } from '../realtime/redis-fanout';
import { rooms, type RealtimeServer } from '../realtime/socket-server';
import { expireWaiting, listExpiredWaiting, markConnected, markDisconnected } from '../visits/participants.store';
import type { VisitBroadcast } from '../visits/visit-broadcast';
import { lockVisit } from '../visits/visits.store';
import { listRecordedConnected } from './presence.store';
import { clearWaitingMessageAfterLeaving } from './waiting-room.service';

export interface PresenceDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  io: RealtimeServer;
  broadcast: VisitBroadcast;
  logger: Logger;
  graceMs: number;
}

/**
 * Whether a patient still holds a connection, kept true across processes. "Connected" is read
 * from the sockets in the participant's room (through the adapter, so every process counts); the
 * moment the last one went is stored on the participant; the expiry is a guarded update on that
 * column. Timers here only trigger work: the database decides, so two processes never both act.
 *
 * Nobody is marked lost on a partial answer (Redis away, another process silent, Redis just back:
 * see SocketLookup): this process's own sockets are not everyone's, and a patient connected to
 * another process would be marked lost, then moved to `left` after the grace. Such a lookup
 * changes nothing; the sweep's next complete answer catches up.
 */
export class Presence {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | undefined;
  /** The last lookup was partial (logged once, when that started). */
  private holding = false;

  constructor(private readonly deps: PresenceDeps) {}

  /** A patient socket joined its rooms: clears "connection lost" if it was shown. */
  connected(participantId: string, visitId: string): void {
    this.track(async () => {
      if (await markConnected(this.deps.db, participantId)) await this.deps.broadcast.participantsChanged(visitId);
    });
  }

  /**
   * A patient socket went away: when it was their last, they are shown as "connection lost" and the
   * grace starts. On a partial answer nothing is marked: the sweep looks again once every process answers.
   */
  disconnected(participantId: string, visitId: string): void {
    this.track(async () => {
      const { online, complete } = await this.online(participantId);
      if (complete && !online) await this.markLost(participantId, visitId);
    });
  }

  /**
   * Marks as lost every patient recorded as connected (and settled for a sweep period) who has no
   * socket on any process: their process died (SIGKILL, crash) before it could record the
   * disconnection. One lookup through the adapter covers them all; a partial one marks nobody
   * (`complete: false`). Returns how many it marked.
   */
  async reconcile(now = new Date()): Promise<{ marked: number; complete: boolean }> {
    const recorded = await listRecordedConnected(this.deps.db, new Date(now.getTime() - this.every).toISOString());
    if (!recorded.length) return { marked: 0, complete: true };
    const { sockets, complete } = await this.lookup(recorded.map((p) => rooms.participant(p.id)));
    if (!complete) return { marked: 0, complete };
    const online = new Set(sockets.map((s) => (s.data.principal.kind === 'patient' ? s.data.principal.participantId : '')));
    let marked = 0;
    for (const p of recorded) if (!online.has(p.id) && (await this.markLost(p.id, p.visit_id))) marked += 1;
    return { marked, complete };
  }

  /** Records the participant as lost (a guarded update), tells the staff and starts the grace; false when it did not hold. */
  private async markLost(participantId: string, visitId: string): Promise<boolean> {
    const at = new Date().toISOString();
    if (!(await markDisconnected(this.deps.db, participantId, at))) return false;
    // A tab may have reconnected to another process between the look and the mark; its own
    // clear could have run before our mark, so look again and undo only our mark. A partial answer
    // undoes it too: the sweep marks again on a complete one.
    const again = await this.online(participantId);
    if ((again.online || !again.complete) && (await markConnected(this.deps.db, participantId, at))) return false;
    await this.deps.broadcast.participantsChanged(visitId);
    this.later(this.deps.graceMs + 250);
    return true;
  }

  /**
   * Moves every waiting participant whose connection has been gone for the whole grace period (as
   * of `now`) to `left`, each with its audit entry (the system as actor) in one transaction, and
   * tells the visit's staff and the participant after commit. Returns how many this call moved.
   */
  async expire(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.deps.graceMs).toISOString();
    const at = now.toISOString();
    let moved = 0;
    for (const p of await listExpiredWaiting(this.deps.db, cutoff)) {
      let messageCleared = false;
      const done = await this.deps.auditor.transaction(async (trx) => {
        // Visit first, like every other participant change, so changes to one visit queue in one order.
        const visit = await lockVisit(trx, p.visit_id);
        if (!(await expireWaiting(trx, p.id, cutoff, at))) return false;
        if (visit) messageCleared = await clearWaitingMessageAfterLeaving(trx, visit, p.id);
        await this.deps.auditor.record(
          trx,
          { actor: { kind: 'system' } },
          { action: 'participant.presence_expired', targets: { visitId: p.visit_id, participantId: p.id, patientId: p.patient_id } },
        );
        return true;
      });
      if (!done) continue;
      moved += 1;
      this.deps.broadcast.participantState(p.id, 'left');
      await this.deps.broadcast.participantsChanged(p.visit_id);
      if (messageCleared) this.deps.broadcast.waitingMessage(p.visit_id, null);
    }
    return moved;
  }

  /** Backstop sweep period: often enough that a patient orphaned by a dead process is seen as lost within seconds. */
  private get every(): number {
    return Math.min(10_000, Math.max(1000, this.deps.graceMs / 2));
  }

  /**
   * Starts the backstop sweep: patients orphaned by a dead process, and expiries whose trigger died
   * with one. A round whose lookup was partial expires nobody either: it changes nothing.
   */
  start(): void {
    this.sweeper = setInterval(
      () =>
        this.track(async () => {
          if ((await this.reconcile()).complete) await this.expire();
        }),
      this.every,
    );
    this.sweeper.unref();
  }

  /** Stops every timer and waits for the work already started. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.idle();
  }

  /** Resolves once the presence work started so far has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async online(participantId: string): Promise<{ online: boolean; complete: boolean }> {
    const { sockets, complete } = await this.lookup([rooms.participant(participantId)]);
    return { online: sockets.length > 0, complete };
  }

  /** The sockets in `roomNames` on every process; logs once when answers turn partial and once when they are complete again. */
  private async lookup(roomNames: string[]) {
    const found = await lookupSockets(this.deps.io, roomNames);
    if (!found.complete && !this.holding) {
      this.holding = true;
      this.deps.logger.warn('presence: not every process answered; nobody is marked connection lost or expired by the sweep until they do');
    } else if (found.complete && this.holding) {
      this.holding = false;
      this.deps.logger.info('presence: every process answers again');
    }
    return found;
  }

  private later(ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.track(() => this.expire());
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private track(work: () => Promise<unknown>): void {
    const p = work()
      .catch((err: unknown) => this.deps.logger.warn({ err: { message: (err as Error).message } }, 'presence update failed'))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }
}
