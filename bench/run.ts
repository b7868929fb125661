/**
 * `npm run bench`: prints throughput and latency figures for the hot paths, measured against the
 * real app on a temporary SQLite database over loopback HTTP, then the front-door figures of
 * bench/browser.ts (the join and sign-in pages in Chromium, on loopback and on slow 4G) and the
 * scale figures of bench/scale.ts (real server processes, SQLite and PostgreSQL side by side). Bounded in count and
 * time; BENCH_QUICK=1 runs smaller sizes. Figures only — no assertions; compare runs on the same machine.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AccessToken } from 'livekit-server-sdk';
import { io as ioClient } from 'socket.io-client';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';
import { createLogger } from '../server/logger';
import { createStaffAccount } from '../server/staff/staff.service';
import { VideoService } from '../server/video/livekit';
import { runBrowserBenchmarks } from './browser';
import { runScaleBenchmarks } from './scale';

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
const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: databaseUrl,
  LIVEKIT_URL: 'ws://127.0.0.1:9',
  LOGIN_LIMIT_PER_ADDRESS: '1000000',
  LOGIN_LIMIT_PER_ACCOUNT: '1000000',
  ANSWER_LIMIT_PER_PARTICIPANT: '1000000',
  VIDEO_TOKEN_LIMIT_PER_PARTICIPANT: '1000000',
  // The benchmark's clients share this event loop; shedding would measure them, not the server.
  MAX_IN_FLIGHT_REQUESTS: '0',
  MAX_EVENT_LOOP_DELAY_MS: '0',
});
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

// 5. The patient's path: a visit with a check-in, then answers saved one by one (as typed) and
//    video tokens for the admitted patient. Each answer is validated, stored and counted live.
const json = { 'content-type': 'application/json' };
const seenLatencies: number[] = [];
async function call(method: string, url: string, cookieHeader: string, body?: unknown) {
  const r = await fetch(`${base}${url}`, { method, headers: { ...json, cookie: cookieHeader }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status >= 400) throw new Error(`${method} ${url} ${r.status} ${await r.text()}`);
  return { body: (r.status === 204 ? undefined : await r.json()) as Record<string, unknown>, setCookie: r.headers.get('set-cookie') ?? '' };
}
const { staff: scheduler } = await createStaffAccount(database.db, { email: 'sched@clinic.test', name: 'Bench Scheduler', role: 'scheduler' }, 'bench-password-123');
const login2 = await call('POST', '/api/auth/login', '', { email: scheduler.email, password: 'bench-password-123' });
const schedCookie = login2.setCookie.split(';')[0] ?? '';
const patient = await call('POST', '/api/patients', schedCookie, { displayName: 'Bench Patient', preferredLanguage: 'en' });
/** Schedules a visit starting now, and joins and consents as its patient (who is not yet waiting). */
async function consentedPatient(): Promise<{ visitId: string; patientCookie: string; participantId: string }> {
  const visit = await call('POST', '/api/visits', schedCookie, {
    patientId: (patient.body.patient as { id: string }).id,
    clinicianIds: [staff.id],
    startsAt: new Date().toISOString(),
    durationMinutes: 60,
  });
  const visitId = (visit.body.visit as { id: string }).id;
  const joined = await call('POST', '/api/join', '', { token: (visit.body.patientLink as { url: string }).url.split('/').pop() });
  const patientCookie = joined.setCookie.split(';')[0] ?? '';
  await call('POST', `/api/visits/${visitId}/consent`, patientCookie, { version: '2026-11-27', accepted: true });
  return { visitId, patientCookie, participantId: (joined.body.participant as { id: string }).id };
}
const { visitId, patientCookie, participantId } = await consentedPatient();
await call('POST', `/api/visits/${visitId}/waiting-room`, patientCookie);
await call('POST', `/api/visits/${visitId}/admit`, cookie, { participantId });
const sent = await call('POST', `/api/visits/${visitId}/checkins`, cookie, { instrumentId: 'phq-9' });
const checkinId = (sent.body.checkin as { id: string }).id;
const items = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3'];
const values = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];
print(
  await measure('PUT /api/checkins/:id/answers/:linkId', 2_000, 8, async (i) => {
    await call('PUT', `/api/checkins/${checkinId}/answers/${items[i % items.length]}`, patientCookie, { value: values[i % values.length] });
  }),
);
print(
  await measure('POST /api/visits/:id/video-token (patient)', 2_000, 8, async () => {
    await call('POST', `/api/visits/${visitId}/video-token`, patientCookie);
  }),
);

// 6. Live updates: from the patient's "I'm here" (POST waiting-room) to the clinician's socket
//    showing them waiting. This was once a timed assertion in the integration tests; it is a figure now.
const clinicianSocket = ioClient(base, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
await new Promise<void>((resolve, reject) => clinicianSocket.once('connect', resolve).once('connect_error', reject));
print(
  await measure('patient waiting → clinician sees them (socket)', 50, 1, async () => {
    const { visitId: id, patientCookie: pc, participantId: pid } = await consentedPatient();
    await clinicianSocket.emitWithAck('visit:watch', { visitId: id });
    const seen = new Promise<void>((resolve) => {
      const listener = (p: { participants: { id: string; state: string }[] }) => {
        if (!p.participants.some((x) => x.id === pid && x.state === 'waiting')) return;
        clinicianSocket.off('visit:participants', listener);
        resolve();
      };
      clinicianSocket.on('visit:participants', listener);
    });
    const t0 = performance.now();
    await call('POST', `/api/visits/${id}/waiting-room`, pc);
    await seen;
    seenLatencies.push(performance.now() - t0);
  }),
);
seenLatencies.sort((a, b) => a - b);
console.log(`  of which request → event only: p50 ${pct(seenLatencies, 50).toFixed(2)} ms, p95 ${pct(seenLatencies, 95).toFixed(2)} ms`);
clinicianSocket.close();

const mem = process.memoryUsage();
console.log(`\nmemory after run: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);

await handle.io.close();
await database.close();
fs.rmSync(dir, { recursive: true, force: true });

await runBrowserBenchmarks();
await runScaleBenchmarks();
