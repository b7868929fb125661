import { z } from 'zod';
import { AuditListResponseSchema, AuditVerifyResultSchema } from '@shared/api/audit.schema';
import { AccountResponseSchema, InvitationResponseSchema } from '@shared/api/account.schema';
import { MeResponseSchema } from '@shared/api/auth.schema';
import {
  AcknowledgeAlertResponseSchema,
  AnswerResponseSchema,
  ClinicianCheckinListSchema,
  ClinicianCheckinResponseSchema,
  HistoryResponseSchema,
  PatientCheckinListSchema,
  PatientCheckinResponseSchema,
  SendCheckinResponseSchema,
  SubmitResponseSchema,
} from '@shared/api/checkins.schema';
import { CarePlanResponseSchema } from '@shared/api/care-plan.schema';
import { HealthResponseSchema, ReadinessResponseSchema } from '@shared/api/health.schema';
import { VisitNoteListResponseSchema, VisitNoteResponseSchema } from '@shared/api/visit-notes.schema';
import { MeasurementPlanResponseSchema } from '@shared/api/measurement.schema';
import {
  LoginResponseSchema,
  SsoConfigResponseSchema,
  SsoStartResponseSchema,
  TotpConfirmResponseSchema,
  TotpEnrolmentResponseSchema,
  TotpStatusResponseSchema,
} from '@shared/api/two-factor.schema';
import { InstrumentListResponseSchema, InstrumentResponseSchema } from '@shared/api/instruments.schema';
import { JoinResponseSchema, DobLockResponseSchema } from '@shared/api/join.schema';
import { PatientListResponseSchema, PatientResponseSchema } from '@shared/api/patients.schema';
import { CareTeamResponseSchema } from '@shared/api/care-team.schema';
import { MyPatientsResponseSchema, PatientChartResponseSchema } from '@shared/api/patient-chart.schema';
import { StaffListResponseSchema, StaffResponseSchema, StaffWithInvitationResponseSchema } from '@shared/api/staff.schema';
import {
  ClinicianListResponseSchema,
  ConsentResponseSchema,
  CreateVisitResponseSchema,
  ParticipantResponseSchema,
  PatientLinkResponseSchema,
  VisitDetailResponseSchema,
  VisitListResponseSchema,
  VisitResponseSchema,
} from '@shared/api/visits.schema';
import {
  EndVisitResponseSchema,
  VideoConfigResponseSchema,
  VideoTokenResponseSchema,
  WaitingMessageResponseSchema,
  WebhookResponseSchema,
} from '@shared/api/waiting-room.schema';
import { expect } from 'vitest';
import { expectContract, type ResponseLike } from './contract';

/**
 * What every route answers on success, keyed `METHOD /path` exactly as in the README's HTTP API
 * table and the hostile route table. A JSON route names its shared response schema (one per
 * viewer where the patient gets another view); a file names its content type.
 */
export type RouteContract =
  | { json: z.ZodType }
  | { staff: z.ZodType; patient: z.ZodType }
  | { noContent: true }
  | { file: string; json?: z.ZodType };

/** FHIR R4 is an outside standard with its own schema; the contract here is only which resource comes back. */
const FhirQuestionnaireResponse = z.looseObject({ resourceType: z.literal('QuestionnaireResponse'), status: z.string() });
const FhirBundle = z.looseObject({ resourceType: z.literal('Bundle'), type: z.literal('collection'), entry: z.array(z.looseObject({ fullUrl: z.string(), resource: z.looseObject({ resourceType: z.string() }) })) });

