import {
  ClinicianResultSchema,
  ResultItemSchema,
  type ClinicianCheckin,
  type ClinicianResult,
  type CrisisResources,
  type PatientCheckin,
  type PatientResult,
  type ResultItem,
  type SafetyAlert,
} from '@shared/api/checkins.schema';
import { localize, type AnswerValue, type Answers, type InstrumentDefinition, type Language } from '@shared/instruments/definition.schema';
import { assessSafety } from '@shared/instruments/safety';
import { scoreCheckin, type CheckinResult } from '@shared/instruments/scoring';
import { parseStoredJson } from '../db/stored-json';
import type { CheckinRow, SafetyAlertRow } from './checkins.store';

/*
 * Every shape a check-in leaves the server in. Clinicians see counts until the patient shares;
 * the patient sees their own answers and only the flags meant for them.
 */

/** What the server stores at sharing: the clinician's view of the result plus the item table. */
export type StoredResult = ClinicianResult & { items: ResultItem[] };

const StoredResultSchema = ClinicianResultSchema.extend({ items: ResultItemSchema.array() });

/** The result as stored at sharing (scored in English; the clinician's language). */
export function toStoredResult(r: CheckinResult): StoredResult {
  return {
    ...(r.total !== undefined ? { total: r.total } : {}),
    ...(r.partialTotal !== undefined ? { partialTotal: r.partialTotal } : {}),
    ...(r.band ? { band: { label: r.band.label, severity: r.band.severity, min: r.band.min, max: r.band.max } } : {}),
    complete: r.complete,
    ...(r.positiveScreen !== undefined ? { positiveScreen: r.positiveScreen } : {}),
    answeredCount: r.answeredCount,
    itemCount: r.itemCount,
    declinedCount: r.declinedCount,
    flags: r.flags.map((f) => ({ code: f.code, severity: f.severity, audience: f.audience, message: f.message })),
    items: r.items.map((i) => ({
      linkId: i.linkId,
      value: i.value,
      ...(i.score !== undefined ? { score: i.score } : {}),
      declined: i.declined,
    })),
  };
}

function splitStored({ items, ...result }: StoredResult): { result: ClinicianResult; items: ResultItem[] } {
  return { result, items };
}

/** The patient's own view of a result: their total and band, and only the flags meant for them. */
export function toPatientResult(r: CheckinResult): PatientResult {
  return {
    ...(r.total !== undefined ? { total: r.total } : {}),
    ...(r.band ? { band: { label: r.band.label, severity: r.band.severity, min: r.band.min, max: r.band.max } } : {}),
    complete: r.complete,
    flags: r.flags.filter((f) => f.audience === 'patient').map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
  };
}

/** An alert as clinicians see it, worded by the instrument's flag. */
export function toAlertView(def: InstrumentDefinition | undefined, a: SafetyAlertRow): SafetyAlert {
  const flag = def?.scoring.flags.find((f) => f.code === a.code);
  return {
    code: a.code,
    severity: flag?.severity ?? 'critical',
    message: flag ? localize(flag.message, 'en') : 'Safety alert: review this check-in with the patient.',
    raisedAt: a.raised_at,
    acknowledgedAt: a.acknowledged_at,
    acknowledgedBy: a.acknowledged_by ? { id: a.acknowledged_by, name: a.acknowledged_by_name ?? '' } : null,
  };
}

/** The patient's own progress: answered and total items among those their answers switch on. */
function patientProgressOf(def: InstrumentDefinition | undefined, answers: Answers): { answered: number; total: number } {
  if (!def) return { answered: 0, total: 0 };
  const r = scoreCheckin(def, answers);
  return { answered: r.answeredCount, total: r.itemCount };
}

/**
 * Progress as clinicians see it (live, on every read, in the list and in the socket event): items done so far out of
 * EVERY item of the instrument. CAUTION: nothing here may depend on what the answers were. Which items enableWhen
 * switches on depends on the answers (a reported change opens the sexual-health follow-ups; any PHQ-9 problem opens
 * the difficulty item), so:
 * - the total never counts only the enabled items;
 * - an item with enableWhen never counts because it was answered (only a patient whose answers opened it could
 *   answer it: "10 of 10" would mean a PHQ-9 problem and "9 of 10" none, and a follow-up's save moving the count
 *   would say a change was reported);
 * - instead it counts as done once the patient is past it, whether their answers opened it or not: some item without
 *   enableWhen after it is answered, or every item without enableWhen is answered (a finished check-in shows
 *   total/total whatever the answers).
 * So the figure is a function of which always-shown items have an answer (a decline counts), and nothing else: two
 * patients who reach the same always-shown items see the same count at every save, a finished PHQ-9 10/10 with the
 * difficulty item opened and answered, opened and skipped, or never opened.
 */
export function progressOf(def: InstrumentDefinition | undefined, answers: Answers): { answered: number; total: number } {
  if (!def) return { answered: 0, total: 0 };
  const given = (linkId: string) => {
    const v = answers[linkId];
    return v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);
  };
  // From the end: `passed` says whether the patient is past the item (every always-shown item answered, or one after it).
  let passed = def.items.every((it) => it.enableWhen !== undefined || given(it.linkId));
  let done = 0;
  for (const it of [...def.items].reverse()) {
    if (it.enableWhen === undefined) {
      if (given(it.linkId)) {
        done++;
        passed = true;
      }
    } else if (passed) done++;
  }
  return { answered: done, total: def.items.length };
}

/**
 * A check-in as clinicians see it. CAUTION: before sharing this carries counts only; the answers
 * are read here solely to count them and never leave this function.
 */
export function toClinicianCheckin(def: InstrumentDefinition | undefined, row: CheckinRow, answers: Answers, alerts: SafetyAlertRow[]): ClinicianCheckin {
  const stored = row.status === 'shared' ? parseStoredJson(row.result, StoredResultSchema) : undefined;
  return {
    id: row.id,
    visitId: row.visit_id,
    instrumentId: row.instrument_id,
    instrumentVersion: row.instrument_version,
    title: def ? localize(def.title, 'en') : row.instrument_id,
    kind: def?.kind ?? 'structured',
    status: row.status,
    sentAt: row.sent_at,
    sharedAt: row.shared_at,
    progress: progressOf(def, answers),
    alerts: alerts.filter((a) => a.checkin_id === row.id).map((a) => toAlertView(def, a)),
    ...(stored ? splitStored(stored) : {}),
  };
}

/** A check-in as its patient sees it: their own answers, progress, and crisis resources when an answer calls for them. */
export function toPatientCheckin(
  def: InstrumentDefinition | undefined,
  row: CheckinRow,
  answers: Answers,
  lang: Language,
  crisisResources: CrisisResources,
): PatientCheckin {
  const shared = row.status === 'shared' && def ? scoreCheckin(def, answers, { lang }) : undefined;
  const crisis = def ? (shared ? shared.crisisResources : assessSafety(def, answers).crisis) : false;
  return {
    id: row.id,
    visitId: row.visit_id,
    instrumentId: row.instrument_id,
    status: row.status,
    sentAt: row.sent_at,
    sharedAt: row.shared_at,
    answers: Object.fromEntries(Object.entries(answers).filter((e): e is [string, AnswerValue] => e[1] !== undefined)),
    progress: patientProgressOf(def, answers),
    ...(crisis ? { crisisResources } : {}),
    ...(shared ? { result: toPatientResult(shared) } : {}),
  };
}
