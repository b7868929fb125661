import type { RequestHandler } from 'express';
import { HttpError } from '../http-error';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for every state-changing request, on top of SameSite=Strict cookies: a browser
 * always sends Origin on a cross-origin POST/PUT/PATCH/DELETE, so a foreign Origin (or a
 * cross-site Sec-Fetch-Site) is refused. Requests with neither header come from non-browser
 * clients such as integration scripts, which cannot carry a victim's cookies.
 */
export function originCheck(allowedOrigins: string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.get('origin');
    if (origin !== undefined) {
      if (isAllowedOrigin(origin, allowed, req.get('host'), [req.protocol])) return next();
      return next(new HttpError(403, 'bad_origin', 'This request came from another site and was refused'));
    }
    if (req.get('sec-fetch-site') === 'cross-site') {
      return next(new HttpError(403, 'bad_origin', 'This request came from another site and was refused'));
    }
    next();
  };
}

/** An origin is ours when it is listed, or is this very host over one of the given schemes. */
export function isAllowedOrigin(origin: string, allowed: ReadonlySet<string>, host: string | undefined, schemes: readonly string[]): boolean {
  return allowed.has(origin) || (host !== undefined && schemes.some((scheme) => origin === `${scheme}://${host}`));
}
