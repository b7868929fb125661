import { z } from 'zod';
import { BandViewSchema, SafetyAlertSchema } from './checkins.schema';
import { CareTeamMemberSchema } from './care-team.schema';
import { PatientSchema } from './patients.schema';
import { VisitStatusSchema } from './visits.schema';

/** GET /api/patients/mine?q=: the clinician's own patients, searched by name or external id. */
export const MyPatientsQuerySchema = z.strictObject({
  q: z.string().trim().max(120, 'Use at most 120 characters').optional(),
});

/** One patient on the clinician's list, with what tells them where things stand. */
export const MyPatientSchema = z.object({
  patient: PatientSchema,
  /** Whether this clinician is on the patient's care team (else a current visit is the relationship). */
  onCareTeam: z.boolean(),
  nextVisit: z.object({ id: z.string(), startsAt: z.string() }).nullable(),
  lastCheckin: z.object({ id: z.string(), instrumentId: z.string(), title: z.string(), sharedAt: z.string() }).nullable(),
  /** Safety alerts raised on the patient's check-ins and not yet acknowledged. */
  openAlerts: z.number().int(),
});
export type MyPatient = z.infer<typeof MyPatientSchema>;

export const MyPatientsResponseSchema = z.object({ patients: z.array(MyPatientSchema) });
export type MyPatientsResponse = z.infer<typeof MyPatientsResponseSchema>;

export const ChartVisitSchema = z.object({
  id: z.string(),
  startsAt: z.string(),
  durationMinutes: z.number(),
  status: VisitStatusSchema,
  clinicians: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type ChartVisit = z.infer<typeof ChartVisitSchema>;

/** One shared check-in, summarised (its answers are on the visit page and in the trends). */
export const ChartCheckinSchema = z.object({
  id: z.string(),
  visitId: z.string(),
  instrumentId: z.string(),
  title: z.string(),
  sharedAt: z.string(),
  total: z.number().optional(),
  band: BandViewSchema.optional(),
  complete: z.boolean(),
});
export type ChartCheckin = z.infer<typeof ChartCheckinSchema>;

export const ChartAlertSchema = SafetyAlertSchema.extend({
  checkinId: z.string(),
  visitId: z.string(),
  instrumentTitle: z.string(),
});
export type ChartAlert = z.infer<typeof ChartAlertSchema>;

/** GET /api/patients/:id/chart takes no query parameters. */
export const ChartQuerySchema = z.strictObject({});

/** GET /api/patients/:id/chart: the patient's record across visits. */
export const PatientChartSchema = z.object({
  patient: PatientSchema,
  careTeam: z.array(CareTeamMemberSchema),
  /** Not yet ended or cancelled, soonest first. */
  upcomingVisits: z.array(ChartVisitSchema),
  /** Ended, cancelled or missed, newest first. */
  pastVisits: z.array(ChartVisitSchema),
  /** Every shared check-in, newest first. */
  checkins: z.array(ChartCheckinSchema),
  /** Every safety alert, newest first. */
  alerts: z.array(ChartAlertSchema),
});
export type PatientChart = z.infer<typeof PatientChartSchema>;
export const PatientChartResponseSchema = z.object({ chart: PatientChartSchema });
export type PatientChartResponse = z.infer<typeof PatientChartResponseSchema>;
