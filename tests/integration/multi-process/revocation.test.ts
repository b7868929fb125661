import { randomBytes } from 'node:crypto';
import { io as ioClient, type Socket } from 'socket.io-client';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { barrier, connects, cookieHeader } from '../../helpers/test-app';
import { createScratchDatabase } from '../platform/fault-tools';

/*
 * Issue 11, finding 4 across processes: two real server processes on one PostgreSQL and one Redis.
 * Every change is made over HTTP on process A; the socket that must be dropped lives on process B,
 * so the disconnect has to cross through the socket.io Redis adapter. One pair of processes serves
 * every case.
 */
const enabled = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);
const runTag = randomBytes(4).toString('hex');
const PASSWORD = 'revocation test lantern meadow quartz';

/** Resolves with the reason once the socket is disconnected, or rejects after `ms`. */
function dropped(socket: Socket, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the socket was never disconnected')), ms);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describe.skipIf(!enabled)('revocation across two server processes', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let lk: LivekitStandIn;
  let dropDatabase: () => Promise<void>;
  let admin: TestAgent;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const scratch = await createScratchDatabase();
    dropDatabase = scratch.drop;
    lk = await startLivekitStandIn();
    const env = {
      DATABASE_URL: scratch.url,
      REDIS_URL: process.env.TEST_REDIS_URL as string,
      REALTIME_REDIS_PREFIX: `alcove-test:${runTag}:io`,
      RATE_LIMIT_REDIS_PREFIX: `alcove-test:${runTag}:rl:`,
      SESSION_SECRET: `revocation-secret-${runTag}-0123456789abcdef`,
      LIVEKIT_URL: lk.url,
      LOGIN_LIMIT_PER_ADDRESS: '100000',
      JOIN_LIMIT_PER_ADDRESS: '100000',
    };
    // One after the other: the first migrates and creates the administrator.
    a = await startServerProcess('revocation-a', env);
    b = await startServerProcess('revocation-b', env);
    admin = request.agent(a.url);
    await admin.post('/api/auth/login').send(a.admin).expect(200);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await lk?.close();
    await dropDatabase?.();
  }, 60_000);

  /** A connected socket on process B carrying `agent`'s cookies. */
  async function socketOnB(agent: TestAgent): Promise<Socket> {
    const cookie = cookieHeader(agent, b.url);
    const socket = ioClient(b.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } });
    sockets.push(socket);
    expect(await connects(socket)).toBe(true);
    return socket;
  }

  /** A new staff account, signed in through process A (by its invitation link, or its password where the server still hands one out). */
  async function staff(role: 'scheduler' | 'clinician'): Promise<{ agent: TestAgent; id: string; email: string }> {
    const email = `${role}-${randomBytes(4).toString('hex')}@revocation.test`;
    const created = await admin
      .post('/api/staff')
      .send({ email, name: `Revocation ${role}`, role })
      .expect(201);
    const agent = request.agent(a.url);
    if (typeof created.body.password === 'string') {
      await agent.post('/api/auth/login').send({ email, password: created.body.password }).expect(200);
    } else {
      const token = (created.body.invitation.url as string).split('/').pop();
      await agent.post('/api/auth/invitation/accept').send({ token, password: PASSWORD }).expect(200);
    }
    return { agent, id: created.body.staff.id as string, email };
  }

  /** Through process A: a visit starting now with `clinicians`, and its patient joined, consented and waiting. */
  async function visitOnA(clinicians: { id: string }[]) {
    const scheduler = await staff('scheduler');
    const patientRow = await scheduler.agent
      .post('/api/patients')
      .send({ displayName: 'Revoked Patient', preferredLanguage: 'en' })
      .expect(201);
    const created = await scheduler.agent
      .post('/api/visits')
      .send({
        patientId: patientRow.body.patient.id,
        clinicianIds: clinicians.map((c) => c.id),
        startsAt: new Date().toISOString(),
        durationMinutes: 30,
      })
      .expect(201);
    const visitId = created.body.visit.id as string;
    const token = (created.body.patientLink.url as string).split('/').pop() as string;
    const patient = request.agent(a.url);
    const joined = await patient.post('/api/join').send({ token }).expect(200);
    await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    await patient.post(`/api/visits/${visitId}/waiting-room`).expect(200);
    return { visitId, scheduler, patient, participantId: joined.body.participant.id as string };
  }

  /** The socket on B is dropped once `change` runs on A, and the same cookie is refused on B afterwards. */
  async function expectDroppedAcross(
    agent: TestAgent,
    change: () => Promise<unknown>,
    opts: { refusedAfter: boolean } = { refusedAfter: true },
  ) {
    const socket = await socketOnB(agent);
    const gone = dropped(socket);
    await change();
    expect(await gone).toBe('io server disconnect');
    if (!opts.refusedAfter) return;
    const again = ioClient(b.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie: cookieHeader(agent, b.url) },
    });
    sockets.push(again);
    expect(await connects(again)).toBe(false);
  }

  it('signing out on A drops the socket on B', { timeout: 60_000 }, async () => {
    const c = await staff('clinician');
    await expectDroppedAcross(c.agent, () => c.agent.post('/api/auth/logout').expect(204));
  });

  it('deactivating on A drops the socket on B and takes the clinician out of the video room', { timeout: 60_000 }, async () => {
    const c = await staff('clinician');
    const v = await visitOnA([c]);
    const identity = (await c.agent.post(`/api/visits/${v.visitId}/video-token`).expect(200)).body.identity as string;
    await expectDroppedAcross(c.agent, () => admin.patch(`/api/staff/${c.id}`).send({ active: false }).expect(200));
    await expect.poll(() => lk.removed().map((r) => r.identity)).toContain(identity);
  });

  it('taken off the care team on A: the socket on B hears nothing more of the visit', { timeout: 60_000 }, async () => {
    const gone = await staff('clinician');
    const stays = await staff('clinician');
    const v = await visitOnA([gone, stays]);
    const other = await visitOnA([gone]);
    const socket = await socketOnB(gone.agent);
    for (const visitId of [v.visitId, other.visitId])
      expect(await socket.timeout(10_000).emitWithAck('visit:watch', { visitId })).toEqual({ ok: true });
    const heard: string[] = [];
    socket.onAny((event: string, payload: { visitId?: string }) => {
      if (payload?.visitId === v.visitId) heard.push(event);
    });
    await v.scheduler.agent
      .patch(`/api/visits/${v.visitId}`)
      .send({ clinicianIds: [stays.id] })
      .expect(200);
    // The patient leaves and comes back on A: the removed clinician's socket on B must not hear it.
    await v.patient.post(`/api/visits/${v.visitId}/leave`).expect(200);
    await v.patient.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    await barrier(
      socket,
      'visit:participants',
      () => other.patient.post(`/api/visits/${other.visitId}/leave`).expect(200),
      (p: { visitId: string }) => p.visitId === other.visitId,
    );
    expect(heard).toEqual([]);
  });

  it('reissuing the link on A drops the patient’s socket on B', { timeout: 60_000 }, async () => {
    const c = await staff('clinician');
    const v = await visitOnA([c]);
    await expectDroppedAcross(v.patient, () => v.scheduler.agent.post(`/api/visits/${v.visitId}/patient-link`).expect(200));
  });

  it('cancelling on A drops the patient’s socket on B and closes the video room', { timeout: 60_000 }, async () => {
    const c = await staff('clinician');
    const v = await visitOnA([c]);
    const deleted = lk.deleted().length;
    await expectDroppedAcross(v.patient, () => v.scheduler.agent.post(`/api/visits/${v.visitId}/cancel`).expect(200));
    await expect.poll(() => lk.deleted().length).toBe(deleted + 1);
  });

  it('a role change on A drops the socket on B', { timeout: 60_000 }, async () => {
    const c = await staff('clinician');
    await expectDroppedAcross(c.agent, () => admin.patch(`/api/staff/${c.id}`).send({ role: 'scheduler' }).expect(200));
  });

  it('an admin’s password reset on A drops the socket on B', { timeout: 60_000 }, async () => {
    const c = await staff('clinician');
    await expectDroppedAcross(c.agent, () => admin.post(`/api/staff/${c.id}/reset-password`).expect(200));
  });

  it('changing one’s own password on A drops one’s other sessions’ sockets on B', { timeout: 60_000 }, async () => {
    const c = await staff('clinician');
    const elsewhere = request.agent(a.url);
    await elsewhere.post('/api/auth/login').send({ email: c.email, password: PASSWORD }).expect(200);
    await expectDroppedAcross(elsewhere, () =>
      c.agent
        .post('/api/auth/password')
        .send({ currentPassword: PASSWORD, newPassword: `${PASSWORD} harbour` })
        .expect(200),
    );
  });

  it('removing the patient on A drops their socket on B', { timeout: 60_000 }, async () => {
    const c = await staff('clinician');
    const v = await visitOnA([c]);
    await c.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId: v.participantId }).expect(200);
    await expectDroppedAcross(v.patient, () => c.agent.post(`/api/visits/${v.visitId}/participants/${v.participantId}/remove`).expect(200));
  });

  it('ending the visit on A drops the patient’s socket on B', { timeout: 60_000 }, async () => {
    const c = await staff('clinician');
    const v = await visitOnA([c]);
    await c.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId: v.participantId }).expect(200);
    await expectDroppedAcross(v.patient, () => c.agent.post(`/api/visits/${v.visitId}/end`).expect(200), { refusedAfter: false });
  });
});
