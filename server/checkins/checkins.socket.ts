import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema';
import { pushAfterCommit, rooms, type RealtimeServer } from '../realtime/socket-server';
import { checkinDeviceIds } from '../visits/participants.store';
import { clinicianIdsOf } from '../visits/visits.store';
import { markAlertPushed } from './checkins.store';

/** A stored safety alert, as much of it as its push needs. */
export interface AlertToPush {
  id: string;
  visitId: string;
  checkinId: string;
  code: string;
}

/**
 * Pushes check-in facts after they are stored. Staff events go to the visit's console and to every
 * clinician of the visit (socket.io delivers once to a socket in both rooms), except the live count. Payloads are ids and
 * counts: answers, scores and free text never travel over the socket. A push that fails is logged
 * and swallowed: the change it reports is already committed.
 */
export class CheckinBroadcast {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly io: RealtimeServer,
    private readonly logger: Logger,
  ) {}

  private async staff(visitId: string) {
    const clinicians = await clinicianIdsOf(this.db, visitId);
    return this.io.to([rooms.visitStaff(visitId), ...clinicians.map(rooms.staff)]);
  }

  async sent(visitId: string, checkins: { id: string; instrumentId: string }[]): Promise<void> {
    await pushAfterCommit(this.logger, 'checkin:sent', { visitId }, async () => {
      const staff = await this.staff(visitId);
      // Only the patient devices that may read the check-ins hear of them: not a device that only
      // knocked, was denied, or waits while the patient is in the call on another device.
      const devices = (await checkinDeviceIds(this.db, visitId)).map(rooms.participant);
      for (const c of checkins) {
        const payload = { checkinId: c.id, visitId, instrumentId: c.instrumentId };
        staff.emit('checkin:sent', payload);
        if (devices.length) this.io.to(devices).emit('checkin:sent', payload);
      }
    });
  }

  /**
   * The live count goes to the visit's console only: it is the one page that shows it, and its
   * sockets leave the room when their right to the visit ends. No care-team read, so an answer
   * save makes one round trip less.
   */
  async progress(visitId: string, checkinId: string, answered: number, total: number): Promise<void> {
    await pushAfterCommit(this.logger, 'checkin:progress', { visitId, checkinId }, async () =>
      this.io.to(rooms.visitStaff(visitId)).emit('checkin:progress', { checkinId, visitId, answered, total }),
    );
  }

  async shared(visitId: string, checkinId: string): Promise<void> {
    await pushAfterCommit(this.logger, 'checkin:shared', { visitId, checkinId }, async () => (await this.staff(visitId)).emit('checkin:shared', { checkinId, visitId }));
  }

  /**
   * Pushes one stored safety alert to the visit's staff, then records that it went out (a guarded
   * update, so the sweeper leaves it alone). Resolves whether the push went out.
   */
  alert(a: AlertToPush): Promise<boolean> {
    const { visitId, checkinId, code } = a;
    return pushAfterCommit(this.logger, 'safety:alert', { visitId, checkinId }, async () => {
      (await this.staff(visitId)).emit('safety:alert', { checkinId, visitId, code });
      await markAlertPushed(this.db, a.id, new Date().toISOString());
    });
  }

  async acknowledged(visitId: string, checkinId: string, code: string): Promise<void> {
    await pushAfterCommit(this.logger, 'safety:acknowledged', { visitId, checkinId }, async () =>
      (await this.staff(visitId)).emit('safety:acknowledged', { checkinId, visitId, code }),
    );
  }
}
