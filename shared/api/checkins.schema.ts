import { z } from 'zod';
import { BAND_SEVERITIES, FLAG_SEVERITIES, InstrumentIdSchema, LanguageSchema } from '../instruments/definition.schema';

/** The most instruments one POST may send at once. */
export const MAX_INSTRUMENTS_PER_SEND = 6;

/** `{instrumentId}` sends one check-in; `{instrumentIds:[…]}` sends several at once. */
export const SendCheckinRequestSchema = z
  .strictObject({
    instrumentId: InstrumentIdSchema.optional(),
    instrumentIds: z
      .array(InstrumentIdSchema)
      .min(1, 'Choose at least one instrument')
      .max(MAX_INSTRUMENTS_PER_SEND, `Send at most ${MAX_INSTRUMENTS_PER_SEND} at once`)
      .refine((ids) => new Set(ids).size === ids.length, 'Each instrument can be chosen only once')
      .optional(),
  })
  .refine((b) => (b.instrumentId === undefined) !== (b.instrumentIds === undefined), {
    message: 'Give either instrumentId or instrumentIds',
    path: ['instrumentId'],
  });
export type SendCheckinRequest = z.infer<typeof SendCheckinRequestSchema>;

/**
 * One answer: an option code, an array of option codes, or text. `asked-declined` is "prefer not to
 * answer". The instrument decides what is allowed; these bounds only stop absurd bodies early.
 */
export const AnswerRequestSchema = z.strictObject({
  value: z.union([z.string().max(10_000, 'The answer is too long'), z.array(z.string().max(64)).max(60)], {
    error: 'Give an option code, a list of option codes, or text',
  }),
});
export type AnswerRequest = z.infer<typeof AnswerRequestSchema>;

/** `?lang=es` asks for patient-facing messages in Spanish. */
export const CheckinLanguageQuerySchema = z.strictObject({ lang: LanguageSchema.optional() });

export const HistoryQuerySchema = z.strictObject({ instrumentId: InstrumentIdSchema.optional() });

export const CHECKIN_STATUSES = ['sent', 'in_progress', 'shared'] as const;
export type CheckinStatusName = (typeof CHECKIN_STATUSES)[number];

/** A contact line of the crisis resources: words, and a tel:/sms:/https: link when there is one. */
export const CrisisContactSchema = z.strictObject({
  label: z.string().trim().min(1).max(200),
  href: z
    .string()
    .max(300)
    .regex(/^(tel:|sms:|https:\/\/)\S+$/, 'must start with tel:, sms: or https://')
    .optional(),
});

export const CrisisResourceTextSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  message: z.string().trim().min(1).max(1000),
  contacts: z.array(CrisisContactSchema).min(1).max(10),
});
export type CrisisResourceText = z.infer<typeof CrisisResourceTextSchema>;

/** What the patient sees after a safety-positive answer, per language (the clinic sets it with CRISIS_RESOURCES). */
export const CrisisResourcesSchema = z.strictObject({ en: CrisisResourceTextSchema, es: CrisisResourceTextSchema.optional() });
export type CrisisResources = z.infer<typeof CrisisResourcesSchema>;

/** Alcove's default: the US 988 Suicide & Crisis Lifeline, or the local emergency number. */
export const DEFAULT_CRISIS_RESOURCES: CrisisResources = {
  en: {
    title: 'Help is available right now',
    message:
      'If you are thinking about hurting yourself or ending your life, you do not have to wait for the end of this visit. You can also tell your clinician now.',
    contacts: [
      { label: 'Call 988 (Suicide & Crisis Lifeline, US)', href: 'tel:988' },
      { label: 'Text 988', href: 'sms:988' },
      { label: 'In an emergency, call your local emergency number (911 in the US)', href: 'tel:911' },
    ],
  },
  es: {
    title: 'Hay ayuda disponible ahora mismo',
    message:
      'Si está pensando en hacerse daño o en quitarse la vida, no tiene que esperar a que termine esta consulta. También puede decírselo ahora a su profesional de salud.',
    contacts: [
      { label: 'Llame al 988 (Línea de Prevención del Suicidio y Crisis, EE. UU.; marque 2 para español)', href: 'tel:988' },
      { label: 'Envíe un mensaje de texto al 988', href: 'sms:988' },
      { label: 'En una emergencia, llame al número de emergencias local (911 en EE. UU.)', href: 'tel:911' },
    ],
  },
};

export const ResultFlagSchema = z.object({
  code: z.string(),
  severity: z.enum(FLAG_SEVERITIES),
  message: z.string(),
});
export type ResultFlagView = z.infer<typeof ResultFlagSchema>;

export const BandViewSchema = z.object({ label: z.string(), severity: z.enum(BAND_SEVERITIES), min: z.number(), max: z.number() });
export type BandView = z.infer<typeof BandViewSchema>;

