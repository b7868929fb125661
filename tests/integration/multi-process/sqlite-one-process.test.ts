import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../../helpers/server-process';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-sqlite-lock-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs server/main.ts to its end (it should refuse at once); the result of spawnSync. */
function startAnother(databaseUrl: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LIVEKIT_URL: 'ws://127.0.0.1:9' },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('one process per SQLite database', () => {
  it('a second server process on the same SQLite file is refused at start with one clear message; the first keeps serving', { timeout: 90_000 }, async () => {
    const databaseUrl = `sqlite:${path.join(tmp, 'shared.db')}`;
    const first = await startServerProcess('sqlite-lock-first', { DATABASE_URL: databaseUrl });
    try {
      const second = startAnother(databaseUrl);
      expect(second.status).not.toBe(0);
      expect(second.error).toBeUndefined(); // it ended by itself, it did not hang
      expect(second.stderr).toContain('another Alcove process');
      expect(second.stderr).toContain('PostgreSQL');
      expect(second.stderr).not.toMatch(/at .*\.ts:\d+/);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
  });

  it('the file is free again once the first process has stopped, even when it was killed', { timeout: 90_000 }, async () => {
    const databaseUrl = `sqlite:${path.join(tmp, 'handover.db')}`;
    const first = await startServerProcess('sqlite-lock-handover-1', { DATABASE_URL: databaseUrl });
    await first.kill();
    const second = await startServerProcess('sqlite-lock-handover-2', { DATABASE_URL: databaseUrl });
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    await second.stop();
  });

  it('different SQLite files are independent', { timeout: 90_000 }, async () => {
    const a = await startServerProcess('sqlite-lock-a', { DATABASE_URL: `sqlite:${path.join(tmp, 'a.db')}` });
    const b = await startServerProcess('sqlite-lock-b', { DATABASE_URL: `sqlite:${path.join(tmp, 'b.db')}` });
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
    await Promise.all([a.stop(), b.stop()]);
  });
});
