import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

/**
 * Gives every request an id (echoed as X-Request-Id) and logs one line when it finishes:
 * method, route template (never the raw URL, which may carry a join token), status, duration,
 * actor id and request id.
 */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    req.id = randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : routeFallback(req);
      logger.info(
        {
          reqId: req.id,
          method: req.method,
          route,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
          actor: res.locals.actorId as string | undefined,
        },
        'request',
      );
    });
    next();
  };
}

/** For requests that matched no route: a coarse label that can never echo a token back into the log. */
function routeFallback(req: Request): string {
  if (req.path.startsWith('/api/')) return '/api/(unmatched)';
  if (req.path.startsWith('/join/')) return '/join/:token';
  return '(static)';
}
