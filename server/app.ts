import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { auditRoutes } from './audit/audit.routes';
import { Auditor } from './audit/auditor';
import { auditRefusals } from './audit/refusal-audit';
import { authRoutes } from './auth/auth.routes';
import { totpRoutes } from './auth/totp.routes';
import { oidcRoutes } from './auth/oidc.routes';
import { AlertSweeper } from './checkins/alert-sweeper';
import { loadInstrumentRegistry, type InstrumentRegistry } from './checkins/instrument-registry';
import { instrumentRoutes } from './checkins/instruments.routes';
import { CheckinBroadcast } from './checkins/checkins.socket';
import { checkinsRoutes } from './checkins/checkins.routes';
import { wasInstrumentSent } from './checkins/checkins.store';
import { limiters } from './middleware/limiters';
import { loadSessions } from './auth/auth.middleware';
import { SessionManager } from './auth/session';
import type { Config } from './config';
import type { Database } from './db/database';
import { healthRoutes } from './health/health.routes';
import { createLivekitProbe, type LivekitProbe } from './health/livekit-probe';
import { clientFiles } from './middleware/client-files';
import { apiNotFound, errorHandler } from './middleware/error-handler';
import { loadShedding } from './middleware/load-shedding';
import { originCheck } from './middleware/origin-check';
import { rejectNulCharacters } from './middleware/reject-nul';
import type { StoreFactory } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { securityHeaders } from './middleware/security-headers';
import { Revocation, SESSION_SWEEP_MS } from './realtime/revocation';
import { createRealtimeServer, type RealtimeServer } from './realtime/socket-server';
import { staffRoutes } from './staff/staff.routes';
import { doorRoutes, joinRoutes } from './visits/join.routes';
import { cliniciansRoutes, visitsRoutes } from './visits/visits.routes';
import { patientsRoutes } from './patients/patients.routes';
import { visitNotesRoutes } from './visit-notes/visit-notes.routes';
import { careTeamRoutes } from './care-team/care-team.routes';
import { patientChartRoutes } from './patients/patient-chart.routes';
import { carePlanRoutes } from './care-plan/care-plan.routes';
import { patientFhirRoutes } from './care-plan/patient-fhir.routes';
import { VideoService } from './video/livekit';
import { RoomAccess } from './video/room-access';
import { videoConfigRoutes, videoTokenRoutes, webhookRoutes } from './video/video.routes';
import { VisitBroadcast } from './visits/visit-broadcast';
import { waitingRoomRoutes } from './waiting-room/waiting-room.routes';
import { Presence } from './waiting-room/presence';
import { measurementRoutes } from './measurement/measurement.routes';
import { sendDueOnEntering } from './measurement/measurement.service';
import { registerWaitingRoomSocket } from './waiting-room/waiting-room.socket';

export interface AppDeps {
  config: Config;
  database: Database;
  logger: Logger;
  /** Where the built client lives; omitted when there is none (API-only tests). */
  clientDir?: string;
  livekitReachable?: LivekitProbe;
  /** True once the process is shutting down: /readyz then answers 503. */
  draining?: () => boolean;
  /** The LiveKit client; tests point it at a local stand-in for LiveKit's RoomService. */
  video?: VideoService;
  /** Shared rate-limit store per limiter (Redis); in-memory when absent. */
  storeFor?: StoreFactory;
  /** Instrument definitions; loaded from the built-ins and INSTRUMENTS_DIR when absent. */
  instruments?: InstrumentRegistry;
}

export interface AppHandle {
  app: Express;
  server: http.Server;
  io: RealtimeServer;
  sessions: SessionManager;
  instruments: InstrumentRegistry;
  /** Patients' connection state and the waiting-room expiry; stopped when the server closes. */
  presence: Presence;
  /** Drops the open sockets of a session, account, participant or visit whose right ended. */
  revocation: Revocation;
}

export const DEFAULT_CLIENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/client');

