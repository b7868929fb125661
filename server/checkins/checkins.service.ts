import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type {
  AnswerResponse,
  ClinicianCheckin,
  CrisisResources,
  HistoryEntry,
  PatientCheckin,
  SafetyAlert,
  SentCheckin,
  SubmitResponse,
} from '@shared/api/checkins.schema';
import { localize, type AnswerValue, type InstrumentDefinition, type Language } from '@shared/instruments/definition.schema';
import { toQuestionnaireResponse, type QuestionnaireResponse } from '@shared/instruments/fhir';
import { assessSafety } from '@shared/instruments/safety';
import { scoreCheckin, validateAnswer } from '@shared/instruments/scoring';
import type { AuditTargets } from '../audit/audit.service';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { requireOpenVisit } from '../visits/visit-lifecycle';
import { findVisit, visitStartsById, type VisitRow } from '../visits/visits.store';
import { requireAnswering, requireHistoryReader } from './checkin.policy';
import { progressOf, toAlertView, toClinicianCheckin, toPatientCheckin, toPatientResult, toStoredResult } from './checkins.presenter';
import type { AlertToPush, CheckinBroadcast } from './checkins.socket';
import type { InstrumentRegistry } from './instrument-registry';
import {
  acknowledgeAlert,
  alertsOf,
  answersOf,
  claimAndSaveAnswer,
  deleteAnswer,
  insertAlertIfNew,
  insertCheckins,
  listSharedCheckinsOfPatient,
  listVisitCheckins,
  markShared,
  storeResult,
  touchUnshared,
  unsharedInstrumentIds,
  upsertAnswer,
  type AnswerSaveFacts,
  type AnsweringFacts,
  type CheckinRow,
} from './checkins.store';

export interface CheckinsDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  instruments: InstrumentRegistry;
  broadcast: CheckinBroadcast;
  crisisResources: CrisisResources;
  /** CARE_RELATIONSHIP_DAYS: how far back a visit keeps a clinician's access to the patient's history. */
  careRelationshipDays: number;
}

const alreadyShared = () => new HttpError(409, 'already_shared', 'This check-in was already shared and can no longer change');

const targetsOf = (row: CheckinRow): AuditTargets => ({ checkinId: row.id, visitId: row.visit_id, patientId: row.patient_id });
/** An answer's entry also names the participant (device) who gave it. */
const answerTargets = (row: CheckinRow, answering: AnsweringFacts): AuditTargets => ({
  ...targetsOf(row),
  participantId: answering.participant?.id,
});

function definitionOf(deps: CheckinsDeps, row: CheckinRow): InstrumentDefinition | undefined {
  return deps.instruments.get(row.instrument_id)?.definition;
}

function requireDefinition(deps: CheckinsDeps, row: CheckinRow): InstrumentDefinition {
  const def = definitionOf(deps, row);
  // A clinic file removed since the check-in was sent: the answers stay, but nothing can be scored.
  if (!def) throw new HttpError(409, 'conflict', 'This check-in’s instrument is no longer available on this server');
  return def;
}

/**
 * Records each new alert code for a check-in, owed its push until one goes out; returns the alerts
 * that were new. Run inside the change's transaction, so the alert, its audit entry and the record
 * that it must be pushed commit together.
 */
async function raiseAlerts(trx: Kysely<DB>, row: CheckinRow, codes: string[], now: string): Promise<AlertToPush[]> {
  const raised: AlertToPush[] = [];
  for (const code of codes) {
    const id = randomUUID();
    if (await insertAlertIfNew(trx, { id, checkin_id: row.id, visit_id: row.visit_id, code, raised_at: now })) raised.push({ id, visitId: row.visit_id, checkinId: row.id, code });
  }
  return raised;
}

