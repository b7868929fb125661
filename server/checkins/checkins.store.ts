import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { AnswerValue } from '@shared/instruments/definition.schema';
import { jsonRows, jsonRowsFrom } from '../db/json-rows';
import type { CheckinStatus, CheckinTable, DB, ParticipantState, SafetyAlertTable, VisitStatus } from '../db/schema';

export type CheckinRow = CheckinTable;
export type SafetyAlertRow = SafetyAlertTable & { acknowledged_by_name: string | null };

/** Inserts freshly sent check-ins. */
export async function insertCheckins(db: Kysely<DB>, rows: CheckinRow[]): Promise<void> {
  if (rows.length) await db.insertInto('checkins').values(rows).execute();
}

export function findCheckin(db: Kysely<DB>, id: string): Promise<CheckinRow | undefined> {
  return db.selectFrom('checkins').selectAll().where('id', '=', id).executeTakeFirst();
}

/** What decides whether a patient may answer: their visit's status and their own participant row. */
export interface AnsweringFacts {
  visitStatus: VisitStatus | null;
  /**
   * `elsewhere`: another device holds this check-in (another device of the visit is in the call,
   * or gave answers to it): this one may not touch it until a clinician admits it.
   */
  participant: { id: string; visitId: string; state: ParticipantState; elsewhere: boolean } | null;
}

/** Whether another patient device holds this check-in: it is admitted while `participantId` is not, or it gave answers here. */
export async function heldElsewhere(db: Kysely<DB>, checkin: Pick<CheckinRow, 'id' | 'visit_id'>, participantId: string, state: ParticipantState): Promise<boolean> {
  const other = await db
    .selectFrom('participants')
    .select('id')
    .where('visit_id', '=', checkin.visit_id)
    .where('kind', '=', 'patient')
    .where('id', '!=', participantId)
    .where('state', '=', 'admitted')
    .executeTakeFirst();
  if (other && state !== 'admitted') return true;
  const foreign = await db
    .selectFrom('checkin_answers')
    .select('link_id')
    .where('checkin_id', '=', checkin.id)
    .where('participant_id', 'is not', null)
    .where('participant_id', '!=', participantId)
    .executeTakeFirst();
  return foreign !== undefined;
}

/**
 * What a save needs besides the check-in, read with it: its answers at `row.revision`. (The visit's
 * clinicians are read after commit, by the push, so a care team changed meanwhile is told.)
 */
export interface AnswerSaveFacts {
  answers: Record<string, AnswerValue>;
}

/** A check-in with its visit's status, the given participant's row and its answers, in one query (the answer-save hot path). */
export async function findCheckinForAnswering(
  db: Kysely<DB>,
  id: string,
  participantId: string,
): Promise<{ row: CheckinRow; answering: AnsweringFacts; facts: AnswerSaveFacts } | undefined> {
  const r = await db
    .selectFrom('checkins')
    .innerJoin('visits', 'visits.id', 'checkins.visit_id')
    .leftJoin('participants', (j) => j.on('participants.id', '=', participantId))
    .selectAll('checkins')
    .select(['visits.status as visit_status', 'participants.visit_id as participant_visit_id', 'participants.state as participant_state'])
    .select((eb) => [
      // Another device of the visit is in the call.
      eb
        .exists(
          eb
            .selectFrom('participants as other')
            .select('other.id')
            .whereRef('other.visit_id', '=', 'checkins.visit_id')
            .where('other.kind', '=', 'patient')
            .where('other.id', '!=', participantId)
            .where('other.state', '=', 'admitted'),
        )
        .as('other_admitted'),
      jsonRowsFrom(
        db,
        eb.selectFrom('checkin_answers').select(['checkin_answers.link_id', 'checkin_answers.value', 'checkin_answers.participant_id']).whereRef('checkin_answers.checkin_id', '=', 'checkins.id'),
      ).as('answers'),
    ])
    .where('checkins.id', '=', id)
    .executeTakeFirst();
  if (!r) return undefined;
  const { visit_status, participant_visit_id, participant_state, other_admitted, answers: answerRows, ...row } = r;
  const given = jsonRows(answerRows);
  // Another device holds the check-in: it is in the call (this one is not), or it gave answers here.
  const foreignAnswers = given.some((a) => a.participant_id !== null && a.participant_id !== participantId);
  const elsewhere = (Boolean(Number(other_admitted)) && participant_state !== 'admitted') || foreignAnswers;
  const participant =
    participant_visit_id && participant_state ? { id: participantId, visitId: participant_visit_id, state: participant_state, elsewhere } : null;
  const answers: Record<string, AnswerValue> = {};
  for (const a of given) {
    const v = parseValue(a.value);
    if (v !== undefined) answers[a.link_id] = v;
  }
  return {
    row,
    answering: { visitStatus: visit_status, participant },
    facts: { answers },
  };
}

