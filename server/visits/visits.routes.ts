import { Router, type Response } from 'express';
import type { Kysely } from 'kysely';
import { CreateVisitRequestSchema, ListVisitsQuerySchema, PatientInviteRequestSchema, UpdateVisitRequestSchema } from '@shared/api/visits.schema';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import type { DB } from '../db/schema';
import { parseId } from '../id';
import { requireNoBody } from '../middleware/require-no-body';
import { patientInviteFor, staffCalendarFor } from './calendar.service';
import { toPatientLinkResponse, toVisitDetailResponse, toVisitResponse } from './visits.presenter';
import { cancelVisit, changeVisit, createVisit, getVisitFor, listVisitsFor, reissueLink, type VisitsDeps } from './visits.service';
import { listActiveClinicians } from './visits.store';

function sendCalendar(res: Response, ics: string, filename: string) {
  res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
  // A neutral file name: it shows up in download bars and mail attachments.
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.send(ics);
}

/** Visits: schedulers and admins manage all of them; a clinician reads the ones they are on. */
export function visitsRoutes(deps: VisitsDeps): Router {
  const { config } = deps;
  const r = Router();

  r.post('/', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const body = CreateVisitRequestSchema.parse(req.body);
    const { detail, link } = await createVisit(deps, auditFrom(req, res), body, staff);
    res.status(201).json({ visit: toVisitResponse(config, detail), patientLink: toPatientLinkResponse(link) });
  });

  r.get('/', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const query = ListVisitsQuerySchema.parse(req.query);
    const visits = await listVisitsFor(deps, auditFrom(req, res), staff, query);
    res.json({ visits: visits.map((d) => toVisitResponse(config, d)) });
  });

  r.get('/:id', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const { detail, attendance } = await getVisitFor(deps, auditFrom(req, res), staff, parseId(req.params.id));
    res.json({ visit: toVisitDetailResponse(config, detail, attendance) });
  });

  r.patch('/:id', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const id = parseId(req.params.id);
    const body = UpdateVisitRequestSchema.parse(req.body);
    const detail = await changeVisit(deps, auditFrom(req, res), staff, id, body);
    res.json({ visit: toVisitResponse(config, detail) });
  });

  r.post('/:id/cancel', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const id = parseId(req.params.id);
    requireNoBody(req.body);
    const detail = await cancelVisit(deps, auditFrom(req, res), staff, id);
    res.json({ visit: toVisitResponse(config, detail) });
  });

  r.post('/:id/patient-link', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const id = parseId(req.params.id);
    requireNoBody(req.body);
    const link = await reissueLink(deps, auditFrom(req, res), staff, id);
    res.json({ patientLink: toPatientLinkResponse(link) });
  });

  r.get('/:id/calendar.ics', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    sendCalendar(res, await staffCalendarFor(deps, auditFrom(req, res), staff, parseId(req.params.id)), 'appointment.ics');
  });

  r.post('/:id/patient-invite.ics', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const id = parseId(req.params.id);
    const { token } = PatientInviteRequestSchema.parse(req.body);
    sendCalendar(res, await patientInviteFor(deps, auditFrom(req, res), staff, id, token), 'appointment.ics');
  });

  return r;
}

/** Active clinicians, for the care-team picker. */
export function cliniciansRoutes(deps: { db: Kysely<DB> }): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    requireStaff(res, 'scheduler', 'admin', 'clinician');
    const clinicians = await listActiveClinicians(deps.db);
    res.json({ clinicians: clinicians.map((c) => ({ id: c.id, name: c.name })) });
  });
  return r;
}