/** Sends one or more instruments to the visit's patient; 409 when one of them is already waiting to be shared. */
export async function sendCheckins(
  deps: CheckinsDeps,
  ctx: AuditContext,
  visitId: string,
  staff: StaffPrincipal,
  instrumentIds: string[],
): Promise<SentCheckin[]> {
  const rows = await deps.auditor.transaction(async (trx) => {
    const visit = await requireOpenVisit(trx, visitId);
    const defs = instrumentIds.map((id) => {
      const loaded = deps.instruments.get(id);
      if (!loaded)
        throw new HttpError(400, 'validation_failed', 'No such instrument', [{ field: 'instrumentId', message: `There is no instrument '${id}'` }]);
      return loaded.definition;
    });
    const open = await unsharedInstrumentIds(trx, visitId);
    const dup = defs.find((d) => open.has(d.id));
    if (dup) throw new HttpError(409, 'conflict', `${localize(dup.title, 'en')} was already sent and is not shared yet`);
    const rows = newSentRows(visit, defs.map((definition) => ({ definition, sentBy: staff.id })));
    await insertCheckins(trx, rows);
    await deps.auditor.record(trx, ctx, ...rows.map(sentEvent));
    return rows;
  });
  await announceSent(deps, visitId, rows);
  return rows.map((r) => ({ id: r.id, instrumentId: r.instrument_id, status: 'sent' as const }));
}

/**
 * The rows of check-ins about to be sent to the locked visit's patient (the one send path, used by a
 * clinician's send and by the measurement plan's automatic one). Insert them with `insertCheckins`,
 * record `sentEvent` of each last in the transaction, and `announceSent` after commit.
 */
export function newSentRows(visit: Pick<VisitRow, 'id' | 'patient_id'>, sends: { definition: InstrumentDefinition; sentBy: string }[]): CheckinRow[] {
  const base = Date.now();
  const now = new Date(base).toISOString();
  return sends.map(({ definition: d, sentBy }, i) => ({
    id: randomUUID(),
    visit_id: visit.id,
    patient_id: visit.patient_id,
    instrument_id: d.id,
    instrument_version: d.version,
    status: 'sent',
    sent_by: sentBy,
    // A millisecond apart, so lists keep the order the clinician chose (lists sort by sent_at).
    sent_at: new Date(base + i).toISOString(),
    shared_at: null,
    result: null,
    updated_at: now,
    revision: 0,
  }));
}

/** The audit entry of one sent check-in. */
export const sentEvent = (r: CheckinRow) => ({ action: 'checkin.sent' as const, targets: targetsOf(r) });

/** After commit: the patient and the visit's staff hear of the new check-ins (ids only). */
export async function announceSent(deps: Pick<CheckinsDeps, 'broadcast'>, visitId: string, rows: CheckinRow[]): Promise<void> {
  if (rows.length === 0) return;
  await deps.broadcast.sent(
    visitId,
    rows.map((r) => ({ id: r.id, instrumentId: r.instrument_id })),
  );
}

/** Every check-in of the visit for its clinicians: progress always, results once shared (that read is audited). */
export async function listForClinician(
  deps: CheckinsDeps,
  ctx: AuditContext,
  visitId: string,
): Promise<{ patientId: string; checkins: ClinicianCheckin[] }> {
  const visit = await findVisit(deps.db, visitId);
  if (!visit) throw notFound();
  const rows = await listVisitCheckins(deps.db, visitId);
  const ids = rows.map((r) => r.id);
  const [answers, alerts] = await Promise.all([answersOf(deps.db, ids), alertsOf(deps.db, ids)]);
  const checkins = rows.map((r) => toClinicianCheckin(definitionOf(deps, r), r, answers.get(r.id) ?? {}, alerts));
  const shared = rows.filter((x) => x.status === 'shared');
  if (shared.length) await deps.auditor.record(deps.db, ctx, ...shared.map((r) => ({ action: 'checkin.read' as const, targets: targetsOf(r) })));
  return { patientId: visit.patient_id, checkins };
}

