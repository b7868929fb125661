import { z } from 'zod';
import { isCalendarDate } from './patients.schema';

/**
 * The shared care plan of one patient: goals (in the patient's words), problems being worked on and who owns
 * each, medications with their start, dose changes and stop, referrals, and the history of every change.
 * `GET /api/patients/:id/care-plan` answers `{ carePlan }`; every change answers the whole plan again.
 */

export const GOAL_STATUSES = ['active', 'met', 'dropped'] as const;
export const PROBLEM_STATUSES = ['active', 'resolved'] as const;
export const REFERRAL_STATUSES = ['proposed', 'sent', 'accepted', 'completed', 'declined'] as const;
export const MEDICATION_EVENT_KINDS = ['start', 'dose_change', 'stop'] as const;
export const CARE_PLAN_ENTITIES = ['goal', 'problem', 'medication', 'referral'] as const;

export type GoalStatus = (typeof GOAL_STATUSES)[number];
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export type MedicationEventKind = (typeof MEDICATION_EVENT_KINDS)[number];
export type CarePlanEntity = (typeof CARE_PLAN_ENTITIES)[number];

export const GOAL_TEXT_MAX = 500;
export const PROBLEM_TEXT_MAX = 500;
export const MEDICATION_NAME_MAX = 200;
export const DOSE_MAX = 200;
export const PRESCRIBER_MAX = 200;
export const REFERRAL_TO_MAX = 200;
export const REFERRAL_REASON_MAX = 1000;

export const EARLIEST_DAY = '1900-01-01';

/** The latest day the plan accepts: a year from today (a planned start or referral may lie ahead). */
export function latestPlanDay(now = Date.now()): string {
  return new Date(now + 366 * 86400_000).toISOString().slice(0, 10);
}

