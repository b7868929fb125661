import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { WaitingMessage } from '@shared/api/waiting-room.schema';
import type { ParticipantStateName, VisitStatusName } from '@shared/realtime';
import type { DB } from '../db/schema';
import { pushAfterCommit, rooms, type RealtimeServer } from '../realtime/socket-server';
import { listLiveParticipants } from './participants.store';
import { clinicianIdsOf } from './visits.store';

/**
 * Pushes facts about a visit to the sockets that may see them, always after the change is
 * stored. Staff get the participant list; the patient gets only their own state and messages.
 * A push that fails is logged and swallowed: the change it reports is already committed.
 */
export class VisitBroadcast {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly io: RealtimeServer,
    private readonly logger: Logger,
  ) {}

  /** Staff watching the visit get the whole list; every clinician of the visit gets the waiting count. */
  async participantsChanged(visitId: string): Promise<void> {
    await pushAfterCommit(this.logger, 'visit:participants', { visitId }, async () => {
      const participants = await listLiveParticipants(this.db, visitId);
      this.io.to(rooms.visitStaff(visitId)).emit('visit:participants', { visitId, participants });
      const waiting = participants.filter((p) => p.state === 'waiting').length;
      const clinicians = await clinicianIdsOf(this.db, visitId);
      if (clinicians.length) this.io.to(clinicians.map(rooms.staff)).emit('visit:waiting', { visitId, waiting });
    });
  }

  participantState(participantId: string, state: ParticipantStateName): void {
    void pushAfterCommit(this.logger, 'participant:state', { participantId }, () =>
      this.io.to(rooms.participant(participantId)).emit('participant:state', { participantId, state }),
    );
  }

  /** Tells devices replaced by another device of the same link that the visit moved (sent before they are dropped). */
  moved(participantIds: string[]): void {
    for (const participantId of participantIds) {
      void pushAfterCommit(this.logger, 'participant:moved', { participantId }, () =>
        this.io.to(rooms.participant(participantId)).emit('participant:moved', { participantId }),
      );
    }
  }

  async status(visitId: string, status: VisitStatusName): Promise<void> {
    await pushAfterCommit(this.logger, 'visit:status', { visitId }, async () => {
      const clinicians = await clinicianIdsOf(this.db, visitId);
      this.io.to([rooms.visitStaff(visitId), rooms.visitPatients(visitId), ...clinicians.map(rooms.staff)]).emit('visit:status', { visitId, status });
    });
  }

  ended(visitId: string): void {
    void pushAfterCommit(this.logger, 'visit:ended', { visitId }, () =>
      this.io.to([rooms.visitStaff(visitId), rooms.visitPatients(visitId)]).emit('visit:ended', { visitId }),
    );
  }

  waitingMessage(visitId: string, message: WaitingMessage | null): void {
    void pushAfterCommit(this.logger, 'visit:waiting-message', { visitId }, () =>
      this.io.to(rooms.visitPatients(visitId)).emit('visit:waiting-message', { visitId, message }),
    );
  }

  /** Tells the visit's patient side whether any clinician of the visit has its console open. */
  async presence(visitId: string): Promise<void> {
    await pushAfterCommit(this.logger, 'visit:clinician-presence', { visitId }, async () => {
      const online = (await this.io.in(rooms.visitStaff(visitId)).fetchSockets()).length > 0;
      this.io.to(rooms.visitPatients(visitId)).emit('visit:clinician-presence', { visitId, online });
    });
  }

  /** Drops a removed participant's sockets after telling them. */
  disconnectParticipant(participantId: string): void {
    void pushAfterCommit(this.logger, 'disconnect', { participantId }, () => this.io.in(rooms.participant(participantId)).disconnectSockets(true));
  }
}
