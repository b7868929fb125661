import { z } from 'zod';
import { WaitingMessageSchema } from './waiting-room.schema';
import { PatientLanguageSchema } from './patients.schema';
import { ParticipantStateSchema, VisitStatusSchema } from './visits.schema';

/**
 * POST /api/join. The token comes from the link's path; the date of birth only when the join page
 * asked for it (403 dob_required).
 */
export const JoinRequestSchema = z.strictObject({
  token: z.string({ error: 'The link is incomplete' }).min(1, 'The link is incomplete').max(200, 'The link is not valid'),
  dateOfBirth: z
    .string({ error: 'Enter a date as YYYY-MM-DD' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date as YYYY-MM-DD')
    .optional(),
});
export type JoinRequest = z.infer<typeof JoinRequestSchema>;

/**
 * What a patient learns from their link. No reason, date of birth or external id, ever; clinicians
 * by name only.
 */
export const JoinResponseSchema = z.object({
  visit: z.object({
    id: z.string(),
    startsAt: z.string(),
    durationMinutes: z.number(),
    status: VisitStatusSchema,
    clinicians: z.array(z.object({ name: z.string() })),
  }),
  patient: z.object({
    /** Preferred name, or the display name when none is set. */
    preferredName: z.string(),
    preferredLanguage: PatientLanguageSchema,
    pronouns: z.string().nullable(),
  }),
  participant: z.object({
    id: z.string(),
    state: ParticipantStateSchema,
    consented: z.boolean(),
  }),
  waitingMessage: WaitingMessageSchema.nullable(),
});
export type JoinResponse = z.infer<typeof JoinResponseSchema>;

/** `details` of 403 dob_required: the clinic's name and nothing else. */
export const DobRequiredDetailsSchema = z.object({ clinicName: z.string() });

/** `details` of 403 too_early: when the link starts working. */
export const TooEarlyDetailsSchema = z.object({ opensAt: z.string() });

/** `details` of 403 dob_mismatch: how many tries this link has left this hour. */
export const DobMismatchDetailsSchema = z.object({ attemptsLeft: z.number().int() });

/**
 * GET /api/visits/:id/patient-link/lock and POST …/unlock: whether wrong dates of birth have
 * locked the visit's live link for everyone, until when, and how many wrong tries count now.
 */
export const DobLockSchema = z.object({
  locked: z.boolean(),
  lockedUntil: z.string().nullable(),
  failures: z.number().int(),
});
export type DobLock = z.infer<typeof DobLockSchema>;
export const DobLockResponseSchema = z.object({ lock: DobLockSchema });
