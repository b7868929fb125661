import { z } from 'zod';
import { BAND_SEVERITIES, ITEM_TYPES, LanguageSchema } from '../instruments/definition.schema';

/** `?lang=es` asks for Spanish text; English-only instruments answer in English and say so in `language`. */
export const InstrumentQuerySchema = z.strictObject({ lang: LanguageSchema.optional() });

/**
 * The reliable-change rule in force for an instrument (see shared/outcomes/change.ts): the published figures, or the
 * clinic's own (`origin: 'clinic'`, from INSTRUMENTS_DIR). The trends state it and its source on screen.
 */
export const ChangeRuleViewSchema = z.object({
  /** Short name used in the wording, e.g. "PHQ-9". */
  measure: z.string(),
  reliableChange: z.number().int(),
  /** null: no case cut-off, so no recovery labels. */
  caseness: z.number().int().nullable(),
  source: z.string(),
  origin: z.enum(['built-in', 'clinic']),
});
export type ChangeRuleView = z.infer<typeof ChangeRuleViewSchema>;

export const InstrumentSummarySchema = z.object({
  id: z.string(),
  version: z.string(),
  title: z.string(),
  kind: z.enum(['scored', 'structured']),
  /** e.g. "A conversation aid, not a validated scale." */
  labelledAs: z.string().optional(),
  copyright: z.string(),
  /** LOINC panel code, where one exists. */
  code: z.string().optional(),
  /** The language the texts of this response are in. */
  language: LanguageSchema,
  languages: z.array(LanguageSchema),
  origin: z.enum(['built-in', 'clinic']),
  itemCount: z.number().int(),
  /** The set holds sensitive questions: ask "is it safe to talk right now?" first. */
  sensitive: z.boolean(),
  /** Reliable change and caseness for the total; null when the instrument has no rule (no change labels). */
  changeRule: ChangeRuleViewSchema.nullable(),
});
export type InstrumentSummary = z.infer<typeof InstrumentSummarySchema>;

export const InstrumentOptionSchema = z.object({
  code: z.string(),
  display: z.string(),
  /** The option's numeric value; absent for unscored options and "prefer not to answer". */
  score: z.number().optional(),
  exclusive: z.boolean().optional(),
});

export const InstrumentItemSchema = z.object({
  linkId: z.string(),
  /** LOINC code of the question, where one exists. */
  code: z.string().optional(),
  text: z.string(),
  help: z.string().optional(),
  type: z.enum(ITEM_TYPES),
  required: z.boolean(),
  sensitive: z.boolean(),
  excludeFromTotal: z.boolean(),
  maxLength: z.number().int().optional(),
  enableWhen: z
    .array(z.object({ question: z.string(), operator: z.enum(['exists', '=', '!=']), answer: z.union([z.string(), z.boolean()]) }))
    .optional(),
  enableBehavior: z.enum(['all', 'any']),
  options: z.array(InstrumentOptionSchema).optional(),
});
export type InstrumentItemView = z.infer<typeof InstrumentItemSchema>;

export const InstrumentDetailSchema = InstrumentSummarySchema.extend({
  intro: z.string().optional(),
  sources: z.array(z.object({ url: z.string(), checked: z.string() })),
  items: z.array(InstrumentItemSchema),
  scoring: z.object({
    total: z.object({ linkId: z.string(), code: z.string().optional(), text: z.string(), min: z.number(), max: z.number() }).optional(),
    bands: z.array(z.object({ min: z.number(), max: z.number(), label: z.string(), severity: z.enum(BAND_SEVERITIES) })),
    hasPositiveScreen: z.boolean(),
  }),
});
export type InstrumentDetail = z.infer<typeof InstrumentDetailSchema>;

export const InstrumentListResponseSchema = z.object({ instruments: z.array(InstrumentSummarySchema) });
export const InstrumentResponseSchema = z.object({ instrument: InstrumentDetailSchema });
