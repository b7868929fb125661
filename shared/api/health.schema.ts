import { z } from 'zod';

/** GET /healthz: the process is up. */
export const HealthResponseSchema = z.object({ status: z.literal('ok') });

/**
 * GET /readyz: whether the database and LiveKit answer (503 when the database does not), or 503
 * `{status: "draining"}` once the process is shutting down.
 */
export const ReadinessResponseSchema = z.union([
  z.object({ db: z.enum(['ok', 'down']), livekit: z.enum(['ok', 'unreachable']) }),
  z.object({ status: z.literal('draining') }),
]);
