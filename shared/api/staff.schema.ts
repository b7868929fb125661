import { z } from 'zod';
import { EmailSchema, StaffRoleSchema, StaffUserSchema } from './auth.schema';

export const StaffNameSchema = z.string().trim().min(1, 'Enter a name').max(120, 'At most 120 characters');

export const CreateStaffRequestSchema = z.strictObject({
  email: EmailSchema,
  name: StaffNameSchema,
  role: StaffRoleSchema,
});
export type CreateStaffRequest = z.infer<typeof CreateStaffRequestSchema>;

export const StaffMemberSchema = StaffUserSchema.omit({ mustChangePassword: true }).extend({
  active: z.boolean(),
  createdAt: z.string(),
  lastSignInAt: z.string().nullable(),
  /** False while the person has not yet set a password through their link. */
  passwordSet: z.boolean(),
  /** When the account's unused invitation or reset link stops working; null when there is none. */
  invitationExpiresAt: z.string().nullable(),
  twoFactorEnabled: z.boolean(),
});
export type StaffMember = z.infer<typeof StaffMemberSchema>;

export const StaffListResponseSchema = z.object({ staff: z.array(StaffMemberSchema) });
export const StaffResponseSchema = z.object({ staff: StaffMemberSchema });

/** Returned once when an account is created or its password reset: the one-time link is never shown again. */
export const StaffWithInvitationResponseSchema = z.object({
  staff: StaffMemberSchema,
  invitation: z.object({ url: z.string(), expiresAt: z.string() }),
});

export const UpdateStaffRequestSchema = z
  .strictObject({
    name: StaffNameSchema.optional(),
    role: StaffRoleSchema.optional(),
    active: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'Nothing to change' });
export type UpdateStaffRequest = z.infer<typeof UpdateStaffRequestSchema>;
