import type { Kysely } from 'kysely';
import type { ChartAlert, ChartCheckin, ChartVisit, MyPatient, PatientChart } from '@shared/api/patient-chart.schema';
import { localize } from '@shared/instruments/definition.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import { toCareTeamMember } from '../care-team/care-team.presenter';
import { listCareTeam, patientIdsOnCareTeamOf } from '../care-team/care-team.store';
import type { InstrumentRegistry } from '../checkins/instrument-registry';
import { toAlertView, toClinicianCheckin } from '../checkins/checkins.presenter';
import { alertsOf } from '../checkins/checkins.store';
import type { DB } from '../db/schema';
import { notFound } from '../http-error';
import { markNoShows } from '../visits/visit-lifecycle';
import { clinicianNamesByVisit } from '../visits/visits.store';
import { canReadPatientHistory } from './patient.policy';
import { checkinsOfPatient, lastSharedCheckinByPatient, nextVisitByPatient, openAlertCountByPatient, visitsOfPatient } from './patient-chart.store';
import { toPatientResponse } from './patients.presenter';
import { findPatientById, searchPatients } from './patients.store';

export interface PatientChartDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  instruments: InstrumentRegistry;
  /** CARE_RELATIONSHIP_DAYS: how far back a visit keeps a clinician's clinical access to the patient. */
  careRelationshipDays: number;
}

/** Most patients the clinician's list returns; a search narrows it. */
export const MY_PATIENTS_LIMIT = 200;

/** Visits still ahead (or under way) are upcoming; ended, cancelled and missed ones are past. */
const UPCOMING = new Set(['scheduled', 'in_progress']);

const titleOf = (deps: PatientChartDeps, instrumentId: string) => {
  const def = deps.instruments.get(instrumentId)?.definition;
  return def ? localize(def.title, 'en') : instrumentId;
};

/**
 * The patient's chart: details, care team, visits, every shared check-in and every safety alert.
 * Only a clinician with clinical access (canReadPatientHistory); anyone else 404. Audited.
 */
export async function chartFor(deps: PatientChartDeps, ctx: AuditContext, staff: StaffPrincipal, patientId: string): Promise<PatientChart> {
  const { db } = deps;
  const patient = await findPatientById(db, patientId);
  if (!patient || !(await canReadPatientHistory(db, staff, patientId, deps.careRelationshipDays))) throw notFound();
  await markNoShows(db, new Date());
  const [team, visits, checkins] = await Promise.all([listCareTeam(db, patientId), visitsOfPatient(db, patientId), checkinsOfPatient(db, patientId)]);
  const [teams, alerts] = await Promise.all([
    clinicianNamesByVisit(
      db,
      visits.map((v) => v.id),
    ),
    alertsOf(
      db,
      checkins.map((c) => c.id),
    ),
  ]);
  const toVisit = (v: (typeof visits)[number]): ChartVisit => ({
    id: v.id,
    startsAt: v.starts_at,
    durationMinutes: v.duration_minutes,
    status: v.status,
    clinicians: teams.get(v.id) ?? [],
  });
  const shared: ChartCheckin[] = checkins
    .filter((c) => c.status === 'shared' && c.shared_at)
    .map((c) => {
      const view = toClinicianCheckin(deps.instruments.get(c.instrument_id)?.definition, c, {}, []);
      return {
        id: c.id,
        visitId: c.visit_id,
        instrumentId: c.instrument_id,
        title: view.title,
        sharedAt: c.shared_at ?? c.sent_at,
        ...(view.result?.total !== undefined ? { total: view.result.total } : {}),
        ...(view.result?.band ? { band: view.result.band } : {}),
        complete: view.result?.complete ?? false,
      };
    })
    .reverse();
  const byCheckin = new Map(checkins.map((c) => [c.id, c]));
  const chartAlerts: ChartAlert[] = alerts
    .map((a) => {
      const c = byCheckin.get(a.checkin_id);
      const def = c ? deps.instruments.get(c.instrument_id)?.definition : undefined;
      return { ...toAlertView(def, a), checkinId: a.checkin_id, visitId: a.visit_id, instrumentTitle: c ? titleOf(deps, c.instrument_id) : '' };
    })
    .reverse();
  await deps.auditor.record(db, ctx, { action: 'patient.chart_read', targets: { patientId } });
  return {
    patient: toPatientResponse(patient),
    careTeam: team.map(toCareTeamMember),
    upcomingVisits: visits.filter((v) => UPCOMING.has(v.status)).map(toVisit),
    pastVisits: visits
      .filter((v) => !UPCOMING.has(v.status))
      .map(toVisit)
      .reverse(),
    checkins: shared,
    alerts: chartAlerts,
  };
}

/**
 * The clinician's own patients: on their care team, or with a visit that is a current care
 * relationship. Searched by name or external id. One audited list read.
 */
export async function myPatientsFor(deps: PatientChartDeps, ctx: AuditContext, staff: StaffPrincipal, q: string | undefined): Promise<MyPatient[]> {
  const { db } = deps;
  await markNoShows(db, new Date());
  const since = new Date(Date.now() - deps.careRelationshipDays * 86400_000).toISOString();
  const patients = await searchPatients(db, { q, clinicianId: staff.id, currentSince: since, order: 'name', limit: MY_PATIENTS_LIMIT });
  const ids = patients.map((p) => p.id);
  const [next, last, open, teamOf] = await Promise.all([
    nextVisitByPatient(db, ids),
    lastSharedCheckinByPatient(db, ids),
    openAlertCountByPatient(db, ids),
    patientIdsOnCareTeamOf(db, staff.id)
      .execute()
      .then((rows) => new Set(rows.map((r) => r.patient_id))),
  ]);
  await deps.auditor.record(db, ctx, { action: 'patient.read' });
  return patients.map((p) => {
    const n = next.get(p.id);
    const l = last.get(p.id);
    return {
      patient: toPatientResponse(p),
      onCareTeam: teamOf.has(p.id),
      nextVisit: n ? { id: n.id, startsAt: n.starts_at } : null,
      lastCheckin: l?.shared_at ? { id: l.id, instrumentId: l.instrument_id, title: titleOf(deps, l.instrument_id), sharedAt: l.shared_at } : null,
      openAlerts: open.get(p.id) ?? 0,
    };
  });
}
