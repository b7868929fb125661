import { z } from 'zod';

/** Every action the audit trail records. Entries carry ids only: never names, answers, dates of birth or free text. */
export const AUDIT_ACTIONS = [
  'auth.sign_in',
  'auth.sign_in_failed',
  'auth.sign_out',
  /** A wrong, replayed or expired second-factor code at sign-in. */
  'auth.second_factor_failed',
  'auth.recovery_code_used',
  'auth.totp_enrolled',
  /** Signed in through the clinic's OpenID provider. */
  'auth.sso_sign_in',
  /** An OpenID sign-in refused (bad state, refused code, bad ID token, unverified email, no active account). */
  'auth.sso_sign_in_failed',
  /** An administrator (or the CLI) removed someone's second factor. */
  'staff.second_factor_reset',
  'staff.created',
  'staff.updated',
  'staff.password_reset',
  /** A one-time link to set a password was issued (new account, reset, first-start setup); ids only, never the link. */
  'staff.invitation_issued',
  'staff.invitation_accepted',
  /** Staff changed their own password (the current one given). */
  'staff.password_changed',
  'staff.renamed',
  'staff.role_changed',
  'staff.deactivated',
  'staff.reactivated',
  'patient.created',
  'patient.read',
  'patient.updated',
  /** A clinician opened a patient's chart (details, visits, check-ins, alerts). */
  'patient.chart_read',
  /** Someone read a patient's care team. */
  'care_team.read',
  /** A patient's care team was replaced (added, removed, role or coordinator changed). */
  'care_team.updated',
  'visit.created',
  'visit.updated',
  'visit.cancelled',
  'visit.read',
  'visit.ended',
  /** A clinician set, changed or cleared the waiting-room message (never its text). */
  'visit.waiting_message_set',
  /** A signed-in person asked for a visit, check-in or patient that is not theirs and got 404. */
  'access.refused',
  'link.issued',
  'link.revoked',
  'link.used',
  'dob.failed',
  /** A link was presented that is unknown, replaced, expired or not open yet (no date of birth was checked). */
  'link.refused',
  /** Wrong dates of birth locked a link for everyone (the per-link limit), until it lifts or staff unlock it. */
  'dob.locked',
  /** Staff lifted a link's date-of-birth lock. */
  'dob.unlocked',
  'consent.recorded',
  'participant.admitted',
  'participant.denied',
  'participant.returned',
  'participant.removed',
  /** The system moved a waiting participant whose connection stayed lost past the grace period to `left`. */
  'participant.presence_expired',
  /** The patient entered the waiting room (from joining, or coming back after leaving). */
  'participant.waiting',
  /** The patient left (closed the visit, or left the waiting room or the call). */
  'participant.left',
  'video.token_issued',
  'checkin.sent',
  'checkin.shared',
  'checkin.read',
  /** The patient saved or changed one answer (ids only: never the question's answer). */
  'checkin.answer_saved',
  /** The patient took one answer back. */
  'checkin.answer_deleted',
  'safety.alert_raised',
  'safety.alert_acknowledged',
  'fhir.exported',
  /** Someone read visit notes (a visit's, or a patient's on the chart); ids only, never the text. */
  'visit_note.read',
  'visit_note.created',
  /** The author edited their note inside its edit window. */
  'visit_note.updated',
  /** An amendment was added to a visit note. */
  'visit_note.amended',
  /** A clinician read a patient's measurement plan (which check-ins, how often, what is due). */
  'measurement_plan.read',
  /** A clinician changed a patient's measurement plan (ids only; the items are in the plan's own rows). */
  'measurement_plan.updated',
  /** A clinician read a patient's care plan (goals, problems, medications, referrals, history). */
  'care_plan.read',
  /** A clinician changed a patient's care plan (ids only; what changed is in the plan's own history). */
  'care_plan.updated',
  'audit.read',
  'audit.exported',
  'audit.verified',
] as const;

export const AuditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditActionSchema>;

export const AUDIT_ACTOR_KINDS = ['staff', 'patient', 'system', 'anonymous'] as const;
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];

/** One audit entry as the API returns it. `actorId` is a staff id or a patient participant id. */
export const AuditEntrySchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  at: z.string(),
  actorKind: z.enum(AUDIT_ACTOR_KINDS),
  actorId: z.string().nullable(),
  action: AuditActionSchema,
  outcome: z.enum(['success', 'failure']),
  patientId: z.string().nullable(),
  visitId: z.string().nullable(),
  staffId: z.string().nullable(),
  participantId: z.string().nullable(),
  checkinId: z.string().nullable(),
  linkId: z.string().nullable(),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

const uuid = z.uuid({ message: 'Must be an id' });
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A day (YYYY-MM-DD, UTC) or an ISO-8601 instant, within years 2000–2999. */
const AuditTimeSchema = z
  .string()
  .max(40)
  .refine((s) => {
    if (!DATE_ONLY.test(s) && !z.iso.datetime({ offset: true }).safeParse(s).success) return false;
    const t = Date.parse(DATE_ONLY.test(s) ? `${s}T00:00:00Z` : s);
    // Reject impossible calendar dates such as 2024-02-30 that Date would roll over.
    if (Number.isNaN(t) || (DATE_ONLY.test(s) && new Date(t).toISOString().slice(0, 10) !== s)) return false;
    const year = new Date(t).getUTCFullYear();
    return year >= 2000 && year <= 2999;
  }, 'Use a date (YYYY-MM-DD) or a date and time (ISO 8601)');

/** Filters shared by the list, the CSV export and the admin screen. `to` as a bare date includes that whole day. */
export const AuditFilterSchema = z.strictObject({
  from: AuditTimeSchema.optional(),
  to: AuditTimeSchema.optional(),
  actorId: uuid.optional(),
  patientId: uuid.optional(),
  action: AuditActionSchema.optional(),
});
export type AuditFilter = z.infer<typeof AuditFilterSchema>;

export const AuditListQuerySchema = AuditFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'Not a cursor from this list')
    .optional(),
});
export type AuditListQuery = z.infer<typeof AuditListQuerySchema>;

export const AuditListResponseSchema = z.object({
  entries: z.array(AuditEntrySchema),
  nextCursor: z.string().optional(),
});
export type AuditListResponse = z.infer<typeof AuditListResponseSchema>;

/** Result of checking the hash chain from the first entry to the last. */
export const AuditVerifyResultSchema = z.object({
  ok: z.boolean(),
  entries: z.number().int(),
  firstBrokenId: z.string().optional(),
  firstBrokenSeq: z.number().int().optional(),
  reason: z.string().optional(),
  /** Digest of every chain's last entry; writing `chains` down elsewhere lets a later check detect a truncated tail. */
  headHash: z.string().optional(),
  /** The trail is several independent hash chains: each one's length and last entry's hash. */
  chains: z.array(z.object({ chain: z.number().int(), entries: z.number().int(), headHash: z.string().optional() })).optional(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResultSchema>;
