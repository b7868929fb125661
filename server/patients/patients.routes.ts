import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { CreatePatientRequestSchema, PatientSearchQuerySchema, type Patient } from '@shared/api/patients.schema';
import { requireStaff } from '../auth/auth.middleware';
import { auditFrom, recordAudit, type AuditAction } from '../audit/audit.service';
import type { Dialect } from '../db/database';
import type { DB } from '../db/schema';
import { parseId } from '../id';
import { createPatient, getPatientFor, searchPatientsFor } from './patients.service';
import type { PatientRow } from './patients.store';

/** The staff view of a patient; drops the search key and bookkeeping columns. */
export function toPatientResponse(row: PatientRow): Patient {
  return {
    id: row.id,
    displayName: row.display_name,
    preferredName: row.preferred_name,
    pronouns: row.pronouns,
    preferredLanguage: row.preferred_language,
    dateOfBirth: row.date_of_birth,
    externalId: row.external_id,
    createdAt: row.created_at,
  };
}

/** Patients: schedulers and admins manage them; a clinician sees the patients of their own visits. */
export function patientsRoutes(deps: { db: Kysely<DB>; dialect: Dialect }): Router {
  const { db } = deps;
  const r = Router();
  const audit = (req: Request, res: Response, action: AuditAction, patientId?: string) =>
    recordAudit(db, deps.dialect, { ...auditFrom(req, res), action, ...(patientId ? { targets: { patientId } } : {}) });

  r.post('/', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const body = CreatePatientRequestSchema.parse(req.body);
    const patient = await createPatient(db, body, staff);
    await audit(req, res, 'patient.created', patient.id);
    res.status(201).json({ patient: toPatientResponse(patient) });
  });

  r.get('/', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const { q } = PatientSearchQuerySchema.parse(req.query);
    const patients = await searchPatientsFor(db, staff, q);
    // A search is one read event; opening a patient records which one.
    await audit(req, res, 'patient.read');
    res.json({ patients: patients.map(toPatientResponse) });
  });

  r.get('/:id', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const patient = await getPatientFor(db, staff, parseId(req.params.id));
    await audit(req, res, 'patient.read', patient.id);
    res.json({ patient: toPatientResponse(patient) });
  });

  return r;
}
