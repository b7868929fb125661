/**
 * `npm run bench`: prints throughput and latency figures for the hot paths, measured against the
 * real app on a temporary SQLite database over loopback HTTP. Bounded in count and time.
 * Figures only — no assertions; compare runs on the same machine.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AccessToken } from 'livekit-server-sdk';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';
import { createLogger } from '../server/logger';
import { createStaffAccount } from '../server/staff/staff.service';
import { VideoService } from '../server/video/livekit';

interface Figures {
  name: string;
  count: number;
  seconds: number;
  p50: number;
  p95: number;
  p99: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function measure(name: string, count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, count, seconds, p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99) };
}

function print(f: Figures) {
  const rate = (f.count / f.seconds).toFixed(0).padStart(7);
  console.log(
    `${f.name.padEnd(44)} ${rate} ops/s   p50 ${f.p50.toFixed(2).padStart(7)} ms   p95 ${f.p95.toFixed(2).padStart(7)} ms   p99 ${f.p99.toFixed(2).padStart(7)} ms   (n=${f.count})`,
  );
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-bench-'));
const databaseUrl = `sqlite:${path.join(dir, 'bench.db')}`;
const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, LIVEKIT_URL: 'ws://127.0.0.1:9', LOGIN_LIMIT_PER_ADDRESS: '1000000', LOGIN_LIMIT_PER_ACCOUNT: '1000000' });
const database = openDatabase(databaseUrl);
await migrateToLatest(database);
const logger = createLogger('silent');
const handle = createApp({ config, database, logger, livekitReachable: async () => true });
await new Promise<void>((r) => handle.server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(handle.server.address() as AddressInfo).port}`;

console.log(`Alcove benchmarks — Node ${process.version}, ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, SQLite\n`);

// 1. LiveKit join tokens, in process (the work behind every video-token request).
const video = new VideoService(config);
print(
  await measure('mint LiveKit join token (in process)', 20_000, 1, async (i) => {
    await video.mintToken({ roomName: 'v_bench', identity: randomUUID(), displayName: `P${i}`, role: 'patient', maxParticipants: 3 });
  }),
);

// 2. Webhook verification + parse, in process.
const body = JSON.stringify({ event: 'participant_joined', id: 'EV_x', createdAt: String(Math.floor(Date.now() / 1000)), room: { name: 'v_bench' } });
const at = new AccessToken('devkey', 'secret');
at.sha256 = createHash('sha256').update(body).digest('base64');
const auth = await at.toJwt();
print(
  await measure('verify LiveKit webhook (in process)', 5_000, 1, async () => {
    await video.receiveWebhook(body, auth);
  }),
);

// 3. Sign-in (dominated by scrypt, deliberately slow).
const { staff } = await createStaffAccount(database.db, { email: 'bench@clinic.test', name: 'Bench Clinician', role: 'clinician' }, 'bench-password-123');
print(
  await measure('POST /api/auth/login (scrypt)', 100, 4, async () => {
    const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: staff.email, password: 'bench-password-123' }) });
    if (r.status !== 200) throw new Error(`login ${r.status}`);
    await r.arrayBuffer();
  }),
);

// 4. An authenticated read: session JWT verify + session row lookup.
const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: staff.email, password: 'bench-password-123' }) });
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
print(
  await measure('GET /api/auth/me (session check)', 5_000, 16, async () => {
    const r = await fetch(`${base}/api/auth/me`, { headers: { cookie } });
    if (r.status !== 200) throw new Error(`me ${r.status}`);
    await r.arrayBuffer();
  }),
);

const mem = process.memoryUsage();
console.log(`\nmemory after run: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);

await handle.io.close();
await database.close();
fs.rmSync(dir, { recursive: true, force: true });
