import { randomBytes } from 'node:crypto';
import { io as ioClient, type Socket } from 'socket.io-client';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadinessResponseSchema } from '@shared/api/health.schema';
import { SERVER_EVENT_SCHEMAS } from '@shared/realtime';
import { PHQ9_ITEM9, PHQ9_ITEMS, PHQ_OPTION } from '../../helpers/checkin-builder';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { startTcpBalancer } from '../../helpers/tcp-balancer';
import { barrier, connects, cookieHeader, nextEvent } from '../../helpers/test-app';
import { createScratchDatabase } from '../platform/fault-tools';

/*
 * Two real server processes (server/main.ts) on one PostgreSQL database and one Redis, with a
 * channel prefix of their own so parallel test files never cross. Every HTTP action below is made
 * on process A; every socket that must hear about it is on process B (or the other way round), so
 * each event has to cross processes through the Redis adapter.
 */
const enabled = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);
const runTag = randomBytes(4).toString('hex');

interface Recorded {
  event: string;
  payload: Record<string, unknown>;
}

/** A socket.io client on `server` with `agent`'s cookies; every event it gets is recorded. */
function socketOn(url: string, agent: TestAgent | undefined, opts: { transports?: string[]; reconnection?: boolean } = {}) {
  const cookie = agent ? cookieHeader(agent, url) : undefined;
  const socket: Socket = ioClient(url, {
    transports: opts.transports ?? ['websocket'],
    reconnection: opts.reconnection ?? false,
    reconnectionDelay: 200,
    reconnectionDelayMax: 500,
    forceNew: true,
    extraHeaders: cookie ? { cookie } : {},
  });
  const events: Recorded[] = [];
  socket.onAny((event: string, payload: Record<string, unknown>) => events.push({ event, payload }));
  return { socket, events };
}

