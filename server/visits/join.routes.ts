import { Router } from 'express';
import type { Kysely } from 'kysely';
import { JoinRequestSchema, type JoinResponse } from '@shared/api/join.schema';
import type { SessionManager } from '../auth/session';
import type { Config } from '../config';
import { auditFrom, recordAudit } from '../audit/audit.service';
import type { Dialect } from '../db/database';
import type { DB } from '../db/schema';
import { limiters } from '../middleware/limiters';
import type { StoreFactory } from '../middleware/rate-limit';
import { joinVisit } from './join.service';

/** Only the fields a patient may see; the service builds nothing else, this keeps it that way. */
export function toJoinResponse(r: JoinResponse): JoinResponse {
  return {
    visit: {
      id: r.visit.id,
      startsAt: r.visit.startsAt,
      durationMinutes: r.visit.durationMinutes,
      status: r.visit.status,
      clinicians: r.visit.clinicians.map((c) => ({ name: c.name })),
    },
    patient: { preferredName: r.patient.preferredName, preferredLanguage: r.patient.preferredLanguage, pronouns: r.patient.pronouns },
    participant: { id: r.participant.id, state: r.participant.state, consented: r.participant.consented },
    waitingMessage: r.waitingMessage,
  };
}

/** POST /api/join: a patient link becomes a patient session scoped to that one visit. No account needed. */
export function joinRoutes(deps: { db: Kysely<DB>; dialect: Dialect; config: Config; sessions: SessionManager; storeFor: StoreFactory }): Router {
  const { db, config, sessions } = deps;
  const r = Router();
  const perAddress = limiters.join(config, deps.storeFor);

  r.post('/', perAddress, async (req, res) => {
    const body = JoinRequestSchema.parse(req.body);
    const current = res.locals.patient;
    const outcome = await joinVisit(db, config, body, current, async (targets) => {
      await recordAudit(db, deps.dialect, { ...auditFrom(req, res), action: 'dob.failed', outcome: 'failure', targets });
    });
    // A reload with a live session of the same participant keeps it; anything else gets a fresh one.
    if (current?.participantId !== outcome.participantId) {
      await sessions.startPatientSession(res, outcome.participantId, outcome.visitId, outcome.sessionEnd);
      res.locals.actorId = outcome.participantId;
    }
    await recordAudit(db, deps.dialect, {
      actor: { kind: 'patient', id: outcome.participantId },
      requestId: req.id,
      ip: req.ip,
      action: 'link.used',
      targets: { visitId: outcome.visitId, patientId: outcome.patientId, participantId: outcome.participantId, linkId: outcome.linkId },
    });
    res.json(toJoinResponse(outcome.response));
  });

  return r;
}
