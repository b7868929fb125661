import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { LiveParticipant } from '@shared/realtime';
import type { DB, ParticipantState, ParticipantTable } from '../db/schema';
import { chunks } from './visits.store';

type Db = Kysely<DB>;
export type ParticipantRow = ParticipantTable;

/** Columns a state change may set besides the state itself. */
export type ParticipantPatch = Partial<Pick<ParticipantRow, 'waiting_since' | 'admitted_at' | 'admitted_by'>>;

/** One participant row by id. */
export function findParticipant(db: Db, id: string): Promise<ParticipantRow | undefined> {
  return db.selectFrom('participants').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Moves a participant from `from` to `to` in one guarded statement; false when its state was no
 * longer `from` (someone else's change got there first).
 */
export async function transitionParticipant(
  db: Db,
  id: string,
  from: ParticipantState,
  to: ParticipantState,
  patch: ParticipantPatch = {},
): Promise<boolean> {
  const r = await db
    .updateTable('participants')
    .set({ ...patch, state: to, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('state', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Everyone still joining, waiting or in the call leaves (the visit ended). */
export async function leaveAllParticipants(db: Db, visitId: string, now: string): Promise<void> {
  await db
    .updateTable('participants')
    .set({ state: 'left', waiting_since: null, updated_at: now })
    .where('visit_id', '=', visitId)
    .where('state', 'in', ['joining', 'waiting', 'admitted'])
    .execute();
}

/** Stores an accepted consent and marks the participant as having consented. Run inside the caller's transaction. */
export async function recordConsent(db: Db, visitId: string, participantId: string, version: string, now: string): Promise<void> {
  await db
    .insertInto('consents')
    .values({ id: randomUUID(), visit_id: visitId, participant_id: participantId, version, accepted_at: now })
    .execute();
  await db
    .updateTable('participants')
    .set({ consent_version: version, consented_at: now, updated_at: now })
    .where('id', '=', participantId)
    .execute();
}

/** Ends the sessions of one participant (a removed patient is signed out at once). */
export async function revokeParticipantSessions(db: Db, participantId: string, now = new Date().toISOString()): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('participant_id', '=', participantId)
    .where('revoked_at', 'is', null)
    .execute();
}

/**
 * A clinician's participant row for a visit, created the first time they join its video. The
 * unique (visit_id, staff_id) index keeps one row when two tabs race; the loser reads the winner's.
 */
export async function findOrCreateClinicianParticipant(db: Db, visitId: string, staffId: string): Promise<ParticipantRow> {
  const now = new Date().toISOString();
  await db
    .insertInto('participants')
    .values({
      id: randomUUID(),
      visit_id: visitId,
      kind: 'clinician',
      staff_id: staffId,
      state: 'admitted',
      consent_version: null,
      consented_at: null,
      waiting_since: null,
      admitted_at: now,
      admitted_by: staffId,
      disconnected_at: null,
      link_id: null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['visit_id', 'staff_id']).doNothing())
    .execute();
  return db
    .selectFrom('participants')
    .selectAll()
    .where('visit_id', '=', visitId)
    .where('staff_id', '=', staffId)
    .executeTakeFirstOrThrow();
}

/**
 * A new patient participant: one person on one device, reached through `linkId`. Every browser
 * that is not already a device of this link gets its own, which must be admitted on its own.
 */
export async function createPatientDevice(db: Db, visitId: string, linkId: string): Promise<ParticipantRow> {
  const now = new Date().toISOString();
  const row: ParticipantRow = {
    id: randomUUID(),
    visit_id: visitId,
    kind: 'patient',
    staff_id: null,
    state: 'joining',
    consent_version: null,
    consented_at: null,
    waiting_since: null,
    admitted_at: null,
    admitted_by: null,
    disconnected_at: null,
    link_id: linkId,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('participants').values(row).execute();
  return row;
}

/**
 * The device a returning browser already is: its session's participant, if that participant came
 * through this very link and still has its place (not removed). Anything else is a new device.
 */
export async function findReturningDevice(
  db: Db,
  participantId: string,
  visitId: string,
  linkId: string,
): Promise<ParticipantRow | undefined> {
  return db
    .selectFrom('participants')
    .selectAll()
    .where('id', '=', participantId)
    .where('visit_id', '=', visitId)
    .where('link_id', '=', linkId)
    .where('kind', '=', 'patient')
    .where('state', '!=', 'removed')
    .executeTakeFirst();
}

/** Whether this participant came through this link and was removed from the visit by a clinician. */
export async function wasRemovedDevice(db: Db, participantId: string, visitId: string, linkId: string): Promise<boolean> {
  const row = await db
    .selectFrom('participants')
    .select('id')
    .where('id', '=', participantId)
    .where('visit_id', '=', visitId)
    .where('link_id', '=', linkId)
    .where('kind', '=', 'patient')
    .where('state', '=', 'removed')
    .executeTakeFirst();
  return row !== undefined;
}

/** Device states that still hold (or may take back) a place in the visit. */
const LIVE_DEVICE_STATES: readonly ParticipantState[] = ['joining', 'waiting', 'admitted', 'left'];

/**
 * A device of a link was admitted: the link's other devices (the same person's old phone, or
 * whoever else holds the link) leave, their sessions end, and the unshared answers given on them
 * move to the admitted device. Run inside the admission's transaction; returns the ended devices,
 * whose sockets the caller tells and drops after commit.
 */
export async function endOtherDevices(
  db: Db,
  admitted: Pick<ParticipantRow, 'id' | 'visit_id' | 'link_id'>,
  now: string,
): Promise<string[]> {
  if (!admitted.link_id) return [];
  const others = await db
    .selectFrom('participants')
    .select(['id', 'state'])
    .where('visit_id', '=', admitted.visit_id)
    .where('link_id', '=', admitted.link_id)
    .where('kind', '=', 'patient')
    .where('id', '!=', admitted.id)
    .where('state', 'in', LIVE_DEVICE_STATES)
    .execute();
  if (!others.length) return [];
  const ids = others.map((o) => o.id);
  await db.updateTable('participants').set({ state: 'left', waiting_since: null, updated_at: now }).where('id', 'in', ids).execute();
  await db.updateTable('sessions').set({ revoked_at: now }).where('participant_id', 'in', ids).where('revoked_at', 'is', null).execute();
  await db.updateTable('checkin_answers').set({ participant_id: admitted.id }).where('participant_id', 'in', ids).execute();
  return ids;
}

/**
 * A new link was issued: whoever came through the old ones keeps nothing. Their places end (the
 * callers revoke their sessions), and the unshared answers they gave are deleted, so the next
 * person starts with an empty check-in instead of someone else's words. Run inside the reissue's
 * transaction; returns the participants that lost their place.
 */
export async function retireLinkParticipants(db: Db, visitId: string, now: string): Promise<string[]> {
  const rows = await db.selectFrom('participants').select('id').where('visit_id', '=', visitId).where('kind', '=', 'patient').execute();
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  await db
    .updateTable('participants')
    .set({ state: 'left', waiting_since: null, updated_at: now })
    .where('id', 'in', ids)
    .where('state', 'in', ['joining', 'waiting', 'admitted'])
    .execute();
  // A change to those check-ins' answers: a save that read them before must read them again.
  await db
    .updateTable('checkins')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('visit_id', '=', visitId)
    .where('status', '!=', 'shared')
    .execute();
  await db
    .deleteFrom('checkin_answers')
    .where('checkin_id', 'in', (eb) =>
      eb.selectFrom('checkins').select('id').where('visit_id', '=', visitId).where('status', '!=', 'shared'),
    )
    .execute();
  return ids;
}

/**
 * Whether this patient device may see the visit's check-ins (its own answers only): it has
 * entered the waiting room (or was there and left), and no other device of the visit is in the
 * call unless it is this one. A device that only knocked, was denied, or waits while the patient
 * is in the call sees nothing.
 */
export async function mayUseCheckins(db: Db, participantId: string, visitId: string): Promise<boolean> {
  const rows = await db
    .selectFrom('participants')
    .select(['id', 'state'])
    .where('visit_id', '=', visitId)
    .where('kind', '=', 'patient')
    .where((eb) => eb.or([eb('id', '=', participantId), eb('state', '=', 'admitted')]))
    .execute();
  const me = rows.find((r) => r.id === participantId);
  if (!me || !['waiting', 'admitted', 'left'].includes(me.state)) return false;
  return me.state === 'admitted' || !rows.some((r) => r.id !== participantId);
}

/**
 * The patient devices of a visit that may see its check-ins, by the rule of mayUseCheckins: the
 * device in the call when there is one, otherwise every device that has entered the waiting room.
 */
export async function checkinDeviceIds(db: Db, visitId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('participants')
    .select(['id', 'state'])
    .where('visit_id', '=', visitId)
    .where('kind', '=', 'patient')
    .where('state', 'in', ['waiting', 'admitted', 'left'])
    .execute();
  const admitted = rows.filter((r) => r.state === 'admitted');
  return (admitted.length ? admitted : rows).map((r) => r.id);
}

/** The name shown for a participant: a clinician's name, or the patient's preferred name. */
export function participantDisplayName(r: {
  kind: string;
  staff_name: string | null;
  preferred_name: string | null;
  display_name: string;
}): string {
  return r.kind === 'clinician' ? (r.staff_name ?? 'Clinician') : (r.preferred_name ?? r.display_name);
}

/** The live participant list staff see: display names resolved, ordered by arrival. */
export async function listLiveParticipants(db: Db, visitId: string): Promise<LiveParticipant[]> {
  const rows = await db
    .selectFrom('participants')
    .innerJoin('visits', 'visits.id', 'participants.visit_id')
    .innerJoin('patients', 'patients.id', 'visits.patient_id')
    .leftJoin('staff', 'staff.id', 'participants.staff_id')
    .select([
      'participants.id',
      'participants.kind',
      'participants.state',
      'participants.waiting_since',
      'participants.disconnected_at',
      'participants.created_at',
      'participants.link_id',
      'staff.name as staff_name',
      'patients.display_name',
      'patients.preferred_name',
    ])
    .where('participants.visit_id', '=', visitId)
    .orderBy('participants.created_at')
    .orderBy('participants.id')
    .execute();
  // Rows come in arrival order, so a link already seen means this is the same link on another device.
  const seenLinks = new Set<string>();
  return rows.map((r) => {
    const otherDevice = r.link_id !== null && seenLinks.has(r.link_id);
    if (r.link_id !== null) seenLinks.add(r.link_id);
    return {
      id: r.id,
      kind: r.kind,
      state: r.state,
      waitingSince: r.state === 'waiting' ? r.waiting_since : null,
      displayName: participantDisplayName(r),
      connectionLost: r.disconnected_at !== null && PRESENT_STATES.includes(r.state),
      otherDevice,
    };
  });
}

/** States in which a participant is expected to hold a connection (so losing it is news). */
const PRESENT_STATES: readonly ParticipantState[] = ['joining', 'waiting', 'admitted'];

/** Records that the participant's last socket went away at `at`; false when it was already marked. */
export async function markDisconnected(db: Db, id: string, at: string): Promise<boolean> {
  const r = await db
    .updateTable('participants')
    .set({ disconnected_at: at })
    .where('id', '=', id)
    .where('disconnected_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Clears the disconnection mark; with `at`, only the mark made at that instant (a process undoing
 * its own mark after a socket turned up elsewhere). False when there was nothing to clear.
 */
export async function markConnected(db: Db, id: string, at?: string): Promise<boolean> {
  let q = db.updateTable('participants').set({ disconnected_at: null }).where('id', '=', id);
  q = at === undefined ? q.where('disconnected_at', 'is not', null) : q.where('disconnected_at', '=', at);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Waiting participants whose connection has been gone since `cutoff` or earlier, with their visit's patient. */
export function listExpiredWaiting(db: Db, cutoff: string): Promise<{ id: string; visit_id: string; patient_id: string }[]> {
  return db
    .selectFrom('participants')
    .innerJoin('visits', 'visits.id', 'participants.visit_id')
    .select(['participants.id', 'participants.visit_id', 'visits.patient_id'])
    .where('participants.state', '=', 'waiting')
    .where('participants.disconnected_at', '<=', cutoff)
    .execute();
}

/**
 * Moves a waiting participant whose connection has been gone since `cutoff` or earlier to `left`,
 * in one guarded statement: false when they came back or someone else acted first.
 */
export async function expireWaiting(db: Db, id: string, cutoff: string, now: string): Promise<boolean> {
  const r = await db
    .updateTable('participants')
    .set({ state: 'left', waiting_since: null, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'waiting')
    .where('disconnected_at', '<=', cutoff)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export type ParticipantWithName = Pick<ParticipantTable, 'id' | 'visit_id' | 'kind' | 'state' | 'created_at'> & {
  staff_name: string | null;
};

/** Participants of many visits (with the staff name for clinicians), by visit id. */
export async function participantsByVisit(db: Db, visitIds: string[]): Promise<Map<string, ParticipantWithName[]>> {
  const out = new Map<string, ParticipantWithName[]>();
  for (const ids of chunks(visitIds)) {
    const rows = await db
      .selectFrom('participants')
      .leftJoin('staff', 'staff.id', 'participants.staff_id')
      .select([
        'participants.id',
        'participants.visit_id',
        'participants.kind',
        'participants.state',
        'participants.created_at',
        'staff.name as staff_name',
      ])
      .where('participants.visit_id', 'in', ids)
      .orderBy('participants.created_at')
      .orderBy('participants.id')
      .execute();
    for (const r of rows) {
      const list = out.get(r.visit_id) ?? [];
      list.push(r);
      out.set(r.visit_id, list);
    }
  }
  return out;
}
