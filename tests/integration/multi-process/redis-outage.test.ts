import { randomBytes } from 'node:crypto';
import { io as ioClient, type Socket } from 'socket.io-client';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { barrier, connects, cookieHeader } from '../../helpers/test-app';
import { createScratchDatabase, startRedis } from '../platform/fault-tools';

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

    // A visit through A's API, its patient waiting.
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
    await patient.post('/api/join').send({ token: (visit.body.patientLink.url as string).split('/').pop() }).expect(200);
    await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);

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
});
