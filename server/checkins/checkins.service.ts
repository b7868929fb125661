import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  ClinicianResultSchema,
  ResultItemSchema,
  type AnswerResponse,
  type ClinicianCheckin,
  type ClinicianResult,
  type CrisisResources,
  type HistoryEntry,
  type PatientCheckin,
  type PatientResult,
  type ResultItem,
  type SafetyAlert,
  type SentCheckin,
  type SubmitResponse,
} from '@shared/api/checkins.schema';
import { localize, type AnswerValue, type Answers, type InstrumentDefinition, type Language } from '@shared/instruments/definition.schema';
import { toQuestionnaireResponse, type QuestionnaireResponse } from '@shared/instruments/fhir';
import { isItemEnabled, isSafetyPositive, scoreCheckin, validateAnswer, type CheckinResult } from '@shared/instruments/scoring';
import { recordAudit, type AuditAction, type AuditActor, type AuditTargets } from '../audit/audit.service';
import type { PatientPrincipal, StaffPrincipal } from '../auth/session';
import type { Dialect } from '../db/database';
import type { DB } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { isPatientOfClinician } from '../patients/patients.store';
import { openVisit } from '../waiting-room/waiting-room.service';
import { findParticipant, findVisit } from '../waiting-room/waiting-room.store';
import type { InstrumentRegistry } from './instrument-registry';
import type { CheckinBroadcast } from './checkins.socket';
import {
  acknowledgeAlert,
  alertsOf,
  answersOf,
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
  type CheckinRow,
  type SafetyAlertRow,
} from './checkins.store';

export interface CheckinsDeps {
  db: Kysely<DB>;
  dialect: Dialect;
  instruments: InstrumentRegistry;
  broadcast: CheckinBroadcast;
  crisisResources: CrisisResources;
}

/** Who is acting, for the audit trail (see auditFrom). */
export interface AuditContext {
  actor: AuditActor;
  requestId?: string;
  ip?: string;
}

/** What the server stores at sharing: the clinician's view of the result plus the item table. */
type StoredResult = ClinicianResult & { items: ResultItem[] };

const StoredResultSchema = ClinicianResultSchema.extend({ items: ResultItemSchema.array() });

const alreadyShared = () => new HttpError(409, 'already_shared', 'This check-in was already shared and can no longer change');

async function audit(deps: CheckinsDeps, ctx: AuditContext, action: AuditAction, targets: AuditTargets): Promise<void> {
  await recordAudit(deps.db, deps.dialect, { ...ctx, action, targets });
}

const targetsOf = (row: CheckinRow): AuditTargets => ({ checkinId: row.id, visitId: row.visit_id, patientId: row.patient_id });

function definitionOf(deps: CheckinsDeps, row: CheckinRow): InstrumentDefinition | undefined {
  return deps.instruments.get(row.instrument_id)?.definition;
}

function requireDefinition(deps: CheckinsDeps, row: CheckinRow): InstrumentDefinition {
  const def = definitionOf(deps, row);
  // A clinic file removed since the check-in was sent: the answers stay, but nothing can be scored.
  if (!def) throw new HttpError(409, 'conflict', 'This check-in’s instrument is no longer available on this server');
  return def;
}

/** Codes of the clinician flags that must interrupt the clinician: critical ones. */
function criticalClinicianFlags(def: InstrumentDefinition): Set<string> {
  return new Set(def.scoring.flags.filter((f) => f.audience === 'clinician' && f.severity === 'critical').map((f) => f.code));
}

/**
 * The critical clinician flags that this one answer already settles (PHQ-9 item 9 ≥ 1 or declined),
 * so the alert is raised when the answer is saved rather than at sharing. Each alert rule is tested
 * on its own with the shared isSafetyPositive, so only rules that also show the patient crisis
 * resources count here; every other critical flag is raised at sharing from the full score.
 */
function alertCodesForAnswer(def: InstrumentDefinition, linkId: string, value: AnswerValue): string[] {
  const critical = criticalClinicianFlags(def);
  const codes = new Set<string>();
  for (const rule of def.scoring.alerts) {
    const raises = rule.raise.filter((c) => critical.has(c));
    if (raises.length === 0) continue;
    if (isSafetyPositive({ ...def, scoring: { ...def.scoring, alerts: [rule] } }, linkId, value)) raises.forEach((c) => codes.add(c));
  }
  return [...codes];
}

function hasCrisisAnswer(def: InstrumentDefinition, answers: Answers): boolean {
  return Object.entries(answers).some(
    ([linkId, v]) => v !== undefined && isSafetyPositive(def, linkId, v) && isItemEnabled(def, linkId, answers),
  );
}

