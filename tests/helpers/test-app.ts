import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { io as ioClient, type Socket } from 'socket.io-client';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { describe } from 'vitest';
import type { z } from 'zod';
import type { StaffRole } from '@shared/api/auth.schema';
import { SERVER_EVENT_SCHEMAS } from '@shared/realtime';
import { createApp, type AppDeps, type AppHandle } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { openDatabase, type Database, type Dialect } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { createLogger } from '../../server/logger';
import { createStaffAccount } from '../../server/staff/staff.service';
import { contractProblems } from './contract';

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export const DATABASES: Dialect[] = ['sqlite', ...(process.env.TEST_DATABASE_URL ? (['postgres'] as const) : [])];

/**
 * `describe.each(DATABASES)` that still declares the PostgreSQL suite when TEST_DATABASE_URL is
 * unset, as skipped, so the run's summary counts those tests as skipped instead of leaving them out.
 * `title` takes `%s` for the dialect, like `describe.each`.
 */
export function describeEachDatabase(title: string, body: (dialect: Dialect) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe.skipIf(!DATABASES.includes(dialect))(title.replace('%s', dialect), () => body(dialect));
  }
}

/** Every test server's log lines are appended here; scripts/test.mjs scans the whole run for secrets. */
export const RUN_LOG = path.resolve('tests/.output/server.log');

export interface TestStaff {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  password: string;
}

export interface TestApp {
  url: string;
  dialect: Dialect;
  database: Database;
  config: Config;
  handle: AppHandle;
  /** This app's log lines, parsed. */
  logs: () => Record<string, unknown>[];
  rawLogs: () => string;
  /** A fresh supertest agent (keeps cookies). */
  agent: () => TestAgent;
  createStaff: (role: StaffRole, overrides?: Partial<Pick<TestStaff, 'email' | 'name' | 'password'>>) => Promise<TestStaff>;
  /** Creates a staff member and returns an agent signed in as them. */
  signedIn: (role: StaffRole) => Promise<{ staff: TestStaff; agent: TestAgent }>;
  /** A socket.io client carrying the given agent's cookies (or none). */
  socket: (agent?: TestAgent, extraHeaders?: Record<string, string>) => Socket;
  close: () => Promise<void>;
}

let counter = 0;

