import { CareTeamRoleSchema, type CareTeamMember } from '@shared/api/care-team.schema';
import type { CareTeamRow } from './care-team.store';

/** A care team member as staff see it. */
export function toCareTeamMember(row: CareTeamRow): CareTeamMember {
  const role = CareTeamRoleSchema.safeParse(row.role);
  return {
    staffId: row.staff_id,
    name: row.name,
    role: role.success ? role.data : 'other',
    isCoordinator: Boolean(row.is_coordinator),
    active: row.staff_role === 'clinician' && Number(row.staff_active) === 1,
    addedAt: row.added_at,
  };
}
