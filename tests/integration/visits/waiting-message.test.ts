import { afterAll, beforeAll, expect, it } from 'vitest';
import { connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, patientWaiting } from '../../helpers/visit-builder';

/*
 * A "running late" message belongs to one wait. When the patient leaves (on purpose, or their
 * connection expires), the message is cleared, so coming back starts a new wait without an old
 * message; the clinician can set one again.
 */
describeEachDatabase('the waiting message belongs to one wait (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    // A one-second grace: a lost connection expires out of the waiting room within seconds.
    t = await startTestApp(dialect, { env: { PRESENCE_GRACE_SECONDS: '1' }, deps: { livekitReachable: async () => true } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is cleared when the patient leaves, stays cleared on the next wait, and shows again when the clinician sets it again', async () => {
    const v = await buildVisit(t);
    const clinician = v.clinicians[0]!.agent;
    const { agent: patient } = await patientWaiting(t, v);
    await clinician.put(`/api/visits/${v.visitId}/waiting-message`).send({ preset: 'running_late_10' }).expect(200);

    const socket = t.socket(patient);
    // On connecting, the socket is told the message showing now.
    const current = nextEvent<{ message: unknown }>(socket, 'visit:waiting-message');
    expect(await connects(socket)).toBe(true);
    expect((await current).message).toEqual({ preset: 'running_late_10' });
    const cleared = nextEvent<{ visitId: string; message: unknown }>(socket, 'visit:waiting-message');
    await patient.post(`/api/visits/${v.visitId}/leave`).expect(200);
    expect(await cleared).toEqual({ visitId: v.visitId, message: null });
    expect((await clinician.get(`/api/visits/${v.visitId}`).expect(200)).body.visit.waitingMessage).toBeNull();

    // A new wait: the join answer and the waiting room carry no old message.
    const rejoined = await patient.post('/api/join').send({ token: v.token }).expect(200);
    expect(rejoined.body.waitingMessage).toBeNull();
    await patient.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    expect((await clinician.get(`/api/visits/${v.visitId}`).expect(200)).body.visit.waitingMessage).toBeNull();

    const shown = nextEvent<{ message: unknown }>(socket, 'visit:waiting-message');
    await clinician.put(`/api/visits/${v.visitId}/waiting-message`).send({ text: 'Five more minutes' }).expect(200);
    expect((await shown).message).toEqual({ text: 'Five more minutes' });
    expect((await patient.post('/api/join').send({ token: v.token }).expect(200)).body.waitingMessage).toEqual({
      text: 'Five more minutes',
    });
    socket.close();
  });

  it('is cleared when a waiting patient whose connection was lost expires out of the waiting room', async () => {
    const v = await buildVisit(t);
    const clinician = v.clinicians[0]!.agent;
    const { agent: patient } = await patientWaiting(t, v);
    const socket = t.socket(patient);
    expect(await connects(socket)).toBe(true);
    await clinician.put(`/api/visits/${v.visitId}/waiting-message`).send({ preset: 'starting_soon' }).expect(200);
    socket.close();
    const stateOf = async () =>
      (await clinician.get(`/api/visits/${v.visitId}`).expect(200)).body.visit.participants.find(
        (p: { kind: string }) => p.kind === 'patient',
      ).state;
    await expect.poll(stateOf, { timeout: 10_000 }).toBe('left');
    const after = (await clinician.get(`/api/visits/${v.visitId}`).expect(200)).body.visit;
    expect(after.waitingMessage).toBeNull();
  });

  it('a message set while the patient waits stays through admission and a send-back', async () => {
    const v = await buildVisit(t);
    const clinician = v.clinicians[0]!.agent;
    const { agent: patient, participantId } = await patientWaiting(t, v);
    await clinician.put(`/api/visits/${v.visitId}/waiting-message`).send({ preset: 'running_late_5' }).expect(200);
    await clinician.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    await clinician.post(`/api/visits/${v.visitId}/return-to-waiting`).send({ participantId }).expect(200);
    expect((await patient.post('/api/join').send({ token: v.token }).expect(200)).body.waitingMessage).toEqual({
      preset: 'running_late_5',
    });
  });
});
