import { Router } from 'express';
import { ChartQuerySchema, MyPatientsQuerySchema } from '@shared/api/patient-chart.schema';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import { parseId } from '../id';
import { chartFor, myPatientsFor, type PatientChartDeps } from './patient-chart.service';

/**
 * The clinician's side of patients (mounted under /api/patients, before patientsRoutes so that
 * `mine` is not taken for an id): their own list, and a patient's chart with clinical access.
 */
export function patientChartRoutes(deps: PatientChartDeps): Router {
  const r = Router();

  r.get('/mine', async (req, res) => {
    const staff = requireStaff(res, 'clinician');
    const { q } = MyPatientsQuerySchema.parse(req.query);
    res.json({ patients: await myPatientsFor(deps, auditFrom(req, res), staff, q) });
  });

  // Any staff role may ask; only a clinician with clinical access gets it (everyone else 404, as for the history).
  r.get('/:id/chart', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    ChartQuerySchema.parse(req.query);
    res.json({ chart: await chartFor(deps, auditFrom(req, res), staff, parseId(req.params.id)) });
  });

  return r;
}