/** One check-in for a clinician: progress only until the patient shares it. */
export async function getForClinician(deps: CheckinsDeps, ctx: AuditContext, row: CheckinRow): Promise<ClinicianCheckin> {
  const [answers, alerts] = await Promise.all([answersOf(deps.db, [row.id]), alertsOf(deps.db, [row.id])]);
  if (row.status === 'shared') await deps.auditor.record(deps.db, ctx, { action: 'checkin.read', targets: targetsOf(row) });
  return toClinicianCheckin(definitionOf(deps, row), row, answers.get(row.id) ?? {}, alerts);
}

/** The patient's own check-ins in this visit, with the answers this device gave. */
export async function listForPatient(deps: CheckinsDeps, visitId: string, lang: Language, participantId: string): Promise<PatientCheckin[]> {
  const rows = await listVisitCheckins(deps.db, visitId);
  const answers = await answersOf(
    deps.db,
    rows.map((r) => r.id),
    participantId,
  );
  return rows.map((r) => toPatientCheckin(definitionOf(deps, r), r, answers.get(r.id) ?? {}, lang, deps.crisisResources));
}

/** One check-in for its patient, with the answers this device gave. */
export async function getForPatient(deps: CheckinsDeps, row: CheckinRow, lang: Language, participantId: string): Promise<PatientCheckin> {
  const answers = await answersOf(deps.db, [row.id], participantId);
  return toPatientCheckin(definitionOf(deps, row), row, answers.get(row.id) ?? {}, lang, deps.crisisResources);
}

/**
 * Saves one answer the moment it is given. A safety-positive answer raises the clinicians' alert
 * here and now (not at sharing), audited in the same transaction, and tells the patient's screen
 * to show crisis resources. An empty text clears a text answer. The clinicians are told the new
 * count, never the answer.
 */
export async function saveAnswer(
  deps: CheckinsDeps,
  ctx: AuditContext,
  row: CheckinRow,
  answering: AnsweringFacts,
  linkId: string,
  value: AnswerValue,
  facts?: AnswerSaveFacts,
): Promise<AnswerResponse> {
  if (row.status === 'shared') throw alreadyShared();
  const def = requireDefinition(deps, row);
  requireAnswering(row, answering);
  const now = new Date().toISOString();
  const participantId = answering.participant?.id ?? null;
  const event = (cleared: boolean) => ({ action: cleared ? ('checkin.answer_deleted' as const) : ('checkin.answer_saved' as const), targets: answerTargets(row, answering) });

  // PostgreSQL, the common case (an answer the answers read with the check-in allow, no alert to
  // raise): claiming the revision, the answer and its audit entry are one statement. If the
  // answers moved on since that read, it writes nothing and the transaction below decides.
  if (facts && deps.auditor.changesInOneStatement) {
    const check = validateAnswer(def, linkId, value, facts.answers);
    if (check.ok && check.value !== '') {
      const answers = { ...facts.answers, [linkId]: check.value };
      const safety = assessSafety(def, answers, { only: linkId });
      if (!safety.clinicianAlerts.length) {
        const change = claimAndSaveAnswer(row.id, row.revision, linkId, check.value, now, participantId);
        if (await deps.auditor.changeInOneStatement(ctx, event(false), change)) return answerSaved(deps, row, def, facts.answers, answers, safety.crisis);
      }
    }
  }

  const { before, answers, crisis, newAlerts } = await deps.auditor.transaction(async (trx) => {
    // The answers read with the check-in still hold when its revision is unchanged; otherwise they
    // are read again, now under the check-in's lock.
    let current = facts && (await touchUnshared(trx, row.id, 'in_progress', now, row.revision)) ? facts.answers : undefined;
    if (!current) {
      if (!(await touchUnshared(trx, row.id, 'in_progress', now))) throw alreadyShared();
      current = (await answersOf(trx, [row.id])).get(row.id) ?? {};
    }
    const check = validateAnswer(def, linkId, value, current);
    if (!check.ok) {
      const field = check.reason === 'invalid_value' ? 'value' : 'linkId';
      throw new HttpError(400, 'validation_failed', check.message, [{ field, message: check.message }]);
    }
    const next: Record<string, AnswerValue> = { ...current };
    if (check.value === '') {
      await deleteAnswer(trx, row.id, linkId);
      delete next[linkId];
    } else {
      await upsertAnswer(trx, row.id, linkId, check.value, now, participantId);
      next[linkId] = check.value;
    }
    const safety = check.value === '' ? { crisis: false, clinicianAlerts: [] } : assessSafety(def, next, { only: linkId });
    const raised = await raiseAlerts(trx, row, safety.clinicianAlerts, now);
    // Last, one append for all: the chain lock is then held only for it and the commit.
    await deps.auditor.record(trx, ctx, event(check.value === ''), ...raised.map(() => ({ action: 'safety.alert_raised' as const, targets: targetsOf(row) })));
    return { before: current, answers: next, crisis: safety.crisis, newAlerts: raised };
  });

  for (const a of newAlerts) await deps.broadcast.alert(a);
  return answerSaved(deps, row, def, before, answers, crisis);
}

