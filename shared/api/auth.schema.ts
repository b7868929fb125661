import { z } from 'zod';

export const STAFF_ROLES = ['admin', 'scheduler', 'clinician'] as const;
export const StaffRoleSchema = z.enum(STAFF_ROLES);
export type StaffRole = z.infer<typeof StaffRoleSchema>;

/** An email address as we accept it for staff sign-in; stored lower-cased. */
export const EmailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'Enter a valid email address' }))
  .transform((s) => s.toLowerCase());

export const LoginRequestSchema = z.strictObject({
  email: z.string().max(254),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const StaffUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: StaffRoleSchema,
  /** Present (true) only while a password set by someone else must be replaced: nothing else works until then. */
  mustChangePassword: z.literal(true).optional(),
});
export type StaffUser = z.infer<typeof StaffUserSchema>;

export const MeResponseSchema = z.object({ user: StaffUserSchema });
