import { z } from 'zod';

/** GET /healthz: the process is up. */
export const HealthResponseSchema = z.object({ status: z.literal('ok') });

/** GET /readyz: whether the database and LiveKit answer (503 when the database does not). */
export const ReadinessResponseSchema = z.object({ db: z.enum(['ok', 'down']), livekit: z.enum(['ok', 'unreachable']) });
