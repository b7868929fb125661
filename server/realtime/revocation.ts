import type { Logger } from 'pino';
import type { RoomAccess } from '../video/room-access';
import type { SessionManager } from '../auth/session';
import { pushAfterCommit, rooms, type RealtimeServer, type RealtimeSocket } from './socket-server';

/** How often each process checks its own sockets' sessions (the backstop; revocations made here act at once). */
export const SESSION_SWEEP_MS = 15_000;

/**
 * Ends live channels when the right behind them ends. Every socket joins, at connection, a room
 * for its session (`session:<id>`) and one for its owner (`staff:<id>` or `participant:<id>`);
 * these functions disconnect those rooms through the socket.io adapter, so with the Redis adapter
 * they reach the sockets of every process.
 *
 * Call them only AFTER the change that ended the right has committed (a socket that reconnects
 * in between would otherwise find its session still live). Like every live push they never throw:
 * a failure is logged without PHI and the function resolves false. The database stays the
 * authority either way: a revoked session cannot open a new socket or make a request.
 */
export class Revocation {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: RealtimeServer,
    private readonly logger: Logger,
    /** LiveKit's side (RemoveParticipant, key replacement); absent where no video service is wired. */
    private readonly rooms?: RoomAccess,
  ) {}

  /**
   * A staff account lost its rights (deactivated, role changed, password changed or reset): its
   * sockets everywhere are dropped and it is removed from every open visit's video room.
   */
  async staffRevoked(staffId: string): Promise<void> {
    await this.disconnectStaffSessions(staffId);
    await this.rooms?.removeStaff(staffId);
  }

  /** Staff taken off a visit's care team: they stop watching it and leave its video room. */
  async staffLeftVisit(visitId: string, staffIds: string[]): Promise<void> {
    if (!staffIds.length) return;
    await this.leaveVisit(visitId, staffIds);
    await this.rooms?.removeStaffFromVisit(visitId, staffIds);
  }

  /** Patient-side participants lost their place (removed, a reissued link): sockets, video room, key. */
  async participantsRevoked(visitId: string, participantIds: string[]): Promise<void> {
    for (const id of participantIds) await this.disconnectParticipant(id);
    await this.rooms?.remove({ visitId, participantIds });
  }

  /** A visit was cancelled: every patient-side socket is dropped and the video room closed. */
  async visitCancelled(visitId: string): Promise<void> {
    await this.disconnectVisit(visitId);
    await this.rooms?.closeRoom(visitId);
  }

  /** One session ended (sign-out, expiry, a device replaced): its sockets are dropped. */
  disconnectSession(sessionId: string): Promise<boolean> {
    return this.drop('session', { sessionId }, [rooms.session(sessionId)]);
  }

  /** Every session of a staff account ended (deactivation, role change, password change or reset). */
  disconnectStaffSessions(staffId: string): Promise<boolean> {
    return this.drop('staff', { staffId }, [rooms.staff(staffId)]);
  }

  /** A patient-side participant lost its place (removal, reissued link, a device replaced). */
  disconnectParticipant(participantId: string): Promise<boolean> {
    return this.drop('participant', { participantId }, [rooms.participant(participantId)]);
  }

  /** Every patient-side socket of a visit (cancelled, ended): staff sockets stay, they watch other visits too. */
  disconnectVisit(visitId: string): Promise<boolean> {
    return this.drop('visit', { visitId }, [rooms.visitPatients(visitId)]);
  }

  /**
   * Staff taken off a visit's care team: their sockets stop watching the visit at once (they keep
   * their session and their other visits). Later pushes look the care team up again, so nothing
   * else about the visit reaches them.
   */
  leaveVisit(visitId: string, staffIds: string[]): Promise<boolean> {
    if (!staffIds.length) return Promise.resolve(true);
    return pushAfterCommit(this.logger, 'revocation:leave-visit', { visitId }, () =>
      this.io.in(staffIds.map((id) => rooms.staff(id))).socketsLeave(rooms.visitStaff(visitId)),
    );
  }

  /**
   * The visit's E2EE key was replaced: the people still entitled to the room fetch a new token
   * (which carries the key; the token route checks admission again). The event names no key.
   */
  rekeyed(visitId: string): void {
    void pushAfterCommit(this.logger, 'video:rekey', { visitId }, () =>
      this.io.to([rooms.visitStaff(visitId), rooms.visitPatients(visitId)]).emit('video:rekey', { visitId }),
    );
  }

  /**
   * The backstop: drops this process's sockets whose session has ended by a path that never
   * called this module (the staff command line, another tool writing to the database). Each
   * process sweeps its own sockets; resolves how many sessions it found ended.
   */
  async sweep(sessions: Pick<SessionManager, 'endedAmong'>): Promise<number> {
    const bySession = new Map<string, RealtimeSocket[]>();
    for (const socket of this.io.of('/').sockets.values()) {
      const sid = socket.data.principal?.sessionId;
      if (!sid) continue;
      const list = bySession.get(sid);
      if (list) list.push(socket);
      else bySession.set(sid, [socket]);
    }
    if (!bySession.size) return 0;
    const ended = await sessions.endedAmong([...bySession.keys()]);
    for (const sid of ended) for (const socket of bySession.get(sid) ?? []) socket.disconnect(true);
    return ended.length;
  }

  /** Runs `sweep` every `everyMs` until `stopSweeping`; a failed sweep is logged and the next one runs anyway. */
  startSweeping(sessions: Pick<SessionManager, 'endedAmong'>, everyMs: number): void {
    this.stopSweeping();
    this.sweeper = setInterval(() => {
      this.sweep(sessions).catch((err: Error) => this.logger.warn({ err: { message: err.message } }, 'socket session sweep failed'));
    }, everyMs);
    this.sweeper.unref();
  }

  stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private drop(scope: string, ids: Record<string, string>, targets: string[]): Promise<boolean> {
    return pushAfterCommit(this.logger, `revocation:${scope}`, ids, () => {
      // `true` closes the underlying connection too: nothing more can be read from it.
      this.io.in(targets).disconnectSockets(true);
    });
  }
}
