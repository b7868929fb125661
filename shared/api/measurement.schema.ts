import { z } from 'zod';
import { InstrumentIdSchema } from '../instruments/definition.schema';

/** The most instruments one patient's measurement plan may hold. */
export const MAX_PLAN_ITEMS = 12;
export const MAX_EVERY_WEEKS = 52;

/**
 * How often an instrument is due: at every visit, or when the last answered one is at least
 * `everyWeeks` weeks before the visit's start (or there is none).
 */
export const PlanFrequencySchema = z.union(
  [
    z.literal('every_visit'),
    z.strictObject({
      everyWeeks: z
        .number({ error: 'Give a whole number of weeks' })
        .int('Give a whole number of weeks')
        .min(1, 'At least every week')
        .max(MAX_EVERY_WEEKS, `At most every ${MAX_EVERY_WEEKS} weeks`),
    }),
  ],
  { error: "Give 'every_visit' or { everyWeeks: 1–52 }" },
);
export type PlanFrequency = z.infer<typeof PlanFrequencySchema>;

export const PlanItemInputSchema = z.strictObject({
  instrumentId: InstrumentIdSchema,
  frequency: PlanFrequencySchema,
});
export type PlanItemInput = z.infer<typeof PlanItemInputSchema>;

/** PUT body: the whole plan, replacing the one before (an empty list clears it). */
export const PutMeasurementPlanRequestSchema = z.strictObject({
  items: z
    .array(PlanItemInputSchema)
    .max(MAX_PLAN_ITEMS, `At most ${MAX_PLAN_ITEMS} instruments`)
    .refine((items) => new Set(items.map((i) => i.instrumentId)).size === items.length, 'Each instrument can be in the plan only once'),
});
export type PutMeasurementPlanRequest = z.infer<typeof PutMeasurementPlanRequestSchema>;

/**
 * - `due`: to be sent at the patient's next (or current) visit.
 * - `overdue`: it was due at a visit that has ended, and no answer came.
 * - `not_due`: answered recently enough (every-N-weeks items only).
 */
export const PLAN_ITEM_STATUSES = ['due', 'overdue', 'not_due'] as const;
export type PlanItemStatus = (typeof PLAN_ITEM_STATUSES)[number];

export const PlanItemSchema = z.object({
  instrumentId: z.string(),
  /** The instrument's English title; the id when the instrument is no longer on this server. */
  title: z.string(),
  frequency: PlanFrequencySchema,
  setById: z.string().nullable(),
  setByName: z.string().nullable(),
  setAt: z.string(),
  /** When a check-in of this instrument was last sent to the patient (by anyone), or null. */
  lastSentAt: z.string().nullable(),
  /** When the patient last shared one (what "answered" means), or null. */
  lastAnsweredAt: z.string().nullable(),
  /**
   * Every-N-weeks: the last answer plus N weeks (null: never answered, so due now). Every visit:
   * the start of the patient's next open visit, or null when none is booked.
   */
  nextDueAt: z.string().nullable(),
  status: z.enum(PLAN_ITEM_STATUSES),
});
export type PlanItem = z.infer<typeof PlanItemSchema>;

export const MeasurementPlanSchema = z.object({
  patientId: z.string(),
  items: z.array(PlanItemSchema),
});
export type MeasurementPlan = z.infer<typeof MeasurementPlanSchema>;

export const MeasurementPlanResponseSchema = z.object({ plan: MeasurementPlanSchema });
export type MeasurementPlanResponse = z.infer<typeof MeasurementPlanResponseSchema>;

/** Every-N-weeks in words, for staff screens. */
export function describeFrequency(f: PlanFrequency): string {
  if (f === 'every_visit') return 'Every visit';
  return f.everyWeeks === 1 ? 'Every week' : `Every ${f.everyWeeks} weeks`;
}
