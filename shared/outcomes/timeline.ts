/*
 * The trend charts' time line: medication starts, dose changes and stops from the care plan, placed
 * against the visits, and the item-level change of a structured check-in (the sexual-health
 * check-in, which has no validated total: its answers are followed per question and per visit, and
 * never turned into a score or an "improvement" label).
 *
 * A medication date is a calendar day without a time. It is read as the start of that day, so a
 * medicine started (or changed, or stopped) on the day of a visit comes before that visit on the
 * time line. Visits are compared by the calendar day they took place on, in the viewer's time zone
 * (the caller says how to get it).
 */
import type { Medication, MedicationEventKind } from '../api/care-plan.schema';
import { DECLINED } from '../instruments/definition.schema';

/** One start, dose change or stop of one medication, for a marker on the charts. */
export interface MedicationMarker {
  medicationId: string;
  name: string;
  kind: MedicationEventKind;
  /** YYYY-MM-DD. */
  on: string;
  /** The dose from this day (null for a stop, or when none was recorded). */
  dose: string | null;
  /** The dose before a dose change; null otherwise. */
  previousDose: string | null;
  watchSexualSideEffects: boolean;
  /** e.g. "Sertraline started (50 mg)", "Sertraline dose changed from 50 mg to 100 mg", "Sertraline stopped". */
  text: string;
}

type MedicationInput = Pick<Medication, 'id' | 'name' | 'watchSexualSideEffects' | 'events'>;

function markerText(name: string, kind: MedicationEventKind, dose: string | null, previousDose: string | null): string {
  if (kind === 'start') return `${name} started${dose ? ` (${dose})` : ''}`;
  if (kind === 'stop') return `${name} stopped`;
  if (previousDose && dose) return `${name} dose changed from ${previousDose} to ${dose}`;
  return `${name} dose changed${dose ? ` to ${dose}` : ''}`;
}

/** Every medication event as a marker, oldest first (same day: by medication name, then in the order they happened). */
export function medicationMarkers(medications: MedicationInput[]): MedicationMarker[] {
  const out: (MedicationMarker & { seq: number })[] = [];
  for (const m of medications) {
    let dose: string | null = null;
    m.events.forEach((e, seq) => {
      const previousDose = e.kind === 'dose_change' ? dose : null;
      out.push({
        medicationId: m.id,
        name: m.name,
        kind: e.kind,
        on: e.on,
        dose: e.dose,
        previousDose,
        watchSexualSideEffects: m.watchSexualSideEffects,
        text: markerText(m.name, e.kind, e.dose, previousDose),
        seq,
      });
      if (e.kind !== 'stop') dose = e.dose;
    });
  }
  out.sort((a, b) => (a.on === b.on ? (a.name === b.name ? a.seq - b.seq : a.name < b.name ? -1 : 1) : a.on < b.on ? -1 : 1));
  return out.map(({ seq: _seq, ...m }) => m);
}

/**
 * Per visit (oldest first), the medication changes since the previous visit: those dated after the
 * previous visit's day and up to and including this visit's day. The first visit gets every change
 * up to its day; a change after the last visit belongs to none.
 */
export function markersBeforeEachVisit<V, M extends MedicationMarker>(visits: V[], dayOf: (v: V) => string, markers: M[]): M[][] {
  let previous: string | null = null;
  return visits.map((v) => {
    const day = dayOf(v);
    const from = previous;
    previous = day;
    return markers.filter((m) => (from === null || m.on > from) && m.on <= day);
  });
}

export type TimelineColumn<V, M extends MedicationMarker = MedicationMarker> =
  { kind: 'visit'; visit: V } | { kind: 'medication'; marker: M };

/** Visits and medication changes on one time line, oldest first (a change on a visit's day before that visit). */
export function interleaveTimeline<V, M extends MedicationMarker>(
  visits: V[],
  dayOf: (v: V) => string,
  markers: M[],
): TimelineColumn<V, M>[] {
  const out: TimelineColumn<V, M>[] = [];
  const per = markersBeforeEachVisit(visits, dayOf, markers);
  visits.forEach((v, i) => {
    for (const marker of per[i] ?? []) out.push({ kind: 'medication', marker });
    out.push({ kind: 'visit', visit: v });
  });
  const last = visits.length ? dayOf(visits[visits.length - 1]!) : null;
  for (const marker of markers) if (last === null || marker.on > last) out.push({ kind: 'medication', marker });
  return out;
}

/** An answer of one check-in, as the history gives it. */
export interface ItemAnswer {
  linkId: string;
  value: string | string[] | null;
  declined: boolean;
}

/** `not-asked`: the check-in had no such item (not enabled, or no answers at all). */
export type ItemState = 'answered' | 'declined' | 'unanswered' | 'not-asked';

export interface ItemCell {
  state: ItemState;
  value: string | string[] | null;
  /** The answer differs from the previous real answer to the same question (never for a declined or missing one). */
  changed: boolean;
}

const sameAnswer = (a: string | string[], b: string | string[]) =>
  Array.isArray(a) && Array.isArray(b) ? [...a].sort().join('\u0000') === [...b].sort().join('\u0000') : a === b;

function stateOf(item: ItemAnswer | undefined): ItemState {
  if (!item) return 'not-asked';
  if (item.declined || item.value === DECLINED) return 'declined';
  if (item.value === null || (Array.isArray(item.value) && item.value.length === 0)) return 'unanswered';
  return 'answered';
}

/** One question's answers along the visits (oldest first), each marked when it changed. */
export function itemAlong(linkId: string, checkins: { items?: ItemAnswer[] | undefined }[]): ItemCell[] {
  let last: string | string[] | null = null;
  return checkins.map((c) => {
    const item = c.items?.find((i) => i.linkId === linkId);
    const state = stateOf(item);
    if (state !== 'answered' || !item || item.value === null) return { state, value: item?.value ?? null, changed: false };
    const changed = last !== null && !sameAnswer(last, item.value);
    last = item.value;
    return { state, value: item.value, changed };
  });
}

export type OptionState = 'chosen' | 'not-chosen' | Exclude<ItemState, 'answered'>;

export interface OptionCell {
  state: OptionState;
  /** Chosen now and not at the previous real answer, or the other way round. */
  changed: boolean;
}

/** One option of a multiple-choice question along the visits: chosen or not, and when that flips. */
export function optionAlong(linkId: string, code: string, checkins: { items?: ItemAnswer[] | undefined }[]): OptionCell[] {
  let last: boolean | null = null;
  return itemAlong(linkId, checkins).map((cell) => {
    if (cell.state !== 'answered') return { state: cell.state, changed: false };
    const chosen = Array.isArray(cell.value) ? cell.value.includes(code) : cell.value === code;
    const changed = last !== null && last !== chosen;
    last = chosen;
    return { state: chosen ? 'chosen' : 'not-chosen', changed };
  });
}
