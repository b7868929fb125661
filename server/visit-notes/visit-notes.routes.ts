import { Router } from 'express';
import { AmendVisitNoteRequestSchema, CreateVisitNoteRequestSchema, UpdateVisitNoteRequestSchema } from '@shared/api/visit-notes.schema';
import { auditFrom } from '../audit/auditor';
import { parseId } from '../id';
import { requireNotesStaff } from './visit-notes.policy';
import * as service from './visit-notes.service';

/**
 * Visit notes, mounted at /api: a visit's notes (read, write one's own), one note (edit inside the window,
 * amend), and a patient's notes for the chart. Clinicians with clinical access to the patient only.
 */
export function visitNotesRoutes(deps: service.VisitNotesDeps): Router {
  const r = Router();

  r.get('/visits/:id/notes', async (req, res) => {
    const staff = requireNotesStaff(res);
    const visitId = parseId(req.params.id);
    res.json({ notes: await service.listForVisit(deps, auditFrom(req, res), staff, visitId) });
  });

  r.post('/visits/:id/notes', async (req, res) => {
    const staff = requireNotesStaff(res);
    const visitId = parseId(req.params.id);
    const note = await service.create(deps, auditFrom(req, res), staff, visitId, () => CreateVisitNoteRequestSchema.parse(req.body));
    res.status(201).json({ note });
  });

  r.patch('/visit-notes/:id', async (req, res) => {
    const staff = requireNotesStaff(res);
    const noteId = parseId(req.params.id);
    res.json({ note: await service.update(deps, auditFrom(req, res), staff, noteId, () => UpdateVisitNoteRequestSchema.parse(req.body)) });
  });

  r.post('/visit-notes/:id/amendments', async (req, res) => {
    const staff = requireNotesStaff(res);
    const noteId = parseId(req.params.id);
    const note = await service.amend(deps, auditFrom(req, res), staff, noteId, () => AmendVisitNoteRequestSchema.parse(req.body));
    res.status(201).json({ note });
  });

  r.get('/patients/:id/notes', async (req, res) => {
    const staff = requireNotesStaff(res);
    const patientId = parseId(req.params.id);
    res.json({ notes: await service.listForPatient(deps, auditFrom(req, res), staff, patientId) });
  });

  return r;
}
