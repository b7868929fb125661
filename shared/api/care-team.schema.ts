import { z } from 'zod';

/** The roles a clinician can hold on a patient's care team. */
export const CARE_TEAM_ROLES = ['psychiatry', 'psychology', 'sex_therapy', 'nursing', 'primary_care', 'social_work', 'other'] as const;
export const CareTeamRoleSchema = z.enum(CARE_TEAM_ROLES, { error: 'Choose a role from the list' });
export type CareTeamRole = z.infer<typeof CareTeamRoleSchema>;

export const CARE_TEAM_ROLE_LABELS: Record<CareTeamRole, string> = {
  psychiatry: 'Psychiatry',
  psychology: 'Psychology',
  sex_therapy: 'Sex therapy',
  nursing: 'Nursing',
  primary_care: 'Primary care',
  social_work: 'Social work',
  other: 'Other',
};

/** Most clinicians on one patient's care team. */
export const MAX_CARE_TEAM = 12;

export const CareTeamMemberInputSchema = z.strictObject({
  staffId: z.uuid({ error: 'Not a clinician id' }),
  role: CareTeamRoleSchema,
  isCoordinator: z.boolean({ error: 'Say whether this clinician coordinates (true or false)' }),
});

/** PUT /api/patients/:id/care-team: the whole team (replaces the list; empty clears it). */
export const PutCareTeamRequestSchema = z.strictObject({
  members: z
    .array(CareTeamMemberInputSchema, { error: 'Give the list of care team members' })
    .max(MAX_CARE_TEAM, `At most ${MAX_CARE_TEAM} clinicians on a care team`)
    .refine((m) => new Set(m.map((x) => x.staffId.toLowerCase())).size === m.length, 'Each clinician can be on the team only once')
    .refine((m) => m.filter((x) => x.isCoordinator).length <= 1, 'Choose at most one coordinator'),
});
export type PutCareTeamRequest = z.infer<typeof PutCareTeamRequestSchema>;

export const CareTeamMemberSchema = z.object({
  staffId: z.string(),
  name: z.string(),
  role: CareTeamRoleSchema,
  isCoordinator: z.boolean(),
  /** False once the account is deactivated or no longer a clinician: kept on the list, without access, until someone saves the team. */
  active: z.boolean(),
  addedAt: z.string(),
});
export type CareTeamMember = z.infer<typeof CareTeamMemberSchema>;

/** The team, coordinator first, then by name. */
export const CareTeamResponseSchema = z.object({ patientId: z.string(), members: z.array(CareTeamMemberSchema) });
export type CareTeamResponse = z.infer<typeof CareTeamResponseSchema>;
