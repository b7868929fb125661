import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { CARE_TEAM_ROLE_LABELS, type CareTeamRole } from '@shared/api/care-team.schema';
import { LOINC_SYSTEM, toQuestionnaireResponse, type QuestionnaireResponse } from '@shared/instruments/fhir';
import { localize } from '@shared/instruments/definition.schema';
import { scoreCheckin } from '@shared/instruments/scoring';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import { listCareTeam, type CareTeamRow } from '../care-team/care-team.store';
import { loadCarePlan, type CarePlanRows } from '../care-plan/care-plan.store';
import { sortEvents } from '../care-plan/care-plan.presenter';
import type { InstrumentRegistry } from '../checkins/instrument-registry';
import { answersOf, listSharedCheckinsOfPatient, type CheckinRow } from '../checkins/checkins.store';
import type { DB } from '../db/schema';
import { notFound } from '../http-error';
import { canReadPatientHistory } from './patient.policy';
import { findPatientById, type PatientRow } from './patients.store';

/*
 * The patient's record as one FHIR R4 Bundle of type "collection": Patient, every shared
 * QuestionnaireResponse, an Observation per instrument total (LOINC-coded where the instrument
 * has a code), the CarePlan with its Goals and problems (Conditions, as CarePlan.addresses) and
 * referrals (CarePlan.activity.detail), a MedicationStatement per medication, and the CareTeam.
 * References are relative (`Patient/<id>`) and every entry's fullUrl is `<PUBLIC_URL>/fhir/<type>/<id>`,
 * so each reference resolves to an entry of the bundle (FHIR's rule for relative references in a
 * bundle). That base only names the resources: Alcove serves no FHIR REST API there.
 */

type Resource = { resourceType: string; id: string } & Record<string, unknown>;

export interface FhirBundle {
  resourceType: 'Bundle';
  id: string;
  type: 'collection';
  timestamp: string;
  entry: { fullUrl: string; resource: Resource }[];
}

export interface PatientFhirDeps {
  db: Kysely<DB>;
  /** PUBLIC_URL: the base of the entries' fullUrls. */
  publicUrl: string;
  auditor: Auditor;
  instruments: InstrumentRegistry;
  careRelationshipDays: number;
}

/** A stable UUID for a resource Alcove has no row of its own for (the CarePlan, the CareTeam, an Observation). */
export function derivedId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const GOAL_ACHIEVEMENT = 'http://terminology.hl7.org/CodeSystem/goal-achievement';

function patientResource(p: PatientRow): Resource {
  return {
    resourceType: 'Patient',
    id: p.id,
    ...(p.external_id ? { identifier: [{ value: p.external_id }] } : {}),
    name: [{ use: 'official', text: p.display_name }, ...(p.preferred_name ? [{ use: 'usual', text: p.preferred_name }] : [])],
    ...(p.date_of_birth ? { birthDate: p.date_of_birth } : {}),
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: p.preferred_language }] }, preferred: true }],
  };
}

function observationFor(row: CheckinRow, qr: QuestionnaireResponse, total: number, code: string | undefined, text: string, patientId: string): Resource {
  return {
    resourceType: 'Observation',
    id: derivedId('observation', row.id),
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'survey', display: 'Survey' }] }],
    code: { ...(code ? { coding: [{ system: LOINC_SYSTEM, code, display: text }] } : {}), text },
    subject: ref('Patient', patientId),
    ...(qr.authored ? { effectiveDateTime: qr.authored } : {}),
    valueInteger: total,
    derivedFrom: [ref('QuestionnaireResponse', row.id)],
  };
}

const GOAL_STATUS = {
  active: { lifecycleStatus: 'active', achievement: 'in-progress', display: 'In Progress' },
  met: { lifecycleStatus: 'completed', achievement: 'achieved', display: 'Achieved' },
  dropped: { lifecycleStatus: 'cancelled', achievement: undefined, display: undefined },
} as const;

/** Referral status → CarePlan activity status (http://hl7.org/fhir/care-plan-activity-status). */
const REFERRAL_ACTIVITY_STATUS = {
  proposed: 'not-started',
  sent: 'scheduled',
  accepted: 'in-progress',
  completed: 'completed',
  declined: 'cancelled',
} as const;

function ownerNote(name: string | null) {
  return name ? { note: [{ text: `Owner: ${name}` }] } : {};
}

