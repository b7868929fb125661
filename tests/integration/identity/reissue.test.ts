import { afterAll, beforeAll, expect, it } from 'vitest';
import { admittedPatient, answer, sendCheckin } from '../../helpers/checkin-builder';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient, type BuiltVisit } from '../../helpers/visit-builder';

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

async function reissue(v: BuiltVisit): Promise<string> {
  const res = await v.scheduler.post(`/api/visits/${v.visitId}/patient-link`).expect(200);
  return tokenOf(res.body.patientLink.url as string);
}

/**
 * Finding 3: a reissued link used to land on the old participant, with its consent, admission,
 * removal and unshared answers. A new link now starts a fresh participant.
 */
describeEachDatabase('a reissued link starts a fresh participant (%s)', (dialect) => {
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

  it('the real patient arrives unconsented, not admitted, and without the wrong person’s answers', async () => {
    const v = await buildVisit(t);
    const wrong = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'alcove-sexual-health');
    await answer(wrong.agent, checkinId, 'note', 'the wrong person wrote this').expect(200);

    const real = await joinAsPatient(t, await reissue(v));
    const rows = await t.database.db
      .selectFrom('participants')
      .select(['id', 'state', 'consented_at'])
      .where('visit_id', '=', v.visitId)
      .where('kind', '=', 'patient')
      .orderBy('created_at')
      .execute();
    expect(rows).toHaveLength(2);
    const fresh = rows[1]!;
    expect(fresh.id).not.toBe(wrong.participantId);
    expect(fresh).toMatchObject({ state: 'joining', consented_at: null });
    expect(rows[0]!.state).toBe('left');
    expect((await real.post(`/api/visits/${v.visitId}/video-token`)).status).toBe(403);
    await real.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    await real.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    const list = await real.get(`/api/visits/${v.visitId}/checkins`);
    expect(JSON.stringify(list.body)).not.toContain('the wrong person wrote this');
    // The wrong person's unshared answer is gone from the check-in the real patient will share.
    const stored = await t.database.db.selectFrom('checkin_answers').select('value').where('checkin_id', '=', checkinId).execute();
    expect(stored).toEqual([]);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId: fresh.id }).expect(200);
    await real.post(`/api/visits/${v.visitId}/video-token`).expect(200);
  });

  it('a removed device stays out when it opens the same link again; another browser knocks as a new arrival', async () => {
    const v = await buildVisit(t);
    const removed = await admittedPatient(t, v);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/participants/${removed.participantId}/remove`).expect(200);
    // The same browser (its ended session cookie) reloads the page.
    const again = await removed.agent.post('/api/join').send({ token: v.token });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('participant_removed');
    const rows = await t.database.db
      .selectFrom('participants')
      .select('id')
      .where('visit_id', '=', v.visitId)
      .where('kind', '=', 'patient')
      .execute();
    expect(rows).toHaveLength(1);
    // Someone else with the link is a new device the clinician decides on.
    const other = await joinAsPatient(t, v.token);
    const consent = await other.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    expect(consent.body.participant.id).not.toBe(removed.participantId);
  });

  it('removing the wrong person never locks out a later link', async () => {
    const v = await buildVisit(t);
    const wrong = await admittedPatient(t, v);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/participants/${wrong.participantId}/remove`).expect(200);
    const real = await joinAsPatient(t, await reissue(v));
    const consent = await real.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    expect(consent.body.participant.id).not.toBe(wrong.participantId);
    const waiting = await real.post(`/api/visits/${v.visitId}/waiting-room`);
    expect(waiting.status).toBe(200);
    expect(waiting.body.participant.state).toBe('waiting');
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId: consent.body.participant.id }).expect(200);
    const removed = await t.database.db
      .selectFrom('participants')
      .select('state')
      .where('id', '=', wrong.participantId)
      .executeTakeFirstOrThrow();
    expect(removed.state).toBe('removed');
  });
});
