import type { Request, RequestHandler } from 'express';
import type { Config } from '../config';
import { createLimiter, type StoreFactory } from './rate-limit';

const minutes = (m: number) => Math.round(m * 60_000);

/** The signed-in principal a per-participant limit counts against: the patient's participant, else the staff member. */
const participantKey = (req: Request): string | undefined => {
  const locals = req.res?.locals;
  return locals?.patient?.participantId ?? locals?.staff?.id;
};

/**
 * Ready-made abuse limits, sized from config (see .env.example). Call each factory once per app
 * (where the router is built) and mount the result on the route; pass the app's `storeFor` so
 * the counters live in Redis when REDIS_URL is set. Over a limit: 429 `rate_limited` with Retry-After.
 */
export const limiters = {
  /** POST /api/join, per client address: guessing link tokens is the attack. */
  join(config: Config, storeFor?: StoreFactory): RequestHandler {
    return createLimiter(
      { name: 'join-address', windowMs: minutes(config.limits.joinWindowMinutes), limit: config.join.limitPerAddress },
      storeFor,
    );
  },
  /** POST /api/visits/:id/video-token, per participant (patient) or staff member. Unauthenticated requests are not counted (they get 401). */
  videoToken(config: Config, storeFor?: StoreFactory): RequestHandler {
    return createLimiter(
      {
        name: 'video-token',
        windowMs: minutes(config.limits.videoTokenWindowMinutes),
        limit: config.limits.videoTokenPerParticipant,
        key: participantKey,
      },
      storeFor,
    );
  },
  /** PUT /api/checkins/:id/answers/:linkId, per patient participant. */
  answers(config: Config, storeFor?: StoreFactory): RequestHandler {
    return createLimiter(
      {
        name: 'checkin-answers',
        windowMs: minutes(config.limits.answersWindowMinutes),
        limit: config.limits.answersPerParticipant,
        key: participantKey,
      },
      storeFor,
    );
  },
};
