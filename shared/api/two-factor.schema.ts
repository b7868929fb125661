import { z } from 'zod';
import { StaffUserSchema } from './auth.schema';

/**
 * What POST /api/auth/login answers: the signed-in user, or — when the account has a second factor,
 * or its role must have one and it has none yet — which step comes next (no session yet).
 */
export const LoginResponseSchema = z.union([z.object({ user: StaffUserSchema }), z.object({ secondFactor: z.enum(['totp', 'enrol']) })]);
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

/** A 6-digit code from the authenticator app, or one of the recovery codes (`xxxxx-xxxxx`). */
export const SecondFactorRequestSchema = z.strictObject({
  code: z.string().trim().min(1, 'Enter the code').max(64),
});
export type SecondFactorRequest = z.infer<typeof SecondFactorRequestSchema>;

export const TotpStatusResponseSchema = z.object({
  enabled: z.boolean(),
  recoveryCodesLeft: z.number().int().min(0),
  /** The clinic requires a second factor for this person's role. */
  required: z.boolean(),
});
export type TotpStatus = z.infer<typeof TotpStatusResponseSchema>;

/** A new, unconfirmed secret: for manual entry, as an otpauth URI, and as a QR code (an SVG data URL). */
export const TotpEnrolmentResponseSchema = z.object({
  secret: z.string(),
  otpauthUri: z.string(),
  qrCode: z.string(),
});
export type TotpEnrolment = z.infer<typeof TotpEnrolmentResponseSchema>;

export const TotpConfirmRequestSchema = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code'),
});

/** Recovery codes, shown this once; `user` when the confirmation also finished a sign-in. */
export const TotpConfirmResponseSchema = z.object({
  recoveryCodes: z.array(z.string()),
  user: StaffUserSchema.optional(),
});

/** Whether single sign-on is offered, and whether it is the only way in. */
export const SsoConfigResponseSchema = z.object({
  enabled: z.boolean(),
  ssoOnly: z.boolean(),
  label: z.string().optional(),
});
export type SsoConfig = z.infer<typeof SsoConfigResponseSchema>;

export const SsoStartResponseSchema = z.object({ url: z.string() });

/** What the provider put on the return address, handed over by the client page it lands on. */
export const SsoCallbackRequestSchema = z.strictObject({
  code: z.string().min(1).max(2048),
  state: z.string().min(1).max(512),
  iss: z.string().min(1).max(2048).optional(),
});
export type SsoCallbackRequest = z.infer<typeof SsoCallbackRequestSchema>;