/** Today as YYYY-MM-DD (UTC), the default day of a change that names none. */
export function todayDay(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** A calendar day, YYYY-MM-DD (no 31 February), from 1900 to a year ahead. */
export const CalendarDaySchema = z
  .string({ message: 'Enter a date as YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'That date does not exist')
  .refine((s) => s >= EARLIEST_DAY, 'Enter a date from 1900 on')
  .refine((s) => s <= latestPlanDay(), 'Enter a date at most a year ahead');

const text = (max: number, what: string) =>
  z
    .string({ message: `Enter ${what}` })
    .trim()
    .min(1, `Enter ${what}`)
    .max(max, `Keep ${what} under ${max} characters`);

/** Optional free text: '' or null clears it. */
const optionalText = (max: number, what: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
    z
      .string()
      .trim()
      .max(max, `Keep ${what} under ${max} characters`)
      .nullable()
      .optional(),
  );

/** A staff id (the owner must be on the patient's care team; the server checks). null = nobody yet. */
const OwnerIdSchema = z.string({ message: 'Choose someone on the patient’s care team, or nobody (null)' }).max(64).nullable().optional();

// ---- responses ----

export const GoalSchema = z.strictObject({
  id: z.string(),
  text: z.string(),
  ownerId: z.string().nullable(),
  ownerName: z.string().nullable(),
  status: z.enum(GOAL_STATUSES),
  createdAt: z.string(),
});
export type Goal = z.infer<typeof GoalSchema>;

export const ProblemSchema = z.strictObject({
  id: z.string(),
  text: z.string(),
  ownerId: z.string().nullable(),
  ownerName: z.string().nullable(),
  status: z.enum(PROBLEM_STATUSES),
  createdAt: z.string(),
});
export type Problem = z.infer<typeof ProblemSchema>;

export const MedicationEventSchema = z.strictObject({
  kind: z.enum(MEDICATION_EVENT_KINDS),
  on: z.string(),
  dose: z.string().nullable(),
});
export type MedicationEvent = z.infer<typeof MedicationEventSchema>;

export const MedicationSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  dose: z.string().nullable(),
  startedOn: z.string(),
  stoppedOn: z.string().nullable(),
  prescriber: z.string().nullable(),
  watchSexualSideEffects: z.boolean(),
  /** Oldest first; 'start' always first. */
  events: z.array(MedicationEventSchema),
});
export type Medication = z.infer<typeof MedicationSchema>;

export const ReferralSchema = z.strictObject({
  id: z.string(),
  to: z.string(),
  reason: z.string(),
  status: z.enum(REFERRAL_STATUSES),
  referredOn: z.string(),
  updatedOn: z.string(),
});
export type Referral = z.infer<typeof ReferralSchema>;

export const CarePlanChangeSchema = z.strictObject({
  at: z.string(),
  byId: z.string(),
  byName: z.string(),
  entity: z.enum(CARE_PLAN_ENTITIES),
  entityId: z.string(),
  summary: z.string(),
});
export type CarePlanChange = z.infer<typeof CarePlanChangeSchema>;

export const CarePlanSchema = z.strictObject({
  goals: z.array(GoalSchema),
  problems: z.array(ProblemSchema),
  medications: z.array(MedicationSchema),
  referrals: z.array(ReferralSchema),
  /** Newest first. */
  history: z.array(CarePlanChangeSchema),
});
export type CarePlan = z.infer<typeof CarePlanSchema>;

export const CarePlanResponseSchema = z.strictObject({ carePlan: CarePlanSchema });
export type CarePlanResponse = z.infer<typeof CarePlanResponseSchema>;

// ---- requests ----

export const CreateGoalRequestSchema = z.strictObject({
  text: text(GOAL_TEXT_MAX, 'the goal'),
  ownerId: OwnerIdSchema,
});
export type CreateGoalRequest = z.infer<typeof CreateGoalRequestSchema>;

export const UpdateGoalRequestSchema = z
  .strictObject({
    text: text(GOAL_TEXT_MAX, 'the goal').optional(),
    ownerId: OwnerIdSchema,
    status: z.enum(GOAL_STATUSES, { message: 'Choose active, met or dropped' }).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'Change at least one thing');
export type UpdateGoalRequest = z.infer<typeof UpdateGoalRequestSchema>;

export const CreateProblemRequestSchema = z.strictObject({
  text: text(PROBLEM_TEXT_MAX, 'the problem'),
  ownerId: OwnerIdSchema,
});
export type CreateProblemRequest = z.infer<typeof CreateProblemRequestSchema>;

export const UpdateProblemRequestSchema = z
  .strictObject({
    text: text(PROBLEM_TEXT_MAX, 'the problem').optional(),
    ownerId: OwnerIdSchema,
    status: z.enum(PROBLEM_STATUSES, { message: 'Choose active or resolved' }).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'Change at least one thing');
export type UpdateProblemRequest = z.infer<typeof UpdateProblemRequestSchema>;

export const CreateMedicationRequestSchema = z.strictObject({
  name: text(MEDICATION_NAME_MAX, 'the medication'),
  dose: optionalText(DOSE_MAX, 'the dose'),
  startedOn: CalendarDaySchema,
  prescriber: optionalText(PRESCRIBER_MAX, 'the prescriber'),
  watchSexualSideEffects: z.boolean().optional(),
});
export type CreateMedicationRequest = z.infer<typeof CreateMedicationRequestSchema>;

export const UpdateMedicationRequestSchema = z
  .strictObject({
    prescriber: optionalText(PRESCRIBER_MAX, 'the prescriber'),
    watchSexualSideEffects: z.boolean().optional(),
  })
  .refine((b) => b.prescriber !== undefined || b.watchSexualSideEffects !== undefined, 'Change at least one thing');
export type UpdateMedicationRequest = z.infer<typeof UpdateMedicationRequestSchema>;

/** A new dose from a day on (not before the start, not after a stop). */
export const DoseChangeRequestSchema = z.strictObject({
  dose: text(DOSE_MAX, 'the new dose'),
  on: CalendarDaySchema,
});
export type DoseChangeRequest = z.infer<typeof DoseChangeRequestSchema>;

export const StopMedicationRequestSchema = z.strictObject({ on: CalendarDaySchema });
export type StopMedicationRequest = z.infer<typeof StopMedicationRequestSchema>;

export const CreateReferralRequestSchema = z.strictObject({
  to: text(REFERRAL_TO_MAX, 'who the referral is to'),
  reason: text(REFERRAL_REASON_MAX, 'the reason'),
  status: z.enum(REFERRAL_STATUSES, { message: 'Choose a referral status' }).optional(),
  referredOn: CalendarDaySchema,
});
export type CreateReferralRequest = z.infer<typeof CreateReferralRequestSchema>;

export const UpdateReferralRequestSchema = z
  .strictObject({
    to: text(REFERRAL_TO_MAX, 'who the referral is to').optional(),
    reason: text(REFERRAL_REASON_MAX, 'the reason').optional(),
    status: z.enum(REFERRAL_STATUSES, { message: 'Choose a referral status' }).optional(),
    /** The day of this change (default: today); not before the referral's day. */
    on: CalendarDaySchema.optional(),
  })
  .refine((b) => b.to !== undefined || b.reason !== undefined || b.status !== undefined, 'Change at least one thing');
export type UpdateReferralRequest = z.infer<typeof UpdateReferralRequestSchema>;

export const REFERRAL_STATUS_LABELS: Record<ReferralStatus, string> = {
  proposed: 'Proposed',
  sent: 'Sent',
  accepted: 'Accepted',
  completed: 'Completed',
  declined: 'Declined',
};
