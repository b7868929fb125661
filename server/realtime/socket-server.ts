import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import { isAllowedOrigin } from '../middleware/origin-check';
import type { ClientToServerEvents, ServerToClientEvents } from '@shared/realtime';
import {
  PATIENT_COOKIE,
  STAFF_COOKIE,
  readCookieHeader,
  type PatientPrincipal,
  type SessionManager,
  type StaffPrincipal,
} from '../auth/session';

export interface SocketData {
  principal: StaffPrincipal | PatientPrincipal;
}

/** Messages between server processes (through the Redis adapter). */
export interface InterServerEvents {
  /** A process lost events while Redis was away: every process sends its clients to reconnect and resync. */
  'realtime:resync': () => void;
}

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Room names for targeted broadcasts. Only ids, never names. */
export const rooms = {
  staff: (staffId: string) => `staff:${staffId}`,
  /** Staff sockets watching one visit's live console. */
  visitStaff: (visitId: string) => `visit:${visitId}:staff`,
  /** The patient-side sockets of one visit. */
  visitPatients: (visitId: string) => `visit:${visitId}:patients`,
  participant: (participantId: string) => `participant:${participantId}`,
  /** Every socket opened with one session (staff or patient): dropped when the session ends. */
  session: (sessionId: string) => `session:${sessionId}`,
};

/** setTimeout's longest delay; a later expiry is checked again when that one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs a live push that follows a committed change. The change is stored and clients re-derive it
 * over HTTP after every reconnection, so a failed push is logged (ids and the error's message, never
 * PHI) and never fails the request that made the change. Resolves whether the push went out.
 */
export async function pushAfterCommit(logger: Logger, event: string, ids: Record<string, string>, push: () => unknown): Promise<boolean> {
  try {
    await push();
    return true;
  } catch (err) {
    logger.warn({ event, ...ids, err: { message: (err as Error).message } }, 'live push failed after commit');
    return false;
  }
}

/** A socket never outlives its session's absolute end: it is closed at that moment. */
function closeAtExpiry(socket: RealtimeSocket, expiresAt: string): void {
  const wait = Date.parse(expiresAt) - Date.now();
  if (!(wait > 0)) {
    socket.disconnect(true);
    return;
  }
  const timer = setTimeout(
    () => {
      if (Date.parse(expiresAt) <= Date.now()) socket.disconnect(true);
      else closeAtExpiry(socket, expiresAt);
    },
    Math.min(wait, MAX_TIMER_MS),
  );
  timer.unref();
  socket.once('disconnect', () => clearTimeout(timer));
}

/**
 * The typed socket.io server on the app's HTTP server. Every connection is authenticated from
 * the session cookie during the handshake; anything else is refused before it can join a room.
 */
export function createRealtimeServer(
  httpServer: HttpServer,
  deps: { sessions: SessionManager; allowedOrigins: string[]; logger: Logger; ping: { intervalMs: number; timeoutMs: number } },
): RealtimeServer {
  const allowed = new Set(deps.allowedOrigins);
  const io: RealtimeServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 16 * 1024,
    // A network that vanishes without a close is noticed after at most interval + timeout.
    pingInterval: deps.ping.intervalMs,
    pingTimeout: deps.ping.timeoutMs,
    // Cross-site WebSocket hijacking defence: browsers always send Origin on a WebSocket handshake.
    allowRequest: (req, cb) => {
      const origin = req.headers.origin;
      const host = req.headers.host;
      const ok = origin === undefined || isAllowedOrigin(origin, allowed, host, ['http', 'https']);
      cb(ok ? null : 'bad_origin', ok);
    },
  });

  io.use(async (socket, next) => {
    try {
      const cookie = socket.handshake.headers.cookie;
      const staff = await deps.sessions.resolveStaff(readCookieHeader(cookie, STAFF_COOKIE));
      if (staff) {
        // Like every staff route: a password someone else set is replaced before anything live is sent.
        if (staff.mustChangePassword) return next(new Error('password_change_required'));
        socket.data.principal = staff;
        return next();
      }
      const patient = await deps.sessions.resolvePatient(readCookieHeader(cookie, PATIENT_COOKIE));
      if (patient) {
        socket.data.principal = patient;
        return next();
      }
      next(new Error('unauthenticated'));
    } catch {
      next(new Error('unavailable'));
    }
  });

  io.on('connection', (socket: RealtimeSocket) => {
    const p = socket.data.principal;
    // Joined before anything is sent, so a revocation from now on, on any process, reaches this socket.
    if (p.kind === 'staff') void socket.join([rooms.session(p.sessionId), rooms.staff(p.id)]);
    else void socket.join([rooms.session(p.sessionId), rooms.participant(p.participantId), rooms.visitPatients(p.visitId)]);
    closeAtExpiry(socket, p.expiresAt);
    // The handshake's check ran before the joins: a session revoked in between is caught here.
    void deps.sessions.isLive(p.sessionId).then(
      (live) => {
        if (!live) socket.disconnect(true);
      },
      () => socket.disconnect(true),
    );
    if (p.kind === 'staff') socket.emit('session:ready', { kind: 'staff', id: p.id });
    else socket.emit('session:ready', { kind: 'patient', id: p.participantId });
    deps.logger.debug({ socket: socket.id, actor: p.kind === 'staff' ? p.id : p.participantId }, 'socket connected');
  });

  return io;
}