function toStoredResult(r: CheckinResult): StoredResult {
  return {
    ...(r.total !== undefined ? { total: r.total } : {}),
    ...(r.partialTotal !== undefined ? { partialTotal: r.partialTotal } : {}),
    ...(r.band
      ? {
          band: {
            label: r.band.label,
            severity: r.band.severity as NonNullable<ClinicianResult['band']>['severity'],
            min: r.band.min,
            max: r.band.max,
          },
        }
      : {}),
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

function parseStoredResult(text: string | null): StoredResult | undefined {
  if (!text) return undefined;
  try {
    const parsed = StoredResultSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The patient's own view of a result: their total and band, and only the flags meant for them. */
function toPatientResult(r: CheckinResult): PatientResult {
  return {
    ...(r.total !== undefined ? { total: r.total } : {}),
    ...(r.band
      ? {
          band: {
            label: r.band.label,
            severity: r.band.severity as NonNullable<PatientResult['band']>['severity'],
            min: r.band.min,
            max: r.band.max,
          },
        }
      : {}),
    complete: r.complete,
    flags: r.flags.filter((f) => f.audience === 'patient').map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
  };
}

function toAlertView(def: InstrumentDefinition | undefined, a: SafetyAlertRow): SafetyAlert {
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

function progressOf(def: InstrumentDefinition | undefined, answers: Answers): { answered: number; total: number } {
  if (!def) return { answered: 0, total: 0 };
  const r = scoreCheckin(def, answers);
  return { answered: r.answeredCount, total: r.itemCount };
}

/**
 * A check-in as clinicians see it. CAUTION: before sharing this carries counts only; the answers
 * are read here solely to count them and never leave this function.
 */
function toClinicianCheckin(deps: CheckinsDeps, row: CheckinRow, answers: Answers, alerts: SafetyAlertRow[]): ClinicianCheckin {
  const def = definitionOf(deps, row);
  const stored = row.status === 'shared' ? parseStoredResult(row.result) : undefined;
  const { items, ...result } = stored ?? { items: undefined };
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
    progress: stored ? { answered: stored.answeredCount, total: stored.itemCount } : progressOf(def, answers),
    alerts: alerts.filter((a) => a.checkin_id === row.id).map((a) => toAlertView(def, a)),
    ...(stored ? { result: result as ClinicianResult, items } : {}),
  };
}

function toPatientCheckin(deps: CheckinsDeps, row: CheckinRow, answers: Answers, lang: Language): PatientCheckin {
  const def = definitionOf(deps, row);
  const shared = row.status === 'shared' && def ? scoreCheckin(def, answers, { lang }) : undefined;
  const crisis = def ? (shared ? shared.crisisResources : hasCrisisAnswer(def, answers)) : false;
  return {
    id: row.id,
    visitId: row.visit_id,
    instrumentId: row.instrument_id,
    status: row.status,
    sentAt: row.sent_at,
    sharedAt: row.shared_at,
    answers: Object.fromEntries(Object.entries(answers).filter((e): e is [string, AnswerValue] => e[1] !== undefined)),
    progress: progressOf(def, answers),
    ...(crisis ? { crisisResources: deps.crisisResources } : {}),
    ...(shared ? { result: toPatientResult(shared) } : {}),
  };
}

/** The visit's patient may answer only while waiting or admitted in an open visit. */
async function requireAnswering(deps: CheckinsDeps, row: CheckinRow, patient: PatientPrincipal): Promise<void> {
  await openVisit(deps.db, row.visit_id);
  const p = await findParticipant(deps.db, patient.participantId);
  if (!p || p.visit_id !== row.visit_id) throw notFound();
  if (p.state !== 'waiting' && p.state !== 'admitted') {
    throw new HttpError(403, 'not_admitted', 'Join the visit again to answer this check-in');
  }
}

/** Sends one or more instruments to the visit's patient; 409 when one of them is already waiting to be shared. */
export async function sendCheckins(
  deps: CheckinsDeps,
  ctx: AuditContext,
  visitId: string,
  staff: StaffPrincipal,
  instrumentIds: string[],
): Promise<SentCheckin[]> {
  const visit = await openVisit(deps.db, visitId);
  const defs = instrumentIds.map((id) => {
    const loaded = deps.instruments.get(id);
    if (!loaded)
      throw new HttpError(400, 'validation_failed', 'No such instrument', [
        { field: 'instrumentId', message: `There is no instrument '${id}'` },
      ]);
    return loaded.definition;
  });
  const open = await unsharedInstrumentIds(deps.db, visitId);
  const dup = defs.find((d) => open.has(d.id));
  if (dup) throw new HttpError(409, 'conflict', `${localize(dup.title, 'en')} was already sent and is not shared yet`);

  const base = Date.now();
  const now = new Date(base).toISOString();
  const rows: CheckinRow[] = defs.map((d, i) => ({
    id: randomUUID(),
    visit_id: visitId,
    patient_id: visit.patient_id,
    instrument_id: d.id,
    instrument_version: d.version,
    status: 'sent',
    sent_by: staff.id,
    // A millisecond apart, so lists keep the order the clinician chose (lists sort by sent_at).
    sent_at: new Date(base + i).toISOString(),
    shared_at: null,
    result: null,
    updated_at: now,
  }));
  await insertCheckins(deps.db, rows);
  for (const r of rows) await audit(deps, ctx, 'checkin.sent', targetsOf(r));
  await deps.broadcast.sent(
    visitId,
    rows.map((r) => ({ id: r.id, instrumentId: r.instrument_id })),
  );
  return rows.map((r) => ({ id: r.id, instrumentId: r.instrument_id, status: 'sent' as const }));
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
  const checkins = rows.map((r) => toClinicianCheckin(deps, r, answers.get(r.id) ?? {}, alerts));
  for (const r of rows.filter((x) => x.status === 'shared')) await audit(deps, ctx, 'checkin.read', targetsOf(r));
  return { patientId: visit.patient_id, checkins };
}

/** One check-in for a clinician: progress only until the patient shares it. */
export async function getForClinician(deps: CheckinsDeps, ctx: AuditContext, row: CheckinRow): Promise<ClinicianCheckin> {
  const [answers, alerts] = await Promise.all([answersOf(deps.db, [row.id]), alertsOf(deps.db, [row.id])]);
  if (row.status === 'shared') await audit(deps, ctx, 'checkin.read', targetsOf(row));
  return toClinicianCheckin(deps, row, answers.get(row.id) ?? {}, alerts);
}

/** The patient's own check-ins in this visit, with their own answers. */
export async function listForPatient(deps: CheckinsDeps, visitId: string, lang: Language): Promise<PatientCheckin[]> {
  const rows = await listVisitCheckins(deps.db, visitId);
  const answers = await answersOf(
    deps.db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toPatientCheckin(deps, r, answers.get(r.id) ?? {}, lang));
}

export async function getForPatient(deps: CheckinsDeps, row: CheckinRow, lang: Language): Promise<PatientCheckin> {
  const answers = await answersOf(deps.db, [row.id]);
  return toPatientCheckin(deps, row, answers.get(row.id) ?? {}, lang);
}

/**
 * Saves one answer the moment it is given. A safety-positive answer raises the clinicians' alert
 * here and now (not at sharing) and tells the patient's screen to show crisis resources. An empty
 * text clears a text answer. The clinicians are told the new count, never the answer.
 */
export async function saveAnswer(
  deps: CheckinsDeps,
  ctx: AuditContext,
  row: CheckinRow,
  patient: PatientPrincipal,
  linkId: string,
  value: AnswerValue,
): Promise<AnswerResponse> {
  if (row.status === 'shared') throw alreadyShared();
  const def = requireDefinition(deps, row);
  await requireAnswering(deps, row, patient);
  const now = new Date().toISOString();

  const { answers, stored, newAlerts } = await deps.db.transaction().execute(async (trx) => {
    if (!(await touchUnshared(trx, row.id, 'in_progress', now))) throw alreadyShared();
    const current = (await answersOf(trx, [row.id])).get(row.id) ?? {};
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
      await upsertAnswer(trx, row.id, linkId, check.value, now);
      next[linkId] = check.value;
    }
    const raised: string[] = [];
    for (const code of check.value === '' ? [] : alertCodesForAnswer(def, linkId, check.value)) {
      if (await insertAlertIfNew(trx, { id: randomUUID(), checkin_id: row.id, visit_id: row.visit_id, code, raised_at: now }))
        raised.push(code);
    }
    return { answers: next, stored: check.value, newAlerts: raised };
  });

  for (const code of newAlerts) {
    await audit(deps, ctx, 'safety.alert_raised', targetsOf(row));
    await deps.broadcast.alert(row.visit_id, row.id, code);
  }
  const progress = progressOf(def, answers);
  await deps.broadcast.progress(row.visit_id, row.id, progress.answered, progress.total);
  const crisis = stored !== '' && isSafetyPositive(def, linkId, stored);
  return { saved: true, ...(crisis ? { crisisResources: deps.crisisResources } : {}) };
}

/** Takes an answer back (e.g. every box of a multiple-choice item unticked). Clinicians get the new count. */
export async function clearAnswer(
  deps: CheckinsDeps,
  row: CheckinRow,
  patient: PatientPrincipal,
  linkId: string,
): Promise<{ saved: true }> {
  if (row.status === 'shared') throw alreadyShared();
  const def = requireDefinition(deps, row);
  await requireAnswering(deps, row, patient);
  if (!def.items.some((it) => it.linkId === linkId)) {
    throw new HttpError(400, 'validation_failed', 'This check-in has no such question', [
      { field: 'linkId', message: 'This check-in has no such question' },
    ]);
  }
  const now = new Date().toISOString();
  const answers = await deps.db.transaction().execute(async (trx) => {
    if (!(await touchUnshared(trx, row.id, 'in_progress', now))) throw alreadyShared();
    await deleteAnswer(trx, row.id, linkId);
    return (await answersOf(trx, [row.id])).get(row.id) ?? {};
  });
  const progress = progressOf(def, answers);
  await deps.broadcast.progress(row.visit_id, row.id, progress.answered, progress.total);
  return { saved: true };
}

/**
 * The patient shares: the server scores the STORED answers (nothing the client says about scores is
 * read), keeps the result, raises any critical flag not raised yet, and the check-in becomes read-only.
 */
export async function submit(
  deps: CheckinsDeps,
  ctx: AuditContext,
  row: CheckinRow,
  patient: PatientPrincipal,
  lang: Language,
): Promise<SubmitResponse> {
  if (row.status === 'shared') throw alreadyShared();
  const def = requireDefinition(deps, row);
  await requireAnswering(deps, row, patient);
  const now = new Date().toISOString();

  const { answers, newAlerts } = await deps.db.transaction().execute(async (trx) => {
    if (!(await markShared(trx, row.id, now))) throw alreadyShared();
    const stored = (await answersOf(trx, [row.id])).get(row.id) ?? {};
    const result = scoreCheckin(def, stored, { lang: 'en' });
    await storeResult(trx, row.id, JSON.stringify(toStoredResult(result)));
    const critical = criticalClinicianFlags(def);
    const raised: string[] = [];
    for (const f of result.flags.filter((x) => critical.has(x.code))) {
      if (await insertAlertIfNew(trx, { id: randomUUID(), checkin_id: row.id, visit_id: row.visit_id, code: f.code, raised_at: now }))
        raised.push(f.code);
    }
    return { answers: stored, newAlerts: raised };
  });

  await audit(deps, ctx, 'checkin.shared', targetsOf(row));
  for (const code of newAlerts) {
    await audit(deps, ctx, 'safety.alert_raised', targetsOf(row));
    await deps.broadcast.alert(row.visit_id, row.id, code);
  }
  await deps.broadcast.shared(row.visit_id, row.id);
  const mine = scoreCheckin(def, answers, { lang });
  return { result: toPatientResult(mine), ...(mine.crisisResources ? { crisisResources: deps.crisisResources } : {}) };
}

/** The shared check-in as a FHIR R4 QuestionnaireResponse; 409 before sharing. */
export async function exportFhir(deps: CheckinsDeps, ctx: AuditContext, row: CheckinRow): Promise<QuestionnaireResponse> {
  if (row.status !== 'shared') throw new HttpError(409, 'conflict', 'The patient has not shared this check-in yet');
  const def = requireDefinition(deps, row);
  const answers = (await answersOf(deps.db, [row.id])).get(row.id) ?? {};
  await audit(deps, ctx, 'fhir.exported', targetsOf(row));
  return toQuestionnaireResponse(def, answers, {
    status: 'completed',
    id: row.id,
    ...(row.shared_at ? { authored: row.shared_at } : {}),
    subject: { reference: `Patient/${row.patient_id}` },
    lang: 'en',
  });
}

/** Records that a clinician has seen and acted on a safety alert: who and when. Idempotent. */
export async function acknowledge(
  deps: CheckinsDeps,
  ctx: AuditContext,
  row: CheckinRow,
  staff: StaffPrincipal,
  code: string,
): Promise<SafetyAlert> {
  const now = new Date().toISOString();
  const changed = await acknowledgeAlert(deps.db, row.id, code, staff.id, now);
  const alert = (await alertsOf(deps.db, [row.id])).find((a) => a.code === code);
  if (!alert) throw notFound('This check-in has no such alert');
  if (changed) {
    await audit(deps, ctx, 'safety.alert_acknowledged', targetsOf(row));
    await deps.broadcast.acknowledged(row.visit_id, row.id, code);
  }
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
  if (staff.role !== 'clinician' || !(await isPatientOfClinician(deps.db, patientId, staff.id))) throw notFound();
  const rows = await listSharedCheckinsOfPatient(deps.db, patientId, instrumentId);
  const ids = rows.map((r) => r.id);
  const [answers, alerts] = await Promise.all([answersOf(deps.db, ids), alertsOf(deps.db, ids)]);
  await audit(deps, ctx, 'checkin.read', { patientId });
  return rows.map((r) => ({ ...toClinicianCheckin(deps, r, answers.get(r.id) ?? {}, alerts), visitStartsAt: r.visit_starts_at }));
}
