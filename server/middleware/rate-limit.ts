import type { Request, RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { HttpError } from '../http-error';

export interface LimiterOptions {
  /** Distinguishes counters of different limiters that share one store. */
  name: string;
  windowMs: number;
  limit: number;
  /** Key for the counter; defaults to the client address. Return undefined to skip counting. */
  key?: (req: Request) => string | undefined;
  /** Count only requests that end in an error status (e.g. failed sign-ins). */
  onlyFailures?: boolean;
}

export type StoreFactory = (name: string) => Store | undefined;

/**
 * Builds one express-rate-limit middleware. Over the limit it answers 429 `rate_limited` with
 * Retry-After; with a shared store (Redis) the counters hold across server processes.
 */
export function createLimiter(opts: LimiterOptions, storeFor: StoreFactory = () => undefined): RequestHandler {
  const store = storeFor(opts.name);
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skipSuccessfulRequests: opts.onlyFailures ?? false,
    // CAUTION: fail open when the shared store (Redis) is unreachable: patients must still reach their
    // visits during an outage. The Redis store fails open itself and logs the outage once (see
    // redis-rate-store.ts); this is the second line for any other store error.
    passOnStoreError: true,
    ...(store ? { store } : {}),
    ...(opts.key
      ? {
          keyGenerator: (req: Request) => `${opts.name}:${opts.key?.(req) ?? ''}`,
          skip: (req: Request) => opts.key?.(req) === undefined,
        }
      : {}),
    validate: { trustProxy: false, xForwardedForHeader: false, keyGeneratorIpFallback: false },
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime();
      const retryAfter = Math.max(1, Math.ceil(((reset ?? Date.now() + opts.windowMs) - Date.now()) / 1000));
      next(
        new HttpError(429, 'rate_limited', 'Too many attempts. Please wait and try again.', { retryAfterSeconds: retryAfter }, {
          'Retry-After': String(retryAfter),
        }),
      );
    },
  });
}
