import { z } from 'zod';
import { WaitingMessageSchema } from './waiting-room.schema';

export const VISIT_STATUSES = ['scheduled', 'in_progress', 'completed', 'cancelled', 'no_show'] as const;
export const VisitStatusSchema = z.enum(VISIT_STATUSES);
export type VisitStatus = z.infer<typeof VisitStatusSchema>;

/** Where a participant stands in a visit: the one list the API, the sockets and the database types use. */
export const PARTICIPANT_STATES = ['joining', 'waiting', 'admitted', 'denied', 'left', 'removed'] as const;
export const ParticipantStateSchema = z.enum(PARTICIPANT_STATES);
export type ParticipantState = z.infer<typeof ParticipantStateSchema>;

export const PARTICIPANT_KINDS = ['patient', 'clinician', 'guest'] as const;
export const ParticipantKindSchema = z.enum(PARTICIPANT_KINDS);
export type ParticipantKind = z.infer<typeof ParticipantKindSchema>;

/** Words for each status, so a badge never relies on colour alone. */
export const VISIT_STATUS_LABELS: Record<VisitStatus, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
  no_show: 'No-show',
};

/** How far back a visit may be placed (late paperwork, a visit that already began). */
export const MAX_PAST_START_HOURS = 24;
/** How far ahead a visit may be placed. */
export const MAX_FUTURE_START_DAYS = 730;
export const MAX_CLINICIANS = 4;
/** The widest range one GET /api/visits may ask for. */
export const MAX_LIST_RANGE_DAYS = 62;

/** An ISO-8601 date-time with a zone (Z or an offset), kept within a sensible scheduling range. */
export const VisitStartSchema = z
  .iso.datetime({ offset: true, error: 'Enter a date and time (ISO 8601, with a time zone)' })
  .refine((s) => Date.parse(s) >= Date.now() - MAX_PAST_START_HOURS * 3600_000, 'A visit cannot start more than a day in the past')
  .refine((s) => Date.parse(s) <= Date.now() + MAX_FUTURE_START_DAYS * 86400_000, 'A visit cannot start more than two years ahead');

export const DurationMinutesSchema = z
  .number({ error: 'Enter the length in minutes' })
  .int('Use whole minutes')
  .min(5, 'A visit lasts at least 5 minutes')
  .max(480, 'A visit lasts at most 480 minutes (8 hours)');

export const ClinicianIdsSchema = z
  .array(z.uuid({ error: 'Not a clinician id' }), { error: 'Choose the clinicians for this visit' })
  .min(1, 'Choose at least one clinician')
  .max(MAX_CLINICIANS, `Choose at most ${MAX_CLINICIANS} clinicians`)
  .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, 'Each clinician can be chosen only once');

export const VisitReasonSchema = z
  .string({ error: 'The reason must be text' })
  .trim()
  .max(500, 'Use at most 500 characters')
  .transform((s) => (s === '' ? null : s))
  .nullable()
  .optional();

export const CreateVisitRequestSchema = z.strictObject({
  patientId: z.uuid({ error: 'Choose a patient' }),
  clinicianIds: ClinicianIdsSchema,
  startsAt: VisitStartSchema,
  durationMinutes: DurationMinutesSchema,
  reason: VisitReasonSchema,
});
export type CreateVisitRequest = z.infer<typeof CreateVisitRequestSchema>;

/** Reschedule, change the care team, or edit the staff-only reason. */
export const UpdateVisitRequestSchema = z
  .strictObject({
    startsAt: VisitStartSchema.optional(),
    durationMinutes: DurationMinutesSchema.optional(),
    clinicianIds: ClinicianIdsSchema.optional(),
    reason: VisitReasonSchema,
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'Nothing to change' });
export type UpdateVisitRequest = z.infer<typeof UpdateVisitRequestSchema>;

export const ListVisitsQuerySchema = z
  .strictObject({
    from: z.iso.datetime({ offset: true, error: 'Enter a date and time (ISO 8601)' }).optional(),
    to: z.iso.datetime({ offset: true, error: 'Enter a date and time (ISO 8601)' }).optional(),
    clinicianId: z.uuid({ error: 'Not a clinician id' }).optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) > Date.parse(q.from), { message: '`to` must be after `from`', path: ['to'] })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= MAX_LIST_RANGE_DAYS * 86400_000, {
    message: `Ask for at most ${MAX_LIST_RANGE_DAYS} days at a time`,
    path: ['to'],
  });