export async function startTestApp(
  dialect: Dialect,
  opts: { env?: Record<string, string>; deps?: Partial<AppDeps> } = {},
): Promise<TestApp> {
  const tag = `${process.pid}_${Date.now().toString(36)}_${counter++}_${randomBytes(3).toString('hex')}`;
  let sqliteFile: string | undefined;
  let database: Database;
  let pgSchema: string | undefined;
  if (dialect === 'sqlite') {
    sqliteFile = path.join(os.tmpdir(), `alcove-test-${tag}.db`);
    // Tests do not survive power cuts: they skip the per-commit sync (SQLITE_SYNCHRONOUS=full, the
    // product default, costs ~0.4 ms a commit here, and thousands of commits run in parallel).
    database = openDatabase(`sqlite:${sqliteFile}`, { sqliteSynchronous: 'normal' });
  } else {
    pgSchema = `t_${tag}`.toLowerCase();
    database = openDatabase(process.env.TEST_DATABASE_URL as string, { pgSchema });
  }
  await migrateToLatest(database);

  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://127.0.0.1:3999',
    DATABASE_URL: dialect === 'sqlite' ? `sqlite:${sqliteFile}` : (process.env.TEST_DATABASE_URL as string),
    LIVEKIT_URL: 'ws://127.0.0.1:9',
    LOG_LEVEL: 'debug',
    SQLITE_SYNCHRONOUS: 'normal',
    // Every test signs in and joins from 127.0.0.1; per-address limits get their own tests.
    LOGIN_LIMIT_PER_ADDRESS: '100000',
    JOIN_LIMIT_PER_ADDRESS: '100000',
    // The test's own clients share this event loop, so its delay measures the test, not the server
    // (overload shedding has its own tests on server processes).
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...opts.env,
  });

  const lines: string[] = [];
  fs.mkdirSync(path.dirname(RUN_LOG), { recursive: true });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = chunk.toString('utf8');
      lines.push(text);
      fs.appendFile(RUN_LOG, text, () => cb());
    },
  });
  const logger = createLogger('debug', sink);
  const handle = createApp({ config, database, logger, livekitReachable: async () => false, ...opts.deps });
  await new Promise<void>((resolve) => handle.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(handle.server.address() as AddressInfo).port}`;
  const sockets: Socket[] = [];

  const createStaff: TestApp['createStaff'] = async (role, overrides = {}) => {
    const n = counter++;
    const password = overrides.password ?? `pw-${randomBytes(9).toString('base64url')}`;
    const { staff } = await createStaffAccount(
      database.db,
      { email: overrides.email ?? `${role}${n}@clinic.test`, name: overrides.name ?? `Test ${role} ${n}`, role },
      password,
    );
    return { id: staff.id, email: staff.email, name: staff.name, role, password };
  };

  return {
    url,
    dialect,
    database,
    config,
    handle,
    logs: () =>
      lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    rawLogs: () => lines.join(''),
    agent: () => request.agent(url),
    createStaff,
    async signedIn(role) {
      const staff = await createStaff(role);
      const agent = request.agent(url);
      await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
      return { staff, agent };
    },
    socket(agent, extraHeaders = {}) {
      const cookie = agent ? cookieHeader(agent, url) : undefined;
      const s = ioClient(url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: { ...(cookie ? { cookie } : {}), ...extraHeaders },
      });
      sockets.push(s);
      return s;
    },
    async close() {
      for (const s of sockets) s.close();
      await handle.io.close();
      if (pgSchema) await sql`drop schema if exists ${sql.id(pgSchema)} cascade`.execute(database.db).catch(() => undefined);
      await database.close();
      if (sqliteFile) for (const f of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) fs.rmSync(f, { force: true });
    },
  };
}

/** The Cookie header a supertest agent would send to `url`. */
export function cookieHeader(agent: TestAgent, url: string): string {
  const jar = (agent as unknown as { jar: { getCookies(a: unknown): { toValueString(): string }[] } }).jar;
  const u = new URL(url);
  // cookiejar's access info: domain, path, secure, script
  const access = { domain: u.hostname, path: '/', secure: false, script: false };
  return jar
    .getCookies(access)
    .map((c) => c.toValueString())
    .join('; ');
}

/**
 * Resolves with the first `event` the socket gets, or rejects after `ms`. The payload must keep
 * its contract in shared/realtime.ts (SERVER_EVENT_SCHEMAS): no missing, mistyped or extra field.
 */
export function nextEvent<T = unknown>(socket: Socket, event: string, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), ms);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      const schema = (SERVER_EVENT_SCHEMAS as Record<string, z.ZodType | undefined>)[event];
      const problems = schema ? contractProblems(payload, schema) : [`${event} is not declared in shared/realtime.ts`];
      if (problems.length) reject(new Error(`${event} payload drifted from its shared schema: ${problems.join('; ')}`));
      else resolve(payload);
    });
  });
}

/**
 * A barrier for "nothing else reached this socket": runs `trigger`, which must cause `event` on
 * `socket` (the first one `match` accepts), and waits for it. One connection delivers in order,
 * so once that later event is here, nothing the server sent before it is still on its way.
 */
export async function barrier<T>(socket: Socket, event: string, trigger: () => Promise<unknown>, match: (payload: T) => boolean = () => true): Promise<T> {
  const arrived = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`barrier: ${event} never arrived`)), 10_000);
    const listener = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
  await trigger();
  return arrived;
}

/** Resolves true if the socket connects, false if the server refuses it. */
export function connects(socket: Socket, ms = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    // It may have connected while the caller awaited something else.
    if (socket.connected) return resolve(true);
    const timer = setTimeout(() => resolve(socket.connected), ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.once('connect_error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
