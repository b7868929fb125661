import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { VisitWatchSchema } from '@shared/realtime';
import type { Auditor } from '../audit/auditor';
import type { DB } from '../db/schema';
import { rooms, type RealtimeServer, type RealtimeSocket } from '../realtime/socket-server';
import { listLiveParticipants } from '../visits/participants.store';
import type { VisitBroadcast } from '../visits/visit-broadcast';
import { canWatchVisit } from '../visits/visit.policy';
import { parseWaitingMessage } from '../visits/visits.presenter';
import { findVisit } from '../visits/visits.store';
import type { Presence } from './presence';

/**
 * Live visit state over socket.io. A patient socket is placed in its own visit's rooms at
 * connection; a staff socket asks to watch a visit and is allowed only onto its own visits. A
 * refused watch leaves `access.refused` naming the visit, as a refused HTTP request does (no
 * address: the socket's peer is not resolved through TRUST_PROXY, so none is recorded rather than
 * the balancer's).
 */
export function registerWaitingRoomSocket(
  io: RealtimeServer,
  deps: { db: Kysely<DB>; auditor: Auditor; logger: Logger; broadcast: VisitBroadcast; presence: Presence },
): void {
  const { db, auditor, logger, broadcast, presence } = deps;

  io.on('connection', (socket: RealtimeSocket) => {
    const principal = socket.data.principal;
    if (principal.kind === 'patient') {
      // Registered at once, so a socket that drops during the set-up below is still counted.
      socket.on('disconnect', () => presence.disconnected(principal.participantId, principal.visitId));
      void (async () => {
        await socket.join([rooms.visitPatients(principal.visitId), rooms.participant(principal.participantId)]);
        // After joining the room, so a process looking for this participant's sockets from now on finds it.
        if (socket.connected) presence.connected(principal.participantId, principal.visitId);
        const visit = await findVisit(db, principal.visitId);
        const online = (await io.in(rooms.visitStaff(principal.visitId)).fetchSockets()).length > 0;
        socket.emit('visit:clinician-presence', { visitId: principal.visitId, online });
        if (visit) socket.emit('visit:waiting-message', { visitId: visit.id, message: parseWaitingMessage(visit.waiting_message) });
      })().catch(() => socket.disconnect(true));
      return;
    }

    const watching = new Set<string>();

    socket.on('visit:watch', (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const parsed = VisitWatchSchema.safeParse(payload);
      if (!parsed.success) return reply({ ok: false, code: 'validation_failed' });
      const { visitId } = parsed.data;
      void (async () => {
        if (!(await canWatchVisit(db, principal, visitId))) {
          await auditor
            .record(db, { actor: { kind: 'staff', id: principal.id } }, { action: 'access.refused', outcome: 'failure', targets: { visitId } })
            .catch((err: unknown) => logger.warn({ socket: socket.id, err: { message: (err as Error).message } }, 'could not audit a refused watch'));
          return reply({ ok: false, code: 'not_found' });
        }
        await socket.join(rooms.visitStaff(visitId));
        watching.add(visitId);
        socket.emit('visit:participants', { visitId, participants: await listLiveParticipants(db, visitId) });
        reply({ ok: true });
        await broadcast.presence(visitId);
      })().catch(() => reply({ ok: false, code: 'internal_error' }));
    });

    socket.on('visit:unwatch', (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const parsed = VisitWatchSchema.safeParse(payload);
      if (!parsed.success) return reply({ ok: false, code: 'validation_failed' });
      const { visitId } = parsed.data;
      void (async () => {
        await socket.leave(rooms.visitStaff(visitId));
        watching.delete(visitId);
        reply({ ok: true });
        await broadcast.presence(visitId);
      })().catch(() => reply({ ok: false, code: 'internal_error' }));
    });

    socket.on('disconnect', () => {
      for (const visitId of watching) void broadcast.presence(visitId).catch(() => undefined);
    });
  });
}