/** A visit's check-ins, oldest first. */
export function listVisitCheckins(db: Kysely<DB>, visitId: string): Promise<CheckinRow[]> {
  return db.selectFrom('checkins').selectAll().where('visit_id', '=', visitId).orderBy('sent_at').orderBy('id').execute();
}

/** The ids of instruments this visit has a check-in of that the patient has not shared yet. */
export async function unsharedInstrumentIds(db: Kysely<DB>, visitId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('checkins')
    .select('instrument_id')
    .where('visit_id', '=', visitId)
    .where('status', '!=', 'shared')
    .execute();
  return new Set(rows.map((r) => r.instrument_id));
}

/** Whether any check-in of this instrument was sent in this visit (a patient may then read its definition). */
export async function wasInstrumentSent(db: Kysely<DB>, visitId: string, instrumentId: string): Promise<boolean> {
  const row = await db
    .selectFrom('checkins')
    .select('id')
    .where('visit_id', '=', visitId)
    .where('instrument_id', '=', instrumentId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Shared check-ins of one patient across all visits, oldest first. */
export function listSharedCheckinsOfPatient(db: Kysely<DB>, patientId: string, instrumentId?: string): Promise<CheckinRow[]> {
  let q = db.selectFrom('checkins').selectAll().where('patient_id', '=', patientId).where('status', '=', 'shared');
  if (instrumentId) q = q.where('instrument_id', '=', instrumentId);
  return q.orderBy('shared_at').orderBy('id').execute();
}

function parseValue(text: string): AnswerValue | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    /* a corrupt row is treated as unanswered */
  }
  return undefined;
}

/** Stored answers of several check-ins, by check-in id then linkId. */
export async function answersOf(db: Kysely<DB>, checkinIds: string[], givenBy?: string): Promise<Map<string, Record<string, AnswerValue>>> {
  const out = new Map<string, Record<string, AnswerValue>>(checkinIds.map((id) => [id, {}]));
  if (checkinIds.length === 0) return out;
  let q = db.selectFrom('checkin_answers').selectAll().where('checkin_id', 'in', checkinIds);
  // A patient device reads only the answers it gave (or that moved to it when it was admitted).
  if (givenBy !== undefined) q = q.where('participant_id', '=', givenBy);
  const rows = await q.execute();
  for (const r of rows) {
    const v = parseValue(r.value);
    const answers = out.get(r.checkin_id);
    if (v !== undefined && answers) answers[r.link_id] = v;
  }
  return out;
}

/** Saves (or replaces) one answer, given by the patient device `participantId`. */
export async function upsertAnswer(db: Kysely<DB>, checkinId: string, linkId: string, value: AnswerValue, now: string, participantId: string | null = null): Promise<void> {
  const text = JSON.stringify(value);
  await db
    .insertInto('checkin_answers')
    .values({ checkin_id: checkinId, link_id: linkId, value: text, answered_at: now, participant_id: participantId })
    .onConflict((oc) => oc.columns(['checkin_id', 'link_id']).doUpdateSet({ value: text, answered_at: now, participant_id: participantId }))
    .execute();
}

/**
 * PostgreSQL: an answer save as the first CTEs of one statement (Auditor.changeInOneStatement
 * appends its audit entry). `claim` marks the check-in in progress and counts the change only
 * while it is unshared and still at `atRevision` (its answers are those the save was checked
 * against); `changed` upserts the answer for that claim. Neither writes anything otherwise. The
 * check-in's row is locked first and the answer's second, as in the transactional save.
 */
export function claimAndSaveAnswer(
  checkinId: string,
  atRevision: number,
  linkId: string,
  value: AnswerValue,
  now: string,
  participantId: string | null,
): RawBuilder<unknown> {
  return sql`claim as (
      update checkins set status = 'in_progress', updated_at = ${now}, revision = revision + 1
      where id = ${checkinId} and status <> 'shared' and revision = ${atRevision}
      returning id
    ),
    changed as (
      insert into checkin_answers (checkin_id, link_id, value, answered_at, participant_id)
      select id, ${linkId}::text, ${JSON.stringify(value)}::text, ${now}::text, ${participantId}::text from claim
      on conflict (checkin_id, link_id) do update
        set value = excluded.value, answered_at = excluded.answered_at, participant_id = excluded.participant_id
      returning checkin_id
    )`;
}

