import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { barrier, connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { buildVisit, joinAsPatient, patientWaiting } from '../../helpers/visit-builder';

const verifier = new TokenVerifier('devkey', 'secret');

describeEachDatabase('waiting room and video tokens (%s)', (dialect) => {
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

  it('a patient cannot fetch a token before being admitted, then gets a least-privilege token once admitted', async () => {
    const v = await buildVisit(t, { clinicians: 2, preferredName: 'Jo', displayName: 'Jordan Example', reason: 'follow-up on sertraline' });
    const patient = await joinAsPatient(t, v.token);
    const early = await patient.post(`/api/visits/${v.visitId}/video-token`);
    expect(early.status).toBe(403);
    expect(early.body.error.code).toBe('not_admitted');

    // Waiting room needs consent first.
    const noConsent = await patient.post(`/api/visits/${v.visitId}/waiting-room`);
    expect(noConsent.status).toBe(403);
    expect(noConsent.body.error.code).toBe('consent_required');
    const consent = await patient.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    expect(consent.body.participant.consented).toBe(true);
    const participantId = consent.body.participant.id as string;
    const waiting = await patient.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    expect(waiting.body.participant).toEqual({ id: participantId, state: 'waiting' });
    await patient.post(`/api/visits/${v.visitId}/video-token`).expect(403);

    const [c1] = v.clinicians;
    await c1!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    const res = await patient.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    expect(res.body.serverUrl).toBe(lk.url);
    expect(res.body.identity).toBe(participantId);
    expect(res.body.e2eeKey).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(res.body.e2eeRequired).toBe(true);
    expect(res.body.roomName).not.toContain(v.visitId);

    const claims = await verifier.verify(res.body.token);
    expect(claims.sub).toBe(participantId);
    expect(claims.name).toBe('Jo');
    expect(claims.video?.room).toBe(res.body.roomName);
    expect(claims.video?.roomJoin).toBe(true);
    expect(claims.video?.canPublishSources).toEqual(['camera', 'microphone']);
    expect(claims.video?.roomAdmin).toBeFalsy();
    expect(claims.video?.roomCreate).toBeFalsy();
    expect(claims.video?.canPublishData).toBe(false);
    expect(claims.video?.canUpdateOwnMetadata).toBe(false);
    expect(claims.metadata ?? '').toBe('');
    expect(claims.attributes).toEqual({ role: 'patient' });
    expect(claims.roomConfig?.maxParticipants).toBe(3);
    const exp = (claims as { exp?: number }).exp ?? 0;
    const nbf = (claims as { nbf?: number }).nbf ?? 0;
    expect(exp - nbf).toBeLessThanOrEqual(600);
    const raw = Buffer.from(res.body.token.split('.')[1], 'base64url').toString('utf8');
    for (const phi of ['Jordan', 'Example', 'sertraline', 'they/them', v.patientId, v.visitId]) expect(raw).not.toContain(phi);
    // The E2EE key is ours alone: it is never part of what LiveKit sees.
    expect(raw).not.toContain(res.body.e2eeKey);
  });

  it('clinicians get their own identity and may share their screen; not admins of the room', async () => {
    const v = await buildVisit(t);
    const [c] = v.clinicians;
    const res = await c!.agent.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    const claims = await verifier.verify(res.body.token);
    expect(claims.sub).toBe(res.body.identity);
    expect(claims.sub).not.toBe(c!.staff.id);
    expect(claims.name).toBe(c!.staff.name);
    expect(claims.video?.canPublishSources).toEqual(['camera', 'microphone', 'screen_share', 'screen_share_audio']);
    expect(claims.video?.roomAdmin).toBeFalsy();
    const visit = await c!.agent.get(`/api/visits/${v.visitId}`).expect(200);
    expect(visit.body.visit.status).toBe('in_progress');
  });

  it('answers 404 to a clinician not on the visit, a scheduler, and another visit’s patient; 401 to nobody', async () => {
    const v = await buildVisit(t);
    const other = await buildVisit(t);
    const { participantId } = await patientWaiting(t, v);
    const { agent: stranger } = await t.signedIn('clinician');
    const otherPatient = await joinAsPatient(t, other.token);
    for (const path of ['admit', 'deny', 'return-to-waiting']) {
      expect((await stranger.post(`/api/visits/${v.visitId}/${path}`).send({ participantId })).status).toBe(404);
      expect((await v.scheduler.post(`/api/visits/${v.visitId}/${path}`).send({ participantId })).status).toBe(404);
      expect((await t.agent().post(`/api/visits/${v.visitId}/${path}`).send({ participantId })).status).toBe(401);
      expect((await otherPatient.post(`/api/visits/${v.visitId}/${path}`).send({ participantId })).status).toBe(403);
    }
    expect((await stranger.post(`/api/visits/${v.visitId}/video-token`)).status).toBe(404);
    expect((await otherPatient.post(`/api/visits/${v.visitId}/video-token`)).status).toBe(404);
    expect((await otherPatient.post(`/api/visits/${v.visitId}/consent`).send({ version: 'x', accepted: true })).status).toBe(404);
    expect((await t.agent().post(`/api/visits/${v.visitId}/video-token`)).status).toBe(401);
    expect((await stranger.post(`/api/visits/${v.visitId}/end`)).status).toBe(404);
    expect((await stranger.put(`/api/visits/${v.visitId}/waiting-message`).send({ preset: 'running_late_10' })).status).toBe(404);
    // Nothing changed: the patient is still waiting.
    const visit = await v.clinicians[0]!.agent.get(`/api/visits/${v.visitId}`).expect(200);
    expect(visit.body.visit.participants.find((p: { id: string }) => p.id === participantId).state).toBe('waiting');
  });

  it('rejects bad input with 400 naming the field, and a participant of another visit with 404', async () => {
    const v = await buildVisit(t);
    const other = await buildVisit(t);
    const { participantId } = await patientWaiting(t, v);
    const { participantId: otherParticipant } = await patientWaiting(t, other);
    const c = v.clinicians[0]!.agent;
    for (const body of [{}, { participantId: 'nope' }, { participantId, extra: 1 }, { participantId: 42 }, []]) {
      const res = await c.post(`/api/visits/${v.visitId}/admit`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await c.post(`/api/visits/${v.visitId}/admit`).send({ participantId: otherParticipant })).status).toBe(404);
    expect((await c.post(`/api/visits/not-a-uuid/admit`).send({ participantId })).status).toBe(404);
    const consentBad = await (await joinAsPatient(t, v.token)).post(`/api/visits/${v.visitId}/consent`).send({ version: '1', accepted: false });
    expect(consentBad.status).toBe(400);
    const msgBad = await c.put(`/api/visits/${v.visitId}/waiting-message`).send({ text: 'x'.repeat(141) });
    expect(msgBad.status).toBe(400);
    expect(JSON.stringify(msgBad.body.error.details)).toContain('text');
    const still = await c.get(`/api/visits/${v.visitId}`).expect(200);
    expect(still.body.visit.participants.find((p: { id: string }) => p.id === participantId).state).toBe('waiting');
  });

  it('deny and send-back stop tokens; remove revokes the session and calls RemoveParticipant with a room-admin grant', async () => {
    const v = await buildVisit(t);
    const c = v.clinicians[0]!.agent;
    const { agent: patient, participantId } = await patientWaiting(t, v);
    await c.post(`/api/visits/${v.visitId}/deny`).send({ participantId }).expect(200);
    expect((await patient.post(`/api/visits/${v.visitId}/video-token`)).body.error.code).toBe('not_admitted');
    await c.post(`/api/visits/${v.visitId}/return-to-waiting`).send({ participantId }).expect(200);
    await c.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    const tok = await patient.post(`/api/visits/${v.visitId}/video-token`).expect(200);

    const before = lk.calls.length;
    await c.post(`/api/visits/${v.visitId}/participants/${participantId}/remove`).expect(200);
    const call = lk.calls.slice(before).find((x) => x.method === 'RemoveParticipant');
    expect(call?.body).toEqual({ room: tok.body.roomName, identity: participantId });
    expect(call?.authorization).toMatch(/^Bearer /);
    const grant = await verifier.verify(call!.authorization!.slice('Bearer '.length));
    expect(grant.video?.roomAdmin).toBe(true);
    expect(grant.video?.room).toBe(tok.body.roomName);
    expect(grant.video?.roomCreate).toBeFalsy();
    expect(grant.video?.roomJoin).toBeFalsy();

    // The removed patient's session is gone, and admission can never be restored.
    expect((await patient.post(`/api/visits/${v.visitId}/video-token`)).status).toBe(401);
    expect((await c.post(`/api/visits/${v.visitId}/admit`).send({ participantId })).status).toBe(409);
    const rejoined = await joinAsPatient(t, v.token);
    expect((await rejoined.post(`/api/visits/${v.visitId}/video-token`)).status).toBe(403);
    expect((await rejoined.post(`/api/visits/${v.visitId}/waiting-room`)).status).toBe(403);
  });

  it('end visit closes the room through DeleteRoom, completes the visit, and stops all tokens', async () => {
    const v = await buildVisit(t, { clinicians: 2 });
    const [c1, c2] = v.clinicians;
    const { agent: patient, participantId } = await patientWaiting(t, v);
    await c2!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    const tok = await patient.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    const before = lk.calls.length;
    const ended = await c1!.agent.post(`/api/visits/${v.visitId}/end`).expect(200);
    expect(ended.body.visit.status).toBe('completed');
    const call = lk.calls.slice(before).find((x) => x.method === 'DeleteRoom');
    expect(call?.body).toEqual({ room: tok.body.roomName });
    const grant = await verifier.verify(call!.authorization!.slice('Bearer '.length));
    expect(grant.video?.roomCreate).toBe(true);
    expect(grant.video?.roomAdmin).toBeFalsy();
    expect((await patient.post(`/api/visits/${v.visitId}/video-token`)).body.error.code).toBe('not_admitted');
    expect((await c1!.agent.post(`/api/visits/${v.visitId}/video-token`)).status).toBe(409);
    // Ending twice is harmless.
    await c2!.agent.post(`/api/visits/${v.visitId}/end`).expect(200);
  });

  it('when LiveKit cannot close the room the visit still ends', async () => {
    const v = await buildVisit(t);
    lk.failNext('DeleteRoom', 503, 'unavailable');
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/end`).expect(200);
    const visit = await v.clinicians[0]!.agent.get(`/api/visits/${v.visitId}`).expect(200);
    expect(visit.body.visit.status).toBe('completed');
  });

  it('socket events reach only the people of that visit', async () => {
    const v = await buildVisit(t, { clinicians: 2 });
    const other = await buildVisit(t);
    const [c1, c2] = v.clinicians;
    const watcher1 = t.socket(c1!.agent);
    const watcher2 = t.socket(c2!.agent);
    const strangerSocket = t.socket(other.clinicians[0]!.agent);
    expect(await connects(watcher1)).toBe(true);
    expect(await connects(watcher2)).toBe(true);
    expect(await connects(strangerSocket)).toBe(true);
    expect(await watcher1.emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
    expect(await watcher2.emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
    expect(await strangerSocket.emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: false, code: 'not_found' });
    expect(await strangerSocket.emitWithAck('visit:watch', { visitId: 'x' })).toEqual({ ok: false, code: 'validation_failed' });
    // Everything these sockets hear, by the visit or participant it concerns.
    type Heard = { event: string; visitId?: string; participantId?: string };
    const heard = (into: Heard[]) => (event: string, p?: { visitId?: string; participantId?: string }) =>
      into.push({ event, visitId: p?.visitId, participantId: p?.participantId });
    const strangerHeard: Heard[] = [];
    strangerSocket.onAny(heard(strangerHeard));

    // The other visit's patient listens too.
    const otherPatient = await joinAsPatient(t, other.token);
    const otherPatientSocket = t.socket(otherPatient);
    expect(await connects(otherPatientSocket)).toBe(true);
    const otherHeard: Heard[] = [];
    otherPatientSocket.onAny(heard(otherHeard));

    const patient = await joinAsPatient(t, v.token);
    const patientSocket = t.socket(patient);
    const presence = nextEvent<{ online: boolean }>(patientSocket, 'visit:clinician-presence');
    expect(await connects(patientSocket)).toBe(true);
    expect((await presence).online).toBe(true);

    const consent = await patient.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    const participantId = consent.body.participant.id;
    // How fast this happens is a figure in `npm run bench`, not an assertion here.
    type Listed = { participants: { id: string; state: string; displayName: string }[] };
    const seenByC2 = await barrier<Listed>(
      watcher2,
      'visit:participants',
      () => patient.post(`/api/visits/${v.visitId}/waiting-room`).expect(200),
      (p) => p.participants.some((x) => x.id === participantId && x.state === 'waiting'),
    );
    expect(seenByC2.participants.find((x) => x.id === participantId)?.displayName).toBe('Jo');

    const message = nextEvent<{ message: unknown }>(patientSocket, 'visit:waiting-message');
    await c1!.agent.put(`/api/visits/${v.visitId}/waiting-message`).send({ preset: 'running_late_10' }).expect(200);
    expect((await message).message).toEqual({ preset: 'running_late_10' });

    const admitted = nextEvent<{ state: string }>(patientSocket, 'participant:state');
    const c2SawAdmit = new Promise<void>((resolve) =>
      watcher2.on('visit:participants', (p: { participants: { id: string; state: string }[] }) => {
        if (p.participants.find((x) => x.id === participantId)?.state === 'admitted') resolve();
      }),
    );
    await c1!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    expect((await admitted).state).toBe('admitted');
    await c2SawAdmit;

    const endedForPatient = nextEvent(patientSocket, 'visit:ended');
    await c1!.agent.post(`/api/visits/${v.visitId}/end`).expect(200);
    await endedForPatient;
    // Barriers instead of a pause: a later event of their own visit reaches each bystander, so
    // anything about this visit would have arrived before it.
    const otherClinician = other.clinicians[0]!.agent;
    await barrier(otherPatientSocket, 'visit:waiting-message', () =>
      otherClinician.put(`/api/visits/${other.visitId}/waiting-message`).send({ preset: 'starting_soon' }).expect(200),
    );
    await barrier(strangerSocket, 'visit:waiting', () => patientWaiting(t, other), (p: { visitId: string }) => p.visitId === other.visitId);
    const aboutThisVisit = (h: Heard) => h.visitId === v.visitId || h.participantId === participantId;
    expect(strangerHeard.filter(aboutThisVisit)).toEqual([]);
    expect(otherHeard.filter(aboutThisVisit)).toEqual([]);
  });

  it('the today badge: every clinician of the visit hears the waiting count, others do not', async () => {
    const v = await buildVisit(t, { clinicians: 2 });
    const other = await buildVisit(t);
    const s2 = t.socket(v.clinicians[1]!.agent);
    const sOther = t.socket(other.clinicians[0]!.agent);
    expect(await connects(s2)).toBe(true);
    expect(await connects(sOther)).toBe(true);
    const heardOther: unknown[] = [];
    sOther.on('visit:waiting', (p) => heardOther.push(p));
    const count = nextEvent<{ visitId: string; waiting: number }>(s2, 'visit:waiting');
    await patientWaiting(t, v);
    expect(await count).toEqual({ visitId: v.visitId, waiting: 1 });
    // Barrier: the other clinician's own badge changes next; v's count would have come before it.
    await barrier(sOther, 'visit:waiting', () => patientWaiting(t, other));
    expect(heardOther).toEqual([{ visitId: other.visitId, waiting: 1 }]);
  });

  it('every admission step, token and the end of the visit lands in the audit trail, with ids only', async () => {
    const v = await buildVisit(t, { displayName: 'Casey Auditsubject', preferredName: 'Case' });
    const c = v.clinicians[0]!;
    const { agent: patient, participantId } = await patientWaiting(t, v);
    await c.agent.post(`/api/visits/${v.visitId}/deny`).send({ participantId }).expect(200);
    await c.agent.post(`/api/visits/${v.visitId}/return-to-waiting`).send({ participantId }).expect(200);
    await c.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    await patient.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    await c.agent.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    await c.agent.post(`/api/visits/${v.visitId}/participants/${participantId}/remove`).expect(200);
    await c.agent.post(`/api/visits/${v.visitId}/end`).expect(200);
    const rows = await t.database.db.selectFrom('audit_log').selectAll().where('visit_id', '=', v.visitId).orderBy('seq').execute();
    const actions = rows.map((r) => `${r.action}:${r.actor_kind}`);
    for (const expected of [
      'consent.recorded:patient',
      'participant.denied:staff',
      'participant.returned:staff',
      'participant.admitted:staff',
      'video.token_issued:patient',
      'video.token_issued:staff',
      'participant.removed:staff',
      'visit.ended:staff',
    ]) {
      expect(actions).toContain(expected);
    }
    for (const r of rows) expect(r.patient_id).toBe(v.patientId);
    expect(rows.find((r) => r.action === 'participant.admitted')?.actor_id).toBe(c.staff.id);
    expect(rows.find((r) => r.action === 'consent.recorded')?.actor_id).toBe(participantId);
    const text = JSON.stringify(rows);
    for (const phi of ['Casey', 'Auditsubject', 'Case"']) expect(text).not.toContain(phi);
  });

  it('a late patient can still be seen after the visit was marked no-show', async () => {
    const v = await buildVisit(t, { startsInMinutes: -55 }); // 50 minutes long: ended 5 minutes ago
    const day = await v.scheduler.get(`/api/visits/${v.visitId}`).expect(200);
    expect(day.body.visit.status).toBe('no_show');
    const { participantId } = await patientWaiting(t, v);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    const after = await v.scheduler.get(`/api/visits/${v.visitId}`).expect(200);
    expect(after.body.visit.status).toBe('in_progress');
  });

  it('a patient who leaves and comes back waits again without a second consent', async () => {
    const v = await buildVisit(t);
    const { agent, participantId } = await patientWaiting(t, v);
    await agent.post(`/api/visits/${v.visitId}/leave`).expect(200);
    // The same browser: another one would be another device, waiting to be admitted on its own.
    const again = agent;
    const joined = await again.post('/api/join').send({ token: v.token }).expect(200);
    expect(joined.body.participant).toMatchObject({ id: participantId, consented: true });
    const back = await again.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    expect(back.body.participant.state).toBe('waiting');
  });
});

describeEachDatabase('when LiveKit is unreachable (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect); // LIVEKIT_URL points at a closed port
  });
  afterAll(async () => t?.close());

  it('the waiting room works, the token route says video is unavailable, and /readyz reports it', async () => {
    const v = await buildVisit(t);
    const { agent, participantId } = await patientWaiting(t, v);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    const res = await agent.post(`/api/visits/${v.visitId}/video-token`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('video_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    const ready = await t.agent().get('/readyz').expect(200);
    expect(ready.body).toEqual({ db: 'ok', livekit: 'unreachable' });
    // Ending still works without LiveKit.
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/end`).expect(200);
  });
});
