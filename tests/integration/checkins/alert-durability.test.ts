import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as ioClient } from 'socket.io-client';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { PHQ9_ITEM9, PHQ_OPTION } from '../../helpers/checkin-builder';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { startTcpBalancer } from '../../helpers/tcp-balancer';

/*
 * A safety alert is kept with its audit entry in the answer's own transaction, and clinicians derive
 * open alerts from HTTP on every (re)connection. So a process killed right after the commit, before
 * or while pushing, loses nothing: the clinician sees the alert once their socket is back.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-alert-crash-'));
const DATABASE_URL = `sqlite:${path.join(dir, 'alcove.db')}`;
let server: ServerProcess | undefined;
let balancer: Awaited<ReturnType<typeof startTcpBalancer>> | undefined;
afterAll(async () => {
  await server?.stop();
  await balancer?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a process killed between the commit of a safety alert and its push', () => {
  it('loses no alert: the clinician sees it, unacknowledged and audited, after their socket reconnects', async () => {
    balancer = await startTcpBalancer([]);
    const env = { DATABASE_URL, PUBLIC_URL: balancer.url };
    server = await startServerProcess('alert-crash-before', env);
    balancer.setUpstreams([server.port]);
    const url = balancer.url;
    const admin = request.agent(url);
    await admin.post('/api/auth/login').send(server.admin).expect(200);
    const mk = async (role: string, email: string) => {
      const r = await admin.post('/api/staff').send({ email, name: `Crash ${role}`, role }).expect(201);
      const agent = request.agent(url);
      await agent.post('/api/auth/invitation/accept').send({ token: String(r.body.invitation.url).split('/invite/')[1], password: 'harbour lantern quartz maple' }).expect(200);
      return { agent, id: r.body.staff.id as string };
    };
    const scheduler = await mk('scheduler', 'sched@crash.test');
    const clinician = await mk('clinician', 'doc@crash.test');
    const patientRow = await scheduler.agent.post('/api/patients').send({ displayName: 'Crash Patient', preferredLanguage: 'en' }).expect(201);
    const visit = await scheduler.agent
      .post('/api/visits')
      .send({ patientId: patientRow.body.patient.id, clinicianIds: [clinician.id], startsAt: new Date().toISOString(), durationMinutes: 30 })
      .expect(201);
    const visitId = visit.body.visit.id as string;
    const token = (visit.body.patientLink.url as string).split('/').pop() as string;
    const patient = request.agent(url);
    const joined = await patient.post('/api/join').send({ token }).expect(200);
    await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    await patient.post(`/api/visits/${visitId}/waiting-room`).expect(200);
    await clinician.agent.post(`/api/visits/${visitId}/admit`).send({ participantId: joined.body.participant.id }).expect(200);
    const sent = await clinician.agent.post(`/api/visits/${visitId}/checkins`).send({ instrumentId: 'phq-9' }).expect(201);
    const checkinId = sent.body.checkin.id as string;

    // The clinician's console socket, reconnecting on its own as the browser's does.
    const cookie = clinician.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).map((c) => c.toValueString()).join('; ');
    const socket = ioClient(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500, extraHeaders: { cookie } });
    await new Promise<void>((r) => socket.once('connect', () => r()));

    // The answer is committed (200), then the process dies at once: its push may never have left.
    await patient.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEM9}`).send({ value: PHQ_OPTION[2] }).expect(200);
    await server.kill();
    const reconnected = new Promise<void>((r) => socket.io.once('reconnect', () => r()));
    server = await startServerProcess('alert-crash-after', env);
    balancer.setUpstreams([server.port]);
    await reconnected;

    // What the console does on every (re)connection: fetch the check-ins again over HTTP.
    const list = await request(url).get(`/api/visits/${visitId}/checkins`).set('Cookie', cookie).expect(200);
    const checkin = (list.body.checkins as { id: string; alerts: { code: string; acknowledgedAt: string | null }[] }[]).find((c) => c.id === checkinId);
    expect(checkin?.alerts).toHaveLength(1);
    expect(checkin?.alerts[0]?.acknowledgedAt).toBeNull();
    socket.close();

    // And its audit entry was committed with it (the admin's session outlives the process: it is in the database).
    const entries = (await admin.get('/api/audit').query({ action: 'safety.alert_raised' }).expect(200)).body.entries as { checkinId: string }[];
    expect(entries.filter((e) => e.checkinId === checkinId)).toHaveLength(1);
  });
});