/** The result as the patient's own screen gets it: no clinician-only flags. */
export const PatientResultSchema = z.object({
  total: z.number().optional(),
  band: BandViewSchema.optional(),
  complete: z.boolean(),
  flags: z.array(ResultFlagSchema),
});
export type PatientResult = z.infer<typeof PatientResultSchema>;

/** The result as the clinicians get it, once shared. `partialTotal` is the sum of what was given when a summed item is missing. */
export const ClinicianResultSchema = z.object({
  total: z.number().optional(),
  partialTotal: z.number().optional(),
  band: BandViewSchema.optional(),
  complete: z.boolean(),
  positiveScreen: z.boolean().optional(),
  answeredCount: z.number().int(),
  itemCount: z.number().int(),
  declinedCount: z.number().int(),
  flags: z.array(ResultFlagSchema.extend({ audience: z.enum(['clinician', 'patient']) })),
});
export type ClinicianResult = z.infer<typeof ClinicianResultSchema>;

export const AnswerValueSchema = z.union([z.string(), z.array(z.string())]);

/** One enabled item of a shared check-in, for the item table. `value` is null when left unanswered. */
export const ResultItemSchema = z.object({
  linkId: z.string(),
  value: AnswerValueSchema.nullable(),
  score: z.number().optional(),
  declined: z.boolean(),
});
export type ResultItem = z.infer<typeof ResultItemSchema>;

export const SafetyAlertSchema = z.object({
  code: z.string(),
  severity: z.enum(FLAG_SEVERITIES),
  message: z.string(),
  raisedAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
});
export type SafetyAlert = z.infer<typeof SafetyAlertSchema>;

export const ProgressSchema = z.object({ answered: z.number().int(), total: z.number().int() });

/** A check-in as the visit's clinicians see it: progress always, the result and items only after sharing. */
export const ClinicianCheckinSchema = z.object({
  id: z.string(),
  visitId: z.string(),
  instrumentId: z.string(),
  instrumentVersion: z.string(),
  title: z.string(),
  kind: z.enum(['scored', 'structured']),
  status: z.enum(CHECKIN_STATUSES),
  sentAt: z.string(),
  sharedAt: z.string().nullable(),
  progress: ProgressSchema,
  alerts: z.array(SafetyAlertSchema),
  result: ClinicianResultSchema.optional(),
  items: z.array(ResultItemSchema).optional(),
});
export type ClinicianCheckin = z.infer<typeof ClinicianCheckinSchema>;

/** A check-in as the patient sees it: their own answers, and crisis resources when an answer calls for them. */
export const PatientCheckinSchema = z.object({
  id: z.string(),
  visitId: z.string(),
  instrumentId: z.string(),
  status: z.enum(CHECKIN_STATUSES),
  sentAt: z.string(),
  sharedAt: z.string().nullable(),
  answers: z.record(z.string(), AnswerValueSchema),
  progress: ProgressSchema,
  crisisResources: CrisisResourcesSchema.optional(),
  result: PatientResultSchema.optional(),
});
export type PatientCheckin = z.infer<typeof PatientCheckinSchema>;

/** One shared check-in in a patient's history, with the visit it belongs to. */
export const HistoryEntrySchema = ClinicianCheckinSchema.extend({ visitStartsAt: z.string() });
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const SentCheckinSchema = z.object({ id: z.string(), instrumentId: z.string(), status: z.literal('sent') });
export type SentCheckin = z.infer<typeof SentCheckinSchema>;

export const AnswerResponseSchema = z.object({ saved: z.literal(true), crisisResources: CrisisResourcesSchema.optional() });
export type AnswerResponse = z.infer<typeof AnswerResponseSchema>;

export const SubmitResponseSchema = z.object({ result: PatientResultSchema, crisisResources: CrisisResourcesSchema.optional() });
export type SubmitResponse = z.infer<typeof SubmitResponseSchema>;

/** POST /api/visits/:id/checkins: `{checkin}` for `{instrumentId}`, `{checkins}` for `{instrumentIds}`. */
export const SendCheckinResponseSchema = z.union([
  z.object({ checkin: SentCheckinSchema }),
  z.object({ checkins: z.array(SentCheckinSchema) }),
]);
export const ClinicianCheckinResponseSchema = z.object({ checkin: ClinicianCheckinSchema });
export const PatientCheckinResponseSchema = z.object({ checkin: PatientCheckinSchema });
export const AcknowledgeAlertResponseSchema = z.object({ alert: SafetyAlertSchema });

export const ClinicianCheckinListSchema = z.object({ patientId: z.string(), checkins: z.array(ClinicianCheckinSchema) });
export const PatientCheckinListSchema = z.object({ checkins: z.array(PatientCheckinSchema) });
export const HistoryResponseSchema = z.object({ checkins: z.array(HistoryEntrySchema) });
