import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema';
import { isAlreadyGone, type VideoService } from './livekit';

/** A visit's video room and the people who just lost the right to be in it. */
export interface RoomLoss {
  visitId: string;
  /** Our participant ids: the LiveKit identities. */
  participantIds: string[];
}

/** Visit statuses with a live room (the lifecycle's open statuses). */
const LIVE_ROOM_STATUSES = ['scheduled', 'in_progress', 'no_show'] as const;

/**
 * Ends people's presence in LiveKit rooms, after the change that ended their right has committed.
 * For each, LiveKit's RemoveParticipant is called (our database already refuses them a new token),
 * and the visit's E2EE key is replaced so that what they held no longer decrypts anything: the
 * remaining participants get the new key with their next token, and `rekeyed` tells them to ask.
 * Every call is best effort: LiveKit may be down or the person already gone; failures are logged
 * without PHI and never thrown.
 */
export class RoomAccess {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly video: VideoService,
    private readonly logger: Logger,
    /** Told after a visit's key was replaced, so the remaining participants fetch it. */
    private readonly rekeyed: (visitId: string) => void,
  ) {}

  /** These participants of one visit lose the room. */
  async remove(loss: RoomLoss): Promise<void> {
    if (!loss.participantIds.length) return;
    const visit = await this.safely(loss.visitId, () =>
      this.db.selectFrom('visits').select(['room_name', 'status']).where('id', '=', loss.visitId).executeTakeFirst(),
    );
    if (!visit) return;
    await Promise.all(loss.participantIds.map((identity) => this.removeOne(loss.visitId, visit.room_name, identity)));
    if ((LIVE_ROOM_STATUSES as readonly string[]).includes(visit.status)) await this.rotateKey(loss.visitId);
  }

  /** A staff member lost every room (deactivated, no longer a clinician): each open visit they joined. */
  async removeStaff(staffId: string): Promise<void> {
    const rows = await this.safely(staffId, () =>
      this.db
        .selectFrom('participants')
        .innerJoin('visits', 'visits.id', 'participants.visit_id')
        .select(['participants.id', 'participants.visit_id'])
        .where('participants.staff_id', '=', staffId)
        .where('visits.status', 'in', [...LIVE_ROOM_STATUSES])
        .execute(),
    );
    for (const r of rows ?? []) await this.remove({ visitId: r.visit_id, participantIds: [r.id] });
  }

  /** Staff taken off one visit's care team lose its room. */
  async removeStaffFromVisit(visitId: string, staffIds: string[]): Promise<void> {
    if (!staffIds.length) return;
    const rows = await this.safely(visitId, () =>
      this.db.selectFrom('participants').select('id').where('visit_id', '=', visitId).where('staff_id', 'in', staffIds).execute(),
    );
    await this.remove({ visitId, participantIds: (rows ?? []).map((r) => r.id) });
  }

  /** The visit is over for everyone (cancelled): its room is closed. */
  async closeRoom(visitId: string): Promise<void> {
    const visit = await this.safely(visitId, () =>
      this.db.selectFrom('visits').select('room_name').where('id', '=', visitId).executeTakeFirst(),
    );
    if (!visit) return;
    try {
      await this.video.deleteRoom(visit.room_name);
    } catch (err) {
      if (!isAlreadyGone(err)) this.logger.warn({ visitId, err: { message: (err as Error).message } }, 'could not close the video room');
    }
  }

  private async removeOne(visitId: string, roomName: string, identity: string): Promise<void> {
    try {
      await this.video.removeParticipant(roomName, identity);
    } catch (err) {
      if (!isAlreadyGone(err))
        this.logger.warn({ visitId, err: { message: (err as Error).message } }, 'could not remove participant from the video room');
    }
  }

  /** A fresh random key for the visit; tokens minted from now on carry it. */
  private async rotateKey(visitId: string): Promise<void> {
    const done = await this.safely(visitId, () =>
      this.db
        .updateTable('visits')
        .set({ e2ee_key: randomBytes(32).toString('base64url') })
        .where('id', '=', visitId)
        .execute(),
    );
    if (done) this.rekeyed(visitId);
  }

  private async safely<T>(id: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      this.logger.warn({ ref: id, err: { message: (err as Error).message } }, 'video room access change failed');
      return undefined;
    }
  }
}