export async function deleteAnswer(db: Kysely<DB>, checkinId: string, linkId: string): Promise<void> {
  await db.deleteFrom('checkin_answers').where('checkin_id', '=', checkinId).where('link_id', '=', linkId).execute();
}

/**
 * Marks an unshared check-in as being worked on and counts a change to its answers. Run first
 * inside the answer's transaction: on PostgreSQL the row lock it takes makes a concurrent share
 * wait (or this update match nothing). With `atRevision`, it matches only while the answers are
 * still those read at that revision. Returns false when nothing matched: the check-in was shared
 * meanwhile, or (with `atRevision`) its answers changed.
 */
export async function touchUnshared(
  db: Kysely<DB>,
  id: string,
  status: Exclude<CheckinStatus, 'shared'>,
  now: string,
  atRevision?: number,
): Promise<boolean> {
  let q = db
    .updateTable('checkins')
    .set((eb) => ({ status, updated_at: now, revision: eb('revision', '+', 1) }))
    .where('id', '=', id)
    .where('status', '!=', 'shared');
  if (atRevision !== undefined) q = q.where('revision', '=', atRevision);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Claims the share: true for the one caller that moved the check-in to shared. */
export async function markShared(db: Kysely<DB>, id: string, now: string): Promise<boolean> {
  const r = await db
    .updateTable('checkins')
    .set({ status: 'shared', shared_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '!=', 'shared')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function storeResult(db: Kysely<DB>, id: string, resultJson: string): Promise<void> {
  await db.updateTable('checkins').set({ result: resultJson }).where('id', '=', id).execute();
}

/** Records an alert unless this check-in already has one with this code; true when it is new. */
export async function insertAlertIfNew(
  db: Kysely<DB>,
  alert: Omit<SafetyAlertTable, 'acknowledged_by' | 'acknowledged_at' | 'pushed_at'>,
): Promise<boolean> {
  const r = await db
    .insertInto('safety_alerts')
    .values({ ...alert, acknowledged_by: null, acknowledged_at: null, pushed_at: null })
    .onConflict((oc) => oc.columns(['checkin_id', 'code']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Alerts of several check-ins, oldest first, with the acknowledging clinician's name. */
export function alertsOf(db: Kysely<DB>, checkinIds: string[]): Promise<SafetyAlertRow[]> {
  if (checkinIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('safety_alerts')
    .leftJoin('staff', 'staff.id', 'safety_alerts.acknowledged_by')
    .selectAll('safety_alerts')
    .select('staff.name as acknowledged_by_name')
    .where('safety_alerts.checkin_id', 'in', checkinIds)
    .orderBy('safety_alerts.raised_at')
    .orderBy('safety_alerts.code')
    .execute();
}

/** Records who acknowledged an alert and when; false when it was already acknowledged. */
export async function acknowledgeAlert(db: Kysely<DB>, checkinId: string, code: string, staffId: string, now: string): Promise<boolean> {
  const r = await db
    .updateTable('safety_alerts')
    .set({ acknowledged_by: staffId, acknowledged_at: now })
    .where('checkin_id', '=', checkinId)
    .where('code', '=', code)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Records that an alert's live push went out; false when another push already recorded it. */
export async function markAlertPushed(db: Kysely<DB>, id: string, at: string): Promise<boolean> {
  const r = await db.updateTable('safety_alerts').set({ pushed_at: at }).where('id', '=', id).where('pushed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Gives back a claim made at `at` whose push then failed, so a later sweep tries again. */
export async function unmarkAlertPushed(db: Kysely<DB>, id: string, at: string): Promise<void> {
  await db.updateTable('safety_alerts').set({ pushed_at: null }).where('id', '=', id).where('pushed_at', '=', at).execute();
}

/** Alerts raised at `before` or earlier whose live push is still owed, oldest first. */
export function listUnpushedAlerts(db: Kysely<DB>, before: string, limit = 100): Promise<Pick<SafetyAlertTable, 'id' | 'checkin_id' | 'visit_id' | 'code'>[]> {
  return db
    .selectFrom('safety_alerts')
    .select(['id', 'checkin_id', 'visit_id', 'code'])
    .where('pushed_at', 'is', null)
    .where('raised_at', '<=', before)
    .orderBy('raised_at')
    .limit(limit)
    .execute();
}
