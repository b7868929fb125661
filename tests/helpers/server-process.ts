import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ServerProcess {
  url: string;
  port: number;
  /** The server's process id (the benchmarks read its memory). */
  pid: number;
  databaseUrl: string;
  /** The first administrator, created through the one-time setup link the server printed (empty when it printed none). */
  admin: { email: string; password: string };
  output: () => string;
  /** SIGTERM, then waits for the exit and removes the temporary folder. */
  stop: () => Promise<void>;
  /** SIGTERM without waiting: resolves with the exit code once the process has drained and exited. */
  terminate: () => Promise<number | null>;
  /** SIGKILL (a crash): nothing of the process's own shutdown runs. */
  kill: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the real server (server/main.ts, as `npm start` runs it) on a free port with a fresh
 * SQLite database, and waits until it answers /healthz. Its JSON log lines go to
 * tests/.output/<name>.log for the run-wide secret scan.
 */
export async function startServerProcess(name: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-e2e-'));
  const databaseUrl = env.DATABASE_URL ?? `sqlite:${path.join(dir, 'alcove.db')}`;
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.resolve('tests/.output', `${name}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      DATABASE_URL: databaseUrl,
      LIVEKIT_URL: env.LIVEKIT_URL ?? 'ws://127.0.0.1:9',
      LOG_LEVEL: 'info',
      // See test-app.ts: test servers skip the per-commit sync unless a test asks for it.
      SQLITE_SYNCHRONOUS: 'normal',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let pending = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    out += text;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    const json = lines.filter((l) => l.startsWith('{'));
    if (json.length) fs.appendFileSync(logFile, `${json.join('\n')}\n`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  // A cold start takes about 2 s here; with three test files at a time on two cores (one of them
  // perhaps an overload test) one was seen taking over 30 s, so the wait is generous.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  const admin = await finishFirstAdmin(url, out);
  return {
    url,
    port,
    pid: child.pid ?? 0,
    databaseUrl,
    admin,
    output: () => out,
    terminate() {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The first administrator every server-process test signs in as. */
export const FIRST_ADMIN = { email: 'admin@clinic.test', name: 'Clinic administrator', password: 'first admin tulip orbit canvas' };

/**
 * Uses the one-time link a fresh server prints (as the person at the terminal would) to create the
 * first administrator with a known password: the setup link takes an email and name, a link bound
 * to ADMIN_EMAIL only the password.
 */
async function finishFirstAdmin(url: string, out: string): Promise<{ email: string; password: string }> {
  const token = /\/invite\/([A-Za-z0-9_-]+)/.exec(out)?.[1];
  if (!token) return { email: '', password: '' };
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: url }, body: JSON.stringify(body) });
  const lookup = (await (await post('/api/auth/invitation', { token })).json()) as {
    invitation?: { purpose: string; email: string | null };
  };
  const setup = lookup.invitation?.purpose === 'setup';
  const res = await post('/api/auth/invitation/accept', {
    token,
    password: FIRST_ADMIN.password,
    ...(setup ? { email: FIRST_ADMIN.email, name: FIRST_ADMIN.name } : {}),
  });
  if (!res.ok) throw new Error(`first-start setup link refused: ${res.status} ${await res.text()}`);
  return { email: setup ? FIRST_ADMIN.email : (lookup.invitation?.email ?? ''), password: FIRST_ADMIN.password };
}
