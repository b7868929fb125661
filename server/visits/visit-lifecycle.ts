import type { Kysely } from 'kysely';
import type { DB, VisitStatus } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { leaveAllParticipants } from './participants.store';
import { chunks, findVisit, lockVisit, revokeVisitLinks, revokeVisitPatientSessions, transitionVisit, type VisitRow } from './visits.store';

/*
 * A visit's status and every change to it, in one place. Each change is one guarded update
 * (`… where status in (:from)`), so two people acting at once cannot both win.
 */

// A no-show visit stays open: a late patient may still arrive within the link's grace period,
// and the clinician may still see them; admission then moves it to in_progress.
export const OPEN_STATUSES = ['scheduled', 'in_progress', 'no_show'] as const satisfies readonly VisitStatus[];
/** Statuses from which the first admission or clinician token starts the visit. */
const STARTABLE = ['scheduled', 'no_show'] as const satisfies readonly VisitStatus[];
/** Statuses a visit can still be cancelled (or marked a no-show) from. */
const CANCELLABLE = ['scheduled', 'in_progress'] as const satisfies readonly VisitStatus[];
/** Statuses nothing changes any more. */
const SETTLED = ['completed', 'cancelled'] as const satisfies readonly VisitStatus[];

/** True while people can still consent, wait, be admitted and be seen. */
export function isOpen(status: VisitStatus): boolean {
  return (OPEN_STATUSES as readonly VisitStatus[]).includes(status);
}

/** True once a visit is completed or cancelled: its time, team and link no longer change. */
export function isSettled(status: VisitStatus): boolean {
  return (SETTLED as readonly VisitStatus[]).includes(status);
}

/** True when an admitted patient may get a video token (a no-show is reopened by admission first). */
export function allowsPatientVideo(status: VisitStatus): boolean {
  return (CANCELLABLE as readonly VisitStatus[]).includes(status);
}

/**
 * The visit, locked for the rest of the transaction, or 404 when it does not exist and 409 when it
 * is no longer open. Pass a transaction: the lock is what makes the caller's next steps race-free.
 */
export async function requireOpenVisit(db: Kysely<DB>, visitId: string): Promise<VisitRow> {
  const visit = await lockVisit(db, visitId, OPEN_STATUSES);
  if (visit) return visit;
  if (!(await findVisit(db, visitId))) throw notFound();
  throw new HttpError(409, 'conflict', 'This visit is no longer open');
}

/** The visit locked for the rest of the transaction, whatever its status; 404 when it does not exist. */
export async function requireVisit(db: Kysely<DB>, visitId: string): Promise<VisitRow> {
  const visit = await lockVisit(db, visitId);
  if (!visit) throw notFound();
  return visit;
}

/** Scheduled or no-show → in progress; true only for the call that made the change. */
export async function startVisit(db: Kysely<DB>, visitId: string, now: string): Promise<boolean> {
  return (await transitionVisit(db, visitId, STARTABLE, 'in_progress', { now, startedAt: now })) !== undefined;
}

/**
 * Completes an open visit and moves everyone still joining, waiting or in the call to `left`.
 * `ended` is false when it was already completed (ending twice is harmless); 409 when it was
 * cancelled, 404 when there is no such visit. Run inside a transaction.
 */
export async function endVisit(db: Kysely<DB>, visitId: string, now: string): Promise<{ visit: VisitRow; ended: boolean }> {
  const done = await transitionVisit(db, visitId, OPEN_STATUSES, 'completed', { now, startedAt: now, endedAt: now });
  if (done) {
    await leaveAllParticipants(db, visitId, now);
    return { visit: done, ended: true };
  }
  const visit = await findVisit(db, visitId);
  if (!visit) throw notFound();
  if (visit.status === 'completed') return { visit, ended: false };
  throw new HttpError(409, 'conflict', 'This visit is not open');
}

/**
 * Cancels a scheduled or in-progress visit: revokes every link and ends every patient session of
 * the visit. False when the status had already moved on. Run inside a transaction.
 */
export async function cancelVisit(db: Kysely<DB>, visitId: string, now: string): Promise<boolean> {
  if (!(await transitionVisit(db, visitId, CANCELLABLE, 'cancelled', { now, cancelledAt: now }))) return false;
  await revokeVisitLinks(db, visitId, now);
  await revokeVisitPatientSessions(db, visitId, now);
  return true;
}

/** Participant states that show someone from the patient side got as far as the waiting room. */
const REACHED_WAITING = ['waiting', 'admitted', 'denied', 'removed'] as const;

/**
 * Marks as `no_show` every scheduled or in-progress visit that has ended by `now` without anyone
 * from the patient side reaching the waiting room. Cheap enough to run before every read: only
 * visits that have started and are not yet settled are candidates. Returns the ids it marked.
 */
export async function markNoShows(db: Kysely<DB>, now: Date): Promise<string[]> {
  const candidates = await db
    .selectFrom('visits')
    .select(['id', 'starts_at', 'duration_minutes'])
    .where('status', 'in', [...CANCELLABLE])
    .where('starts_at', '<', now.toISOString())
    .execute();
  const ended = candidates.filter((v) => Date.parse(v.starts_at) + v.duration_minutes * 60_000 <= now.getTime()).map((v) => v.id);
  const marked: string[] = [];
  for (const ids of chunks(ended)) {
    // The check and the change are one statement, so a patient arriving this instant is never marked.
    const rows = await db
      .updateTable('visits')
      .set({ status: 'no_show', updated_at: now.toISOString() })
      .where('visits.id', 'in', ids)
      .where('visits.status', 'in', [...CANCELLABLE])
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('participants')
              .select('participants.id')
              .whereRef('participants.visit_id', '=', 'visits.id')
              .where('participants.kind', 'in', ['patient', 'guest'])
              .where((p) =>
                p.or([
                  p('participants.state', 'in', [...REACHED_WAITING]),
                  p('participants.waiting_since', 'is not', null),
                  p('participants.admitted_at', 'is not', null),
                ]),
              ),
          ),
        ),
      )
      .returning('visits.id')
      .execute();
    marked.push(...rows.map((r) => r.id));
  }
  return marked;
}
