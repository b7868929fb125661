import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess } from '../../helpers/server-process';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-proc-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runMain(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `sqlite:${path.join(tmp, 'never.db')}`, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

function runCli(args: string[], env: Record<string, string>, input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/auth/staff-cli.ts', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    input,
    timeout: 30_000,
  });
}

describe('the server process', () => {
  it('lists every bad environment variable in one message and exits non-zero', () => {
    const r = runMain({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Invalid configuration');
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL']) expect(r.stderr).toContain(name);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it('refuses to start in production with development secrets', () => {
    const r = runMain({ NODE_ENV: 'production', PUBLIC_URL: 'https://visits.example.org' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('SESSION_SECRET');
    expect(r.stderr).toContain('LIVEKIT_API_SECRET');
    const short = runMain({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://visits.example.org',
      SESSION_SECRET: 'too-short',
      LIVEKIT_API_KEY: 'APIabc',
      LIVEKIT_API_SECRET: 'x'.repeat(40),
    });
    expect(short.status).not.toBe(0);
    expect(short.stderr).toContain('SESSION_SECRET');
    expect(short.stderr).not.toContain('LIVEKIT_API_SECRET');
  });

  it('prints the first admin once, then stops cleanly on SIGTERM with exit code 0', async () => {
    const dbUrl = `sqlite:${path.join(tmp, 'first.db')}`;
    const first = await startServerProcess('process-first-start', { DATABASE_URL: dbUrl });
    // A one-time setup link, never a password (the helper finishes it, as the administrator would).
    expect(first.output()).toContain('First start: no administrator can sign in yet.');
    expect(first.output()).toMatch(/\/invite\/\S{20,}/);
    expect(first.output()).not.toMatch(/password:/i);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    await first.stop();
    const second = await startServerProcess('process-second-start', { DATABASE_URL: dbUrl });
    expect(second.output()).not.toContain('First start');
    await second.stop();

    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, NODE_ENV: 'test', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: dbUrl, LIVEKIT_URL: 'ws://127.0.0.1:9' },
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 150));
    }
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});

describe('npm run staff', () => {
  it('creates an account on a database that does not exist yet and prints its one-time link, never a password', () => {
    const env = { DATABASE_URL: `sqlite:${path.join(tmp, 'cli', 'fresh.db')}` };
    const r = runCli(['add', '--email', 'Nurse@Clinic.test', '--name', 'Sam Nurse', '--role', 'clinician'], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+\S+\/invite\/\S{20,}$/m);
    expect(r.stdout).not.toContain('password:');
    const dup = runCli(['add', '--email', 'nurse@clinic.test', '--name', 'Sam Again', '--role', 'clinician'], env);
    expect(dup.status).not.toBe(0);
    expect(dup.stderr).toContain('already exists');
  });

  it('reads the password from stdin and validates its input', () => {
    const env = { DATABASE_URL: `sqlite:${path.join(tmp, 'cli2.db')}` };
    const r = runCli(['add', '--email', 'sched@clinic.test', '--name', 'Alex', '--role', 'scheduler', '--password-stdin'], env, 'a-long-enough-password\n');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('password:');
    const bad = runCli(['add', '--email', 'not-an-email', '--name', '', '--role', 'wizard'], env);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--email');
    expect(bad.stderr).toContain('--role');
  });
});
