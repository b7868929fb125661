import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, ParticipantKind } from '../db/schema';
import { listLiveParticipants } from '../visits/participants.store';

/** Records a handled webhook event id; false when it was seen before (a redelivery or replay). */
export async function claimWebhookEvent(db: Kysely<DB>, id: string, event: string, createdAt: string): Promise<boolean> {
  const res = await db
    .insertInto('webhook_events')
    .values({ id, event, created_at: createdAt, received_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function openAttendance(db: Kysely<DB>, visitId: string, participantId: string, sid: string, at: string): Promise<void> {
  await db
    .insertInto('attendance')
    .values({ id: randomUUID(), visit_id: visitId, participant_id: participantId, livekit_sid: sid, joined_at: at, left_at: null })
    .onConflict((oc) => oc.columns(['visit_id', 'livekit_sid']).doNothing())
    .execute();
}

export async function closeAttendance(db: Kysely<DB>, visitId: string, sid: string, at: string): Promise<void> {
  await db
    .updateTable('attendance')
    .set({ left_at: at })
    .where('visit_id', '=', visitId)
    .where('livekit_sid', '=', sid)
    .where('left_at', 'is', null)
    .execute();
}

export async function closeAllAttendance(db: Kysely<DB>, visitId: string, at: string): Promise<void> {
  await db.updateTable('attendance').set({ left_at: at }).where('visit_id', '=', visitId).where('left_at', 'is', null).execute();
}

export interface AttendanceSummary {
  participantId: string;
  displayName: string;
  kind: ParticipantKind;
  joinedAt: string;
  leftAt: string | null;
  totalMinutes: number;
}

/** One line per participant: first join, last leave, and minutes connected (open sessions count up to now). */
export async function attendanceSummary(db: Kysely<DB>, visitId: string, now = new Date()): Promise<AttendanceSummary[]> {
  const rows = await db
    .selectFrom('attendance')
    .select(['participant_id', 'joined_at', 'left_at'])
    .where('visit_id', '=', visitId)
    .orderBy('joined_at')
    .execute();
  // Names and kinds come from the one participant list, so a name is resolved in one place.
  const people = new Map((await listLiveParticipants(db, visitId)).map((p) => [p.id, p]));
  const byParticipant = new Map<string, AttendanceSummary & { ms: number }>();
  for (const r of rows) {
    const end = r.left_at ? Date.parse(r.left_at) : now.getTime();
    const ms = Math.max(0, end - Date.parse(r.joined_at));
    const cur = byParticipant.get(r.participant_id);
    const person = people.get(r.participant_id);
    if (!person) continue;
    if (!cur) {
      byParticipant.set(r.participant_id, {
        participantId: r.participant_id,
        kind: person.kind,
        displayName: person.displayName,
        joinedAt: r.joined_at,
        leftAt: r.left_at,
        totalMinutes: 0,
        ms,
      });
    } else {
      cur.ms += ms;
      cur.leftAt = r.left_at === null || cur.leftAt === null ? null : r.left_at > cur.leftAt ? r.left_at : cur.leftAt;
    }
  }
  return [...byParticipant.values()].map(({ ms, ...s }) => ({ ...s, totalMinutes: Math.round((ms / 60000) * 10) / 10 }));
}
