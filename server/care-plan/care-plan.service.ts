import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  todayDay,
  type CarePlan,
  type CarePlanEntity,
  type CreateGoalRequest,
  type CreateMedicationRequest,
  type CreateProblemRequest,
  type CreateReferralRequest,
  type DoseChangeRequest,
  type StopMedicationRequest,
  type UpdateGoalRequest,
  type UpdateMedicationRequest,
  type UpdateProblemRequest,
  type UpdateReferralRequest,
} from '@shared/api/care-plan.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import { isOnCareTeam, lockPatient } from '../care-team/care-team.store';
import type { DB } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { canReadPatientHistory } from '../patients/patient.policy';
import { toCarePlan } from './care-plan.presenter';
import * as store from './care-plan.store';

export interface CarePlanDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  /** CARE_RELATIONSHIP_DAYS, for the clinical access rule. */
  careRelationshipDays: number;
}

/*
 * The shared care plan. Only a clinician with clinical access to the patient (their care team, or a
 * current visit) reads or changes it; anyone else gets 404. Every change, its history row and its
 * audit entry commit together. Plan text never goes to the log: audit entries carry ids only.
 */

/** 404 unless this staff member may read and change the patient's clinical record. */
export async function requirePlanAccess(deps: CarePlanDeps, staff: StaffPrincipal, patientId: string): Promise<void> {
  if (!(await canReadPatientHistory(deps.db, staff, patientId, deps.careRelationshipDays))) throw notFound();
}

const badField = (field: string, message: string) => new HttpError(400, 'validation_failed', message, [{ field, message }]);

/** Text cut for a history line (the full text stays on the item). */
function short(text: string, max = 60): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export async function readCarePlan(deps: CarePlanDeps, ctx: AuditContext, staff: StaffPrincipal, patientId: string): Promise<CarePlan> {
  await requirePlanAccess(deps, staff, patientId);
  const plan = toCarePlan(await store.loadCarePlan(deps.db, patientId));
  await deps.auditor.record(deps.db, ctx, { action: 'care_plan.read', targets: { patientId } });
  return plan;
}

interface Changed {
  entity: CarePlanEntity;
  entityId: string;
  summary: string;
}

/**
 * Runs one change of the plan: locks the patient (changes to one patient queue up, so the history's
 * order is the order of commits), applies it, appends the history row and, last, the audit entry.
 * Returns the whole plan as it now stands.
 */
async function change(
  deps: CarePlanDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  apply: (trx: Kysely<DB>, now: string) => Promise<Changed | null>,
): Promise<CarePlan> {
  await requirePlanAccess(deps, staff, patientId);
  await deps.auditor.transaction(async (trx) => {
    if (!(await lockPatient(trx, patientId))) throw notFound();
    const now = new Date().toISOString();
    const done = await apply(trx, now);
    if (!done) return;
    await store.appendChange(trx, {
      patient_id: patientId,
      entity: done.entity,
      entity_id: done.entityId,
      summary: done.summary,
      by_staff_id: staff.id,
      at: now,
    });
    await deps.auditor.record(trx, ctx, { action: 'care_plan.updated', targets: { patientId } });
  });
  return toCarePlan(await store.loadCarePlan(deps.db, patientId));
}

/** An owner must be on the patient's care team (null: nobody yet). */
async function checkOwner(trx: Kysely<DB>, patientId: string, ownerId: string | null | undefined): Promise<{ id: string | null; name: string | null } | undefined> {
  if (ownerId === undefined) return undefined;
  if (ownerId === null) return { id: null, name: null };
  const id = ownerId.toLowerCase();
  if (!/^[0-9a-f-]{36}$/.test(id) || !(await isOnCareTeam(trx, patientId, id))) {
    throw badField('ownerId', 'Choose someone on the patient’s care team as owner');
  }
  const staff = await trx.selectFrom('staff').select('name').where('id', '=', id).executeTakeFirst();
  return { id, name: staff?.name ?? null };
}

// ---- goals and problems ----

/**
 * What an update changes in a goal or problem (text, owner, status), with the history's wording
 * of each change; fields that are absent or unchanged are left out.
 */
function ownedItemChange<S extends string>(
  item: { text: string; owner_id: string | null; status: S },
  body: { text?: string; status?: S },
  owner: { id: string | null; name: string | null } | undefined,
): { set: { text?: string; owner_id?: string | null; status?: S }; parts: string[] } {
  const parts: string[] = [];
  const set: { text?: string; owner_id?: string | null; status?: S } = {};
  if (body.text !== undefined && body.text !== item.text) {
    set.text = body.text;
    parts.push(`text now “${short(body.text)}”`);
  }
  if (owner && owner.id !== item.owner_id) {
    set.owner_id = owner.id;
    parts.push(owner.name ? `owner ${owner.name}` : 'no owner');
  }
  if (body.status !== undefined && body.status !== item.status) {
    set.status = body.status;
    parts.push(`status ${item.status} → ${body.status}`);
  }
  return { set, parts };
}

