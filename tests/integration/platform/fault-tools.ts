import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { freePort, type ServerProcess } from '../../helpers/server-process';

/** A throw-away PostgreSQL database next to TEST_DATABASE_URL's, so a server process gets its own `public` schema. */
export async function createScratchDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL as string;
  const name = `alcove_fault_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await c.end();
    },
  };
}

/** Ends every PostgreSQL connection to `database` except the caller's; returns how many were ended. */
export async function terminateConnections(database: string): Promise<number> {
  const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL as string });
  await c.connect();
  try {
    const r = await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

/**
 * A real TCP proxy to `target`: `forward` relays bytes, `refuse` closes new connections at once,
 * `blackhole` keeps connections open but lets nothing through (a network partition). `reset()`
 * cuts every open connection.
 */
export async function startTcpProxy(target: { host: string; port: number }, mode: ProxyMode = 'forward') {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    if (state.mode === 'refuse') {
      state.refused++;
      return client.destroy();
    }
    const upstream = net.connect(target.port, target.host);
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk) => {
      if (state.mode === 'forward') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (state.mode === 'forward') client.write(chunk);
    });
  });
  const state = { mode, refused: 0 };
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    /** Connections closed at once in `refuse` mode so far. */
    refused: () => state.refused,
    setMode(next: ProxyMode) {
      state.mode = next;
    },
    reset() {
      for (const s of open) s.destroy();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** PostgreSQL's address from TEST_DATABASE_URL. */
export function postgresAddress(): { host: string; port: number } {
  const u = new URL(process.env.TEST_DATABASE_URL as string);
  return { host: u.hostname, port: Number(u.port || 5432) };
}

/** TEST_DATABASE_URL with its host and port replaced (to go through a proxy), and optionally its database. */
export function viaPort(databaseUrl: string, port: number): string {
  const u = new URL(databaseUrl);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

/** A redis-server this test owns, on a free port, without persistence; stop() and start() it at will. */
export async function startRedis() {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}

export interface CheckinSetup {
  checkinId: string;
  patient: TestAgent;
}

/** Through the real API of `server`: staff, a patient admitted to a visit starting now, and a PHQ-9 sent to them. */
export async function admittedPatientWithCheckin(server: ServerProcess): Promise<CheckinSetup> {
  const admin = request.agent(server.url);
  await admin.post('/api/auth/login').send(server.admin).expect(200);
  const tag = randomBytes(4).toString('hex');
  const staff = async (role: string) => {
    const email = `${role}-${tag}@faults.test`;
    const r = await admin.post('/api/staff').send({ email, name: `Fault ${role}`, role }).expect(201);
    const agent = request.agent(server.url);
    await agent.post('/api/auth/invitation/accept').send({ token: String(r.body.invitation.url).split('/invite/')[1], password: 'harbour lantern quartz maple' }).expect(200);
    return { agent, id: r.body.staff.id as string };
  };
  const scheduler = await staff('scheduler');
  const clinician = await staff('clinician');
  const patientRow = await scheduler.agent.post('/api/patients').send({ displayName: 'Fault Patient', preferredLanguage: 'en' }).expect(201);
  const visit = await scheduler.agent
    .post('/api/visits')
    .send({ patientId: patientRow.body.patient.id, clinicianIds: [clinician.id], startsAt: new Date().toISOString(), durationMinutes: 30 })
    .expect(201);
  const visitId = visit.body.visit.id as string;
  const token = (visit.body.patientLink.url as string).split('/').pop() as string;
  const patient = request.agent(server.url);
  const joined = await patient.post('/api/join').send({ token }).expect(200);
  await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
  await patient.post(`/api/visits/${visitId}/waiting-room`).expect(200);
  await clinician.agent.post(`/api/visits/${visitId}/admit`).send({ participantId: joined.body.participant.id }).expect(200);
  const sent = await clinician.agent.post(`/api/visits/${visitId}/checkins`).send({ instrumentId: 'phq-9' }).expect(201);
  return { checkinId: sent.body.checkin.id as string, patient };
}
