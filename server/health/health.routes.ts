import { Router } from 'express';
import type { Database } from '../db/database';
import type { LivekitProbe } from './livekit-probe';

/** /readyz answers within this, whatever the database or LiveKit is doing (a partition must not hang the balancer's probe). */
const READY_CHECK_TIMEOUT_MS = 800;

/** Resolves when `work` does, or rejects after `ms`. */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * /healthz (the process runs) and /readyz (send it work): a draining process answers 503 at once,
 * so the balancer moves new connections elsewhere while it finishes what it has.
 */
export function healthRoutes(deps: { database: Database; livekitReachable: LivekitProbe; draining?: () => boolean }): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (deps.draining?.()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const [db, livekit] = await Promise.all([
      within(deps.database.ping(), READY_CHECK_TIMEOUT_MS).then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      // A slow probe keeps running and caches its answer for the next call; this one does not wait for it.
      within(deps.livekitReachable(), READY_CHECK_TIMEOUT_MS).then(
        (ok) => (ok ? ('ok' as const) : ('unreachable' as const)),
        () => 'unreachable' as const,
      ),
    ]);
    res.status(db === 'ok' ? 200 : 503).json({ db, livekit });
  });
  return r;
}
