import { afterAll, beforeAll, expect, it } from 'vitest';
import { connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, patientWaiting } from '../../helpers/visit-builder';

/*
 * The patient's screen follows every change of their state live (issue 11, finding 11): each move a
 * clinician makes reaches the patient's socket as `participant:state`, in order, so a patient who
 * was denied, sent back and admitted reaches the call without reloading.
 */
describeEachDatabase('the patient hears every change of their state (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { deps: { livekitReachable: async () => true } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('denied → sent back → admitted → sent back → admitted: each reaches the patient socket, in order', async () => {
    const v = await buildVisit(t);
    const clinician = v.clinicians[0]!.agent;
    const { agent: patient, participantId } = await patientWaiting(t, v);
    const socket = t.socket(patient);
    expect(await connects(socket)).toBe(true);

    const steps: [string, string][] = [
      ['deny', 'denied'],
      ['return-to-waiting', 'waiting'],
      ['admit', 'admitted'],
      ['return-to-waiting', 'waiting'],
      ['admit', 'admitted'],
    ];
    for (const [action, state] of steps) {
      const heard = nextEvent<{ participantId: string; state: string }>(socket, 'participant:state');
      await clinician.post(`/api/visits/${v.visitId}/${action}`).send({ participantId }).expect(200);
      expect(await heard).toEqual({ participantId, state });
    }
    // The screen's resync after a reconnection agrees: admitted, and a token is issued.
    expect((await patient.post('/api/join').send({ token: v.token }).expect(200)).body.participant.state).toBe('admitted');
    await patient.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    socket.close();
  });
});
