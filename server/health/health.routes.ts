import { Router } from 'express';
import type { Database } from '../db/database';
import type { LivekitProbe } from './livekit-probe';

export function healthRoutes(deps: { database: Database; livekitReachable: LivekitProbe }): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const [db, livekit] = await Promise.all([
      deps.database.ping().then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      deps.livekitReachable().then((ok) => (ok ? ('ok' as const) : ('unreachable' as const))),
    ]);
    res.status(db === 'ok' ? 200 : 503).json({ db, livekit });
  });
  return r;
}