export const RESPONSE_CONTRACTS: Record<string, RouteContract> = {
  'GET /healthz': { json: HealthResponseSchema },
  'GET /readyz': { json: ReadinessResponseSchema },
  'POST /api/auth/login': { json: LoginResponseSchema },
  'POST /api/auth/logout': { noContent: true },
  'GET /api/auth/me': { json: MeResponseSchema },
  'POST /api/auth/invitation': { json: InvitationResponseSchema },
  'POST /api/auth/invitation/accept': { json: LoginResponseSchema },
  'POST /api/auth/password': { json: AccountResponseSchema },
  'POST /api/auth/second-factor': { json: MeResponseSchema },
  'GET /api/auth/totp': { json: TotpStatusResponseSchema },
  'POST /api/auth/totp/enrol': { json: TotpEnrolmentResponseSchema },
  'POST /api/auth/totp/confirm': { json: TotpConfirmResponseSchema },
  'GET /api/auth/sso': { json: SsoConfigResponseSchema },
  'POST /api/auth/sso/start': { json: SsoStartResponseSchema },
  'POST /api/auth/sso/callback': { json: MeResponseSchema },
  'GET /api/staff': { json: StaffListResponseSchema },
  'POST /api/staff': { json: StaffWithInvitationResponseSchema },
  'PATCH /api/staff/:id': { json: StaffResponseSchema },
  'POST /api/staff/:id/reset-password': { json: StaffWithInvitationResponseSchema },
  'POST /api/staff/:id/reset-2fa': { json: StaffResponseSchema },
  'POST /api/patients': { json: PatientResponseSchema },
  'GET /api/patients': { json: PatientListResponseSchema },
  'GET /api/patients/:id': { json: PatientResponseSchema },
  'GET /api/patients/mine': { json: MyPatientsResponseSchema },
  'GET /api/patients/:id/chart': { json: PatientChartResponseSchema },
  'GET /api/patients/:id/care-team': { json: CareTeamResponseSchema },
  'PUT /api/patients/:id/care-team': { json: CareTeamResponseSchema },
  'GET /api/clinicians': { json: ClinicianListResponseSchema },
  'POST /api/visits': { json: CreateVisitResponseSchema },
  'GET /api/visits': { json: VisitListResponseSchema },
  'GET /api/visits/:id': { json: VisitDetailResponseSchema },
  'PATCH /api/visits/:id': { json: VisitResponseSchema },
  'POST /api/visits/:id/cancel': { json: VisitResponseSchema },
  'POST /api/visits/:id/patient-link': { json: PatientLinkResponseSchema },
  'GET /api/visits/:id/patient-link/lock': { json: DobLockResponseSchema },
  'POST /api/visits/:id/patient-link/unlock': { json: DobLockResponseSchema },
  'GET /api/visits/:id/calendar.ics': { file: 'text/calendar' },
  'POST /api/visits/:id/patient-invite.ics': { file: 'text/calendar' },
  'POST /api/join': { json: JoinResponseSchema },
  'POST /api/visits/:id/consent': { json: ConsentResponseSchema },
  'POST /api/visits/:id/waiting-room': { json: ParticipantResponseSchema },
  'POST /api/visits/:id/leave': { json: ParticipantResponseSchema },
  'POST /api/visits/:id/admit': { json: ParticipantResponseSchema },
  'POST /api/visits/:id/deny': { json: ParticipantResponseSchema },
  'POST /api/visits/:id/return-to-waiting': { json: ParticipantResponseSchema },
  'PUT /api/visits/:id/waiting-message': { json: WaitingMessageResponseSchema },
  'POST /api/visits/:id/video-token': { json: VideoTokenResponseSchema },
  'GET /api/video/config': { json: VideoConfigResponseSchema },
  'POST /api/visits/:id/participants/:participantId/remove': { json: ParticipantResponseSchema },
  'POST /api/visits/:id/end': { json: EndVisitResponseSchema },
  'POST /api/livekit/webhook': { json: WebhookResponseSchema },
  'GET /api/audit': { json: AuditListResponseSchema },
  'GET /api/audit.csv': { file: 'text/csv' },
  'GET /api/audit/verify': { json: AuditVerifyResultSchema },
  'GET /api/instruments': { json: InstrumentListResponseSchema },
  'GET /api/instruments/:id': { json: InstrumentResponseSchema },
  'POST /api/visits/:id/checkins': { json: SendCheckinResponseSchema },
  'GET /api/visits/:id/checkins': { staff: ClinicianCheckinListSchema, patient: PatientCheckinListSchema },
  'PUT /api/checkins/:id/answers/:linkId': { json: AnswerResponseSchema },
  'DELETE /api/checkins/:id/answers/:linkId': { json: AnswerResponseSchema },
  'POST /api/checkins/:id/submit': { json: SubmitResponseSchema },
  'GET /api/checkins/:id': { staff: ClinicianCheckinResponseSchema, patient: PatientCheckinResponseSchema },
  'GET /api/checkins/:id/fhir': { file: 'application/fhir+json', json: FhirQuestionnaireResponse },
  'POST /api/checkins/:id/alerts/:code/acknowledge': { json: AcknowledgeAlertResponseSchema },
  'GET /api/patients/:id/checkins': { json: HistoryResponseSchema },
  'GET /api/visits/:id/notes': { json: VisitNoteListResponseSchema },
  'POST /api/visits/:id/notes': { json: VisitNoteResponseSchema },
  'PATCH /api/visit-notes/:id': { json: VisitNoteResponseSchema },
  'POST /api/visit-notes/:id/amendments': { json: VisitNoteResponseSchema },
  'GET /api/patients/:id/notes': { json: VisitNoteListResponseSchema },
  'GET /api/patients/:id/measurement-plan': { json: MeasurementPlanResponseSchema },
  'PUT /api/patients/:id/measurement-plan': { json: MeasurementPlanResponseSchema },
  'GET /api/patients/:id/care-plan': { json: CarePlanResponseSchema },
  'POST /api/patients/:id/care-plan/goals': { json: CarePlanResponseSchema },
  'PATCH /api/patients/:id/care-plan/goals/:goalId': { json: CarePlanResponseSchema },
  'POST /api/patients/:id/care-plan/problems': { json: CarePlanResponseSchema },
  'PATCH /api/patients/:id/care-plan/problems/:problemId': { json: CarePlanResponseSchema },
  'POST /api/patients/:id/care-plan/medications': { json: CarePlanResponseSchema },
  'PATCH /api/patients/:id/care-plan/medications/:mid': { json: CarePlanResponseSchema },
  'POST /api/patients/:id/care-plan/medications/:mid/dose-changes': { json: CarePlanResponseSchema },
  'POST /api/patients/:id/care-plan/medications/:mid/stop': { json: CarePlanResponseSchema },
  'POST /api/patients/:id/care-plan/referrals': { json: CarePlanResponseSchema },
  'PATCH /api/patients/:id/care-plan/referrals/:referralId': { json: CarePlanResponseSchema },
  'GET /api/patients/:id/fhir': { file: 'application/fhir+json', json: FhirBundle },
};

/** Asserts that a success response of `route` (`METHOD /path`) keeps its contract, for a staff or a patient viewer. */
export function expectRouteContract(res: ResponseLike & { headers?: Record<string, string> }, route: string, viewer: 'staff' | 'patient' = 'staff'): void {
  const contract = RESPONSE_CONTRACTS[route];
  if (!contract) throw new Error(`no response contract for ${route}: add it to RESPONSE_CONTRACTS`);
  if ('noContent' in contract) {
    expect(res.status, route).toBe(204);
    return;
  }
  if ('file' in contract) {
    expect(res.status, route).toBe(200);
    expect(res.headers?.['content-type'] ?? '', route).toContain(contract.file);
    if (contract.json) expectContract({ ...res, body: JSON.parse(textOf(res)) as unknown }, contract.json);
    return;
  }
  expectContract(res, 'json' in contract ? contract.json : contract[viewer]);
}

/** The body of a non-JSON response as text (supertest leaves `text` for types it does not parse). */
function textOf(res: ResponseLike): string {
  const r = res as ResponseLike & { text?: string };
  if (typeof r.text === 'string' && r.text !== '') return r.text;
  return Buffer.isBuffer(res.body) ? res.body.toString('utf8') : JSON.stringify(res.body);
}
