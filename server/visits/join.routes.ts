import { Router } from 'express';
import type { Kysely } from 'kysely';
import { JoinRequestSchema } from '@shared/api/join.schema';
import { auditFrom, type Auditor } from '../audit/auditor';
import type { SessionManager } from '../auth/session';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { limiters } from '../middleware/limiters';
import type { StoreFactory } from '../middleware/rate-limit';
import { joinVisit } from './join.service';

/** POST /api/join: a patient link becomes a patient session scoped to that one visit. No account needed. */
export function joinRoutes(deps: { db: Kysely<DB>; auditor: Auditor; config: Config; sessions: SessionManager; storeFor: StoreFactory }): Router {
  const { db, auditor, config, sessions } = deps;
  const r = Router();
  const perAddress = limiters.join(config, deps.storeFor);

  r.post('/', perAddress, async (req, res) => {
    const body = JoinRequestSchema.parse(req.body);
    const current = res.locals.patient;
    const outcome = await joinVisit(db, config, body, current, async (targets) => {
      await auditor.record(db, auditFrom(req, res), { action: 'dob.failed', outcome: 'failure', targets });
    });
    // A reload with a live session of the same participant keeps it; anything else gets a fresh one.
    if (current?.participantId !== outcome.participantId) {
      await sessions.startPatientSession(res, outcome.participantId, outcome.visitId, outcome.sessionEnd);
      res.locals.actorId = outcome.participantId;
    }
    await auditor.record(
      db,
      { actor: { kind: 'patient', id: outcome.participantId }, requestId: req.id, ip: req.ip },
      {
        action: 'link.used',
        targets: { visitId: outcome.visitId, patientId: outcome.patientId, participantId: outcome.participantId, linkId: outcome.linkId },
      },
    );
    res.json(outcome.response);
  });

  return r;
}
