import express, { Router } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { VideoTokenResponse } from '@shared/api/waiting-room.schema';
import type { Config } from '../config';
import { auditFrom, recordAudit } from '../audit/audit.service';
import type { Dialect } from '../db/database';
import type { DB } from '../db/schema';
import type { LivekitProbe } from '../health/livekit-probe';
import { HttpError, unauthenticated } from '../http-error';
import { parseId } from '../id';
import { limiters } from '../middleware/limiters';
import type { StoreFactory } from '../middleware/rate-limit';
import type { VisitBroadcast } from '../waiting-room/visit-broadcast';
import { requireVisitClinician, requireVisitPatient } from '../waiting-room/visit-access';
import { openVisit } from '../waiting-room/waiting-room.service';
import { clinicianIdsOf, findOrCreateClinicianParticipant, findParticipant, setVisitStatus } from '../waiting-room/waiting-room.store';
import type { VideoService } from './livekit';
import { handleWebhookEvent } from './webhook.service';
import { requireNoBody } from '../middleware/require-no-body';

export interface VideoRouteDeps {
  db: Kysely<DB>;
  dialect: Dialect;
  config: Config;
  video: VideoService;
  broadcast: VisitBroadcast;
  livekitReachable: LivekitProbe;
  logger: Logger;
  storeFor: StoreFactory;
}

/** POST /api/visits/:id/video-token — the only way into a LiveKit room, issued only after admission. */
export function videoTokenRoutes(deps: VideoRouteDeps): Router {
  const { db, config, video } = deps;
  const r = Router();
  const limiter = limiters.videoToken(config, deps.storeFor);

  r.post('/:id/video-token', limiter, async (req, res) => {
    const visitId = parseId(req.params.id);
    requireNoBody(req.body);
    const unavailable = () => new HttpError(503, 'video_unavailable', 'The video service cannot be reached right now', undefined, { 'Retry-After': '5' });
    let identity: string;
    let displayName: string;
    let role: 'patient' | 'clinician';
    let visit: { room_name: string; e2ee_key: string; patient_id: string };
    if (res.locals.staff) {
      const staff = await requireVisitClinician(res, db, visitId);
      const open = await openVisit(db, visitId);
      visit = open;
      // Checked before anything changes: an unreachable video service must not mark the visit started.
      if (!(await deps.livekitReachable())) throw unavailable();
      const participant = await findOrCreateClinicianParticipant(db, visitId, staff.id);
      identity = participant.id;
      displayName = staff.name;
      role = 'clinician';
      if (open.status === 'scheduled' || open.status === 'no_show') {
        await setVisitStatus(db, visitId, { status: 'in_progress', started_at: open.started_at ?? new Date().toISOString() });
        await deps.broadcast.status(visitId, 'in_progress');
      }
      await deps.broadcast.participantsChanged(visitId);
    } else if (res.locals.patient) {
      const patient = requireVisitPatient(res, visitId);
      const row = await db
        .selectFrom('visits')
        .innerJoin('patients', 'patients.id', 'visits.patient_id')
        .select(['visits.status', 'visits.room_name', 'visits.e2ee_key', 'visits.patient_id', 'patients.preferred_name', 'patients.display_name'])
        .where('visits.id', '=', visitId)
        .executeTakeFirst();
      const participant = await findParticipant(db, patient.participantId);
      // CAUTION: admission is checked here on every token; removal and "send back" take effect at once.
      if (!row || (row.status !== 'scheduled' && row.status !== 'in_progress') || participant?.state !== 'admitted') {
        throw new HttpError(403, 'not_admitted', 'Your clinician has not let you in yet');
      }
      visit = row;
      identity = participant.id;
      displayName = row.preferred_name ?? row.display_name;
      role = 'patient';
      if (!(await deps.livekitReachable())) throw unavailable();
    } else {
      throw unauthenticated();
    }

    const clinicians = await clinicianIdsOf(db, visitId);
    const token = await video.mintToken({ roomName: visit.room_name, identity, displayName, role, maxParticipants: clinicians.length + 1 });
    await recordAudit(db, deps.dialect, {
      ...auditFrom(req, res),
      action: 'video.token_issued',
      targets: { visitId, participantId: identity, patientId: visit.patient_id },
    });
    const body: VideoTokenResponse = {
      serverUrl: video.serverUrl,
      roomName: visit.room_name,
      token,
      identity,
      ...(config.e2ee.enabled ? { e2eeKey: visit.e2ee_key } : {}),
      e2eeRequired: config.e2ee.enabled && !config.e2ee.allowUnencryptedFallback,
    };
    res.json(body);
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
