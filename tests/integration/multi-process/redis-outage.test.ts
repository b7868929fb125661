import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { io as ioClient, type Socket } from 'socket.io-client';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveParticipant } from '@shared/realtime';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { barrier, connects, cookieHeader, nextEvent } from '../../helpers/test-app';
import { createScratchDatabase, startRedis } from '../platform/fault-tools';

type ParticipantsEvent = { visitId: string; participants: LiveParticipant[] };

/** Through A's API: a scheduler, a clinician, and a visit starting now whose patient joined and consented. */
async function visitThroughA(a: ServerProcess) {
  const admin = request.agent(a.url);
  await admin.post('/api/auth/login').send(a.admin).expect(200);
  const staff = async (role: string) => {
    const email = `${role}-${randomBytes(4).toString('hex')}@outage.test`;
    const r = await admin.post('/api/staff').send({ email, name: `Outage ${role}`, role }).expect(201);
    const agent = request.agent(a.url);
    await agent
      .post('/api/auth/invitation/accept')
      .send({ token: String(r.body.invitation.url).split('/invite/')[1], password: 'harbour lantern quartz maple' })
      .expect(200);
    return { agent, id: r.body.staff.id as string };
  };
  const scheduler = await staff('scheduler');
  const clinician = await staff('clinician');
  const p = await scheduler.agent.post('/api/patients').send({ displayName: 'Outage Patient' }).expect(201);
  const visit = await scheduler.agent
    .post('/api/visits')
    .send({ patientId: p.body.patient.id, clinicianIds: [clinician.id], startsAt: new Date().toISOString(), durationMinutes: 30 })
    .expect(201);
  const visitId = visit.body.visit.id as string;
  const patient = request.agent(a.url);
  const joined = await patient.post('/api/join').send({ token: (visit.body.patientLink.url as string).split('/').pop() }).expect(200);
  await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
  return { visitId, clinician, patient, participantId: joined.body.participant.id as string };
}

