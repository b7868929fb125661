import { createHash, randomUUID } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { buildVisit, patientWaiting } from '../../helpers/visit-builder';

/** Signs a webhook body exactly as a LiveKit server does: a bare JWT carrying the body's SHA-256. */
async function sign(body: string, key = 'devkey', secret = 'secret'): Promise<string> {
  const at = new AccessToken(key, secret);
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return at.toJwt();
}

function event(kind: string, roomName: string, participant?: { identity: string; sid: string }, createdAt = Math.floor(Date.now() / 1000)) {
  return JSON.stringify({
    event: kind,
    id: `EV_${randomUUID()}`,
    createdAt: String(createdAt),
    room: { sid: 'RM_x', name: roomName },
    ...(participant ? { participant: { sid: participant.sid, identity: participant.identity, joinedAtMs: String(createdAt * 1000) } } : {}),
  });
}

describeEachDatabase('LiveKit webhooks (%s)', (dialect) => {
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

  async function admittedVisit() {
    const v = await buildVisit(t);
    const { agent, participantId } = await patientWaiting(t, v);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    const tok = await agent.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    return { v, participantId, roomName: tok.body.roomName as string };
  }

  const post = (body: string, auth?: string, type = 'application/webhook+json') => {
    const req = t.agent().post('/api/livekit/webhook').set('Content-Type', type);
    if (auth !== undefined) req.set('Authorization', auth);
    return req.send(body);
  };
  const attendanceRows = (visitId: string) => t.database.db.selectFrom('attendance').selectAll().where('visit_id', '=', visitId).execute();
  const eventRows = async () => Number((await t.database.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('records attendance from joined/left events, once per event id, and shows it on the visit', async () => {
    const { v, participantId, roomName } = await admittedVisit();
    const joined = event('participant_joined', roomName, { identity: participantId, sid: 'PA_1' }, Math.floor(Date.now() / 1000) - 120);
    const res = await post(joined, await sign(joined)).expect(200);
    expectRouteContract(res, 'POST /api/livekit/webhook');
    expect(res.body.outcome).toBe('recorded');
    const replay = await post(joined, await sign(joined)).expect(200);
    expect(replay.body.outcome).toBe('duplicate');
    expect(await attendanceRows(v.visitId)).toHaveLength(1);

    const left = event('participant_left', roomName, { identity: participantId, sid: 'PA_1' });
    await post(left, await sign(left)).expect(200);
    const rows = await attendanceRows(v.visitId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.left_at).not.toBeNull();

    const visit = await v.clinicians[0]!.agent.get(`/api/visits/${v.visitId}`).expect(200);
    expectRouteContract(visit, 'GET /api/visits/:id');
    const line = visit.body.visit.attendance.find((a: { participantId: string }) => a.participantId === participantId);
    expect(line.totalMinutes).toBeGreaterThanOrEqual(1.9);
    expect(line.totalMinutes).toBeLessThanOrEqual(2.2);
  });

  it('rejects a bad signature, a tampered body, a Bearer prefix and a missing header; nothing is recorded', async () => {
    const { v, participantId, roomName } = await admittedVisit();
    const body = event('participant_joined', roomName, { identity: participantId, sid: 'PA_2' });
    const before = await eventRows();
    const wrongKey = await post(body, await sign(body, 'devkey', 'not-the-secret'));
    expect(wrongKey.status).toBe(401);
    const tampered = await post(body.replace('PA_2', 'PA_3'), await sign(body));
    expect(tampered.status).toBe(401);
    const bearer = await post(body, `Bearer ${await sign(body)}`);
    expect(bearer.status).toBe(401);
    expect((await post(body)).status).toBe(401);
    expect((await post(body, await sign(body), 'application/json')).status).toBe(415);
    expect(wrongKey.body.error.code).toBe('unauthenticated');
    expect(await eventRows()).toBe(before);
    expect(await attendanceRows(v.visitId)).toHaveLength(0);
  });

  it('ignores stale events and unknown rooms or identities', async () => {
    const { v, participantId, roomName } = await admittedVisit();
    const stale = event('participant_joined', roomName, { identity: participantId, sid: 'PA_4' }, Math.floor(Date.now() / 1000) - 3600);
    expect((await post(stale, await sign(stale)).expect(200)).body.outcome).toBe('stale');
    const unknownRoom = event('participant_joined', 'v_nope', { identity: participantId, sid: 'PA_5' });
    expect((await post(unknownRoom, await sign(unknownRoom)).expect(200)).body.outcome).toBe('ignored');
    const stranger = event('participant_joined', roomName, { identity: randomUUID(), sid: 'PA_6' });
    expect((await post(stranger, await sign(stranger)).expect(200)).body.outcome).toBe('ignored');
    expect(await attendanceRows(v.visitId)).toHaveLength(0);
  });

  it('room_finished closes open attendance but leaves the visit open until a clinician ends it', async () => {
    const { v, participantId, roomName } = await admittedVisit();
    const joined = event('participant_joined', roomName, { identity: participantId, sid: 'PA_7' });
    await post(joined, await sign(joined)).expect(200);
    const finished = event('room_finished', roomName);
    await post(finished, await sign(finished)).expect(200);
    const rows = await attendanceRows(v.visitId);
    expect(rows[0]!.left_at).not.toBeNull();
    const visit = await v.clinicians[0]!.agent.get(`/api/visits/${v.visitId}`).expect(200);
    expect(visit.body.visit.status).toBe('in_progress');
  });
});
