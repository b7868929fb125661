import type request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { admittedPatient, answerPhq9, sendCheckin } from '../../helpers/checkin-builder';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { connects, describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, type BuiltVisit } from '../../helpers/visit-builder';

/*
 * Issue 11, finding 5: powers follow the current role and the current care relationship. A
 * clinician changed to scheduler keeps none of their clinical routes on their old visits, and a
 * clinician whose only tie to a patient is a cancelled or long-past visit cannot read the history.
 */
describeEachDatabase('powers follow the current role and relationship (%s)', (dialect) => {
  let t: TestApp;
  let lk: LivekitStandIn;
  let admin: TestAgent;

  beforeAll(async () => {
    lk = await startLivekitStandIn();
    t = await startTestApp(dialect, { env: { LIVEKIT_URL: lk.url }, deps: { livekitReachable: async () => true } });
    admin = (await t.signedIn('admin')).agent;
  });
  afterAll(async () => {
    await t?.close();
    await lk?.close();
  });

  /** A visit whose patient shared a PHQ-9 (with a safety alert to acknowledge). */
  async function visitWithSharedCheckin(): Promise<{ v: BuiltVisit; checkinId: string }> {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    await answerPhq9(patient.agent, checkinId, [1, 1, 1, 1, 1, 1, 1, 1, 1]);
    await patient.agent.post(`/api/checkins/${checkinId}/submit`).expect(200);
    return { v, checkinId };
  }

  /** Every clinical route of the visit, as `agent`: [label, status]. */
  async function clinicalRoutes(agent: TestAgent, v: BuiltVisit, checkinId: string): Promise<[string, number][]> {
    const out: [string, number][] = [];
    const hit = async (label: string, r: Promise<request.Response>) => out.push([label, (await r).status]);
    await hit('checkins of the visit', agent.get(`/api/visits/${v.visitId}/checkins`));
    await hit('one check-in', agent.get(`/api/checkins/${checkinId}`));
    await hit('FHIR export', agent.get(`/api/checkins/${checkinId}/fhir`));
    await hit('acknowledge alert', agent.post(`/api/checkins/${checkinId}/alerts/safety.self-harm/acknowledge`));
    await hit('send check-in', agent.post(`/api/visits/${v.visitId}/checkins`).send({ instrumentId: 'gad-7' }));
    await hit('video token', agent.post(`/api/visits/${v.visitId}/video-token`));
    await hit('history', agent.get(`/api/patients/${v.patientId}/checkins`));
    return out;
  }

  it('a clinician turned scheduler reads no results, exports nothing, mints no token and sends no check-in on their old visits', async () => {
    const { v, checkinId } = await visitWithSharedCheckin();
    const c = v.clinicians[0]!;
    // Control: while a clinician every route answers.
    const before = await clinicalRoutes(c.agent, v, checkinId);
    expect(before.filter(([, s]) => s >= 400)).toEqual([]);

    const checkinsOfVisit = async () =>
      (await t.database.db.selectFrom('checkins').select('id').where('visit_id', '=', v.visitId).execute()).length;
    const stored = await checkinsOfVisit();
    await admin.patch(`/api/staff/${c.staff.id}`).send({ role: 'scheduler' }).expect(200);
    const again = t.agent();
    await again.post('/api/auth/login').send({ email: c.staff.email, password: c.staff.password }).expect(200);
    const after = await clinicalRoutes(again, v, checkinId);
    for (const [label, status] of after) expect([label, [403, 404].includes(status)]).toEqual([label, true]);
    // The refused attempt to send a check-in wrote nothing.
    expect(await checkinsOfVisit()).toBe(stored);
    // Nor can they watch the visit's live room.
    const socket = t.socket(again);
    expect(await connects(socket)).toBe(true);
    expect(await socket.timeout(10_000).emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: false, code: 'not_found' });
  });

  it('a clinician turned admin is refused the same way', async () => {
    const { v, checkinId } = await visitWithSharedCheckin();
    const c = v.clinicians[0]!;
    await admin.patch(`/api/staff/${c.staff.id}`).send({ role: 'admin' }).expect(200);
    const again = t.agent();
    await again.post('/api/auth/login').send({ email: c.staff.email, password: c.staff.password }).expect(200);
    for (const [label, status] of await clinicalRoutes(again, v, checkinId))
      expect([label, [403, 404].includes(status)]).toEqual([label, true]);
  });

  it('a clinician whose only visit with the patient was cancelled cannot read the patient’s history', async () => {
    const { v } = await visitWithSharedCheckin();
    const outsider = await t.signedIn('clinician');
    const other = await v.scheduler
      .post('/api/visits')
      .send({ patientId: v.patientId, clinicianIds: [outsider.staff.id], startsAt: new Date().toISOString(), durationMinutes: 30 })
      .expect(201);
    // Control: while that visit stands, the history opens.
    await outsider.agent.get(`/api/patients/${v.patientId}/checkins`).expect(200);
    await v.scheduler.post(`/api/visits/${other.body.visit.id}/cancel`).expect(200);
    await outsider.agent.get(`/api/patients/${v.patientId}/checkins`).expect(404);
  });

  it('a clinician whose only visit with the patient is long past cannot read the patient’s history', async () => {
    const { v } = await visitWithSharedCheckin();
    const c = v.clinicians[0]!;
    await c.agent.get(`/api/patients/${v.patientId}/checkins`).expect(200);
    // The visit moves back past CARE_RELATIONSHIP_DAYS (365 by default).
    const longAgo = new Date(Date.now() - 400 * 86400_000).toISOString();
    await t.database.db.updateTable('visits').set({ starts_at: longAgo }).where('id', '=', v.visitId).execute();
    await c.agent.get(`/api/patients/${v.patientId}/checkins`).expect(404);
  });
});
