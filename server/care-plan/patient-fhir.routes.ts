import { Router } from 'express';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import { parseId } from '../id';
import { exportPatientBundle, type PatientFhirDeps } from '../patients/patient-fhir';

/** `GET /api/patients/:id/fhir`: the patient's record as a FHIR R4 Bundle (collection), for clinicians with clinical access. */
export function patientFhirRoutes(deps: PatientFhirDeps): Router {
  const r = Router();
  r.get('/:id/fhir', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const bundle = await exportPatientBundle(deps, auditFrom(req, res), staff, patientId);
    res.type('application/fhir+json').send(JSON.stringify(bundle));
  });
  return r;
}
