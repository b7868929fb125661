import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents } from '@shared/realtime';
import { connects, startTestApp, type TestApp } from '../../helpers/test-app';
import { ROUTES, SOCKET_EVENTS, WEBHOOK_PATH } from './routes';

/**
 * The hostile route table is only as good as its coverage: every route the server mounts, every
 * socket event it listens for and every route the README documents must be in it, so a new route
 * cannot ship without its attacks and its positive control.
 */

/** Routes outside the table by design: probes with no input, and the webhook, which has its own cases. */
const OUTSIDE_THE_TABLE = ['GET /healthz', 'GET /readyz', `POST ${WEBHOOK_PATH}`];
const TABLE = [...ROUTES.map((r) => `${r.method} ${r.path}`), ...OUTSIDE_THE_TABLE].sort();

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: unknown;
}

/** `METHOD /path` of every route mounted on an Express 5 app, nested routers included. */
function mountedRoutes(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      // A router's own root (`r.get('/')` under /api/staff) is the mount path itself.
      const path = (prefix + layer.route.path).replace(/(.)\/$/, '$1');
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${path}`);
    }
    if (!layer.handle.stack) return [];
    const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    return mountedRoutes(layer.handle.stack, prefix + mount);
  });
}

/** `METHOD /path` of every route in the README's "HTTP API" table, shorthands (`· /deny`, `· DELETE the same`) expanded. */
function documentedRoutes(readme: string): string[] {
  const start = readme.indexOf('## HTTP API');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 3));
  const out: string[] = [];
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    let last: { method: string; path: string } | undefined;
    for (const [, span] of line.split(' | ')[0]!.matchAll(/`([^`]+)`/g)) {
      const full = /^(GET|POST|PUT|PATCH|DELETE) (\/[^?\s]*)/.exec(span!);
      if (full) {
        last = { method: full[1]!, path: full[2]! };
        out.push(`${last.method} ${last.path}`);
      } else if (last && /^\/[a-z-]+$/.test(span!)) out.push(`${last.method} ${last.path.replace(/\/[^/]+$/, span!)}`);
      else if (last && /^(GET|POST|PUT|PATCH|DELETE)$/.test(span!)) out.push(`${span} ${last.path}`);
    }
  }
  return out.sort();
}

// Typed against shared/realtime.ts: adding a client→server event there fails the typecheck until it is listed here.
const CLIENT_EVENTS: Record<keyof ClientToServerEvents, true> = { 'visit:watch': true, 'visit:unwatch': true };

describe('coverage of the hostile route table', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('lists every route the server mounts, and nothing it does not', () => {
    const router = (t.handle.app as unknown as { router: { stack: Layer[] } }).router;
    expect([...new Set(mountedRoutes(router.stack))].sort()).toEqual(TABLE);
  });

  it('lists every route of the README’s HTTP API table, and nothing it does not', () => {
    expect([...new Set(documentedRoutes(fs.readFileSync('README.md', 'utf8')))]).toEqual(TABLE);
  });

  it('lists every socket event the server listens for and shared/realtime.ts declares', async () => {
    const { agent } = await t.signedIn('clinician');
    const socket = t.socket(agent);
    expect(await connects(socket)).toBe(true);
    const serverSide = [...t.handle.io.sockets.sockets.values()].find((s) => s.id === socket.id)!;
    const reserved = new Set(['disconnect', 'disconnecting', 'error']);
    const listened = serverSide.eventNames().filter((e): e is string => typeof e === 'string' && !reserved.has(e));
    const table = SOCKET_EVENTS.map((s) => s.event).sort();
    expect([...new Set(listened)].sort()).toEqual(table);
    expect(Object.keys(CLIENT_EVENTS).sort()).toEqual(table);
  });
});
