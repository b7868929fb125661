import type { ErrorRequestHandler, Request } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';
import type { AuditTargets } from './audit.service';
import { auditFrom, type Auditor } from './auditor';

const UUID_PART = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';
const ASKED = new RegExp(`^/api/(visits|checkins|patients)/${UUID_PART}(?:/participants/${UUID_PART})?(?:/|$)`, 'i');

/**
 * The ids a refused request asked for, read from its path (by the time an error arrives here the
 * route's own params are gone): `/api/visits/:id…` a visit (and `…/participants/:participantId…`
 * a participant), `/api/checkins/:id…` a check-in, `/api/patients/:id…` a patient.
 */
function askedFor(req: Request): AuditTargets | undefined {
  const m = ASKED.exec(req.originalUrl.split('?')[0] ?? '');
  if (!m) return undefined;
  const [, kind, id, participantId] = m;
  if (kind === 'visits') return { visitId: id, ...(participantId ? { participantId } : {}) };
  return kind === 'checkins' ? { checkinId: id } : { patientId: id };
}

/**
 * Error middleware, mounted after the API's routes (an unknown route is answered before it and
 * never gets here). A signed-in person (staff or patient) who asked for a visit, check-in or
 * patient by id and was answered 404 (someone else's, or nothing there: the same answer on
 * purpose) leaves an `access.refused` entry with the ids they asked for, in its own small
 * transaction (the request changed nothing). If the entry cannot be written the refusal still goes
 * out, logged, so a probe never turns into a 500.
 */
export function auditRefusals(db: Kysely<DB>, auditor: Auditor, logger: Logger): ErrorRequestHandler {
  return async (err: unknown, req, res, next) => {
    if (err instanceof HttpError && err.status === 404 && (res.locals.staff || res.locals.patient)) {
      const targets = askedFor(req);
      if (targets) {
        try {
          await auditor.record(db, auditFrom(req, res), { action: 'access.refused', outcome: 'failure', targets });
        } catch (auditErr) {
          logger.warn({ reqId: req.id, err: { message: (auditErr as Error).message } }, 'could not audit a refused request');
        }
      }
    }
    next(err);
  };
}