/** Two processes on one PostgreSQL and a Redis this test stops and starts again. */
describe.skipIf(!process.env.TEST_DATABASE_URL)('the socket.io Redis adapter when Redis goes away', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }, 60_000);

  it('costs no hang and no crash, keeps local events flowing, logs once, and sends clients to resync when Redis is back', { timeout: 120_000 }, async () => {
    const redis = await startRedis();
    cleanups.push(redis.stop);
    const scratch = await createScratchDatabase();
    cleanups.push(scratch.drop);
    const env = { DATABASE_URL: scratch.url, REDIS_URL: redis.url, REALTIME_REDIS_PREFIX: `alcove-test:${randomBytes(4).toString('hex')}:io` };
    const a: ServerProcess = await startServerProcess('redis-outage-a', env);
    cleanups.push(a.stop);
    const b: ServerProcess = await startServerProcess('redis-outage-b', env);
    cleanups.push(b.stop);

    // A visit through A's API.
    const { visitId, clinician, patient } = await visitThroughA(a);

    const sockets: Socket[] = [];
    cleanups.push(async () => sockets.forEach((s) => s.close()));
    const open = (url: string) => {
      const s = ioClient(url, { transports: ['websocket'], reconnectionDelay: 200, reconnectionDelayMax: 500, forceNew: true, extraHeaders: { cookie: cookieHeader(patient, a.url) } });
      sockets.push(s);
      return s;
    };
    const onA = open(a.url);
    const onB = open(b.url);
    expect(await connects(onA)).toBe(true);
    expect(await connects(onB)).toBe(true);
    const say = (preset: string) => () => clinician.agent.put(`/api/visits/${visitId}/waiting-message`).send({ preset }).expect(200);
    const saying = (preset: string) => (m: { message: { preset?: string } | null }) => m.message?.preset === preset;
    await barrier(onB, 'visit:waiting-message', say('running_late_5'), saying('running_late_5'));

    await redis.stop();
    // Commands fail at once while Redis is away: the request that emits answers in well under a second.
    const started = Date.now();
    await barrier(onA, 'visit:waiting-message', say('running_late_10'), saying('running_late_10'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);

    // Redis is back: B's clients are sent to reconnect (to fetch what they missed), and events cross again.
    const reconnected = new Promise<void>((resolve) => onB.io.once('reconnect', () => resolve()));
    await redis.start();
    await reconnected;
    await barrier(onB, 'visit:waiting-message', say('running_late_15'), saying('running_late_15'));

    for (const server of [a, b]) {
      expect(server.output()).not.toMatch(/Unhandled|uncaught/i);
      expect(server.output().match(/Redis unreachable: live events/g)?.length).toBe(1);
    }
  });

  /*
   * Presence asks every process for a patient's sockets through the adapter. While Redis is away
   * that lookup can only see this process's own sockets; a sweep acting on it would mark the
   * patients connected to the OTHER process as "connection lost", and after the grace move them to
   * `left`. Patient on A, clinician on B, Redis gone for longer than the grace plus a few sweeps.
   */
  it('a Redis outage longer than the presence grace loses no waiting patient connected to another process', { timeout: 120_000 }, async () => {
    const GRACE_SECONDS = 2; // the sweep runs every max(1 s, grace / 2): every second here
    const redis = await startRedis();
    cleanups.push(redis.stop);
    const scratch = await createScratchDatabase();
    cleanups.push(scratch.drop);
    const env = {
      DATABASE_URL: scratch.url,
      REDIS_URL: redis.url,
      REALTIME_REDIS_PREFIX: `alcove-test:${randomBytes(4).toString('hex')}:io`,
      PRESENCE_GRACE_SECONDS: String(GRACE_SECONDS),
    };
    const a: ServerProcess = await startServerProcess('redis-outage-presence-a', env);
    cleanups.push(a.stop);
    const b: ServerProcess = await startServerProcess('redis-outage-presence-b', env);
    cleanups.push(b.stop);
    const look = new pg.Client({ connectionString: scratch.url });
    await look.connect();
    cleanups.push(() => look.end());

    const { visitId, clinician, patient, participantId } = await visitThroughA(a);
    await patient.post(`/api/visits/${visitId}/waiting-room`).expect(200);
    const row = async () =>
      (await look.query('select state, disconnected_at from participants where id = $1', [participantId])).rows[0] as {
        state: string;
        disconnected_at: string | null;
      };

    const sockets: Socket[] = [];
    cleanups.push(async () => sockets.forEach((s) => s.close()));
    // The patient's socket on A reconnects by itself (as the real client does) when A sends it to resync.
    const patientSocket = ioClient(a.url, {
      transports: ['websocket'],
      reconnectionDelay: 200,
      reconnectionDelayMax: 500,
      forceNew: true,
      extraHeaders: { cookie: cookieHeader(patient, a.url) },
    });
    sockets.push(patientSocket);
    const placed = nextEvent(patientSocket, 'visit:clinician-presence');
    expect(await connects(patientSocket)).toBe(true);
    await placed;

    /** A console on B watching the visit; every participant list it gets is kept. */
    const consoleOnB = async () => {
      const desk = ioClient(b.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: cookieHeader(clinician.agent, a.url) } });
      sockets.push(desk);
      expect(await connects(desk)).toBe(true);
      const lists: ParticipantsEvent[] = [];
      desk.on('visit:participants', (e: ParticipantsEvent) => lists.push(e));
      expect(await desk.timeout(10_000).emitWithAck('visit:watch', { visitId })).toEqual({ ok: true });
      return { desk, lists };
    };
    const mine = (e: ParticipantsEvent) => e.participants.find((p) => p.id === participantId);
    const shownLost = (lists: ParticipantsEvent[]) => lists.map(mine).filter((p) => p?.connectionLost || p?.state !== 'waiting');

    const before = await consoleOnB();
    // Longer than a sweep period: the sweeps look, find the patient's socket on A, and mark nothing.
    await new Promise((r) => setTimeout(r, 2500));
    expect(before.lists.length).toBeGreaterThan(0);
    expect(shownLost(before.lists)).toEqual([]);

    await redis.stop();
    // The grace plus several sweep periods.
    await new Promise((r) => setTimeout(r, GRACE_SECONDS * 1000 + 5000));
    expect(await row()).toEqual({ state: 'waiting', disconnected_at: null });
    expect(shownLost(before.lists)).toEqual([]);
    expect(patientSocket.connected).toBe(true);

    // Redis is back: A sends the patient's socket to reconnect; once things settle (and a few more
    // sweeps with every process answering), the patient is waiting and not shown as connection lost.
    // The row is sampled all along: the resync's reconnection must not show the patient lost even briefly.
    const samples: { state: string; disconnected_at: string | null }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await row());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const reconnected = new Promise<void>((resolve) => patientSocket.io.once('reconnect', () => resolve()));
    await redis.start();
    await reconnected;
    // Both processes have sent their own clients to resync (which drops consoles too) before the next console opens.
    for (const server of [a, b]) await expect.poll(() => server.output().includes('Redis answers again'), { timeout: 15_000 }).toBe(true);
    const after = await consoleOnB();
    await new Promise((r) => setTimeout(r, 9000));
    const fresh = await barrier<ParticipantsEvent>(after.desk, 'visit:participants', () => after.desk.timeout(10_000).emitWithAck('visit:watch', { visitId }));
    sampling = false;
    await sampler;
    expect(mine(fresh)).toMatchObject({ state: 'waiting', connectionLost: false });
    expect(shownLost(after.lists)).toEqual([]);
    expect(samples.length).toBeGreaterThan(50);
    expect(samples.filter((r) => r.state !== 'waiting' || r.disconnected_at !== null)).toEqual([]);

    for (const server of [a, b]) {
      expect(server.output()).not.toMatch(/Unhandled|uncaught/i);
      expect(server.output().match(/presence: not every process answered/g)?.length).toBe(1);
    }
  });
});
