import pg from 'pg';
import request from 'supertest';
import type { Response } from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorEnvelopeSchema } from '@shared/errors';
import { PHQ9_ITEMS, PHQ_OPTION } from '../../helpers/checkin-builder';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import {
  admittedPatientWithCheckin,
  createScratchDatabase,
  postgresAddress,
  startTcpProxy,
  terminateConnections,
  viaPort,
} from './fault-tools';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A failed request during a database fault: a 503 envelope saying so, with Retry-After. */
function expectDatabaseUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(ErrorEnvelopeSchema.parse(res.body).error.code).toBe('database_unavailable');
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

/** Retries `send` until it answers `status`; returns how long that took (or throws after `maxMs`). */
async function untilStatus(send: () => Promise<Response>, status: number, maxMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await send();
    if (res.status === status) return Date.now() - started;
    if (Date.now() - started > maxMs) throw new Error(`still ${res.status} after ${maxMs} ms: ${JSON.stringify(res.body)}`);
    await sleep(200);
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL faults under a running server', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function serverOn(databaseUrl: string, name: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    const server = await startServerProcess(name, { DATABASE_URL: databaseUrl, ANSWER_LIMIT_PER_PARTICIPANT: '100000', ...env });
    cleanups.push(() => server.stop());
    return server;
  }

  it('SIGTERM with a request in flight: it finishes and is stored before the process exits', async () => {
    const scratch = await createScratchDatabase();
    cleanups.push(scratch.drop);
    const server = await serverOn(scratch.url, 'pg-drain-in-flight');
    const { checkinId, patient } = await admittedPatientWithCheckin(server);
    // Another session holds the check-in's row, so the save waits in the database (as a slow one would).
    const holder = new pg.Client({ connectionString: scratch.url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('begin');
    await holder.query('select id from checkins where id = $1 for update', [checkinId]);
    const saving = patient
      .put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[0]}`)
      .send({ value: PHQ_OPTION[1] })
      .then((r) => r);
    await sleep(500);
    const exited = server.terminate();
    await sleep(1000);
    await holder.query('commit');
    const res = await saving;
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
    const stored = await holder.query('select value from checkin_answers where checkin_id = $1 and link_id = $2', [checkinId, PHQ9_ITEMS[0]]);
    expect(stored.rows).toHaveLength(1);
  });

  it('pg_terminate_backend during a burst of answer saves: the process stays up, every acknowledged answer is stored, failures are clean 503s, and it recovers', async () => {
    const scratch = await createScratchDatabase();
    cleanups.push(scratch.drop);
    const server = await serverOn(scratch.url, 'pg-terminate');
    const { checkinId, patient } = await admittedPatientWithCheckin(server);

    // Eight lanes, one PHQ-9 item each, saving one after another while connections are killed.
    const lanes = PHQ9_ITEMS.slice(0, 8);
    const acknowledged = new Map<string, string>();
    const triedAfterAck = new Map<string, Set<string>>(lanes.map((l) => [l, new Set<string>()]));
    const failures: Response[] = [];
    let running = true;
    let killed = 0;
    const killer = (async () => {
      while (running) {
        killed += await terminateConnections(scratch.name);
        await sleep(120);
      }
    })();
    await Promise.all(
      lanes.map(async (linkId, lane) => {
        for (let i = 0; i < 30; i++) {
          const value = PHQ_OPTION[(i + lane) % 4]!;
          const res = await patient.put(`/api/checkins/${checkinId}/answers/${linkId}`).send({ value });
          if (res.status === 200) {
            acknowledged.set(linkId, value);
            triedAfterAck.set(linkId, new Set());
          } else {
            failures.push(res);
            triedAfterAck.get(linkId)!.add(value);
          }
        }
      }),
    );
    running = false;
    await killer;

    expect(killed).toBeGreaterThan(0);
    expect(failures.length).toBeGreaterThan(0); // the faults really hit requests
    for (const res of failures) expectDatabaseUnavailable(res);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.output()).not.toContain("Unhandled 'error' event");

    // New requests succeed within seconds, and what was acknowledged is what is stored
    // (or a later attempt whose commit landed before its connection died).
    await untilStatus(() => patient.get(`/api/checkins/${checkinId}`), 200, 5000);
    const stored = (await patient.get(`/api/checkins/${checkinId}`).expect(200)).body.checkin.answers as Record<string, string>;
    for (const linkId of lanes) {
      const ack = acknowledged.get(linkId);
      if (ack === undefined) continue;
      expect([ack, ...triedAfterAck.get(linkId)!]).toContain(stored[linkId]);
    }
    await patient.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[8]}`).send({ value: PHQ_OPTION[0] }).expect(200);
  });

  it('a network partition to PostgreSQL fails requests in seconds, keeps /readyz answering within 1 s, and heals on its own', async () => {
    const scratch = await createScratchDatabase();
    cleanups.push(scratch.drop);
    const proxy = await startTcpProxy(postgresAddress());
    cleanups.push(() => proxy.close());
    const server = await serverOn(viaPort(scratch.url, proxy.port), 'pg-partition', {
      DB_CONNECT_TIMEOUT_MS: '1000',
      DB_QUERY_TIMEOUT_MS: '2000',
      DB_STATEMENT_TIMEOUT_MS: '1500',
    });
    const { checkinId, patient } = await admittedPatientWithCheckin(server);

    proxy.setMode('blackhole');
    const started = Date.now();
    const res = await patient.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[0]}`).send({ value: PHQ_OPTION[1] });
    expect(Date.now() - started).toBeLessThan(5000);
    expectDatabaseUnavailable(res);

    const readyStarted = Date.now();
    const ready = await request(server.url).get('/readyz');
    expect(Date.now() - readyStarted).toBeLessThan(1000);
    expect(ready.status).toBe(503);
    expect(ready.body.db).toBe('down');

    proxy.setMode('forward');
    proxy.reset();
    const healedIn = await untilStatus(
      () => patient.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[0]}`).send({ value: PHQ_OPTION[2] }),
      200,
      8000,
    );
    expect(healedIn).toBeLessThan(8000);
    expect((await request(server.url).get('/readyz')).status).toBe(200);
  });

  it('waits at start for a PostgreSQL that becomes reachable later', async () => {
    const scratch = await createScratchDatabase();
    cleanups.push(scratch.drop);
    const proxy = await startTcpProxy(postgresAddress(), 'refuse');
    cleanups.push(() => proxy.close());
    const starting = serverOn(viaPort(scratch.url, proxy.port), 'pg-late', { DB_WAIT_SECONDS: '20' });
    // PostgreSQL "comes up" once the server has been turned away twice, and 2 s later.
    while (proxy.refused() < 2) await sleep(50);
    await sleep(2000);
    proxy.setMode('forward');
    const server = await starting;
    expect(server.output()).toContain('waiting for the database');
    // PostgreSQL suggests several processes; without Redis their limits are not shared, and the log says so.
    expect(server.output()).toContain('REDIS_URL is not set: rate limits are counted per process');
    expect((await request(server.url).get('/readyz')).status).toBe(200);
  });
});
