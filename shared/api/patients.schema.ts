import { z } from 'zod';

export const PATIENT_LANGUAGES = ['en', 'es'] as const;
export const PatientLanguageSchema = z.enum(PATIENT_LANGUAGES, { error: 'Choose English (en) or Spanish (es)' });
export type PatientLanguage = z.infer<typeof PatientLanguageSchema>;

/** A person's name as staff type it: trimmed, 1–120 characters. */
export const PersonNameSchema = z
  .string({ message: 'Enter a name' })
  .trim()
  .min(1, 'Enter a name')
  .max(120, 'Use at most 120 characters');

const OptionalText = (max: number, what: string) =>
  z
    .string({ message: `${what} must be text` })
    .trim()
    .max(max, `Use at most ${max} characters`)
    // An empty optional field means "not given".
    .transform((s) => (s === '' ? null : s))
    .nullable()
    .optional();

/** True when `value` is YYYY-MM-DD naming a day that exists on the calendar (no 31 February). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * The latest date of birth we accept: today somewhere on Earth. UTC+14 is the furthest-ahead
 * zone, so a baby born "today" anywhere is never refused.
 */
export function latestBirthDate(now = Date.now()): string {
  return new Date(now + 14 * 3600_000).toISOString().slice(0, 10);
}

/** A date of birth: a real calendar date, from 1900-01-01 up to today. */
export const DateOfBirthSchema = z
  .string({ message: 'Enter a date as YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'That date does not exist')
  .refine((s) => s >= '1900-01-01', 'Enter a date from 1900 onwards')
  .refine((s) => s <= latestBirthDate(), 'A date of birth cannot be in the future');

export const CreatePatientRequestSchema = z.strictObject({
  displayName: PersonNameSchema,
  preferredName: OptionalText(120, 'Preferred name'),
  pronouns: OptionalText(40, 'Pronouns'),
  preferredLanguage: PatientLanguageSchema.optional(),
  dateOfBirth: z.preprocess((v) => (v === '' ? null : v), DateOfBirthSchema.nullable().optional()),
  externalId: OptionalText(64, 'External id'),
});
export type CreatePatientRequest = z.infer<typeof CreatePatientRequestSchema>;

export const PatientSearchQuerySchema = z.strictObject({
  q: z.string().trim().max(120, 'Use at most 120 characters').optional(),
});

/** A patient as staff see it. */
export const PatientSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  preferredName: z.string().nullable(),
  pronouns: z.string().nullable(),
  preferredLanguage: PatientLanguageSchema,
  dateOfBirth: z.string().nullable(),
  externalId: z.string().nullable(),
  createdAt: z.string(),
});
export type Patient = z.infer<typeof PatientSchema>;

export const PatientResponseSchema = z.object({ patient: PatientSchema });
export const PatientListResponseSchema = z.object({ patients: z.array(PatientSchema) });
export type PatientListResponse = z.infer<typeof PatientListResponseSchema>;