/** Wires the Express app and socket.io onto one HTTP server. Never listens: main.ts and tests do. */
export function createApp(deps: AppDeps): AppHandle {
  const { config, database, logger } = deps;
  const db = database.db;
  const storeFor = deps.storeFor ?? (() => undefined);
  const sessions = new SessionManager(
    db,
    config.sessionSecret,
    config.sessionTtlMinutes,
    config.publicUrl.startsWith('https:'),
    config.ssoOnly,
  );
  const livekitReachable = deps.livekitReachable ?? createLivekitProbe(config.livekit.url);
  const instruments = deps.instruments ?? loadInstrumentRegistry(config.instrumentsDir, logger);

  const app = express();
  const server = http.createServer(app);
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  const io = createRealtimeServer(server, { sessions, allowedOrigins: config.allowedOrigins, logger, ping: config.socketPing });
  const video = deps.video ?? new VideoService(config);
  const roomAccess = new RoomAccess(db, video, logger, (visitId) => revocation.rekeyed(visitId));
  const revocation = new Revocation(io, logger, roomAccess);
  sessions.attachLiveChannels(revocation);
  revocation.startSweeping(sessions, SESSION_SWEEP_MS);
  server.once('close', () => revocation.stopSweeping());
  const broadcast = new VisitBroadcast(db, io, logger);
  // The one audit writer: it alone knows the dialect; features hand it their transaction.
  const auditor = new Auditor(db, database.dialect);
  const presence = new Presence({ db, auditor, io, broadcast, logger, graceMs: config.presenceGraceSeconds * 1000 });
  registerWaitingRoomSocket(io, { db, auditor, logger, broadcast, presence });
  presence.start();
  server.once('close', () => void presence.stop());
  const visitDeps = { db, auditor, config, video, broadcast, livekitReachable, logger, storeFor, revocation };
  const checkinBroadcast = new CheckinBroadcast(db, io, logger);
  const alertSweeper = new AlertSweeper({ db, broadcast: checkinBroadcast, logger, afterMs: config.alertRepushAfterSeconds * 1000 });
  alertSweeper.start();
  server.once('close', () => void alertSweeper.stop());

  const measurementDeps = { db, auditor, instruments, broadcast: checkinBroadcast, careRelationshipDays: config.careRelationshipDays, logger };
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  app.use(requestContext(logger));
  app.use(securityHeaders(config.livekit.url));
  app.use(healthRoutes({ database, livekitReachable, draining: deps.draining }));
  app.use('/api', loadShedding(config.overload, server));

  const api = express.Router();
  api.use(originCheck(config.allowedOrigins));
  // Before the JSON parser: the webhook's signature covers the exact raw body.
  api.use('/livekit', webhookRoutes(visitDeps));
  api.use(express.json({ limit: config.bodyLimitBytes, strict: true }));
  api.use(rejectNulCharacters);
  api.use(loadSessions(sessions));
  api.use('/auth', authRoutes({ db, auditor, config, sessions, storeFor }));
  api.use('/auth', totpRoutes({ db, auditor, config, sessions, storeFor }));
  api.use('/auth', oidcRoutes({ db, auditor, config, sessions, storeFor }));
  api.use('/staff', staffRoutes({ db, auditor, publicUrl: config.publicUrl, inviteHours: config.staffInviteHours, signOut: sessions }));
  api.use('/patients', patientChartRoutes({ db, auditor, instruments, careRelationshipDays: config.careRelationshipDays }));
  api.use('/patients', patientsRoutes({ db, auditor }));
  api.use('/patients', careTeamRoutes({ db, auditor, careRelationshipDays: config.careRelationshipDays }));
  api.use('/clinicians', cliniciansRoutes({ db }));
  api.use('/visits', visitsRoutes({ db, auditor, config, revocation }));
  api.use('/join', joinRoutes({ db, auditor, config, sessions, storeFor }));
  api.use('/visits', doorRoutes({ db, auditor }));
  api.use('/visits', waitingRoomRoutes({ ...visitDeps, afterEnteringWaitingRoom: (visitId, requestId) => sendDueOnEntering(measurementDeps, visitId, requestId) }));
  api.use('/visits', videoTokenRoutes(visitDeps));
  api.use('/video', videoConfigRoutes(visitDeps));
  api.use('/instruments', instrumentRoutes({ instruments, sentToPatient: (visitId, instrumentId) => wasInstrumentSent(db, visitId, instrumentId) }));
  api.use(
    checkinsRoutes({
      db,
      auditor,
      instruments,
      broadcast: checkinBroadcast,
      crisisResources: config.crisisResources,
      careRelationshipDays: config.careRelationshipDays,
      answerLimiter: limiters.answers(config, storeFor),
    }),
  );
  api.use('/patients', carePlanRoutes({ db, auditor, careRelationshipDays: config.careRelationshipDays }));
  api.use('/patients', patientFhirRoutes({ db, auditor, instruments, publicUrl: config.publicUrl, careRelationshipDays: config.careRelationshipDays }));
  api.use('/patients', measurementRoutes(measurementDeps));
  api.use(visitNotesRoutes({ db, auditor, careRelationshipDays: config.careRelationshipDays, editMinutes: config.visitNoteEditMinutes }));
  api.use(auditRoutes({ db, auditor }));
  api.use(apiNotFound);
  api.use(auditRefusals(db, auditor, logger));
  app.use('/api', api);

  const client = deps.clientDir ? clientFiles(deps.clientDir) : null;
  if (client) app.use(client);
  app.use(errorHandler(logger));
  return { app, server, io, sessions, instruments, presence, revocation };
}
