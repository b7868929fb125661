import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { io as ioClient, type Socket } from 'socket.io-client';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveParticipant } from '@shared/realtime';
import { PHQ9_ITEM9, PHQ9_ITEMS, PHQ_OPTION } from '../../helpers/checkin-builder';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { startTcpBalancer } from '../../helpers/tcp-balancer';
import { barrier, connects, cookieHeader, nextEvent } from '../../helpers/test-app';
import { createScratchDatabase } from '../platform/fault-tools';

/*
 * What a SIGKILLed process leaves undone, the sweeps of the process that survives finish. Two real
 * processes on one PostgreSQL and one Redis: patients act on A, the clinician's console is on B.
 * - A safety alert is committed with the record that it must be pushed; whichever process's
 *   sweeper finds it still unpushed pushes it. To kill A between its commit and its push for real,
 *   the test holds a lock on the table A's push reads (the visit's care team) after the commit,
 *   SIGKILLs A while its push waits on that lock, then lets go.
 * - A patient whose socket was on A is seen by nobody as disconnected (A died before it could
 *   record it); B's presence sweep finds no socket for them on any process and marks them lost.
 */
const enabled = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);
const runTag = randomBytes(4).toString('hex');
const REPUSH_AFTER_SECONDS = 2;
const GRACE_SECONDS = 2;
type ParticipantsEvent = { visitId: string; participants: LiveParticipant[] };

