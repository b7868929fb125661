import { createHash, randomUUID } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PHQ9_DIFFICULTY, admittedPatient, answer, answerPhq9, sendCheckin } from '../../helpers/checkin-builder';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit } from '../../helpers/visit-builder';

/** A LiveKit webhook body and its signature, as the video server sends them. */
async function webhook(kind: string, roomName: string, identity: string, sid: string, at: number) {
  const body = JSON.stringify({
    event: kind,
    id: `EV_${randomUUID()}`,
    createdAt: String(at),
    room: { sid: 'RM_x', name: roomName },
    participant: { sid, identity, joinedAtMs: String(at * 1000) },
  });
  const token = new AccessToken('devkey', 'secret');
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return { body, auth: await token.toJwt() };
}

/*
 * Issue 13, item 2: an ended visit keeps its record. After "End visit" the visit's own clinicians
 * still read who attended and when, every check-in with its result and items, and its safety alerts
 * with who acknowledged them; each read is audited, and nobody else reads any of it.
 */
describeEachDatabase('an ended visit keeps its record (%s)', (dialect) => {
  let t: TestApp;
  let lk: LivekitStandIn;
  beforeAll(async () => {
    lk = await startLivekitStandIn();
    t = await startTestApp(dialect, { env: { LIVEKIT_URL: lk.url }, deps: { livekitReachable: async () => true } });
  });
  afterAll(async () => {
    await t?.close();
    await lk?.close();
  });

  /** A visit that happened: the patient attended, answered a PHQ-9 with item 9 positive, shared it, the alert was acknowledged, the visit ended. */
  async function endedVisit() {
    const v = await buildVisit(t, { clinicians: 2 });
    const clinician = v.clinicians[0]!;
    const patient = await admittedPatient(t, v);
    const tok = await patient.agent.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    const start = Math.floor(Date.now() / 1000) - 240;
    for (const [kind, at] of [
      ['participant_joined', start],
      ['participant_left', start + 120],
    ] as const) {
      const { body, auth } = await webhook(kind, tok.body.roomName as string, patient.participantId, 'PA_1', at);
      await t
        .agent()
        .post('/api/livekit/webhook')
        .set('Content-Type', 'application/webhook+json')
        .set('Authorization', auth)
        .send(body)
        .expect(200);
    }
    const checkinId = await sendCheckin(v, 'phq-9');
    await answerPhq9(patient.agent, checkinId, [2, 2, 1, 1, 0, 1, 0, 0, 1]);
    await answer(patient.agent, checkinId, PHQ9_DIFFICULTY, 'LA6572-7').expect(200);
    await patient.agent.post(`/api/checkins/${checkinId}/submit`).expect(200);
    await clinician.agent.post(`/api/checkins/${checkinId}/alerts/safety.self-harm/acknowledge`).expect(200);
    await clinician.agent.post(`/api/visits/${v.visitId}/end`).expect(200);
    return { v, clinician, patient, checkinId };
  }

  const readsBy = async (actorId: string, checkinId: string) =>
    (
      await t.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('actor_id', '=', actorId)
        .where('checkin_id', '=', checkinId)
        .where('action', '=', 'checkin.read')
        .execute()
    ).length;

  it("the visit's clinicians still read its attendance, check-ins with results and items, and acknowledged alerts; each read audited", async () => {
    const { v, clinician, checkinId } = await endedVisit();

    const visit = await clinician.agent.get(`/api/visits/${v.visitId}`).expect(200);
    expectRouteContract(visit, 'GET /api/visits/:id');
    expect(visit.body.visit.status).toBe('completed');
    const attended = visit.body.visit.attendance.find((a: { kind: string }) => a.kind === 'patient');
    expect(attended).toMatchObject({ leftAt: expect.any(String), joinedAt: expect.any(String) });
    expect(attended.totalMinutes).toBeCloseTo(2, 0);

    const before = await readsBy(clinician.staff.id, checkinId);
    const list = await clinician.agent.get(`/api/visits/${v.visitId}/checkins`).expect(200);
    expectRouteContract(list, 'GET /api/visits/:id/checkins');
    const [c] = list.body.checkins;
    expect(c).toMatchObject({ id: checkinId, status: 'shared', result: { total: 8, complete: true } });
    expect(c.items).toHaveLength(10);
    expect(c.alerts).toEqual([
      expect.objectContaining({
        code: 'safety.self-harm',
        acknowledgedAt: expect.any(String),
        acknowledgedBy: { id: clinician.staff.id, name: clinician.staff.name },
      }),
    ]);

    const one = await v.clinicians[1]!.agent.get(`/api/checkins/${checkinId}`).expect(200);
    expectRouteContract(one, 'GET /api/checkins/:id');
    expect(one.body.checkin.result.total).toBe(8);
    await clinician.agent.get(`/api/checkins/${checkinId}/fhir`).expect(200);

    expect(await readsBy(clinician.staff.id, checkinId)).toBe(before + 1);
    expect(await readsBy(v.clinicians[1]!.staff.id, checkinId)).toBeGreaterThanOrEqual(1);
  });

  it('nobody else reads it: another clinician, a clinician turned scheduler, its scheduler, no one signed in; bad ids are 404', async () => {
    const { v, checkinId } = await endedVisit();
    const other = await t.signedIn('clinician');
    for (const path of [
      `/api/visits/${v.visitId}/checkins`,
      `/api/checkins/${checkinId}`,
      `/api/checkins/${checkinId}/fhir`,
      `/api/visits/${v.visitId}`,
    ]) {
      await other.agent.get(path).expect(404);
      await t.agent().get(path).expect(401);
    }
    await v.scheduler.get(`/api/visits/${v.visitId}/checkins`).expect(404);
    await v.scheduler.get(`/api/checkins/${checkinId}`).expect(404);

    // Powers follow the current role: the second clinician, made a scheduler, reads no check-ins.
    const { agent: admin } = await t.signedIn('admin');
    await admin.patch(`/api/staff/${v.clinicians[1]!.staff.id}`).send({ role: 'scheduler' }).expect(200);
    for (const path of [`/api/visits/${v.visitId}/checkins`, `/api/checkins/${checkinId}`]) {
      const res = await v.clinicians[1]!.agent.get(path);
      expect([401, 404]).toContain(res.status);
    }

    for (const bad of ['not-an-id', randomUUID()]) {
      await v.clinicians[0]!.agent.get(`/api/checkins/${bad}`).expect(404);
      await v.clinicians[0]!.agent.get(`/api/visits/${bad}/checkins`).expect(404);
    }
    const refused = await t.database.db.selectFrom('audit_log').select('action').where('actor_id', '=', other.staff.id).execute();
    expect(refused.map((r) => r.action)).toContain('access.refused');
  });
});
