import type { Kysely } from 'kysely';
import type { PutCareTeamRequest } from '@shared/api/care-team.schema';
import type { AuditContext, AuditEvent, Auditor } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { canReadPatientHistory } from '../patients/patient.policy';
import { findPatientById } from '../patients/patients.store';
import { activeClinicianIds } from '../visits/visits.store';
import { listCareTeam, lockPatient, replaceCareTeam, type CareTeamRow } from './care-team.store';

export interface CareTeamDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  /** CARE_RELATIONSHIP_DAYS: a recent or upcoming visit also gives a clinician clinical access. */
  careRelationshipDays: number;
}

/**
 * Schedulers and admins see and set every patient's team (it is scheduling, not clinical, data);
 * a clinician only with clinical access to the patient. Anyone else, and an unknown patient: 404.
 */
async function requireTeamAccess(deps: CareTeamDeps, staff: StaffPrincipal, patientId: string): Promise<void> {
  const patient = await findPatientById(deps.db, patientId);
  if (!patient) throw notFound();
  if (staff.role === 'scheduler' || staff.role === 'admin') return;
  if (!(await canReadPatientHistory(deps.db, staff, patientId, deps.careRelationshipDays))) throw notFound();
}

/** The patient's care team; the read is audited. */
export async function getCareTeam(deps: CareTeamDeps, ctx: AuditContext, staff: StaffPrincipal, patientId: string): Promise<CareTeamRow[]> {
  await requireTeamAccess(deps, staff, patientId);
  const team = await listCareTeam(deps.db, patientId);
  await deps.auditor.record(deps.db, ctx, { action: 'care_team.read', targets: { patientId } });
  return team;
}

/**
 * Replaces the patient's care team: only active clinicians, at most one coordinator. One audit
 * entry per clinician added, removed or changed (naming them), or one for the patient when nothing
 * changed. Returns the new team and who left it: their clinical access through the team ends with
 * the commit (every read checks the team again).
 */
export async function putCareTeam(
  deps: CareTeamDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
  input: PutCareTeamRequest,
): Promise<{ team: CareTeamRow[]; removed: string[] }> {
  await requireTeamAccess(deps, staff, patientId);
  const members = input.members.map((m) => ({ ...m, staffId: m.staffId.toLowerCase() }));
  const removed = await deps.auditor.transaction(async (trx) => {
    if (!(await lockPatient(trx, patientId))) throw notFound();
    const active = await activeClinicianIds(
      trx,
      members.map((m) => m.staffId),
    );
    if (active.size !== members.length) {
      throw new HttpError(400, 'validation_failed', 'Some fields are not valid', [{ field: 'members', message: 'Choose active clinicians only' }]);
    }
    const before = await listCareTeam(trx, patientId);
    const beforeById = new Map(before.map((b) => [b.staff_id, b]));
    const now = new Date().toISOString();
    await replaceCareTeam(
      trx,
      patientId,
      members,
      staff.id,
      now,
      new Map(before.map((b) => [b.staff_id, { addedAt: b.added_at, addedBy: b.added_by }])),
    );
    const afterIds = new Set(members.map((m) => m.staffId));
    const removed = before.filter((b) => !afterIds.has(b.staff_id)).map((b) => b.staff_id);
    const changed = members
      .filter((m) => {
        const b = beforeById.get(m.staffId);
        return !b || b.role !== m.role || Boolean(b.is_coordinator) !== m.isCoordinator;
      })
      .map((m) => m.staffId);
    const events: AuditEvent[] = [...removed, ...changed].map((staffId) => ({ action: 'care_team.updated', targets: { patientId, staffId } }));
    await deps.auditor.record(trx, ctx, ...(events.length ? events : [{ action: 'care_team.updated' as const, targets: { patientId } }]));
    return removed;
  });
  return { team: await listCareTeam(deps.db, patientId), removed };
}

/** The clinicians on the patient's care team, coordinator first: the default team for a new visit. */
export async function careTeamClinicianIds(db: Kysely<DB>, patientId: string): Promise<string[]> {
  return (await listCareTeam(db, patientId)).map((m) => m.staff_id);
}