describe.skipIf(!enabled)('two server processes on one PostgreSQL and one Redis', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let balancer: Awaited<ReturnType<typeof startTcpBalancer>>;
  let dropDatabase: () => Promise<void>;
  const sockets: Socket[] = [];
  let admin: TestAgent;

  beforeAll(async () => {
    const scratch = await createScratchDatabase();
    dropDatabase = scratch.drop;
    // The balancer's port must be known before the processes start: it is their common PUBLIC_URL.
    balancer = await startTcpBalancer([]);
    const env = {
      DATABASE_URL: scratch.url,
      REDIS_URL: process.env.TEST_REDIS_URL as string,
      REALTIME_REDIS_PREFIX: `alcove-test:${runTag}:io`,
      RATE_LIMIT_REDIS_PREFIX: `alcove-test:${runTag}:rl:`,
      PUBLIC_URL: balancer.url,
      SESSION_SECRET: `two-process-secret-${runTag}-0123456789abcdef`,
      LOGIN_LIMIT_PER_ADDRESS: '100000',
      JOIN_LIMIT_PER_ADDRESS: '100000',
      ANSWER_LIMIT_PER_PARTICIPANT: '100000',
      SHUTDOWN_DRAIN_DELAY_MS: '1500',
    };
    // One after the other: the first migrates and creates the administrator.
    a = await startServerProcess('two-processes-a', env);
    b = await startServerProcess('two-processes-b', env);
    balancer.setUpstreams([a.port, b.port]);
    admin = request.agent(a.url);
    await admin.post('/api/auth/login').send(a.admin).expect(200);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await balancer?.close();
    await dropDatabase?.();
  }, 60_000);

  /** A socket on `url` that is closed after the suite. */
  function open(url: string, agent?: TestAgent, opts?: Parameters<typeof socketOn>[2]) {
    const s = socketOn(url, agent, opts);
    sockets.push(s.socket);
    return s;
  }

  /** Staff signed in on `on` (their cookie works on either process). */
  async function staff(role: 'scheduler' | 'clinician', on: ServerProcess) {
    const email = `${role}-${randomBytes(4).toString('hex')}@two.test`;
    const created = await admin.post('/api/staff').send({ email, name: `Two ${role}`, role }).expect(201);
    const agent = request.agent(on.url);
    await agent.post('/api/auth/invitation/accept').send({ token: String(created.body.invitation.url).split('/invite/')[1], password: 'harbour lantern quartz maple' }).expect(200);
    return { agent, id: created.body.staff.id as string };
  }

  /** Through process A: a visit starting now with its own clinician, and its patient joined and consented. */
  async function visitOnA() {
    const scheduler = await staff('scheduler', a);
    const clinician = await staff('clinician', a);
    const patientRow = await scheduler.agent.post('/api/patients').send({ displayName: 'Two Patient', preferredLanguage: 'en' }).expect(201);
    const created = await scheduler.agent
      .post('/api/visits')
      .send({ patientId: patientRow.body.patient.id, clinicianIds: [clinician.id], startsAt: new Date().toISOString(), durationMinutes: 30 })
      .expect(201);
    const visitId = created.body.visit.id as string;
    const token = (created.body.patientLink.url as string).split('/').pop() as string;
    const patient = request.agent(a.url);
    const joined = await patient.post('/api/join').send({ token }).expect(200);
    await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    return { visitId, scheduler, clinician, patient, token, participantId: joined.body.participant.id as string };
  }

  async function watch(socket: Socket, visitId: string) {
    const ack = await socket.timeout(10_000).emitWithAck('visit:watch', { visitId });
    expect(ack).toEqual({ ok: true });
  }

  it(
    'every server→client event raised on one process reaches the right sockets on the other, and no socket of another visit',
    { timeout: 120_000 },
    async () => {
      // Every event awaited below, by name: checked against shared/realtime.ts at the end.
      const covered = new Set<string>();
      const heard = <T = unknown>(socket: Socket, event: string) =>
        nextEvent<T>(socket, event).then((payload) => {
          covered.add(event);
          return payload;
        });
      const v1 = await visitOnA();
      const v2 = await visitOnA();

      // Bystanders of visit 2 on both processes: they must hear nothing of visit 1.
      const bystanders = [
        { ...open(a.url, v2.clinician.agent), staff: true },
        { ...open(b.url, v2.clinician.agent), staff: true },
        { ...open(a.url, v2.patient), staff: false },
        { ...open(b.url, v2.patient), staff: false },
      ];
      for (const s of bystanders) {
        expect(await connects(s.socket)).toBe(true);
        if (s.staff) await watch(s.socket, v2.visitId);
      }

      // session:ready — sessions made on A are accepted on B.
      const patOnA = open(a.url, v1.patient);
      const patientReady = heard<{ kind: string; id: string }>(patOnA.socket, 'session:ready');
      const offline = heard<{ online: boolean }>(patOnA.socket, 'visit:clinician-presence');
      expect(await patientReady).toEqual({ kind: 'patient', id: v1.participantId });
      expect(await offline).toEqual({ visitId: v1.visitId, online: false });

      const clinOnB = open(b.url, v1.clinician.agent);
      expect(await heard(clinOnB.socket, 'session:ready')).toEqual({ kind: 'staff', id: v1.clinician.id });

      // visit:clinician-presence — the clinician opens the console on B; the patient on A is told.
      const online = heard<{ online: boolean }>(patOnA.socket, 'visit:clinician-presence');
      const initialList = heard(clinOnB.socket, 'visit:participants');
      await watch(clinOnB.socket, v1.visitId);
      await initialList;
      expect(await online).toEqual({ visitId: v1.visitId, online: true });

      // A patient socket connecting on A sees the clinician watching on B (presence counted across processes).
      const patOnB = open(b.url, v1.patient);
      const latePatient = open(a.url, v1.patient);
      expect(await heard(latePatient.socket, 'visit:clinician-presence')).toEqual({ visitId: v1.visitId, online: true });
      expect(await connects(patOnB.socket)).toBe(true);

      // visit:participants and visit:waiting — the patient enters the waiting room on A.
      const participants = heard<{ participants: { id: string; state: string }[] }>(clinOnB.socket, 'visit:participants');
      const waiting = heard(clinOnB.socket, 'visit:waiting');
      await v1.patient.post(`/api/visits/${v1.visitId}/waiting-room`).expect(200);
      expect((await participants).participants.find((p) => p.id === v1.participantId)?.state).toBe('waiting');
      expect(await waiting).toEqual({ visitId: v1.visitId, waiting: 1 });

      // visit:waiting-message — set on A, heard by the patient on B.
      const message = heard(patOnB.socket, 'visit:waiting-message');
      await v1.clinician.agent.put(`/api/visits/${v1.visitId}/waiting-message`).send({ preset: 'running_late_5' }).expect(200);
      expect(await message).toEqual({ visitId: v1.visitId, message: { preset: 'running_late_5' } });

      // participant:state and visit:status — admitted on A.
      const admitted = heard(patOnB.socket, 'participant:state');
      const patientStatus = heard(patOnB.socket, 'visit:status');
      const staffStatus = heard(clinOnB.socket, 'visit:status');
      await v1.clinician.agent.post(`/api/visits/${v1.visitId}/admit`).send({ participantId: v1.participantId }).expect(200);
      expect(await admitted).toEqual({ participantId: v1.participantId, state: 'admitted' });
      expect(await patientStatus).toEqual({ visitId: v1.visitId, status: 'in_progress' });
      expect(await staffStatus).toEqual({ visitId: v1.visitId, status: 'in_progress' });

      // checkin:sent — to the patient and the clinician on B.
      const sentToPatient = heard<{ checkinId: string }>(patOnB.socket, 'checkin:sent');
      const sentToStaff = heard<{ checkinId: string }>(clinOnB.socket, 'checkin:sent');
      const sent = await v1.clinician.agent.post(`/api/visits/${v1.visitId}/checkins`).send({ instrumentId: 'phq-9' }).expect(201);
      const checkinId = sent.body.checkin.id as string;
      expect(await sentToPatient).toEqual({ checkinId, visitId: v1.visitId, instrumentId: 'phq-9' });
      expect((await sentToStaff).checkinId).toBe(checkinId);

      // checkin:progress — an answer saved on A.
      const progress = heard(clinOnB.socket, 'checkin:progress');
      await v1.patient.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[0]}`).send({ value: PHQ_OPTION[1] }).expect(200);
      expect(await progress).toMatchObject({ checkinId, visitId: v1.visitId, answered: 1 });

      // safety:alert — PHQ-9 item 9 answered ≥ 1 on A reaches the clinician on B at once.
      const alert = heard(clinOnB.socket, 'safety:alert');
      await v1.patient.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEM9}`).send({ value: PHQ_OPTION[1] }).expect(200);
      expect(await alert).toEqual({ checkinId, visitId: v1.visitId, code: 'safety.self-harm' });

      // safety:acknowledged — acknowledged on A.
      const acknowledged = heard(clinOnB.socket, 'safety:acknowledged');
      await v1.clinician.agent.post(`/api/checkins/${checkinId}/alerts/safety.self-harm/acknowledge`).expect(200);
      expect(await acknowledged).toEqual({ checkinId, visitId: v1.visitId, code: 'safety.self-harm' });

      // checkin:shared — the patient answers the rest and shares on A.
      for (const item of PHQ9_ITEMS.slice(1, 8)) await v1.patient.put(`/api/checkins/${checkinId}/answers/${item}`).send({ value: PHQ_OPTION[0] }).expect(200);
      const shared = heard(clinOnB.socket, 'checkin:shared');
      await v1.patient.post(`/api/checkins/${checkinId}/submit`).expect(200);
      expect(await shared).toEqual({ checkinId, visitId: v1.visitId });

      // The clinician's socket on B goes away: the patient on A hears the clinician is offline.
      const gone = heard(patOnA.socket, 'visit:clinician-presence');
      clinOnB.socket.close();
      expect(await gone).toEqual({ visitId: v1.visitId, online: false });

      // visit:ended — ended on A, heard on B by the patient and by a watching console.
      const console2 = open(b.url, v1.clinician.agent);
      await watch(console2.socket, v1.visitId);
      const endedPatient = heard(patOnB.socket, 'visit:ended');
      const endedStaff = heard(console2.socket, 'visit:ended');
      await v1.clinician.agent.post(`/api/visits/${v1.visitId}/end`).expect(200);
      expect(await endedPatient).toEqual({ visitId: v1.visitId });
      expect(await endedStaff).toEqual({ visitId: v1.visitId });

      // participant:moved and video:rekey — in a third visit, the patient's second device (same link,
      // joined on A) is admitted on A. The first device's socket on B is told it moved, then dropped;
      // the visit's key is replaced, and the console and the admitted device on B are told to fetch it.
      const v3 = await visitOnA();
      await v3.patient.post(`/api/visits/${v3.visitId}/waiting-room`).expect(200);
      const firstDevice = open(b.url, v3.patient);
      expect(await connects(firstDevice.socket)).toBe(true);
      const console3 = open(b.url, v3.clinician.agent);
      await watch(console3.socket, v3.visitId);
      const second = request.agent(a.url);
      const secondId = (await second.post('/api/join').send({ token: v3.token }).expect(200)).body.participant.id as string;
      expect(secondId).not.toBe(v3.participantId);
      await second.post(`/api/visits/${v3.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
      await second.post(`/api/visits/${v3.visitId}/waiting-room`).expect(200);
      const secondDevice = open(b.url, second);
      expect(await connects(secondDevice.socket)).toBe(true);
      const moved = heard(firstDevice.socket, 'participant:moved');
      const droppedFirst = new Promise<string>((r) => firstDevice.socket.once('disconnect', r));
      const rekeyStaff = heard(console3.socket, 'video:rekey');
      const rekeyDevice = heard(secondDevice.socket, 'video:rekey');
      await v3.clinician.agent.post(`/api/visits/${v3.visitId}/admit`).send({ participantId: secondId }).expect(200);
      expect(await moved).toEqual({ participantId: v3.participantId });
      expect(await droppedFirst).toBe('io server disconnect');
      expect(await rekeyStaff).toEqual({ visitId: v3.visitId });
      expect(await rekeyDevice).toEqual({ visitId: v3.visitId });
      // The replaced device was dropped (Redis delivers A's publishes in order) before the rekey: it is not told.
      expect(firstDevice.events.map((e) => e.event)).not.toContain('video:rekey');
      expect(secondDevice.events.map((e) => e.event)).not.toContain('participant:moved');

      // Barriers: a later event of visit 2 on each bystander, so nothing of visit 1 is still on its way.
      for (const s of bystanders) {
        if (s.staff) {
          await barrier(s.socket, 'visit:participants', () => watch(s.socket, v2.visitId), (p: { visitId: string }) => p.visitId === v2.visitId);
        } else {
          await barrier(
            s.socket,
            'visit:waiting-message',
            () => v2.clinician.agent.put(`/api/visits/${v2.visitId}/waiting-message`).send({ preset: 'running_late_10' }).expect(200),
            (p: { message: unknown }) => p.message !== null,
          );
        }
      }
      for (const s of bystanders) {
        for (const { event, payload } of s.events) {
          expect(Object.keys(SERVER_EVENT_SCHEMAS)).toContain(event);
          const about = (payload.visitId ?? payload.participantId ?? payload.id) as string;
          expect([v2.visitId, v2.participantId, v2.clinician.id], `${event} reached a bystander`).toContain(about);
        }
      }

      // Coverage: every server→client event of shared/realtime.ts was heard above.
      expect([...covered].sort()).toEqual(Object.keys(SERVER_EVENT_SCHEMAS).sort());
    },
  );

  it('removal on one process disconnects the removed patient’s sockets on both; revoked sessions are refused by the other process', { timeout: 60_000 }, async () => {
    const v = await visitOnA();
    await v.patient.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    const desk = open(b.url, v.clinician.agent);
    await watch(desk.socket, v.visitId);
    const onB = open(b.url, v.patient);
    const onA = open(a.url, v.patient);
    expect(await connects(onB.socket)).toBe(true);
    expect(await connects(onA.socket)).toBe(true);
    const droppedB = new Promise<string>((r) => onB.socket.once('disconnect', r));
    const droppedA = new Promise<string>((r) => onA.socket.once('disconnect', r));
    const removed = nextEvent(onB.socket, 'participant:state');
    const rekeyed = nextEvent(desk.socket, 'video:rekey');
    await v.clinician.agent.post(`/api/visits/${v.visitId}/participants/${v.participantId}/remove`).expect(200);
    expect(await removed).toEqual({ participantId: v.participantId, state: 'removed' });
    // The visit's E2EE key was replaced on A: the console on B is told to fetch a new token.
    expect(await rekeyed).toEqual({ visitId: v.visitId });
    expect(await droppedB).toBe('io server disconnect');
    expect(await droppedA).toBe('io server disconnect');
    expect(await connects(open(b.url, v.patient).socket)).toBe(false);

    // Staff sign-out on A: the same cookie is refused at B's socket handshake.
    const clinician = await staff('clinician', a);
    expect(await connects(open(b.url, clinician.agent).socket)).toBe(true);
    const cookieBefore = cookieHeader(clinician.agent, a.url);
    await clinician.agent.post('/api/auth/logout').expect(204);
    const stale = ioClient(b.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: cookieBefore } });
    sockets.push(stale);
    expect(await connects(stale)).toBe(false);

    // Deactivation on A: refused on B.
    const deactivated = await staff('clinician', a);
    const deactivatedCookie = cookieHeader(deactivated.agent, a.url);
    await admin.patch(`/api/staff/${deactivated.id}`).send({ active: false }).expect(200);
    const gone = ioClient(b.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: deactivatedCookie } });
    sockets.push(gone);
    expect(await connects(gone)).toBe(false);

    // A reissued join link on A ends the old patient session: refused on B.
    const other = await visitOnA();
    const patientCookie = cookieHeader(other.patient, a.url);
    await other.scheduler.agent.post(`/api/visits/${other.visitId}/patient-link`).expect(200);
    const old = ioClient(b.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: patientCookie } });
    sockets.push(old);
    expect(await connects(old)).toBe(false);
  });

  it('rate-limit counters are shared: failed sign-ins on A and on B add up to one limit', { timeout: 60_000 }, async () => {
    const target = await staff('clinician', a);
    const email = (await target.agent.get('/api/auth/me').expect(200)).body.user.email as string;
    const statuses: number[] = [];
    // LOGIN_LIMIT_PER_ACCOUNT is 5 failures per window; alternate processes so each sees only half.
    for (let i = 0; i < 6; i++) {
      const res = await request(i % 2 ? b.url : a.url).post('/api/auth/login').send({ email, password: `wrong-${i}` });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
  });

  it('a client that starts on long-polling upgrades to WebSocket, then hears events raised on the other process', { timeout: 60_000 }, async () => {
    const v = await visitOnA();
    const polling = open(b.url, v.patient, { transports: ['polling', 'websocket'] });
    const upgraded = new Promise<string>((resolve) => {
      polling.socket.io.engine.once('upgrade', (transport: { name: string }) => resolve(transport.name));
    });
    expect(await connects(polling.socket)).toBe(true);
    expect(await upgraded).toBe('websocket');
    const message = await barrier(
      polling.socket,
      'visit:waiting-message',
      () => v.clinician.agent.put(`/api/visits/${v.visitId}/waiting-message`).send({ preset: 'running_late_5' }).expect(200),
      (p: { message: unknown }) => p.message !== null,
    );
    expect(message).toEqual({ visitId: v.visitId, message: { preset: 'running_late_5' } });
    expect(polling.socket.io.engine.transport.name).toBe('websocket');
  });

  it('a process drained with SIGTERM answers /readyz 503, loses no acknowledged answer, and its clients reconnect to the other process and resync', { timeout: 90_000 }, async () => {
    // Through the balancer, which sends new connections to A while A accepts them.
    const v = await visitOnA();
    const patient = request.agent(balancer.url);
    const clinician = request.agent(balancer.url);
    for (const [agent, from] of [
      [patient, v.patient],
      [clinician, v.clinician.agent],
    ] as const) {
      for (const c of cookieHeader(from, a.url).split('; ')) agent.jar.setCookie(c, '127.0.0.1', '/');
    }
    await patient.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    await clinician.post(`/api/visits/${v.visitId}/admit`).send({ participantId: v.participantId }).expect(200);
    const sent = await clinician.post(`/api/visits/${v.visitId}/checkins`).send({ instrumentId: 'phq-9' }).expect(201);
    const checkinId = sent.body.checkin.id as string;

    const patientSocket = open(balancer.url, patient, { reconnection: true });
    const staffSocket = open(balancer.url, clinician, { reconnection: true });
    expect(await connects(patientSocket.socket)).toBe(true);
    expect(await connects(staffSocket.socket)).toBe(true);
    expect(balancer.connectionsTo(b.port)).toBe(0); // everything so far went to A

    // Answers keep being saved while A drains; a failed request is not acknowledged.
    const acknowledged = new Map<string, string>();
    const tried = new Map<string, Set<string>>();
    let saving = true;
    const saver = (async () => {
      for (let i = 0; saving; i++) {
        const linkId = PHQ9_ITEMS[i % 8]!;
        const value = PHQ_OPTION[i % 4]!;
        const res = await patient
          .put(`/api/checkins/${checkinId}/answers/${linkId}`)
          .send({ value })
          .then((r) => r.status, () => 0);
        if (res === 200) {
          acknowledged.set(linkId, value);
          tried.set(linkId, new Set());
        } else {
          tried.set(linkId, (tried.get(linkId) ?? new Set()).add(value));
        }
      }
    })();

    const reconnectedPatient = new Promise<void>((r) => patientSocket.socket.io.once('reconnect', () => r()));
    const reconnectedStaff = new Promise<void>((r) => staffSocket.socket.io.once('reconnect', () => r()));
    await new Promise((r) => setTimeout(r, 300));
    const exited = a.terminate();
    // The balancer's health check sees A as not ready while it drains.
    let readyz: { status: number; body?: unknown } = { status: 0 };
    for (let i = 0; i < 20 && readyz.status !== 503; i++) {
      readyz = await fetch(`${a.url}/readyz`).then(
        async (r) => ({ status: r.status, body: await r.json() }),
        () => ({ status: 0 }),
      );
      if (readyz.status !== 503) await new Promise((r) => setTimeout(r, 50));
    }
    expect(readyz.status).toBe(503);
    expect(ReadinessResponseSchema.parse(readyz.body)).toEqual({ status: 'draining' });
    expect(await exited).toBe(0);
    await reconnectedPatient;
    await reconnectedStaff;
    await new Promise((r) => setTimeout(r, 300));
    saving = false;
    await saver;
    expect(balancer.connectionsTo(b.port)).toBeGreaterThan(0);

    // Resync, as the client does after every reconnection: what was acknowledged is stored.
    const stored = (await patient.get(`/api/checkins/${checkinId}`).expect(200)).body.checkin.answers as Record<string, string>;
    expect(acknowledged.size).toBeGreaterThan(0);
    for (const [linkId, value] of acknowledged) expect([value, ...(tried.get(linkId) ?? [])]).toContain(stored[linkId]);

    // The reconnected sockets are on B now and hear what happens there.
    const ack = await staffSocket.socket.timeout(10_000).emitWithAck('visit:watch', { visitId: v.visitId });
    expect(ack).toEqual({ ok: true });
    const message = nextEvent(patientSocket.socket, 'visit:waiting-message');
    const progress = nextEvent(staffSocket.socket, 'checkin:progress');
    await clinician.put(`/api/visits/${v.visitId}/waiting-message`).send({ preset: 'running_late_5' }).expect(200);
    await patient.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEM9}`).send({ value: PHQ_OPTION[0] }).expect(200);
    expect(await message).toEqual({ visitId: v.visitId, message: { preset: 'running_late_5' } });
    expect(await progress).toMatchObject({ checkinId, visitId: v.visitId });
  });
});