/**
 * Tells the visit's console the new count, only when it changed: the count follows only the
 * always-shown items (progressOf), and so must the number of pushes, or a save that moves nothing
 * (a follow-up the answers opened, an answer changed) would still show on the clinician's socket.
 */
async function pushProgress(deps: CheckinsDeps, row: CheckinRow, def: InstrumentDefinition, before: Record<string, AnswerValue>, after: Record<string, AnswerValue>) {
  const was = progressOf(def, before);
  const now = progressOf(def, after);
  if (was.answered === now.answered && was.total === now.total) return;
  await deps.broadcast.progress(row.visit_id, row.id, now.answered, now.total);
}

/** After an answer's commit: the clinicians get the new count if it moved (never the answer); the patient crisis resources when the answer calls for them. */
async function answerSaved(
  deps: CheckinsDeps,
  row: CheckinRow,
  def: InstrumentDefinition,
  before: Record<string, AnswerValue>,
  answers: Record<string, AnswerValue>,
  crisis: boolean,
): Promise<AnswerResponse> {
  await pushProgress(deps, row, def, before, answers);
  return { saved: true, ...(crisis ? { crisisResources: deps.crisisResources } : {}) };
}

/** Takes an answer back (e.g. every box of a multiple-choice item unticked). Clinicians get the new count. */
export async function clearAnswer(
  deps: CheckinsDeps,
  ctx: AuditContext,
  row: CheckinRow,
  answering: AnsweringFacts,
  linkId: string,
): Promise<{ saved: true }> {
  if (row.status === 'shared') throw alreadyShared();
  const def = requireDefinition(deps, row);
  requireAnswering(row, answering);
  if (!def.items.some((it) => it.linkId === linkId)) {
    throw new HttpError(400, 'validation_failed', 'This check-in has no such question', [{ field: 'linkId', message: 'This check-in has no such question' }]);
  }
  const now = new Date().toISOString();
  const { before, left } = await deps.auditor.transaction(async (trx) => {
    if (!(await touchUnshared(trx, row.id, 'in_progress', now))) throw alreadyShared();
    // Read under the check-in's lock, before the deletion: what the count was, and what it becomes.
    const current = (await answersOf(trx, [row.id])).get(row.id) ?? {};
    await deleteAnswer(trx, row.id, linkId);
    await deps.auditor.record(trx, ctx, { action: 'checkin.answer_deleted', targets: answerTargets(row, answering) });
    const { [linkId]: _taken, ...rest } = current;
    return { before: current, left: rest };
  });
  await pushProgress(deps, row, def, before, left);
  return { saved: true };
}

/**
 * The patient shares: the server scores the STORED answers (nothing the client says about scores is
 * read), keeps the result, raises any critical flag not raised yet, and the check-in becomes read-only.
 */
