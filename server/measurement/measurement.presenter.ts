import type { MeasurementPlan, PlanFrequency, PlanItem, PlanItemStatus } from '@shared/api/measurement.schema';
import { localize } from '@shared/instruments/definition.schema';
import type { InstrumentRegistry } from '../checkins/instrument-registry';
import type { PlanCheckinFact, PlanItemRow } from './measurement.store';

const WEEK_MS = 7 * 86400_000;

export const frequencyOf = (row: Pick<PlanItemRow, 'every_weeks'>): PlanFrequency =>
  row.every_weeks === null ? 'every_visit' : { everyWeeks: row.every_weeks };

/**
 * Whether an item is due at a visit starting at `visitStartsAt`: every-visit items always; every-N-weeks
 * items when the last answered (shared) check-in of the instrument is at least N weeks before the
 * visit's start, or there is none.
 */
export function isDueAtVisit(row: Pick<PlanItemRow, 'every_weeks'>, visitStartsAt: string, lastAnsweredAt: string | undefined): boolean {
  if (row.every_weeks === null || !lastAnsweredAt) return true;
  return Date.parse(lastAnsweredAt) + row.every_weeks * WEEK_MS <= Date.parse(visitStartsAt);
}

/**
 * One item as the chart shows it, relative to `now`:
 * - not due: an every-N-weeks item answered less than N weeks ago;
 * - overdue: otherwise, when its latest check-in was sent at a visit that has ended and was not answered;
 * - due: otherwise (an every-visit item is due at every visit).
 */
export function toPlanItem(
  row: PlanItemRow,
  facts: PlanCheckinFact[],
  instruments: InstrumentRegistry,
  now: number,
  nextVisitStartsAt: string | undefined,
): PlanItem {
  const mine = facts.filter((f) => f.instrument_id === row.instrument_id);
  const last = mine.at(-1);
  const answered = mine.filter((f) => f.status === 'shared' && f.shared_at).map((f) => f.shared_at as string);
  const lastAnsweredAt = answered.length ? answered.reduce((a, b) => (a > b ? a : b)) : null;
  const nextDueAt =
    row.every_weeks === null
      ? (nextVisitStartsAt ?? null)
      : lastAnsweredAt
        ? new Date(Date.parse(lastAnsweredAt) + row.every_weeks * WEEK_MS).toISOString()
        : null;
  const dueNow = row.every_weeks === null || !lastAnsweredAt || Date.parse(nextDueAt as string) <= now;
  const missed =
    last !== undefined && last.status !== 'shared' && last.visit_status === 'completed' && (!lastAnsweredAt || lastAnsweredAt < last.sent_at);
  const status: PlanItemStatus = !dueNow ? 'not_due' : missed ? 'overdue' : 'due';
  const def = instruments.get(row.instrument_id)?.definition;
  return {
    instrumentId: row.instrument_id,
    title: def ? localize(def.title, 'en') : row.instrument_id,
    frequency: frequencyOf(row),
    setById: row.set_by,
    setByName: row.set_by_name,
    setAt: row.set_at,
    lastSentAt: last?.sent_at ?? null,
    lastAnsweredAt,
    nextDueAt,
    status,
  };
}

export function toMeasurementPlan(
  patientId: string,
  rows: PlanItemRow[],
  facts: PlanCheckinFact[],
  instruments: InstrumentRegistry,
  now: number,
  nextVisitStartsAt: string | undefined,
): MeasurementPlan {
  return { patientId, items: rows.map((r) => toPlanItem(r, facts, instruments, now, nextVisitStartsAt)) };
}
