import { z } from 'zod';

/** Stable, machine-readable error codes. Clients branch on these, never on messages. */
export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'malformed_json',
  'unsupported_media_type',
  'unauthenticated',
  'invalid_credentials',
  'session_expired',
  'forbidden',
  'bad_origin',
  'not_found',
  'conflict',
  'already_exists',
  'gone',
  'link_expired',
  'link_revoked',
  'visit_cancelled',
  'visit_ended',
  'participant_removed',
  'too_early',
  'dob_mismatch',
  'dob_required',
  'consent_required',
  'not_admitted',
  'payload_too_large',
  'rate_limited',
  'internal_error',
  'service_unavailable',
  'database_unavailable',
  'overloaded',
  'video_unavailable',
  'already_shared',
  /** A visit note's edit window has closed: add an amendment instead. */
  'edit_window_closed',
  'weak_password',
  'password_change_required',
  'invitation_used',
  'invitation_expired',
  'invalid_code',
  'challenge_expired',
  'sso_only',
  'sso_invalid_state',
  'sso_rejected',
  'sso_invalid_token',
  'sso_email_unverified',
  'sso_no_account',
  'sso_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error envelope every API error uses: `{ error: { code, message, details? } }`. */
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/** A field-level validation problem, as carried in `details` of a `validation_failed` error. */
export interface FieldIssue {
  field: string;
  message: string;
}
