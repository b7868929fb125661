import { z } from 'zod';
import { EmailSchema, StaffUserSchema } from './auth.schema';
import { StaffNameSchema } from './staff.schema';

/** A one-time link's token as it appears in `/invite/<token>`; anything else cannot be one of ours. */
export const InvitationTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'Not an invitation link');

/** What a one-time link is for: a new account, a password reset, or creating the first administrator. */
export const INVITATION_PURPOSES = ['invite', 'reset', 'setup'] as const;
export const InvitationPurposeSchema = z.enum(INVITATION_PURPOSES);

export const InvitationLookupRequestSchema = z.strictObject({ token: InvitationTokenSchema });

/** What the set-password page shows before the person chooses a password; `email`/`name` are null for the setup link. */
export const InvitationSchema = z.object({
  purpose: InvitationPurposeSchema,
  email: z.string().nullable(),
  name: z.string().nullable(),
  expiresAt: z.string(),
});
export type Invitation = z.infer<typeof InvitationSchema>;
export const InvitationResponseSchema = z.object({ invitation: InvitationSchema });

/** Setting one's own password through a link; the setup link also takes the first administrator's email and name. */
export const AcceptInvitationRequestSchema = z.strictObject({
  token: InvitationTokenSchema,
  password: z.string().min(1).max(1024),
  email: EmailSchema.optional(),
  name: StaffNameSchema.optional(),
});
export type AcceptInvitationRequest = z.infer<typeof AcceptInvitationRequestSchema>;

export const ChangePasswordRequestSchema = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(1).max(1024),
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequestSchema>;

/** A link shown once to the admin (or printed by the CLI) who issued it. */
export const IssuedInvitationSchema = z.object({ url: z.string(), expiresAt: z.string() });
export type IssuedInvitation = z.infer<typeof IssuedInvitationSchema>;

export const AccountResponseSchema = z.object({ user: StaffUserSchema });
