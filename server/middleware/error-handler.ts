import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import type { ErrorEnvelope, FieldIssue } from '@shared/errors';
import { isDatabaseUnavailable } from '../db/database';
import { HttpError } from '../http-error';

/** Turns a ZodError into field-level issues with dotted paths, for the `details` of a 400. */
export function zodIssues(err: ZodError): FieldIssue[] {
  return err.issues.map((i) => ({
    field: i.path.length ? i.path.map(String).join('.') : '(body)',
    message: i.code === 'unrecognized_keys' ? `Unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === '23505';
}

/** The one error sink: every failure leaves as the API envelope with a stable code. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const send = (status: number, body: ErrorEnvelope) => {
      if (res.headersSent) return;
      res.status(status).json(body);
    };
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
      return send(err.status, { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    if (err instanceof ZodError) {
      return send(400, { error: { code: 'validation_failed', message: 'Some fields are not valid', details: zodIssues(err) } });
    }
    if (isUniqueViolation(err)) {
      return send(409, { error: { code: 'already_exists', message: 'That already exists' } });
    }
    // Errors raised by body-parser carry a status and a type; map them without leaking internals.
    const bp = err as { status?: number; type?: string } | null;
    if (bp && typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500) {
      if (bp.type === 'entity.too.large') return send(413, { error: { code: 'payload_too_large', message: 'The request body is too large' } });
      if (bp.type === 'entity.parse.failed') return send(400, { error: { code: 'malformed_json', message: 'The request body is not valid JSON' } });
      if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported') {
        return send(415, { error: { code: 'unsupported_media_type', message: 'Unsupported body encoding' } });
      }
      return send(400, { error: { code: 'bad_request', message: 'The request could not be read' } });
    }
    if (isDatabaseUnavailable(err)) {
      // A fault of the database, not of the request: retrying shortly is expected to work.
      logger.warn({ reqId: req.id, err: { name: (err as Error).name, code: (err as { code?: unknown }).code, message: (err as Error).message } }, 'database unavailable');
      res.setHeader('Retry-After', '2');
      return send(503, { error: { code: 'database_unavailable', message: 'The service is briefly unavailable. Please try again.' } });
    }
    // CAUTION: only the error class and message go to the log; never the request body.
    logger.error({ reqId: req.id, err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'unhandled error');
    send(500, { error: { code: 'internal_error', message: `Something went wrong on our side (request ${req.id})` } });
  };
}

export const apiNotFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: 'No such route' } } satisfies ErrorEnvelope);
};
