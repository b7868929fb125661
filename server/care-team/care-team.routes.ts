import { Router } from 'express';
import { PutCareTeamRequestSchema } from '@shared/api/care-team.schema';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import { parseId } from '../id';
import { toCareTeamMember } from './care-team.presenter';
import { getCareTeam, putCareTeam, type CareTeamDeps } from './care-team.service';

/**
 * A patient's care team (mounted under /api/patients): schedulers and admins for every patient,
 * clinicians for the patients they have clinical access to; anyone else 404.
 *
 * Removing a clinician needs no live revocation: nothing live is scoped to a patient (sockets
 * follow visits, whose own care team is separate), and every chart, history or team request checks
 * the team again, so their access ends with the commit.
 */
export function careTeamRoutes(deps: CareTeamDeps): Router {
  const r = Router();

  r.get('/:id/care-team', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const patientId = parseId(req.params.id);
    const team = await getCareTeam(deps, auditFrom(req, res), staff, patientId);
    res.json({ patientId, members: team.map(toCareTeamMember) });
  });

  r.put('/:id/care-team', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const patientId = parseId(req.params.id);
    const body = PutCareTeamRequestSchema.parse(req.body);
    const { team } = await putCareTeam(deps, auditFrom(req, res), staff, patientId, body);
    res.json({ patientId, members: team.map(toCareTeamMember) });
  });

  return r;
}