export function addGoal(deps: CarePlanDeps, ctx: AuditContext, staff: StaffPrincipal, patientId: string, body: CreateGoalRequest): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const owner = await checkOwner(trx, patientId, body.ownerId ?? null);
    const id = randomUUID();
    await store.insertGoal(trx, {
      id,
      patient_id: patientId,
      text: body.text,
      owner_id: owner?.id ?? null,
      status: 'active',
      created_by: staff.id,
      created_at: now,
      updated_at: now,
    });
    return { entity: 'goal', entityId: id, summary: `Added goal “${short(body.text)}”${owner?.name ? `, owner ${owner.name}` : ''}` };
  });
}

export function updateGoal(
  deps: CarePlanDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  goalId: string,
  body: UpdateGoalRequest,
): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const goal = await store.findGoal(trx, patientId, goalId);
    if (!goal) throw notFound('This plan has no such goal');
    const owner = await checkOwner(trx, patientId, body.ownerId);
    const { set, parts } = ownedItemChange(goal, body, owner);
    if (!parts.length) return null;
    await store.updateGoal(trx, goal.id, { ...set, updated_at: now });
    return { entity: 'goal', entityId: goal.id, summary: `Goal “${short(goal.text, 40)}”: ${parts.join('; ')}` };
  });
}

export function addProblem(deps: CarePlanDeps, ctx: AuditContext, staff: StaffPrincipal, patientId: string, body: CreateProblemRequest): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const owner = await checkOwner(trx, patientId, body.ownerId ?? null);
    const id = randomUUID();
    await store.insertProblem(trx, {
      id,
      patient_id: patientId,
      text: body.text,
      owner_id: owner?.id ?? null,
      status: 'active',
      created_by: staff.id,
      created_at: now,
      updated_at: now,
    });
    return { entity: 'problem', entityId: id, summary: `Added problem “${short(body.text)}”${owner?.name ? `, owner ${owner.name}` : ''}` };
  });
}

export function updateProblem(
  deps: CarePlanDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  problemId: string,
  body: UpdateProblemRequest,
): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const problem = await store.findProblem(trx, patientId, problemId);
    if (!problem) throw notFound('This plan has no such problem');
    const owner = await checkOwner(trx, patientId, body.ownerId);
    const { set, parts } = ownedItemChange(problem, body, owner);
    if (!parts.length) return null;
    await store.updateProblem(trx, problem.id, { ...set, updated_at: now });
    return { entity: 'problem', entityId: problem.id, summary: `Problem “${short(problem.text, 40)}”: ${parts.join('; ')}` };
  });
}

// ---- medications ----

export function addMedication(deps: CarePlanDeps, ctx: AuditContext, staff: StaffPrincipal, patientId: string, body: CreateMedicationRequest): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const id = randomUUID();
    const dose = body.dose ?? null;
    await store.insertMedication(trx, {
      id,
      patient_id: patientId,
      name: body.name,
      dose,
      started_on: body.startedOn,
      stopped_on: null,
      prescriber: body.prescriber ?? null,
      watch_sexual_side_effects: body.watchSexualSideEffects ? 1 : 0,
      created_by: staff.id,
      created_at: now,
      updated_at: now,
    });
    await store.insertMedicationEvent(trx, { medication_id: id, kind: 'start', occurred_on: body.startedOn, dose, recorded_by: staff.id, recorded_at: now });
    const flag = body.watchSexualSideEffects ? '; watch sexual side effects' : '';
    return { entity: 'medication', entityId: id, summary: `Started ${short(body.name, 40)}${dose ? ` ${short(dose, 40)}` : ''} on ${body.startedOn}${flag}` };
  });
}

/** The medication, its events, and the latest day any of them names (a new event may not come before it). */
async function medicationForEvent(trx: Kysely<DB>, patientId: string, medicationId: string) {
  const med = await store.findMedication(trx, patientId, medicationId);
  if (!med) throw notFound('This plan has no such medication');
  if (med.stopped_on) throw new HttpError(409, 'conflict', 'This medication was stopped; add it again to restart it');
  const events = await store.eventsOf(trx, med.id);
  const latest = events.reduce((d, e) => (e.occurred_on > d ? e.occurred_on : d), med.started_on);
  return { med, latest };
}

