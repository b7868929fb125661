import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import {
  CreateVisitRequestSchema,
  ListVisitsQuerySchema,
  PatientInviteRequestSchema,
  UpdateVisitRequestSchema,
  type PatientLink,
  type Visit,
} from '@shared/api/visits.schema';
import { requireStaff } from '../auth/auth.middleware';
import type { Config } from '../config';
import { auditFrom, recordAudit, type AuditAction, type AuditTargets } from '../audit/audit.service';
import type { Dialect } from '../db/database';
import type { DB } from '../db/schema';
import { parseId } from '../id';
import { attendanceSummary } from '../video/attendance.store';
import { parseWaitingMessage } from '../waiting-room/waiting-room.service';
import { patientInvite, staffCalendar } from './calendar.service';
import {
  cancelVisit,
  changeVisit,
  createVisit,
  getVisitFor,
  getVisitRowFor,
  linkWindow,
  listVisitsFor,
  reissueLink,
  visitEnd,
  type IssuedLink,
  type VisitDetail,
} from './visits.service';
import { listActiveClinicians } from './visits.store';
import { requireNoBody } from '../middleware/require-no-body';

/** The staff view of a visit. Room name, E2EE key and link hashes never leave the server. */
export function toVisitResponse(config: Config, d: VisitDetail): Visit {
  const { visit, patient } = d;
  const w = linkWindow(config, visit);
  const patientName = patient.preferred_name || patient.display_name;
  return {
    id: visit.id,
    patient: {
      id: patient.id,
      displayName: patient.display_name,
      preferredName: patient.preferred_name,
      pronouns: patient.pronouns,
    },
    startsAt: visit.starts_at,
    endsAt: visitEnd(visit).toISOString(),
    durationMinutes: visit.duration_minutes,
    reason: visit.reason,
    status: visit.status,
    clinicians: d.clinicians.map((c) => ({ id: c.id, name: c.name })),
    participants: d.participants.map((p) => ({
      id: p.id,
      kind: p.kind,
      displayName: p.kind === 'patient' ? patientName : p.kind === 'clinician' ? (p.staff_name ?? 'Clinician') : 'Guest',
      state: p.state,
    })),
    link: {
      active: !!d.link && !d.link.revoked_at && visit.status !== 'cancelled',
      opensAt: w.opensAt.toISOString(),
      expiresAt: w.expiresAt.toISOString(),
      lastUsedAt: d.link?.last_used_at ?? null,
    },
    createdAt: visit.created_at,
  };
}

export const toPatientLinkResponse = (l: IssuedLink): PatientLink => ({ url: l.url, expiresAt: l.expiresAt, opensAt: l.opensAt });

function sendCalendar(res: Response, ics: string, filename: string) {
  res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
  // A neutral file name: it shows up in download bars and mail attachments.
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.send(ics);
}


/** Visits: schedulers and admins manage all of them; a clinician reads the ones they are on. */
export function visitsRoutes(deps: { db: Kysely<DB>; dialect: Dialect; config: Config }): Router {
  const { db, config } = deps;
  const r = Router();
  const audit = (req: Request, res: Response, action: AuditAction, targets?: AuditTargets) =>
    recordAudit(db, deps.dialect, { ...auditFrom(req, res), action, ...(targets ? { targets } : {}) });

  r.post('/', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const body = CreateVisitRequestSchema.parse(req.body);
    const { detail, link } = await createVisit(db, config, body, staff);
    const targets = { visitId: detail.visit.id, patientId: detail.visit.patient_id };
    await audit(req, res, 'visit.created', targets);
    await audit(req, res, 'link.issued', { ...targets, linkId: link.row.id });
    res.status(201).json({ visit: toVisitResponse(config, detail), patientLink: toPatientLinkResponse(link) });
  });

  r.get('/', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const query = ListVisitsQuerySchema.parse(req.query);
    const visits = await listVisitsFor(db, staff, query);
    // A list is one read event; the single-visit view below records which visit and patient.
    await audit(req, res, 'visit.read');
    res.json({ visits: visits.map((d) => toVisitResponse(config, d)) });
  });

  r.get('/:id', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const detail = await getVisitFor(db, staff, parseId(req.params.id));
    await audit(req, res, 'visit.read', { visitId: detail.visit.id, patientId: detail.visit.patient_id });
    // Attendance comes from LiveKit webhooks (server/video); shown on the single-visit view only.
    res.json({
      visit: {
        ...toVisitResponse(config, detail),
        attendance: await attendanceSummary(db, detail.visit.id),
        waitingMessage: parseWaitingMessage(detail.visit.waiting_message),
      },
    });
  });

  r.patch('/:id', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const id = parseId(req.params.id);
    const body = UpdateVisitRequestSchema.parse(req.body);
    const detail = await changeVisit(db, staff, id, body);
    await audit(req, res, 'visit.updated', { visitId: detail.visit.id, patientId: detail.visit.patient_id });
    res.json({ visit: toVisitResponse(config, detail) });
  });

  r.post('/:id/cancel', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const id = parseId(req.params.id);
    requireNoBody(req.body);
    const detail = await cancelVisit(db, staff, id);
    await audit(req, res, 'visit.cancelled', { visitId: detail.visit.id, patientId: detail.visit.patient_id });
    await audit(req, res, 'link.revoked', { visitId: detail.visit.id, patientId: detail.visit.patient_id });
    res.json({ visit: toVisitResponse(config, detail) });
  });

  r.post('/:id/patient-link', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const id = parseId(req.params.id);
    requireNoBody(req.body);
    const link = await reissueLink(db, config, staff, id);
    await audit(req, res, 'link.revoked', { visitId: id });
    await audit(req, res, 'link.issued', { visitId: id, linkId: link.row.id });
    res.json({ patientLink: toPatientLinkResponse(link) });
  });

  r.get('/:id/calendar.ics', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin', 'clinician');
    const visit = await getVisitRowFor(db, staff, parseId(req.params.id));
    await audit(req, res, 'visit.read', { visitId: visit.id, patientId: visit.patient_id });
    sendCalendar(res, staffCalendar(config, visit), 'appointment.ics');
  });

  r.post('/:id/patient-invite.ics', async (req, res) => {
    const staff = requireStaff(res, 'scheduler', 'admin');
    const id = parseId(req.params.id);
    const { token } = PatientInviteRequestSchema.parse(req.body);
    const visit = await getVisitRowFor(db, staff, id);
    const ics = await patientInvite(db, config, visit, token);
    await audit(req, res, 'visit.read', { visitId: visit.id, patientId: visit.patient_id });
    sendCalendar(res, ics, 'appointment.ics');
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
