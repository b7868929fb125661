import { Router } from 'express';
import { CreatePatientRequestSchema, PatientSearchQuerySchema } from '@shared/api/patients.schema';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import { parseId } from '../id';
import { toPatientResponse } from './patients.presenter';
import { createPatient, getPatientFor, searchPatientsFor, type PatientsDeps } from './patients.service';

/** Patients: schedulers and admins manage them; a clinician sees the patients of their own visits. */
export function patientsRoutes(deps: PatientsDeps): Router {
  const r = Router();

  r.post('/', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const body = CreatePatientRequestSchema.parse(req.body);
    const patient = await createPatient(deps, auditFrom(req, res), body, staff);
    res.status(201).json({ patient: toPatientResponse(patient) });
  });

  r.get('/', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const { q } = PatientSearchQuerySchema.parse(req.query);
    const patients = await searchPatientsFor(deps, auditFrom(req, res), staff, q);
    res.json({ patients: patients.map(toPatientResponse) });
  });

  r.get('/:id', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const patient = await getPatientFor(deps, auditFrom(req, res), staff, parseId(req.params.id));
    res.json({ patient: toPatientResponse(patient) });
  });

  return r;
}
