import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { PHQ9_ITEMS, PHQ_OPTION } from '../../helpers/checkin-builder';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-restart-'));
const DATABASE_URL = `sqlite:${path.join(dir, 'alcove.db')}`;
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a server restart in the middle of a check-in', () => {
  it('loses no answer: after the restart the patient finds every saved answer and goes on', async () => {
    server = await startServerProcess('restart-before', { DATABASE_URL });
    const admin = request.agent(server.url);
    await admin.post('/api/auth/login').send(server.admin).expect(200);
    const mk = async (role: string, email: string) => {
      const r = await admin.post('/api/staff').send({ email, name: `Restart ${role}`, role }).expect(201);
      const agent = request.agent(server!.url);
      await agent.post('/api/auth/login').send({ email, password: r.body.password }).expect(200);
      return { agent, id: r.body.staff.id as string };
    };
    const scheduler = await mk('scheduler', 'sched@restart.test');
    const clinician = await mk('clinician', 'doc@restart.test');
    const patientRow = await scheduler.agent.post('/api/patients').send({ displayName: 'Restart Patient', preferredLanguage: 'en' }).expect(201);
    const visit = await scheduler.agent
      .post('/api/visits')
      .send({ patientId: patientRow.body.patient.id, clinicianIds: [clinician.id], startsAt: new Date().toISOString(), durationMinutes: 30 })
      .expect(201);
    const visitId = visit.body.visit.id as string;
    const token = (visit.body.patientLink.url as string).split('/').pop() as string;

    const patient = request.agent(server.url);
    const joined = await patient.post('/api/join').send({ token }).expect(200);
    await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    await patient.post(`/api/visits/${visitId}/waiting-room`).expect(200);
    await clinician.agent.post(`/api/visits/${visitId}/admit`).send({ participantId: joined.body.participant.id }).expect(200);
    const sent = await clinician.agent.post(`/api/visits/${visitId}/checkins`).send({ instrumentId: 'phq-9' }).expect(201);
    const checkinId = sent.body.checkin.id as string;
    const given = PHQ9_ITEMS.slice(0, 3);
    for (const linkId of given) {
      await patient.put(`/api/checkins/${checkinId}/answers/${linkId}`).send({ value: PHQ_OPTION[1] }).expect(200);
    }

    await server.stop();
    server = await startServerProcess('restart-after', { DATABASE_URL });
    // The restarted server listens on a new port; the patient's browser keeps its cookie, so carry it over.
    const cookie = patient.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).map((c) => c.toValueString()).join('; ');
    const after = await request(server.url).get(`/api/checkins/${checkinId}`).set('Cookie', cookie).expect(200);
    const answers = after.body.checkin.answers as Record<string, string>;
    for (const linkId of given) expect(answers[linkId]).toBe(PHQ_OPTION[1]);
    await request(server.url).put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[3]}`).set('Cookie', cookie).send({ value: PHQ_OPTION[0] }).expect(200);
  });
});
