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
    // Express resets req.baseUrl when a nested router finishes, so the template (/api/visits/:id)
    // is captured at the moment a route matches, while baseUrl is still that router's.
    let matched: string | undefined;
    let current: unknown;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (value: { path?: unknown } | undefined) => {
        current = value;
        if (value && typeof value.path === 'string') matched = `${req.baseUrl}${value.path}`;
      },
    });
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = matched ?? (req.route ? routeTemplate(req.originalUrl) : routeFallback(req));
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A fallback template rebuilt from the path when no route template was captured: ids become
 * `:id`, anything token-like or unusual `:param`.
 */
export function routeTemplate(originalUrl: string): string {
  const path = originalUrl.split('?')[0] ?? '';
  return path
    .split('/')
    .map((seg) => {
      if (seg === '') return seg;
      if (UUID.test(seg)) return ':id';
      if (seg.length > 24 || !/^[A-Za-z0-9._-]+$/.test(seg)) return ':param';
      return seg;
    })
    .join('/');
}

/** For requests that matched no route: a coarse label that can never echo a token back into the log. */
function routeFallback(req: Request): string {
  if (req.path.startsWith('/api/')) return '/api/(unmatched)';
  if (req.path.startsWith('/join/')) return '/join/:token';
  return '(static)';
}
