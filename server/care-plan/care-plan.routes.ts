import { Router } from 'express';
import {
  CreateGoalRequestSchema,
  CreateMedicationRequestSchema,
  CreateProblemRequestSchema,
  CreateReferralRequestSchema,
  DoseChangeRequestSchema,
  StopMedicationRequestSchema,
  UpdateGoalRequestSchema,
  UpdateMedicationRequestSchema,
  UpdateProblemRequestSchema,
  UpdateReferralRequestSchema,
} from '@shared/api/care-plan.schema';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import { parseId } from '../id';
import * as service from './care-plan.service';

/**
 * The shared care plan, mounted at /api/patients: `/:id/care-plan` and its goals, problems,
 * medications and referrals. Clinical access only (the patient's care team or a current visit);
 * anyone else signed in gets 404. Every answer is the whole plan, history included.
 */
export function carePlanRoutes(deps: service.CarePlanDeps): Router {
  const r = Router();

  r.get('/:id/care-plan', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    res.json({ carePlan: await service.readCarePlan(deps, auditFrom(req, res), staff, patientId) });
  });

  r.post('/:id/care-plan/goals', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const body = CreateGoalRequestSchema.parse(req.body);
    res.status(201).json({ carePlan: await service.addGoal(deps, auditFrom(req, res), staff, patientId, body) });
  });

  r.patch('/:id/care-plan/goals/:goalId', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const goalId = parseId(req.params.goalId);
    const body = UpdateGoalRequestSchema.parse(req.body);
    res.json({ carePlan: await service.updateGoal(deps, auditFrom(req, res), staff, patientId, goalId, body) });
  });

  r.post('/:id/care-plan/problems', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const body = CreateProblemRequestSchema.parse(req.body);
    res.status(201).json({ carePlan: await service.addProblem(deps, auditFrom(req, res), staff, patientId, body) });
  });

  r.patch('/:id/care-plan/problems/:problemId', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const problemId = parseId(req.params.problemId);
    const body = UpdateProblemRequestSchema.parse(req.body);
    res.json({ carePlan: await service.updateProblem(deps, auditFrom(req, res), staff, patientId, problemId, body) });
  });

  r.post('/:id/care-plan/medications', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const body = CreateMedicationRequestSchema.parse(req.body);
    res.status(201).json({ carePlan: await service.addMedication(deps, auditFrom(req, res), staff, patientId, body) });
  });

  r.patch('/:id/care-plan/medications/:mid', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const mid = parseId(req.params.mid);
    const body = UpdateMedicationRequestSchema.parse(req.body);
    res.json({ carePlan: await service.updateMedication(deps, auditFrom(req, res), staff, patientId, mid, body) });
  });

  r.post('/:id/care-plan/medications/:mid/dose-changes', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const mid = parseId(req.params.mid);
    const body = DoseChangeRequestSchema.parse(req.body);
    res.status(201).json({ carePlan: await service.changeDose(deps, auditFrom(req, res), staff, patientId, mid, body) });
  });

  r.post('/:id/care-plan/medications/:mid/stop', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const mid = parseId(req.params.mid);
    const body = StopMedicationRequestSchema.parse(req.body);
    res.json({ carePlan: await service.stopMedication(deps, auditFrom(req, res), staff, patientId, mid, body) });
  });

  r.post('/:id/care-plan/referrals', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const body = CreateReferralRequestSchema.parse(req.body);
    res.status(201).json({ carePlan: await service.addReferral(deps, auditFrom(req, res), staff, patientId, body) });
  });

  r.patch('/:id/care-plan/referrals/:referralId', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const referralId = parseId(req.params.referralId);
    const body = UpdateReferralRequestSchema.parse(req.body);
    res.json({ carePlan: await service.updateReferral(deps, auditFrom(req, res), staff, patientId, referralId, body) });
  });

  return r;
}
