import { Router } from 'express';
import { PutMeasurementPlanRequestSchema } from '@shared/api/measurement.schema';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import { parseId } from '../id';
import * as service from './measurement.service';

/** A patient's measurement plan: which check-ins, how often, and what is due. Mounted under /api/patients. */
export function measurementRoutes(deps: service.MeasurementDeps): Router {
  const r = Router();

  r.get('/:id/measurement-plan', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    res.json({ plan: await service.getPlan(deps, auditFrom(req, res), staff, patientId) });
  });

  r.put('/:id/measurement-plan', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const body = PutMeasurementPlanRequestSchema.parse(req.body);
    res.json({ plan: await service.putPlan(deps, auditFrom(req, res), staff, patientId, body) });
  });

  return r;
}