describe.skipIf(!enabled)('a process SIGKILLed: the sweeps on the surviving process finish its work', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let balancer: Awaited<ReturnType<typeof startTcpBalancer>>;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let admin: TestAgent;
  let env: Record<string, string>;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    balancer = await startTcpBalancer([]);
    env = {
      DATABASE_URL: scratch.url,
      REDIS_URL: process.env.TEST_REDIS_URL as string,
      REALTIME_REDIS_PREFIX: `alcove-test:${runTag}:io`,
      RATE_LIMIT_REDIS_PREFIX: `alcove-test:${runTag}:rl:`,
      PUBLIC_URL: balancer.url,
      SESSION_SECRET: `alert-sweep-secret-${runTag}-0123456789abcdef`,
      LOGIN_LIMIT_PER_ADDRESS: '100000',
      JOIN_LIMIT_PER_ADDRESS: '100000',
      ALERT_REPUSH_AFTER_SECONDS: String(REPUSH_AFTER_SECONDS),
      PRESENCE_GRACE_SECONDS: String(GRACE_SECONDS),
    };
    a = await startServerProcess('alert-sweep-a', env);
    b = await startServerProcess('alert-sweep-b', env);
    balancer.setUpstreams([a.port, b.port]);
    // On B, which the tests never kill.
    admin = request.agent(b.url);
    await admin.post('/api/auth/login').send(a.admin).expect(200);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await balancer?.close();
    await scratch?.drop();
  }, 60_000);

  /** A again after a test killed it (same database, same Redis). */
  async function aliveA() {
    if (!(await fetch(`${a.url}/healthz`).then(() => true, () => false))) a = await startServerProcess('alert-sweep-a2', env);
  }

  async function staff(role: 'scheduler' | 'clinician') {
    const email = `${role}-${randomBytes(4).toString('hex')}@sweep.test`;
    const created = await admin.post('/api/staff').send({ email, name: `Sweep ${role}`, role }).expect(201);
    const agent = request.agent(a.url);
    await agent.post('/api/auth/invitation/accept').send({ token: String(created.body.invitation.url).split('/invite/')[1], password: 'harbour lantern quartz maple' }).expect(200);
    return { agent, id: created.body.staff.id as string };
  }

  /** Through A: a visit with its patient admitted and a PHQ-9 sent; the clinician's console socket on B, watching. */
  async function checkinWithConsoleOnB() {
    await aliveA();
    const { agent: scheduler } = await staff('scheduler');
    const { agent: clinician, id: clinicianId } = await staff('clinician');
    const patientRow = await scheduler.post('/api/patients').send({ displayName: 'Sweep Patient', preferredLanguage: 'en' }).expect(201);
    const created = await scheduler
      .post('/api/visits')
      .send({ patientId: patientRow.body.patient.id, clinicianIds: [clinicianId], startsAt: new Date().toISOString(), durationMinutes: 30 })
      .expect(201);
    const visitId = created.body.visit.id as string;
    const patient = request.agent(a.url);
    const joined = await patient
      .post('/api/join')
      .send({ token: (created.body.patientLink.url as string).split('/').pop() })
      .expect(200);
    await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    await patient.post(`/api/visits/${visitId}/waiting-room`).expect(200);
    await clinician.post(`/api/visits/${visitId}/admit`).send({ participantId: joined.body.participant.id }).expect(200);
    const checkinId = (await clinician.post(`/api/visits/${visitId}/checkins`).send({ instrumentId: 'phq-9' }).expect(201)).body.checkin.id as string;

    // A console that never reconnects: whatever it gets after A dies came from B.
    const socket = ioClient(b.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: cookieHeader(clinician, b.url) } });
    sockets.push(socket);
    expect(await connects(socket)).toBe(true);
    expect(await socket.timeout(10_000).emitWithAck('visit:watch', { visitId })).toEqual({ ok: true });
    const alerts: { checkinId: string }[] = [];
    socket.on('safety:alert', (e: { checkinId: string }) => alerts.push(e));
    return { visitId, checkinId, patient, socket, alerts };
  }

  /** Longer than any sweeper needs to (wrongly) push again, then a later event on the same socket as a barrier. */
  async function settle(socket: Socket, trigger: () => Promise<unknown>) {
    await new Promise((r) => setTimeout(r, REPUSH_AFTER_SECONDS * 2000 + 1000));
    await barrier(socket, 'checkin:progress', trigger);
  }

  it('an alert pushed by the process that saved it is pushed once: no sweeper on either process pushes it again', { timeout: 150_000 }, async () => {
    const { checkinId, patient, socket, alerts } = await checkinWithConsoleOnB();
    await patient.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEM9}`).send({ value: PHQ_OPTION[2] }).expect(200);
    await settle(socket, () => patient.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[0]}`).send({ value: PHQ_OPTION[0] }).expect(200));
    expect(alerts).toEqual([expect.objectContaining({ checkinId })]);
  });

  it('A SIGKILLed between the commit and the push: the clinician on B still gets the alert, once, from B’s sweeper', { timeout: 150_000 }, async () => {
    const { checkinId, patient, socket, alerts } = await checkinWithConsoleOnB();
    const lock = new pg.Client({ connectionString: scratch.url });
    const look = new pg.Client({ connectionString: scratch.url });
    await Promise.all([lock.connect(), look.connect()]);
    try {
      await lock.query('begin');
      await lock.query('lock table visit_clinicians in access exclusive mode');
      const saving = patient
        .put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEM9}`)
        .send({ value: PHQ_OPTION[2] })
        .then((r) => r.status)
        .catch(() => 'connection lost');

      // The alert row is only visible once A's transaction committed; A's push is then stuck on the lock.
      const deadline = Date.now() + 20_000;
      while ((await look.query('select 1 from safety_alerts where checkin_id = $1', [checkinId])).rowCount === 0) {
        if (Date.now() > deadline) throw new Error('the alert was never committed');
        await new Promise((r) => setTimeout(r, 50));
      }
      await a.kill();
      expect(await saving).toBe('connection lost');
      const owed = await look.query('select pushed_at from safety_alerts where checkin_id = $1', [checkinId]);
      expect(owed.rows[0].pushed_at).toBeNull();
      expect(alerts).toHaveLength(0);
      await lock.query('rollback');

      const pushed = await nextEvent<{ checkinId: string }>(socket, 'safety:alert', 15_000);
      expect(pushed.checkinId).toBe(checkinId);
      expect(socket.connected).toBe(true);
      const done = await look.query('select pushed_at from safety_alerts where checkin_id = $1', [checkinId]);
      expect(done.rows[0].pushed_at).not.toBeNull();
    } finally {
      await lock.end().catch(() => undefined);
      await look.end().catch(() => undefined);
    }
    // B is the only process left: a later answer saved on B is the barrier.
    const onB = request.agent(b.url);
    const cookie = cookieHeader(patient, a.url);
    await settle(socket, () => onB.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[0]}`).set('Cookie', cookie).send({ value: PHQ_OPTION[0] }).expect(200));
    expect(alerts).toHaveLength(1);
  });

  it('a waiting patient whose process was SIGKILLed is shown as connection lost on B, then leaves the waiting list after the grace', { timeout: 150_000 }, async () => {
    await aliveA();
    const { agent: scheduler } = await staff('scheduler');
    const { agent: clinician, id: clinicianId } = await staff('clinician');
    const patientRow = await scheduler.post('/api/patients').send({ displayName: 'Orphan Patient', preferredLanguage: 'en' }).expect(201);
    const created = await scheduler
      .post('/api/visits')
      .send({ patientId: patientRow.body.patient.id, clinicianIds: [clinicianId], startsAt: new Date().toISOString(), durationMinutes: 30 })
      .expect(201);
    const visitId = created.body.visit.id as string;
    const patient = request.agent(a.url);
    const joined = await patient
      .post('/api/join')
      .send({ token: (created.body.patientLink.url as string).split('/').pop() })
      .expect(200);
    const participantId = joined.body.participant.id as string;
    await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    await patient.post(`/api/visits/${visitId}/waiting-room`).expect(200);

    // The patient's socket on A, placed in its rooms (the clinician-presence reply comes after the join).
    const patientSocket = ioClient(a.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: cookieHeader(patient, a.url) } });
    sockets.push(patientSocket);
    const placed = nextEvent(patientSocket, 'visit:clinician-presence');
    expect(await connects(patientSocket)).toBe(true);
    await placed;

    const desk = ioClient(b.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: cookieHeader(clinician, b.url) } });
    sockets.push(desk);
    expect(await connects(desk)).toBe(true);
    const first = nextEvent<ParticipantsEvent>(desk, 'visit:participants');
    expect(await desk.timeout(10_000).emitWithAck('visit:watch', { visitId })).toEqual({ ok: true });
    const mine = (e: ParticipantsEvent) => e.participants.find((p) => p.id === participantId);
    expect(mine(await first)).toMatchObject({ state: 'waiting', connectionLost: false });
    // Longer than a sweep period: B's sweep looks, finds the patient's socket on A, and marks nothing.
    const seen: ParticipantsEvent[] = [];
    desk.on('visit:participants', (e: ParticipantsEvent) => seen.push(e));
    await new Promise((r) => setTimeout(r, 2500));
    expect(seen.filter((e) => mine(e)?.connectionLost)).toEqual([]);

    const lost = barrier<ParticipantsEvent>(desk, 'visit:participants', async () => undefined, (e) => mine(e)?.connectionLost === true);
    await a.kill();
    expect(mine(await lost)).toMatchObject({ state: 'waiting', connectionLost: true });
    const gone = await barrier<ParticipantsEvent>(desk, 'visit:participants', async () => undefined, (e) => mine(e)?.state === 'left');
    expect(mine(gone)?.state).toBe('left');
    expect(desk.connected).toBe(true);
  });
});
