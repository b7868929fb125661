import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/server-process';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-startup-'));
afterAll(() => {
  fs.chmodSync(path.join(tmp, 'locked'), 0o755);
  fs.rmSync(tmp, { recursive: true, force: true });
});
fs.mkdirSync(path.join(tmp, 'locked'), { mode: 0o555 });

/** Runs server/main.ts until it exits (or 20 s pass); resolves with its exit code, output and duration. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LIVEKIT_URL: 'ws://127.0.0.1:9', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

function withPath(url: string, pathname: string): string {
  const u = new URL(url);
  u.pathname = pathname;
  return u.toString();
}

function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

/** One sentence for the operator: no stack trace, no source lines. */
function expectOneClearMessage(stderr: string, text: string) {
  expect(stderr).toContain(text);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr.trim().split('\n')).toHaveLength(1);
}

describe('start-up against a database that is not there', () => {
  it('retries an unreachable PostgreSQL with backoff for DB_WAIT_SECONDS, then exits with one message that hides the password', async () => {
    const port = await freePort(); // nothing listens there
    const r = await runMain({ DATABASE_URL: `postgres://alcove:s3cret-pw@127.0.0.1:${port}/alcove`, DB_WAIT_SECONDS: '2' });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull(); // it exited by itself
    expect(r.ms).toBeGreaterThanOrEqual(2000);
    expectOneClearMessage(r.stderr, `Cannot reach the database at postgres://127.0.0.1:${port}/alcove after 2 s`);
    expect(r.stdout.match(/waiting for the database/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
  });

  // A PostgreSQL that answers but refuses: waiting cannot fix it, so it ends at once with one message.
  const pgBase = process.env.TEST_DATABASE_URL;
  const refusals: [string, () => string, string][] = [
    ['a database that does not exist', () => withPath(pgBase!, '/alcove_no_such_database'), 'does not exist'],
    ['a role that does not exist (the sign-in refused)', () => withUser(pgBase!, 'alcove_no_such_role', 's3cret-pw'), 'does not exist'],
  ];
  it.skipIf(!pgBase).each(refusals)('PostgreSQL refusing %s: one clear message at once, no retrying, the password hidden', async (_name, url, text) => {
    const r = await runMain({ DATABASE_URL: url(), DB_WAIT_SECONDS: '30' });
    expect(r.code).not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.ms).toBeLessThan(15_000); // not the 30 s wait
    expectOneClearMessage(r.stderr, 'Cannot use the database at postgres://');
    expect(r.stderr).toContain(text);
    expect(r.stdout).not.toContain('waiting for the database');
    expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
  });

  it('a DATABASE_URL that is neither sqlite: nor a PostgreSQL URL gives one clear message', async () => {
    const r = await runMain({ DATABASE_URL: 'mysql://root@127.0.0.1/alcove' });
    expect(r.code).not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    // The configuration's own format: a heading and one line per bad setting.
    expect(r.stderr.trim().split('\n')).toEqual(['Invalid configuration:', '  - DATABASE_URL: must be sqlite:PATH or postgres://…']);
  });

  const badPaths: [string, () => string, string][] = [
    ['a file under /proc', () => 'sqlite:/proc/alcove.db', 'not a place for files'],
    ['a missing folder under /proc', () => 'sqlite:/proc/self/nothing/here/alcove.db', 'not a place for files'],
    ['a directory', () => `sqlite:${tmp}`, 'is a directory'],
    [
      'a path through a regular file',
      () => {
        fs.writeFileSync(path.join(tmp, 'plain-file'), '');
        return `sqlite:${path.join(tmp, 'plain-file', 'alcove.db')}`;
      },
      'is not a folder',
    ],
  ];
  it.each(badPaths)('a SQLite path that is %s gives one clear message and a non-zero exit', async (_name, url, text) => {
    const r = await runMain({ DATABASE_URL: url() });
    expect(r.code).not.toBeNull(); // exited, did not hang
    expect(r.code).not.toBe(0);
    expectOneClearMessage(r.stderr, 'Cannot open the SQLite database');
    expect(r.stderr).toContain(text);
  });

  it.skipIf(process.getuid?.() === 0)('a SQLite path in a folder it may not write gives one clear message', async () => {
    const r = await runMain({ DATABASE_URL: `sqlite:${path.join(tmp, 'locked', 'alcove.db')}` });
    expect(r.code).not.toBe(0);
    expectOneClearMessage(r.stderr, 'is not writable');
  });
});
