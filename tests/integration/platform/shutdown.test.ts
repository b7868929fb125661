import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/server-process';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-shutdown-'));
const children: ChildProcess[] = [];
afterAll(() => {
  // A server that failed the test may still be hanging: SIGKILL ends it whatever it is doing.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * Starts server/main.ts and resolves once it answers /healthz. Its stdout is either a socket pair
 * the test holds (as a supervisor would) or, with `reader`, a real FIFO read by that shell command.
 */
async function startWithPipes(name: string, reader?: string) {
  const port = await freePort();
  let stdout: 'pipe' | number = 'pipe';
  if (reader) {
    const fifo = path.join(tmp, `${name}.fifo`);
    execFileSync('mkfifo', [fifo]);
    const readerProcess = spawn('sh', ['-c', `${reader} < '${fifo}' > /dev/null`], { stdio: 'ignore' });
    children.push(readerProcess);
    stdout = fs.openSync(fifo, 'w');
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${path.join(tmp, `${name}.db`)}`,
      LIVEKIT_URL: 'ws://127.0.0.1:9',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (typeof stdout === 'number') fs.closeSync(stdout);
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error('server exited early');
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (i > 200) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 150));
  }
  return { child, url };
}

/** Makes the server write many log lines (one per request). */
async function makeLogLines(url: string, count: number) {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: 50 }, () => fetch(`${url}/healthz`).then((r) => r.arrayBuffer(), () => undefined)));
  }
}

/** Sends SIGTERM and resolves with the exit code, or 'hung' if the process is still there after `ms`. */
function terminate(child: ChildProcess, ms: number): Promise<number | null | 'hung'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('hung'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

describe('shutdown whatever state stdout is in', () => {
  it('exits within 10 s of SIGTERM after the stdout reader has gone away', async () => {
    const { child, url } = await startWithPipes('reader-gone');
    // The log shipper dies: our end of the pipe closes, every further write gets EPIPE.
    child.stdout?.destroy();
    await makeLogLines(url, 200);
    expect(await fetch(`${url}/healthz`).then((r) => r.status)).toBe(200);
    const started = Date.now();
    const code = await terminate(child, 12_000);
    expect(code).not.toBe('hung');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('exits within 10 s of SIGTERM after the reader of its stdout FIFO has exited', async () => {
    // `head` reads a little and exits, as a log shipper that crashed would.
    const { child, url } = await startWithPipes('fifo-reader-gone', 'head -c 300');
    await makeLogLines(url, 200);
    expect(await fetch(`${url}/healthz`).then((r) => r.status)).toBe(200);
    const started = Date.now();
    const code = await terminate(child, 12_000);
    expect(code).not.toBe('hung');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('keeps serving and exits within 10 s of SIGTERM while nobody reads a full stdout pipe', async () => {
    const { child, url } = await startWithPipes('reader-stalled');
    // The reader is alive but stops reading: the pipe fills up and writes would block.
    child.stdout?.pause();
    await makeLogLines(url, 1500);
    const t0 = Date.now();
    expect(await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status)).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1000);
    const started = Date.now();
    const code = await terminate(child, 12_000);
    expect(code).not.toBe('hung');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('keeps serving and exits within 10 s of SIGTERM while the reader of its stdout FIFO never reads', async () => {
    const { child, url } = await startWithPipes('fifo-reader-stalled', 'sleep 120');
    await makeLogLines(url, 1000);
    const t0 = Date.now();
    expect(await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status)).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1000);
    const started = Date.now();
    const code = await terminate(child, 12_000);
    expect(code).not.toBe('hung');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
