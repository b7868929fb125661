import { Router } from 'express';
import { ConsentRequestSchema, ParticipantActionSchema, WaitingMessageRequestSchema } from '@shared/api/waiting-room.schema';
import { auditFrom } from '../audit/auditor';
import { parseId } from '../id';
import { requireNoBody } from '../middleware/require-no-body';
import { requireVisitClinician, requireVisitPatient } from '../visits/visit.policy';
import { toParticipantStateResponse } from '../visits/visits.presenter';
import * as service from './waiting-room.service';

/**
 * The patient's path from consent to the call, and the clinician's waiting-list actions.
 * Mounted under /api/visits.
 */
export function waitingRoomRoutes(deps: service.WaitingRoomDeps): Router {
  const { db } = deps;
  const r = Router();

  r.post('/:id/consent', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = requireVisitPatient(res, visitId);
    const body = ConsentRequestSchema.parse(req.body);
    res.json({ participant: await service.consent(deps, auditFrom(req, res), visitId, patient.participantId, body.version) });
  });

  r.post('/:id/waiting-room', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = requireVisitPatient(res, visitId);
    requireNoBody(req.body);
    res.json({ participant: toParticipantStateResponse(await service.enterWaitingRoom(deps, auditFrom(req, res), visitId, patient.participantId)) });
  });

  r.post('/:id/leave', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = requireVisitPatient(res, visitId);
    requireNoBody(req.body);
    res.json({ participant: toParticipantStateResponse(await service.leave(deps, auditFrom(req, res), visitId, patient.participantId)) });
  });

  r.post('/:id/admit', async (req, res) => {
    const visitId = parseId(req.params.id);
    const staff = await requireVisitClinician(res, db, visitId);
    const { participantId } = ParticipantActionSchema.parse(req.body);
    res.json({ participant: toParticipantStateResponse(await service.admit(deps, auditFrom(req, res), visitId, participantId, staff.id)) });
  });

  r.post('/:id/deny', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    const { participantId } = ParticipantActionSchema.parse(req.body);
    res.json({ participant: toParticipantStateResponse(await service.deny(deps, auditFrom(req, res), visitId, participantId)) });
  });

  r.post('/:id/return-to-waiting', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    const { participantId } = ParticipantActionSchema.parse(req.body);
    res.json({ participant: toParticipantStateResponse(await service.returnToWaiting(deps, auditFrom(req, res), visitId, participantId)) });
  });

  r.post('/:id/participants/:participantId/remove', async (req, res) => {
    const visitId = parseId(req.params.id);
    const participantId = parseId(req.params.participantId);
    await requireVisitClinician(res, db, visitId);
    requireNoBody(req.body);
    res.json({ participant: toParticipantStateResponse(await service.remove(deps, auditFrom(req, res), visitId, participantId)) });
  });

  r.post('/:id/end', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    requireNoBody(req.body);
    res.json({ visit: await service.endVisit(deps, auditFrom(req, res), visitId) });
  });

  r.put('/:id/waiting-message', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    const body = WaitingMessageRequestSchema.parse(req.body);
    res.json({ message: await service.setWaitingMessage(deps, auditFrom(req, res), visitId, body) });
  });

  return r;
}