export async function submit(deps: CheckinsDeps, ctx: AuditContext, row: CheckinRow, answering: AnsweringFacts, lang: Language): Promise<SubmitResponse> {
  if (row.status === 'shared') throw alreadyShared();
  const def = requireDefinition(deps, row);
  requireAnswering(row, answering);
  const now = new Date().toISOString();

  const { answers, newAlerts } = await deps.auditor.transaction(async (trx) => {
    if (!(await markShared(trx, row.id, now))) throw alreadyShared();
    const stored = (await answersOf(trx, [row.id])).get(row.id) ?? {};
    await storeResult(trx, row.id, JSON.stringify(toStoredResult(scoreCheckin(def, stored, { lang: 'en' }))));
    const raised = await raiseAlerts(trx, row, assessSafety(def, stored, { sharing: true }).clinicianAlerts, now);
    await deps.auditor.record(
      trx,
      ctx,
      { action: 'checkin.shared', targets: targetsOf(row) },
      ...raised.map(() => ({ action: 'safety.alert_raised' as const, targets: targetsOf(row) })),
    );
    return { answers: stored, newAlerts: raised };
  });

  for (const a of newAlerts) await deps.broadcast.alert(a);
  await deps.broadcast.shared(row.visit_id, row.id);
  const mine = scoreCheckin(def, answers, { lang });
  return { result: toPatientResult(mine), ...(mine.crisisResources ? { crisisResources: deps.crisisResources } : {}) };
}

/** The shared check-in as a FHIR R4 QuestionnaireResponse; 409 before sharing. */
export async function exportFhir(deps: CheckinsDeps, ctx: AuditContext, row: CheckinRow): Promise<QuestionnaireResponse> {
  if (row.status !== 'shared') throw new HttpError(409, 'conflict', 'The patient has not shared this check-in yet');
  const def = requireDefinition(deps, row);
  const answers = (await answersOf(deps.db, [row.id])).get(row.id) ?? {};
  await deps.auditor.record(deps.db, ctx, { action: 'fhir.exported', targets: targetsOf(row) });
  return toQuestionnaireResponse(def, answers, {
    status: 'completed',
    id: row.id,
    ...(row.shared_at ? { authored: row.shared_at } : {}),
    subject: { reference: `Patient/${row.patient_id}` },
    lang: 'en',
  });
}

/** Records that a clinician has seen and acted on a safety alert: who and when. Idempotent. */
export async function acknowledge(deps: CheckinsDeps, ctx: AuditContext, row: CheckinRow, staff: StaffPrincipal, code: string): Promise<SafetyAlert> {
  const now = new Date().toISOString();
  const { changed, alert } = await deps.auditor.transaction(async (trx) => {
    const changed = await acknowledgeAlert(trx, row.id, code, staff.id, now);
    const alert = (await alertsOf(trx, [row.id])).find((a) => a.code === code);
    if (!alert) throw notFound('This check-in has no such alert');
    if (changed) await deps.auditor.record(trx, ctx, { action: 'safety.alert_acknowledged', targets: targetsOf(row) });
    return { changed, alert };
  });
  if (changed) await deps.broadcast.acknowledged(row.visit_id, row.id, code);
  return toAlertView(definitionOf(deps, row), alert);
}

/** Every shared check-in of a patient across visits, for a clinician on any of that patient's visits. */
export async function history(
  deps: CheckinsDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  instrumentId?: string,
): Promise<HistoryEntry[]> {
  await requireHistoryReader(deps.db, staff, patientId, deps.careRelationshipDays);
  const rows = await listSharedCheckinsOfPatient(deps.db, patientId, instrumentId);
  const ids = rows.map((r) => r.id);
  const [answers, alerts, starts] = await Promise.all([
    answersOf(deps.db, ids),
    alertsOf(deps.db, ids),
    visitStartsById(
      deps.db,
      rows.map((r) => r.visit_id),
    ),
  ]);
  await deps.auditor.record(deps.db, ctx, { action: 'checkin.read', targets: { patientId } });
  return rows.map((r) => ({ ...toClinicianCheckin(definitionOf(deps, r), r, answers.get(r.id) ?? {}, alerts), visitStartsAt: starts.get(r.visit_id) ?? '' }));
}