export type ListVisitsQuery = z.infer<typeof ListVisitsQuerySchema>;

/** Body of POST /api/visits/:id/patient-invite.ics: the join token issued moments ago. */
export const PatientInviteRequestSchema = z.strictObject({
  token: z.string({ error: 'Give the join token' }).min(1, 'Give the join token').max(200, 'Not a join token'),
});

export const VisitParticipantSchema = z.object({
  id: z.string(),
  kind: ParticipantKindSchema,
  displayName: z.string(),
  state: ParticipantStateSchema,
});

export const VisitLinkStateSchema = z.object({
  /** An unrevoked link exists (its token was shown once, when issued). */
  active: z.boolean(),
  opensAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

/** A visit as staff see it. `reason` is staff-only and never reaches a patient or an invite. */
export const VisitSchema = z.object({
  id: z.string(),
  patient: z.object({
    id: z.string(),
    displayName: z.string(),
    preferredName: z.string().nullable(),
    pronouns: z.string().nullable(),
  }),
  startsAt: z.string(),
  endsAt: z.string(),
  durationMinutes: z.number(),
  reason: z.string().nullable(),
  status: VisitStatusSchema,
  clinicians: z.array(z.object({ id: z.string(), name: z.string() })),
  participants: z.array(VisitParticipantSchema),
  link: VisitLinkStateSchema,
  createdAt: z.string(),
});
export type Visit = z.infer<typeof VisitSchema>;

/** A freshly issued patient link. The URL holds the only copy of the token: show it once. */
export const PatientLinkSchema = z.object({
  url: z.string(),
  expiresAt: z.string(),
  opensAt: z.string(),
});
export type PatientLink = z.infer<typeof PatientLinkSchema>;

export const VisitResponseSchema = z.object({ visit: VisitSchema });

/** One participant's time in the call, as LiveKit's webhooks reported it; open sessions count up to now. */
export const AttendanceSchema = z.object({
  participantId: z.string(),
  displayName: z.string(),
  kind: ParticipantKindSchema,
  joinedAt: z.string(),
  leftAt: z.string().nullable(),
  totalMinutes: z.number(),
});
export type Attendance = z.infer<typeof AttendanceSchema>;

/** GET /api/visits/:id: the list's fields plus attendance and the current waiting-room message. */
export const VisitDetailSchema = VisitSchema.extend({
  attendance: z.array(AttendanceSchema),
  waitingMessage: WaitingMessageSchema.nullable(),
});
export type VisitDetail = z.infer<typeof VisitDetailSchema>;
export const VisitDetailResponseSchema = z.object({ visit: VisitDetailSchema });

/** POST /api/visits/:id/consent: the patient's own participant, now consented. */
export const ConsentResponseSchema = z.object({
  participant: z.object({ id: z.string(), state: ParticipantStateSchema, consented: z.literal(true), consentedAt: z.string() }),
});

/** A participant after a waiting-room action: enter, leave, admit, deny, return to waiting, remove. */
export const ParticipantResponseSchema = z.object({ participant: z.object({ id: z.string(), state: ParticipantStateSchema }) });

export const VisitListResponseSchema = z.object({ visits: z.array(VisitSchema) });
export const CreateVisitResponseSchema = z.object({ visit: VisitSchema, patientLink: PatientLinkSchema });
export type CreateVisitResponse = z.infer<typeof CreateVisitResponseSchema>;
export const PatientLinkResponseSchema = z.object({ patientLink: PatientLinkSchema });
export type PatientLinkResponse = z.infer<typeof PatientLinkResponseSchema>;

export const ClinicianSchema = z.object({ id: z.string(), name: z.string() });
export type Clinician = z.infer<typeof ClinicianSchema>;
export const ClinicianListResponseSchema = z.object({ clinicians: z.array(ClinicianSchema) });

/** The title every calendar entry carries: it says nothing about why. */
export const CALENDAR_TITLE = 'Video appointment';
