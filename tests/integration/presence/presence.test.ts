import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LiveParticipant } from '@shared/realtime';
import { buildVisit, patientWaiting } from '../../helpers/visit-builder';
import { barrier, connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';

type ParticipantsEvent = { visitId: string; participants: LiveParticipant[] };

describeEachDatabase('presence (%s)', (dialect) => {
  let t: TestApp;
  // A one-second grace keeps the expiry "within seconds" without any sleep in the tests.
  beforeAll(async () => {
    // A one-second heartbeat (interval and timeout) lets a silent network show within two seconds.
    t = await startTestApp(dialect, {
      env: { PRESENCE_GRACE_SECONDS: '1', SOCKET_PING_INTERVAL_MS: '1000', SOCKET_PING_TIMEOUT_MS: '1000' },
    });
  });
  afterAll(() => t.close());

  /** A visit with its patient waiting (socket connected) and its clinician's console watching. */
  async function waitingWithSockets() {
    const v = await buildVisit(t);
    const patient = await patientWaiting(t, v);
    const clinician = t.socket(v.clinicians[0]!.agent);
    expect(await connects(clinician)).toBe(true);
    const first = nextEvent<ParticipantsEvent>(clinician, 'visit:participants');
    await clinician.emitWithAck('visit:watch', { visitId: v.visitId });
    await first;
    // The patient's socket arriving is not news (they were never marked lost): the watch reply is the barrier.
    const patientSocket = t.socket(patient.agent);
    expect(await connects(patientSocket)).toBe(true);
    await barrier<ParticipantsEvent>(clinician, 'visit:participants', () => clinician.emitWithAck('visit:watch', { visitId: v.visitId }));
    return { v, patient, patientSocket, clinician };
  }

  const find = (e: ParticipantsEvent, id: string) => e.participants.find((p) => p.id === id);

  it('a patient whose socket drops is shown as connection lost, then leaves the waiting room after the grace, audited as the system', async () => {
    const { v, patient, patientSocket, clinician } = await waitingWithSockets();
    const lost = nextEvent<ParticipantsEvent>(clinician, 'visit:participants');
    patientSocket.close();
    const shown = find(await lost, patient.participantId);
    expect(shown).toMatchObject({ state: 'waiting', connectionLost: true });

    const gone = await barrier<ParticipantsEvent>(
      clinician,
      'visit:participants',
      async () => undefined,
      (e) => find(e, patient.participantId)?.state === 'left',
    );
    expect(find(gone, patient.participantId)?.connectionLost).toBe(false);
    const detail = await v.clinicians[0]!.agent.get(`/api/visits/${v.visitId}`).expect(200);
    expect(detail.body.visit.participants.find((p: { id: string }) => p.id === patient.participantId).state).toBe('left');

    const { db } = t.database;
    const audit = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('participant_id', '=', patient.participantId)
      .where('action', '=', 'participant.presence_expired')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_kind: 'system', actor_id: null, visit_id: v.visitId, patient_id: v.patientId });
  });

  it('the waiting badge of every clinician of the visit drops to zero when the grace runs out', async () => {
    const { patientSocket, clinician, v } = await waitingWithSockets();
    const zero = barrier<{ visitId: string; waiting: number }>(
      clinician,
      'visit:waiting',
      async () => undefined,
      (e) => e.visitId === v.visitId && e.waiting === 0,
    );
    patientSocket.close();
    expect((await zero).waiting).toBe(0);
  });

  it('a patient whose network goes silent (no close, no packets) is shown as connection lost once the heartbeat times out', async () => {
    const { patient, patientSocket, clinician } = await waitingWithSockets();
    const lost = barrier<ParticipantsEvent>(
      clinician,
      'visit:participants',
      async () => undefined,
      (e) => find(e, patient.participantId)?.connectionLost === true,
    );
    // The client's TCP stream stops being read: pings go unanswered, as on a dead Wi-Fi, and nothing closes.
    const engine = patientSocket.io.engine as unknown as { transport: { ws: { _socket: { pause: () => void } } } };
    const started = Date.now();
    engine.transport.ws._socket.pause();
    expect(find(await lost, patient.participantId)).toMatchObject({ state: 'waiting', connectionLost: true });
    // Within interval + timeout (two seconds here), not the 45 s socket.io would take by default.
    expect(Date.now() - started).toBeLessThan(6000);
    // Then the grace runs out as for any lost connection (and leaves nothing for the tests after this one).
    await barrier<ParticipantsEvent>(
      clinician,
      'visit:participants',
      async () => undefined,
      (e) => find(e, patient.participantId)?.state === 'left',
    );
  });

  it('a patient who comes back within the grace is shown connected again and stays waiting', async () => {
    const { v, patient, patientSocket, clinician } = await waitingWithSockets();
    const lost = nextEvent<ParticipantsEvent>(clinician, 'visit:participants');
    patientSocket.close();
    expect(find(await lost, patient.participantId)?.connectionLost).toBe(true);

    const back = nextEvent<ParticipantsEvent>(clinician, 'visit:participants');
    const again = t.socket(patient.agent);
    expect(await connects(again)).toBe(true);
    expect(find(await back, patient.participantId)).toMatchObject({ state: 'waiting', connectionLost: false });

    // Long after any grace: a connected patient is never expired.
    expect(await t.handle.presence.expire(new Date(Date.now() + 3_600_000))).toBe(0);
    const detail = await v.clinicians[0]!.agent.get(`/api/visits/${v.visitId}`).expect(200);
    expect(detail.body.visit.participants.find((p: { id: string }) => p.id === patient.participantId).state).toBe('waiting');
    again.close();
  });

  it('closing one of two tabs is not a lost connection', async () => {
    const { patient, patientSocket, clinician, v } = await waitingWithSockets();
    const second = t.socket(patient.agent);
    expect(await connects(second)).toBe(true);
    const seen: ParticipantsEvent[] = [];
    clinician.on('visit:participants', (e: ParticipantsEvent) => seen.push(e));
    // Dropped by the server, so its disconnect handling has started when this returns; then wait for it to finish.
    t.handle.io.in(patientSocket.id!).disconnectSockets(true);
    await t.handle.presence.idle();
    const reply = await barrier<ParticipantsEvent>(clinician, 'visit:participants', () =>
      clinician.emitWithAck('visit:watch', { visitId: v.visitId }),
    );
    expect(seen).toEqual([reply]);
    expect(find(reply, patient.participantId)?.connectionLost).toBe(false);
    second.close();
  });

  it('two expiries racing (two processes) act once: one state change, one audit entry', async () => {
    const v = await buildVisit(t);
    const patient = await patientWaiting(t, v);
    const s = t.socket(patient.agent);
    expect(await connects(s)).toBe(true);
    t.handle.io.in(s.id!).disconnectSockets(true);
    await t.handle.presence.idle();
    const { db } = t.database;
    const row = await db
      .selectFrom('participants')
      .select('disconnected_at')
      .where('id', '=', patient.participantId)
      .executeTakeFirstOrThrow();
    expect(row.disconnected_at).not.toBeNull();
    const later = new Date(Date.now() + 3_600_000);
    // The counts can include other tests' patients who lost their connection; only this one is checked.
    await Promise.all([t.handle.presence.expire(later), t.handle.presence.expire(later), t.handle.presence.expire(later)]);
    const audit = await db
      .selectFrom('audit_log')
      .select('id')
      .where('participant_id', '=', patient.participantId)
      .where('action', '=', 'participant.presence_expired')
      .execute();
    expect(audit).toHaveLength(1);
    const after = await db.selectFrom('participants').select('state').where('id', '=', patient.participantId).executeTakeFirstOrThrow();
    expect(after.state).toBe('left');
  });
});
