import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { ConsentRequestSchema, ParticipantActionSchema, WaitingMessageRequestSchema } from '@shared/api/waiting-room.schema';
import { auditFrom, recordAudit, type AuditAction } from '../audit/audit.service';
import type { Dialect } from '../db/database';
import type { DB } from '../db/schema';
import { parseId } from '../id';
import { requireVisitClinician, requireVisitPatient } from './visit-access';
import * as service from './waiting-room.service';
import { requireNoBody } from '../middleware/require-no-body';


/**
 * The patient's path from consent to the call, and the clinician's waiting-list actions.
 * Mounted under /api/visits.
 */
export function waitingRoomRoutes(deps: service.WaitingRoomDeps & { db: Kysely<DB>; dialect: Dialect }): Router {
  const { db } = deps;
  const r = Router();
  const audit = async (req: Request, res: Response, action: AuditAction, visitId: string, participantId?: string) => {
    const visit = await db.selectFrom('visits').select('patient_id').where('id', '=', visitId).executeTakeFirst();
    await recordAudit(db, deps.dialect, { ...auditFrom(req, res), action, targets: { visitId, participantId, patientId: visit?.patient_id } });
  };

  r.post('/:id/consent', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = requireVisitPatient(res, visitId);
    const body = ConsentRequestSchema.parse(req.body);
    const participant = await service.consent(deps, visitId, patient.participantId, body.version);
    await audit(req, res, 'consent.recorded', visitId, patient.participantId);
    res.json({ participant });
  });

  r.post('/:id/waiting-room', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = requireVisitPatient(res, visitId);
    requireNoBody(req.body);
    res.json({ participant: await service.enterWaitingRoom(deps, visitId, patient.participantId) });
  });

  r.post('/:id/leave', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = requireVisitPatient(res, visitId);
    requireNoBody(req.body);
    res.json({ participant: await service.leave(deps, visitId, patient.participantId) });
  });

  r.post('/:id/admit', async (req, res) => {
    const visitId = parseId(req.params.id);
    const staff = await requireVisitClinician(res, db, visitId);
    const { participantId } = ParticipantActionSchema.parse(req.body);
    const participant = await service.admit(deps, visitId, participantId, staff.id);
    await audit(req, res, 'participant.admitted', visitId, participantId);
    res.json({ participant });
  });

  r.post('/:id/deny', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    const { participantId } = ParticipantActionSchema.parse(req.body);
    const participant = await service.deny(deps, visitId, participantId);
    await audit(req, res, 'participant.denied', visitId, participantId);
    res.json({ participant });
  });

  r.post('/:id/return-to-waiting', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    const { participantId } = ParticipantActionSchema.parse(req.body);
    const participant = await service.returnToWaiting(deps, visitId, participantId);
    await audit(req, res, 'participant.returned', visitId, participantId);
    res.json({ participant });
  });

  r.post('/:id/participants/:participantId/remove', async (req, res) => {
    const visitId = parseId(req.params.id);
    const participantId = parseId(req.params.participantId);
    await requireVisitClinician(res, db, visitId);
    requireNoBody(req.body);
    const participant = await service.remove(deps, visitId, participantId);
    await audit(req, res, 'participant.removed', visitId, participantId);
    res.json({ participant });
  });

  r.post('/:id/end', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    requireNoBody(req.body);
    const visit = await service.endVisit(deps, visitId);
    await audit(req, res, 'visit.ended', visitId);
    res.json({ visit });
  });

  r.put('/:id/waiting-message', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    const body = WaitingMessageRequestSchema.parse(req.body);
    res.json({ message: await service.setWaitingMessage(deps, visitId, body) });
  });

  return r;
}