function carePlanResources(plan: CarePlanRows, patientId: string, careTeamId: string | undefined): Resource[] {
  const goals: Resource[] = plan.goals.map((g) => {
    const s = GOAL_STATUS[g.status];
    return {
      resourceType: 'Goal',
      id: g.id,
      lifecycleStatus: s.lifecycleStatus,
      ...(s.achievement ? { achievementStatus: { coding: [{ system: GOAL_ACHIEVEMENT, code: s.achievement, display: s.display }] } } : {}),
      // The patient's own words.
      description: { text: g.text },
      subject: ref('Patient', patientId),
      expressedBy: ref('Patient', patientId),
      ...ownerNote(g.owner_name),
    };
  });
  const conditions: Resource[] = plan.problems.map((p) => ({
    resourceType: 'Condition',
    id: p.id,
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: p.status }] },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
    code: { text: p.text },
    subject: ref('Patient', patientId),
    recordedDate: p.created_at,
    ...ownerNote(p.owner_name),
  }));
  const carePlan: Resource = {
    resourceType: 'CarePlan',
    id: derivedId('careplan', patientId),
    status: 'active',
    intent: 'plan',
    title: 'Shared care plan',
    subject: ref('Patient', patientId),
    ...(careTeamId ? { careTeam: [ref('CareTeam', careTeamId)] } : {}),
    ...(conditions.length ? { addresses: conditions.map((c) => ref('Condition', c.id)) } : {}),
    ...(goals.length ? { goal: goals.map((g) => ref('Goal', g.id)) } : {}),
    ...(plan.referrals.length
      ? {
          activity: plan.referrals.map((r) => ({
            detail: {
              kind: 'ServiceRequest',
              code: { text: 'Referral' },
              status: REFERRAL_ACTIVITY_STATUS[r.status],
              scheduledPeriod: { start: r.referred_on },
              description: `Referral to ${r.referred_to}: ${r.reason} (${r.status}, ${r.referred_on}; updated ${r.updated_on})`,
            },
          })),
        }
      : {}),
  };
  return [carePlan, ...goals, ...conditions];
}

function medicationStatements(plan: CarePlanRows, patientId: string): Resource[] {
  return plan.medications.map((m) => {
    const events = sortEvents(plan.events.filter((e) => e.medication_id === m.id));
    const notes = [
      ...(Number(m.watch_sexual_side_effects) === 1 ? [{ text: 'Watch sexual side effects' }] : []),
      ...(m.prescriber ? [{ text: `Prescriber: ${m.prescriber}` }] : []),
      ...(events.length > 1
        ? [{ text: events.map((e) => `${e.occurred_on} ${e.kind.replace('_', ' ')}${e.dose ? ` ${e.dose}` : ''}`).join('; ') }]
        : []),
    ];
    return {
      resourceType: 'MedicationStatement',
      id: m.id,
      status: m.stopped_on ? 'stopped' : 'active',
      medicationCodeableConcept: { text: m.name },
      subject: ref('Patient', patientId),
      effectivePeriod: { start: m.started_on, ...(m.stopped_on ? { end: m.stopped_on } : {}) },
      dateAsserted: m.created_at,
      ...(m.dose ? { dosage: [{ text: m.dose }] } : {}),
      ...(notes.length ? { note: notes } : {}),
    };
  });
}

function careTeamResource(team: CareTeamRow[], patientId: string): Resource {
  return {
    resourceType: 'CareTeam',
    id: derivedId('careteam', patientId),
    status: 'active',
    name: 'Care team',
    subject: ref('Patient', patientId),
    ...(team.length
      ? {
          participant: team.map((m) => ({
            role: [
              { text: CARE_TEAM_ROLE_LABELS[m.role as CareTeamRole] ?? m.role },
              ...(Number(m.is_coordinator) === 1 ? [{ text: 'Care coordinator' }] : []),
            ],
            member: { display: m.name },
            period: { start: m.added_at },
          })),
        }
      : {}),
  };
}

/** The bundle of one patient for a clinician with clinical access (anyone else: 404). Audited `fhir.exported`. */
export async function exportPatientBundle(deps: PatientFhirDeps, ctx: AuditContext, staff: StaffPrincipal, patientId: string): Promise<FhirBundle> {
  if (!(await canReadPatientHistory(deps.db, staff, patientId, deps.careRelationshipDays))) throw notFound();
  const patient = await findPatientById(deps.db, patientId);
  if (!patient) throw notFound();
  const rows = await listSharedCheckinsOfPatient(deps.db, patientId);
  const answers = await answersOf(
    deps.db,
    rows.map((r) => r.id),
  );
  const plan = await loadCarePlan(deps.db, patientId);
  const team = await listCareTeam(deps.db, patientId);

  const resources: Resource[] = [patientResource(patient)];
  const observations: Resource[] = [];
  for (const row of rows) {
    const def = deps.instruments.get(row.instrument_id)?.definition;
    if (!def) continue; // a clinic instrument removed since: its answers cannot be rendered
    const given = answers.get(row.id) ?? {};
    const qr = toQuestionnaireResponse(def, given, {
      status: 'completed',
      id: row.id,
      ...(row.shared_at ? { authored: row.shared_at } : {}),
      subject: ref('Patient', patientId),
      lang: 'en',
    });
    resources.push(qr as unknown as Resource);
    const total = scoreCheckin(def, given).total;
    const totalItem = def.scoring.total;
    if (totalItem && total !== undefined) observations.push(observationFor(row, qr, total, totalItem.code, localize(totalItem.text, 'en'), patientId));
  }
  resources.push(...observations);
  const careTeam = careTeamResource(team, patientId);
  resources.push(...carePlanResources(plan, patientId, careTeam.id), ...medicationStatements(plan, patientId), careTeam);

  await deps.auditor.record(deps.db, ctx, { action: 'fhir.exported', targets: { patientId } });
  const fhirBase = `${deps.publicUrl.replace(/\/+$/, '')}/fhir`;
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    type: 'collection',
    timestamp: new Date().toISOString(),
    entry: resources.map((resource) => ({ fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`, resource })),
  };
}
