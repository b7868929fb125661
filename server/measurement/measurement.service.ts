import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { MeasurementPlan, PutMeasurementPlanRequest } from '@shared/api/measurement.schema';
import type { InstrumentDefinition } from '@shared/instruments/definition.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import { insertCheckins } from '../checkins/checkins.store';
import { announceSent, newSentRows, sentEvent } from '../checkins/checkins.service';
import type { CheckinBroadcast } from '../checkins/checkins.socket';
import type { InstrumentRegistry } from '../checkins/instrument-registry';
import type { DB, MeasurementPlanItemTable } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { requireOpenVisit } from '../visits/visit-lifecycle';
import { isDueAtVisit, toMeasurementPlan } from './measurement.presenter';
import { requirePlanClinician } from './measurement.policy';
import {
  insertSends,
  instrumentsAlreadyInVisit,
  lastAnsweredAt,
  listPlanItems,
  lockPatient,
  nextOpenVisitStart,
  planCheckinFacts,
  replacePlanItems,
  visitPatientHasPlan,
} from './measurement.store';

export interface MeasurementDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  instruments: InstrumentRegistry;
  broadcast: CheckinBroadcast;
  careRelationshipDays: number;
  logger: Logger;
}

/** How far back an unstarted visit still counts as the patient's "next" one (a visit running late today). */
const NEXT_VISIT_GRACE_MS = 12 * 3600_000;

async function currentPlan(deps: MeasurementDeps, patientId: string): Promise<MeasurementPlan> {
  const rows = await listPlanItems(deps.db, patientId);
  const now = Date.now();
  const [facts, next] = await Promise.all([
    planCheckinFacts(
      deps.db,
      patientId,
      rows.map((r) => r.instrument_id),
    ),
    nextOpenVisitStart(deps.db, patientId, new Date(now - NEXT_VISIT_GRACE_MS).toISOString()),
  ]);
  return toMeasurementPlan(patientId, rows, facts, deps.instruments, now, next);
}

/** The patient's plan with, per item, last sent / answered, next due and status; the read is audited. */
export async function getPlan(deps: MeasurementDeps, ctx: AuditContext, staff: StaffPrincipal, patientId: string): Promise<MeasurementPlan> {
  await requirePlanClinician(deps.db, staff, patientId, deps.careRelationshipDays);
  const plan = await currentPlan(deps, patientId);
  await deps.auditor.record(deps.db, ctx, { action: 'measurement_plan.read', targets: { patientId } });
  return plan;
}

/**
 * Replaces the patient's plan. An item whose frequency did not change keeps who set it and when;
 * a new or changed one is set by `staff`. Only instruments this server offers are accepted.
 */
export async function putPlan(
  deps: MeasurementDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  req: PutMeasurementPlanRequest,
): Promise<MeasurementPlan> {
  await requirePlanClinician(deps.db, staff, patientId, deps.careRelationshipDays);
  const unknown = req.items.flatMap((item, i) =>
    deps.instruments.get(item.instrumentId) ? [] : [{ field: `items.${i}.instrumentId`, message: `There is no instrument '${item.instrumentId}'` }],
  );
  if (unknown.length) throw new HttpError(400, 'validation_failed', 'No such instrument', unknown);

  await deps.auditor.transaction(async (trx) => {
    if (!(await lockPatient(trx, patientId))) throw notFound();
    const before = new Map((await listPlanItems(trx, patientId)).map((r) => [r.instrument_id, r]));
    const now = new Date().toISOString();
    const rows: MeasurementPlanItemTable[] = req.items.map((item, position) => {
      const everyWeeks = item.frequency === 'every_visit' ? null : item.frequency.everyWeeks;
      const old = before.get(item.instrumentId);
      const unchanged = old && old.every_weeks === everyWeeks;
      return {
        patient_id: patientId,
        instrument_id: item.instrumentId,
        every_weeks: everyWeeks,
        position,
        set_by: unchanged ? old.set_by : staff.id,
        set_at: unchanged ? old.set_at : now,
      };
    });
    await replacePlanItems(trx, patientId, rows);
    await deps.auditor.record(trx, ctx, { action: 'measurement_plan.updated', targets: { patientId } });
  });
  return currentPlan(deps, patientId);
}

/**
 * Sends the visit's patient every plan instrument due at this visit, as the plan: the audit actor is
 * the system, and each check-in is sent in the name of the clinician who set its plan item. Runs
 * with the visit row locked, and each send is recorded in `measurement_sends` (primary key: visit and
 * instrument), so however many tabs, devices, processes or retries call it, an instrument is sent at
 * most once per visit; one the visit already has (a clinician sent it) is not sent again. Returns
 * the instrument ids it sent.
 */
export async function sendDueCheckins(deps: MeasurementDeps, visitId: string, requestId?: string): Promise<string[]> {
  // Most patients have no plan: one read, and no write transaction on the waiting-room path.
  if (!(await visitPatientHasPlan(deps.db, visitId))) return [];
  const ctx: AuditContext = { actor: { kind: 'system' }, ...(requestId ? { requestId } : {}) };
  const rows = await deps.auditor.transaction(async (trx) => {
    const visit = await requireOpenVisit(trx, visitId);
    const items = await listPlanItems(trx, visit.patient_id);
    if (items.length === 0) return [];
    const present = await instrumentsAlreadyInVisit(trx, visitId);
    const candidates = items.filter((i) => !present.has(i.instrument_id));
    const answered = await lastAnsweredAt(
      trx,
      visit.patient_id,
      candidates.map((i) => i.instrument_id),
    );
    const due: { definition: InstrumentDefinition; sentBy: string }[] = [];
    for (const item of candidates) {
      // An instrument whose clinic file was removed stays in the plan but cannot be sent.
      const definition = deps.instruments.get(item.instrument_id)?.definition;
      if (definition && isDueAtVisit(item, visit.starts_at, answered.get(item.instrument_id))) due.push({ definition, sentBy: item.set_by });
    }
    if (due.length === 0) return [];
    const sent = newSentRows(visit, due);
    await insertCheckins(trx, sent);
    await insertSends(
      trx,
      sent.map((r) => ({ visit_id: visitId, instrument_id: r.instrument_id, checkin_id: r.id, sent_at: r.sent_at })),
    );
    await deps.auditor.record(trx, ctx, ...sent.map(sentEvent));
    return sent;
  });
  await announceSent(deps, visitId, rows);
  return rows.map((r) => r.instrument_id);
}

/**
 * The waiting-room hook: a failure to send is logged (ids only) and never keeps the patient out of
 * the waiting room; the next time they enter, what is still due is sent.
 */
export async function sendDueOnEntering(deps: MeasurementDeps, visitId: string, requestId?: string): Promise<void> {
  try {
    await sendDueCheckins(deps, visitId, requestId);
  } catch (err) {
    deps.logger.warn({ visitId, err: { message: (err as Error).message } }, 'measurement plan: could not send the due check-ins');
  }
}
