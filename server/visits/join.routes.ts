import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { JoinRequestSchema } from '@shared/api/join.schema';
import { auditFrom, type Auditor } from '../audit/auditor';
import { PATIENT_COOKIE, readCookie, type SessionManager } from '../auth/session';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { HttpError, unauthenticated } from '../http-error';
import { parseId } from '../id';
import { limiters } from '../middleware/limiters';
import type { StoreFactory } from '../middleware/rate-limit';
import { requireNoBody } from '../middleware/require-no-body';
import { joinVisit, type DoorAudit, type JoinCommit } from './join.service';
import { readDobLock, unlockDob } from './door.service';
import { requireReadableVisit } from './visit.policy';

function doorAudit(db: Kysely<DB>, auditor: Auditor, req: Request, res: Response): DoorAudit {
  return (action, outcome, targets) => auditor.record(db, auditFrom(req, res), { action, outcome, targets });
}

/** POST /api/join: a patient link becomes a patient session scoped to that one visit and one device. No account needed. */
export function joinRoutes(deps: {
  db: Kysely<DB>;
  auditor: Auditor;
  config: Config;
  sessions: SessionManager;
  storeFor: StoreFactory;
}): Router {
  const { db, auditor, config, sessions } = deps;
  const r = Router();
  const perAddress = limiters.join(config, deps.storeFor);

  r.post('/', perAddress, async (req, res) => {
    const body = JoinRequestSchema.parse(req.body);
    const former = res.locals.patient ? undefined : await sessions.formerPatientDevice(readCookie(req, PATIENT_COOKIE));
    // The device and its link.used entry commit together; the session starts once both are there.
    const commit: JoinCommit = (change, targets) =>
      auditor.transaction(async (trx) => {
        const device = await change(trx);
        await auditor.record(
          trx,
          { actor: { kind: 'patient', id: device.id }, requestId: req.id, ip: req.ip },
          { action: 'link.used', targets: { ...targets, participantId: device.id } },
        );
        return device;
      });
    const outcome = await joinVisit(db, config, body, res.locals.patient, req.ip ?? null, doorAudit(db, auditor, req, res), commit, former);
    // The same device coming back keeps its session; any other browser is a new device with its own.
    if (!outcome.returning) {
      await sessions.startPatientSession(res, outcome.participantId, outcome.visitId, outcome.sessionEnd);
      res.locals.actorId = outcome.participantId;
    }
    res.json(outcome.response);
  });

  return r;
}

/**
 * The link's date-of-birth lock as staff see it, and the one-click unlock. Mounted under
 * /api/visits; schedulers and admins for every visit, clinicians for their own (anyone else 404).
 */
export function doorRoutes(deps: { db: Kysely<DB>; auditor: Auditor }): Router {
  const { db } = deps;
  const r = Router();
  const staffOnly = (res: Response) => {
    const staff = res.locals.staff;
    if (!staff) throw res.locals.patient ? new HttpError(403, 'forbidden', 'Only staff can do this') : unauthenticated();
    return staff;
  };

  r.get('/:id/patient-link/lock', async (req, res) => {
    const visit = await requireReadableVisit(db, staffOnly(res), parseId(req.params.id));
    res.json({ lock: await readDobLock(db, visit.id) });
  });

  r.post('/:id/patient-link/unlock', async (req, res) => {
    const visit = await requireReadableVisit(db, staffOnly(res), parseId(req.params.id));
    requireNoBody(req.body);
    res.json({ lock: await unlockDob(deps, auditFrom(req, res), visit) });
  });

  return r;
}
