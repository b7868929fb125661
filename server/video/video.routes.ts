import express, { Router } from 'express';
import type { Logger } from 'pino';
import { auditFrom } from '../audit/auditor';
import type { Config } from '../config';
import { HttpError, unauthenticated } from '../http-error';
import { parseId } from '../id';
import { limiters } from '../middleware/limiters';
import type { StoreFactory } from '../middleware/rate-limit';
import { requireNoBody } from '../middleware/require-no-body';
import { requireClinicianSession, requireVisitPatient } from '../visits/visit.policy';
import { toVideoTokenResponse } from './video.presenter';
import { issueToken, type TokenCaller, type VideoDeps } from './video.service';
import { handleWebhookEvent } from './webhook.service';

export interface VideoRouteDeps extends VideoDeps {
  config: Config;
  logger: Logger;
  storeFor: StoreFactory;
}

/** POST /api/visits/:id/video-token — the only way into a LiveKit room, issued only after admission. */
export function videoTokenRoutes(deps: VideoRouteDeps): Router {
  const r = Router();
  const limiter = limiters.videoToken(deps.config, deps.storeFor);

  r.post('/:id/video-token', limiter, async (req, res) => {
    const visitId = parseId(req.params.id);
    requireNoBody(req.body);
    let caller: TokenCaller;
    if (res.locals.staff) caller = { kind: 'clinician', staff: requireClinicianSession(res) };
    else if (res.locals.patient) caller = { kind: 'patient', patient: requireVisitPatient(res, visitId) };
    else throw unauthenticated();
    const issued = await issueToken(deps, auditFrom(req, res), caller, visitId);
    res.json(toVideoTokenResponse(deps.config, deps.video, issued));
  });

  return r;
}

/** GET /api/video/config — the LiveKit URL, so a waiting patient can pre-warm the connection. */
export function videoConfigRoutes(deps: Pick<VideoRouteDeps, 'video'>): Router {
  const r = Router();
  r.get('/config', (_req, res) => {
    if (!res.locals.staff && !res.locals.patient) throw unauthenticated();
    res.json({ serverUrl: deps.video.serverUrl });
  });
  return r;
}

/**
 * POST /api/livekit/webhook. The raw body is needed to check the signed SHA-256, so this router
 * parses `application/webhook+json` itself; the Authorization header is a bare JWT (no Bearer).
 */
export function webhookRoutes(deps: Pick<VideoRouteDeps, 'db' | 'video' | 'logger'>): Router {
  const r = Router();
  r.post('/webhook', express.raw({ type: 'application/webhook+json', limit: '64kb' }), async (req, res) => {
    if (!Buffer.isBuffer(req.body)) throw new HttpError(415, 'unsupported_media_type', 'Expected application/webhook+json');
    let event;
    try {
      event = await deps.video.receiveWebhook(req.body.toString('utf8'), req.get('authorization'));
    } catch {
      throw new HttpError(401, 'unauthenticated', 'Webhook signature is not valid');
    }
    const outcome = await handleWebhookEvent(deps.db, deps.logger, event);
    deps.logger.info({ reqId: req.id, event: event.event, outcome }, 'livekit webhook');
    res.json({ outcome });
  });
  return r;
}
