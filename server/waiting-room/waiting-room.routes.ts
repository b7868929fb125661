import { Router } from 'express';
import type { Kysely } from 'kysely';
import { ConsentRequestSchema, ParticipantActionSchema, WaitingMessageRequestSchema } from '@shared/api/waiting-room.schema';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';
import { parseId } from '../id';
import { requireVisitClinician, requireVisitPatient } from './visit-access';
import * as service from './waiting-room.service';

const noBody = (body: unknown) => {
  if (body !== undefined && (typeof body !== 'object' || body === null || Object.keys(body).length > 0)) {
    throw new HttpError(400, 'validation_failed', 'This request takes no body');
  }
};

/**
 * The patient's path from consent to the call, and the clinician's waiting-list actions.
 * Mounted under /api/visits.
 */
export function waitingRoomRoutes(deps: service.WaitingRoomDeps & { db: Kysely<DB> }): Router {
  const { db } = deps;
  const r = Router();

  r.post('/:id/consent', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = requireVisitPatient(res, visitId);
    const body = ConsentRequestSchema.parse(req.body);
    res.json({ participant: await service.consent(deps, visitId, patient.participantId, body.version) });
  });

  r.post('/:id/waiting-room', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = requireVisitPatient(res, visitId);
    noBody(req.body);
    res.json({ participant: await service.enterWaitingRoom(deps, visitId, patient.participantId) });
  });

  r.post('/:id/leave', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = requireVisitPatient(res, visitId);
    noBody(req.body);
    res.json({ participant: await service.leave(deps, visitId, patient.participantId) });
  });

  r.post('/:id/admit', async (req, res) => {
    const visitId = parseId(req.params.id);
    const staff = await requireVisitClinician(res, db, visitId);
    const { participantId } = ParticipantActionSchema.parse(req.body);
    res.json({ participant: await service.admit(deps, visitId, participantId, staff.id) });
  });

  r.post('/:id/deny', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    const { participantId } = ParticipantActionSchema.parse(req.body);
    res.json({ participant: await service.deny(deps, visitId, participantId) });
  });

  r.post('/:id/return-to-waiting', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    const { participantId } = ParticipantActionSchema.parse(req.body);
    res.json({ participant: await service.returnToWaiting(deps, visitId, participantId) });
  });

  r.post('/:id/participants/:participantId/remove', async (req, res) => {
    const visitId = parseId(req.params.id);
    const participantId = parseId(req.params.participantId);
    await requireVisitClinician(res, db, visitId);
    noBody(req.body);
    res.json({ participant: await service.remove(deps, visitId, participantId) });
  });

  r.post('/:id/end', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    noBody(req.body);
    res.json({ visit: await service.endVisit(deps, visitId) });
  });

  r.put('/:id/waiting-message', async (req, res) => {
    const visitId = parseId(req.params.id);
    await requireVisitClinician(res, db, visitId);
    const body = WaitingMessageRequestSchema.parse(req.body);
    res.json({ message: await service.setWaitingMessage(deps, visitId, body) });
  });

  return r;
}