export function changeDose(
  deps: CarePlanDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  medicationId: string,
  body: DoseChangeRequest,
): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const { med, latest } = await medicationForEvent(trx, patientId, medicationId);
    if (body.on < med.started_on) throw badField('on', `A dose change cannot be before the start (${med.started_on})`);
    if (body.on < latest) throw badField('on', `A dose change cannot be before the last recorded change (${latest})`);
    await store.insertMedicationEvent(trx, { medication_id: med.id, kind: 'dose_change', occurred_on: body.on, dose: body.dose, recorded_by: staff.id, recorded_at: now });
    await store.updateMedication(trx, med.id, { dose: body.dose, updated_at: now });
    return {
      entity: 'medication',
      entityId: med.id,
      summary: `${short(med.name, 40)}: dose ${med.dose ? short(med.dose, 30) : 'not given'} → ${short(body.dose, 30)} from ${body.on}`,
    };
  });
}

export function stopMedication(
  deps: CarePlanDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  medicationId: string,
  body: StopMedicationRequest,
): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const { med, latest } = await medicationForEvent(trx, patientId, medicationId);
    if (body.on < med.started_on) throw badField('on', `A stop cannot be before the start (${med.started_on})`);
    if (body.on < latest) throw badField('on', `A stop cannot be before the last recorded change (${latest})`);
    await store.insertMedicationEvent(trx, { medication_id: med.id, kind: 'stop', occurred_on: body.on, dose: null, recorded_by: staff.id, recorded_at: now });
    await store.updateMedication(trx, med.id, { stopped_on: body.on, updated_at: now });
    return { entity: 'medication', entityId: med.id, summary: `Stopped ${short(med.name, 40)} on ${body.on}` };
  });
}

export function updateMedication(
  deps: CarePlanDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  medicationId: string,
  body: UpdateMedicationRequest,
): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const med = await store.findMedication(trx, patientId, medicationId);
    if (!med) throw notFound('This plan has no such medication');
    const parts: string[] = [];
    const set: Partial<typeof med> = {};
    if (body.prescriber !== undefined && (body.prescriber ?? null) !== med.prescriber) {
      set.prescriber = body.prescriber ?? null;
      parts.push(body.prescriber ? `prescriber ${short(body.prescriber, 40)}` : 'prescriber cleared');
    }
    const flag = Number(med.watch_sexual_side_effects) === 1;
    if (body.watchSexualSideEffects !== undefined && body.watchSexualSideEffects !== flag) {
      set.watch_sexual_side_effects = body.watchSexualSideEffects ? 1 : 0;
      parts.push(body.watchSexualSideEffects ? 'watch sexual side effects' : 'no longer watching sexual side effects');
    }
    if (!parts.length) return null;
    await store.updateMedication(trx, med.id, { ...set, updated_at: now });
    return { entity: 'medication', entityId: med.id, summary: `${short(med.name, 40)}: ${parts.join('; ')}` };
  });
}

// ---- referrals ----

export function addReferral(deps: CarePlanDeps, ctx: AuditContext, staff: StaffPrincipal, patientId: string, body: CreateReferralRequest): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const id = randomUUID();
    const status = body.status ?? 'proposed';
    await store.insertReferral(trx, {
      id,
      patient_id: patientId,
      referred_to: body.to,
      reason: body.reason,
      status,
      referred_on: body.referredOn,
      updated_on: body.referredOn,
      created_by: staff.id,
      created_at: now,
      updated_at: now,
    });
    return { entity: 'referral', entityId: id, summary: `Referral to ${short(body.to, 40)} (${status}) on ${body.referredOn}` };
  });
}

export function updateReferral(
  deps: CarePlanDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  referralId: string,
  body: UpdateReferralRequest,
): Promise<CarePlan> {
  return change(deps, ctx, staff, patientId, async (trx, now) => {
    const ref = await store.findReferral(trx, patientId, referralId);
    if (!ref) throw notFound('This plan has no such referral');
    const today = todayDay();
    const on = body.on ?? (today < ref.referred_on ? ref.referred_on : today);
    if (on < ref.referred_on) throw badField('on', `A change cannot be before the referral’s date (${ref.referred_on})`);
    const parts: string[] = [];
    const set: Partial<typeof ref> = {};
    if (body.to !== undefined && body.to !== ref.referred_to) {
      set.referred_to = body.to;
      parts.push(`now to ${short(body.to, 40)}`);
    }
    if (body.reason !== undefined && body.reason !== ref.reason) {
      set.reason = body.reason;
      parts.push('reason changed');
    }
    if (body.status !== undefined && body.status !== ref.status) {
      set.status = body.status;
      parts.push(`status ${ref.status} → ${body.status}`);
    }
    if (!parts.length) return null;
    await store.updateReferral(trx, ref.id, { ...set, updated_on: on, updated_at: now });
    return { entity: 'referral', entityId: ref.id, summary: `Referral to ${short(ref.referred_to, 40)}: ${parts.join('; ')} (${on})` };
  });
}
