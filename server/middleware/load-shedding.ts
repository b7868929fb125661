import type { Server } from 'node:http';
import type { RequestHandler } from 'express';
import type { ErrorEnvelope } from '@shared/errors';

/** What a shed client is told to wait before trying again, in seconds. */
const RETRY_AFTER_SECONDS = 1;
/** How often the event loop's delay is sampled. */
const SAMPLE_MS = 20;

export interface OverloadLimits {
  /** API requests worked on at once; 0 for no limit. */
  maxInFlightRequests: number;
  /** Event-loop delay past which new requests are shed; 0 for no limit. */
  maxEventLoopDelayMs: number;
}

/**
 * True while the event loop is saturated: its last turn ran a timer due every SAMPLE_MS later than
 * `maxMs`, and the turn now running is already that late too. A single stall (a GC pause, the
 * process not scheduled for a moment) is one late sample followed by a short turn, and sheds nothing.
 */
function eventLoopSaturated(server: Server, maxMs: number): () => boolean {
  let expected = performance.now() + SAMPLE_MS;
  let last = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    last = now - expected;
    expected = now + SAMPLE_MS;
  }, SAMPLE_MS);
  timer.unref();
  server.once('close', () => clearInterval(timer));
  return () => last > maxMs && performance.now() - expected > maxMs;
}

/**
 * Sheds load instead of queueing it: past `maxInFlightRequests` API requests being worked on at
 * once (requests waiting on the database), or while the event loop keeps running later than
 * `maxEventLoopDelayMs` (requests waiting to be read at all, as with SQLite's synchronous work), a
 * new request is answered 503 `overloaded` with Retry-After straight away, before its body is read.
 * The accepted ones keep their latency and the refused ones cost next to nothing.
 * Mounted on /api only, so /healthz and /readyz always answer; LiveKit's webhook is never shed
 * (LiveKit does not come back for a refused event, and attendance would be lost).
 */
export function loadShedding(limits: OverloadLimits, server: Server): RequestHandler {
  const saturated = limits.maxEventLoopDelayMs > 0 ? eventLoopSaturated(server, limits.maxEventLoopDelayMs) : () => false;
  const maxInFlight = limits.maxInFlightRequests || Infinity;
  let inFlight = 0;
  return (req, res, next) => {
    if (req.path.startsWith('/livekit/')) return next();
    if (inFlight >= maxInFlight || saturated()) {
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      res
        .status(503)
        .json({ error: { code: 'overloaded', message: 'The service is busy. Please try again in a moment.' } } satisfies ErrorEnvelope);
      return;
    }
    inFlight++;
    let released = false;
    // 'close' fires for finished and abandoned requests alike; the flag keeps the count exact.
    res.once('close', () => {
      if (released) return;
      released = true;
      inFlight--;
    });
    next();
  };
}
