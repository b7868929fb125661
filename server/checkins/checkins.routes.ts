import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { AnswerRequestSchema, CheckinLanguageQuerySchema, HistoryQuerySchema, SendCheckinRequestSchema } from '@shared/api/checkins.schema';
import { LinkIdSchema } from '@shared/instruments/definition.schema';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import { HttpError, notFound, unauthenticated } from '../http-error';
import { parseId } from '../id';
import { requireVisitClinician } from '../visits/visit.policy';
import { requireCheckinClinician, requireCheckinDevice, requireCheckinPatient, requireCheckinViewer } from './checkin.policy';
import * as service from './checkins.service';
import { requireNoBody } from '../middleware/require-no-body';

const AlertCodeSchema = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/);


/** A linkId from the path; an impossible one is bad input naming the field (the item list is public). */
function linkIdParam(req: Request): string {
  const parsed = LinkIdSchema.safeParse(req.params.linkId);
  if (!parsed.success)
    throw new HttpError(400, 'validation_failed', 'No such question', [{ field: 'linkId', message: 'This check-in has no such question' }]);
  return parsed.data;
}

/**
 * The in-visit check-in: clinicians send, the patient answers privately and shares, the server
 * scores. Mounted at /api (paths under /visits, /checkins and /patients).
 */
export function checkinsRoutes(deps: service.CheckinsDeps & { answerLimiter?: RequestHandler }): Router {
  const { db } = deps;
  const r = Router();
  const answerLimiter: RequestHandler = deps.answerLimiter ?? ((_req, _res, next) => next());

  r.post('/visits/:id/checkins', async (req, res) => {
    const visitId = parseId(req.params.id);
    const staff = await requireVisitClinician(res, db, visitId);
    const body = SendCheckinRequestSchema.parse(req.body);
    const ids = body.instrumentIds ?? [body.instrumentId as string];
    const sent = await service.sendCheckins(deps, auditFrom(req, res), visitId, staff, ids);
    res.status(201).json(body.instrumentIds ? { checkins: sent } : { checkin: sent[0] });
  });

  r.get('/visits/:id/checkins', async (req, res) => {
    const visitId = parseId(req.params.id);
    const patient = res.locals.patient;
    // A browser may carry both sessions; a clinician of this visit is answered as a clinician.
    if (patient && patient.visitId === visitId && !res.locals.staff) {
      const { lang } = CheckinLanguageQuerySchema.parse(req.query);
      await requireCheckinDevice(db, patient);
      const checkins = await service.listForPatient(deps, visitId, lang ?? 'en', patient.participantId);
      await deps.auditor.record(db, auditFrom(req, res), { action: 'checkin.read', targets: { visitId, participantId: patient.participantId } });
      res.json({ checkins });
      return;
    }
    if (!res.locals.staff) {
      if (patient) throw notFound();
      throw unauthenticated();
    }
    await requireVisitClinician(res, db, visitId);
    CheckinLanguageQuerySchema.parse(req.query);
    res.json(await service.listForClinician(deps, auditFrom(req, res), visitId));
  });

  r.get('/checkins/:id', async (req, res) => {
    const { row, viewer } = await requireCheckinViewer(res, db, req.params.id);
    const { lang } = CheckinLanguageQuerySchema.parse(req.query);
    if (viewer.kind === 'patient') {
      const checkin = await service.getForPatient(deps, row, lang ?? 'en', viewer.patient.participantId);
      await deps.auditor.record(db, auditFrom(req, res), {
        action: 'checkin.read',
        targets: { visitId: row.visit_id, patientId: row.patient_id, checkinId: row.id, participantId: viewer.patient.participantId },
      });
      res.json({ checkin });
    }
    else res.json({ checkin: await service.getForClinician(deps, auditFrom(req, res), row) });
  });

  r.put('/checkins/:id/answers/:linkId', answerLimiter, async (req, res) => {
    const { row, answering, facts } = await requireCheckinPatient(res, db, req.params.id);
    const linkId = linkIdParam(req);
    const { value } = AnswerRequestSchema.parse(req.body);
    res.json(await service.saveAnswer(deps, auditFrom(req, res), row, answering, linkId, value, facts));
  });

  r.delete('/checkins/:id/answers/:linkId', answerLimiter, async (req, res) => {
    const { row, answering } = await requireCheckinPatient(res, db, req.params.id);
    const linkId = linkIdParam(req);
    requireNoBody(req.body);
    res.json(await service.clearAnswer(deps, auditFrom(req, res), row, answering, linkId));
  });

  r.post('/checkins/:id/submit', async (req, res) => {
    const { row, answering } = await requireCheckinPatient(res, db, req.params.id);
    const { lang } = CheckinLanguageQuerySchema.parse(req.query);
    requireNoBody(req.body);
    res.json(await service.submit(deps, auditFrom(req, res), row, answering, lang ?? 'en'));
  });

  r.get('/checkins/:id/fhir', async (req, res) => {
    const { row } = await requireCheckinClinician(res, db, req.params.id);
    const resource = await service.exportFhir(deps, auditFrom(req, res), row);
    res.type('application/fhir+json').send(JSON.stringify(resource));
  });

  r.post('/checkins/:id/alerts/:code/acknowledge', async (req, res) => {
    const { row, staff } = await requireCheckinClinician(res, db, req.params.id);
    const code = AlertCodeSchema.safeParse(req.params.code);
    if (!code.success) throw notFound('This check-in has no such alert');
    requireNoBody(req.body);
    res.json({ alert: await service.acknowledge(deps, auditFrom(req, res), row, staff, code.data) });
  });

  r.get('/patients/:id/checkins', async (req, res) => {
    const staff = requireStaff(res);
    const patientId = parseId(req.params.id);
    const { instrumentId } = HistoryQuerySchema.parse(req.query);
    res.json({ checkins: await service.history(deps, auditFrom(req, res), staff, patientId, instrumentId) });
  });

  return r;
}
