import { afterAll, beforeAll, expect, it } from 'vitest';
import { JoinResponseSchema } from '@shared/api/join.schema';
import { admittedPatient, answer, PHQ9_ITEM9, PHQ_OPTION, sendCheckin } from '../../helpers/checkin-builder';
import { expectContract } from '../../helpers/contract';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { barrier, connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient } from '../../helpers/visit-builder';

type Live = { id: string; kind: string; state: string; otherDevice: boolean };

/**
 * Finding 1: the link (and the date of birth) used to be the identity, so a second browser became
 * the admitted patient. Each device is now its own participant that waits to be admitted.
 */
describeEachDatabase('a second device with the same link (%s)', (dialect) => {
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

  it('waits as a new arrival, gets no token, key or answers, and on admission ends the first device', async () => {
    const v = await buildVisit(t, { preferredName: 'Jordan' });
    const clinician = v.clinicians[0]!.agent;
    const first = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    await answer(first.agent, checkinId, PHQ9_ITEM9, PHQ_OPTION[1]).expect(200);
    const firstSocket = t.socket(first.agent);
    expect(await connects(firstSocket)).toBe(true);

    // The attacker's browser: link only (no date of birth on file here).
    const second = await joinAsPatient(t, v.token);
    const joined = expectContract(await second.post('/api/join').send({ token: v.token }), JoinResponseSchema);
    expect(joined.participant.id).not.toBe(first.participantId);
    expect(joined.participant).toMatchObject({ state: 'joining', consented: false });
    const secondId = joined.participant.id;

    // Nothing of the call or of the answers before a clinician decides.
    expect((await second.post(`/api/visits/${v.visitId}/video-token`)).body.error?.code).toBe('not_admitted');
    expect((await second.get(`/api/visits/${v.visitId}/checkins`)).status).toBe(403);
    expect((await second.get(`/api/checkins/${checkinId}`)).status).toBe(403);
    expect((await answer(second, checkinId, PHQ9_ITEM9, PHQ_OPTION[0])).status).toBe(403);
    await second.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    await second.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    expect((await second.post(`/api/visits/${v.visitId}/video-token`)).status).toBe(403);
    for (const path of [`/api/visits/${v.visitId}/checkins`, `/api/checkins/${checkinId}`]) {
      const res = await second.get(path);
      expect(res.status, path).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain(PHQ_OPTION[1]);
    }
    expect((await answer(second, checkinId, PHQ9_ITEM9, PHQ_OPTION[0])).status).toBe(403);
    // The first device's answer is untouched.
    const own = await first.agent.get(`/api/checkins/${checkinId}`).expect(200);
    expect(own.body.checkin.answers[PHQ9_ITEM9]).toBe(PHQ_OPTION[1]);

    // The clinician sees two patient participants: the admitted one, and another device waiting.
    const staffSocket = t.socket(clinician);
    expect(await connects(staffSocket)).toBe(true);
    const listed = nextEvent<{ participants: Live[] }>(staffSocket, 'visit:participants');
    staffSocket.emit('visit:watch', { visitId: v.visitId }, () => undefined);
    const patients = (await listed).participants.filter((p) => p.kind === 'patient');
    expect(patients.map((p) => [p.id, p.state, p.otherDevice])).toEqual([
      [first.participantId, 'admitted', false],
      [secondId, 'waiting', true],
    ]);

    // Admitting the new device ends the old one, which is told it moved and loses its socket; the
    // old device is taken out of the video room and the call's key is replaced.
    const oldKey = (await clinician.post(`/api/visits/${v.visitId}/video-token`).expect(200)).body.e2eeKey as string;
    const moved = nextEvent<{ participantId: string }>(firstSocket, 'participant:moved');
    const rekey = nextEvent<{ visitId: string }>(staffSocket, 'video:rekey');
    const dropped = new Promise<string>((resolve) => firstSocket.once('disconnect', (reason) => resolve(reason)));
    await clinician.post(`/api/visits/${v.visitId}/admit`).send({ participantId: secondId }).expect(200);
    expect(await moved).toEqual({ participantId: first.participantId });
    expect(await dropped).toBeTruthy();
    expect(await rekey).toEqual({ visitId: v.visitId });
    await expect.poll(() => lk.removed().map((r) => r.identity)).toContain(first.participantId);
    const newKey = (await clinician.post(`/api/visits/${v.visitId}/video-token`).expect(200)).body.e2eeKey as string;
    expect(newKey).not.toBe(oldKey);
    expect((await first.agent.post(`/api/visits/${v.visitId}/video-token`)).status).toBe(401);
    expect((await first.agent.get(`/api/checkins/${checkinId}`)).status).toBe(401);
    const rows = await t.database.db
      .selectFrom('participants')
      .select(['id', 'state'])
      .where('visit_id', '=', v.visitId)
      .where('kind', '=', 'patient')
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.state]))).toEqual({ [first.participantId]: 'left', [secondId]: 'admitted' });

    // The admitted device is the patient now: the call, and the answers they gave on the phone.
    await second.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    const mine = await second.get(`/api/checkins/${checkinId}`).expect(200);
    expect(mine.body.checkin.answers[PHQ9_ITEM9]).toBe(PHQ_OPTION[1]);

    // The same browser coming back is the same device, not a third arrival.
    const again = await second.post('/api/join').send({ token: v.token }).expect(200);
    expect(again.body.participant.id).toBe(secondId);
    await barrier(staffSocket, 'visit:participants', () =>
      clinician.post(`/api/visits/${v.visitId}/return-to-waiting`).send({ participantId: secondId }),
    );
  });

  it('a device that is denied never sees the check-ins, and the admitted device keeps the call', async () => {
    const v = await buildVisit(t);
    const first = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'alcove-sexual-health');
    await answer(first.agent, checkinId, 'note', 'something only I should read').expect(200);
    const second = await joinAsPatient(t, v.token);
    const consent = await second.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    await second.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/deny`).send({ participantId: consent.body.participant.id }).expect(200);
    expect(JSON.stringify((await second.get(`/api/visits/${v.visitId}/checkins`)).body)).not.toContain('only I should read');
    await first.agent.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    expect((await first.agent.get(`/api/checkins/${checkinId}`).expect(200)).body.checkin.answers.note).toBe(
      'something only I should read',
    );
  });
  it('a device waiting to be let in hears nothing of the check-ins over its socket; the device in the call does', async () => {
    const v = await buildVisit(t);
    const first = await admittedPatient(t, v);
    const firstSocket = t.socket(first.agent);
    expect(await connects(firstSocket)).toBe(true);
    const second = await joinAsPatient(t, v.token);
    await second.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    await second.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    const secondSocket = t.socket(second);
    expect(await connects(secondSocket)).toBe(true);
    const heardBySecond: unknown[] = [];
    secondSocket.on('checkin:sent', (p: unknown) => heardBySecond.push(p));

    const sent = await barrier<{ checkinId: string; instrumentId: string }>(firstSocket, 'checkin:sent', () => sendCheckin(v, 'alcove-sexual-health'));
    expect(sent.instrumentId).toBe('alcove-sexual-health');
    // A second send, so anything on its way to the waiting device has had the time the first device's took.
    await barrier(firstSocket, 'checkin:sent', () => sendCheckin(v, 'phq-9'));
    expect(heardBySecond).toEqual([]);
    firstSocket.close();
    secondSocket.close();
  });
});
