import type { Socket } from 'socket.io-client';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { admittedPatient } from '../../helpers/checkin-builder';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { barrier, connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, patientWaiting, type BuiltVisit } from '../../helpers/visit-builder';

/*
 * Issue 11, finding 4 and 8: every live channel closes when the right behind it ends. Each case
 * opens a socket before the change, makes the change over HTTP, and sees the server drop the
 * socket ("io server disconnect"), a new socket with the same cookie refused, and — for people in
 * the call — LiveKit's RemoveParticipant (or DeleteRoom) arrive at the stand-in's Twirp wire.
 */

/** Resolves with the reason once the socket is disconnected, or rejects after `ms`. */
function dropped(socket: Socket, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!socket.connected && !socket.active) return resolve('already');
    const timer = setTimeout(() => reject(new Error('the socket was never disconnected')), ms);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describeEachDatabase('revocation reaches every live channel (%s)', (dialect) => {
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

  /** A connected socket carrying `agent`'s cookies. */
  async function openSocket(agent: TestAgent): Promise<Socket> {
    const s = t.socket(agent);
    expect(await connects(s)).toBe(true);
    return s;
  }

  /** The socket is dropped by the server, and the same cookie cannot open a new one. */
  async function expectShutOut(socket: Socket, agent: TestAgent, change: () => Promise<unknown>) {
    const gone = dropped(socket);
    await change();
    expect(await gone).toBe('io server disconnect');
    expect(socket.connected).toBe(false);
    expect(await connects(t.socket(agent))).toBe(false);
  }

  /** The clinician's participant id in the call (their first token makes them one). */
  async function clinicianInCall(v: BuiltVisit, i = 0): Promise<{ identity: string; key: string }> {
    const res = await v.clinicians[i]!.agent.post(`/api/visits/${v.visitId}/video-token`).expect(200);
    return { identity: res.body.identity as string, key: res.body.e2eeKey as string };
  }

  it('sign-out drops the staff member’s open sockets', async () => {
    const { agent } = await t.signedIn('clinician');
    const socket = await openSocket(agent);
    await expectShutOut(socket, agent, () => agent.post('/api/auth/logout').expect(204));
  });

  it('deactivation drops every socket of the account and takes them out of the video room', async () => {
    const v = await buildVisit(t);
    const c = v.clinicians[0]!;
    const { identity } = await clinicianInCall(v);
    const first = await openSocket(c.agent);
    const second = await openSocket(c.agent);
    const bothGone = Promise.all([dropped(first), dropped(second)]);
    await expectShutOut(first, c.agent, () => admin.patch(`/api/staff/${c.staff.id}`).send({ active: false }).expect(200));
    expect(await bothGone).toEqual(['io server disconnect', 'io server disconnect']);
    expect(lk.removed()).toContainEqual({ room: expect.any(String), identity });
  });

  it('a role change drops the sockets and takes the former clinician out of the video room', async () => {
    const v = await buildVisit(t);
    const c = v.clinicians[0]!;
    const { identity } = await clinicianInCall(v);
    const socket = await openSocket(c.agent);
    await expectShutOut(socket, c.agent, () => admin.patch(`/api/staff/${c.staff.id}`).send({ role: 'scheduler' }).expect(200));
    expect(lk.removed().map((r) => r.identity)).toContain(identity);
  });

  it('a password reset drops the account’s sockets', async () => {
    const { staff, agent } = await t.signedIn('clinician');
    const socket = await openSocket(agent);
    await expectShutOut(socket, agent, () => admin.post(`/api/staff/${staff.id}/reset-password`).expect(200));
  });

  it('a socket is closed at its session’s absolute end, even while in use (staff and patient)', async () => {
    const { staff, agent } = await t.signedIn('clinician');
    const patient = await patientWaiting(t, await buildVisit(t));
    // The 12-hour limit (and the link's end), brought forward: the session row's end is what the socket obeys.
    const end = new Date(Date.now() + 1500).toISOString();
    await t.database.db.updateTable('sessions').set({ expires_at: end }).where('staff_id', '=', staff.id).execute();
    await t.database.db.updateTable('sessions').set({ expires_at: end }).where('participant_id', '=', patient.participantId).execute();
    const socket = await openSocket(agent);
    const patientSocket = await openSocket(patient.agent);
    expect(await Promise.all([dropped(socket), dropped(patientSocket)])).toEqual(['io server disconnect', 'io server disconnect']);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(end));
    expect(await connects(t.socket(agent))).toBe(false);
    expect(await connects(t.socket(patient.agent))).toBe(false);
  });

  it('a session ended outside the app (the staff command line, a database change) still drops its sockets at the next sweep', async () => {
    const { staff, agent } = await t.signedIn('clinician');
    const patientSide = await patientWaiting(t, await buildVisit(t));
    const staffSocket = await openSocket(agent);
    const patientSocket = await openSocket(patientSide.agent);
    const bystander = await openSocket((await t.signedIn('clinician')).agent);
    const gone = Promise.all([dropped(staffSocket), dropped(patientSocket)]);
    const now = new Date().toISOString();
    await t.database.db.updateTable('staff').set({ active: 0 }).where('id', '=', staff.id).execute();
    await t.database.db.updateTable('sessions').set({ revoked_at: now }).where('participant_id', '=', patientSide.participantId).execute();
    await t.handle.revocation.sweep(t.handle.sessions);
    expect(await gone).toEqual(['io server disconnect', 'io server disconnect']);
    expect(bystander.connected).toBe(true);
  });

  it('taken off the care team: the clinician stops hearing about the visit and leaves its video room', async () => {
    const v = await buildVisit(t, { clinicians: 2 });
    const [gone, stays] = v.clinicians as [BuiltVisit['clinicians'][0], BuiltVisit['clinicians'][0]];
    const { identity } = await clinicianInCall(v, 0);
    const other = await buildVisit(t);
    // The same clinician is also on another visit, which serves as the barrier below.
    await v.scheduler
      .patch(`/api/visits/${other.visitId}`)
      .send({ clinicianIds: [gone.staff.id] })
      .expect(200);
    const goneSocket = await openSocket(gone.agent);
    const staysSocket = await openSocket(stays.agent);
    for (const [s, id] of [
      [goneSocket, v.visitId],
      [goneSocket, other.visitId],
      [staysSocket, v.visitId],
    ] as const) {
      expect(await s.timeout(10_000).emitWithAck('visit:watch', { visitId: id })).toEqual({ ok: true });
    }
    const heard: string[] = [];
    goneSocket.onAny((event: string, payload: { visitId?: string }) => {
      if (payload?.visitId === v.visitId) heard.push(event);
    });

    await v.scheduler
      .patch(`/api/visits/${v.visitId}`)
      .send({ clinicianIds: [stays.staff.id] })
      .expect(200);
    await expect.poll(() => lk.removed().map((r) => r.identity)).toContain(identity);

    // The patient arrives: the remaining clinician hears it, the removed one does not.
    const arrived = nextEvent<{ visitId: string }>(staysSocket, 'visit:participants');
    await patientWaiting(t, v);
    expect((await arrived).visitId).toBe(v.visitId);
    await barrier(
      goneSocket,
      'visit:participants',
      () => patientWaiting(t, other),
      (p: { visitId: string }) => p.visitId === other.visitId,
    );
    expect(heard).toEqual([]);
    // Watching again is refused: the visit is no longer theirs.
    expect(await goneSocket.timeout(10_000).emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: false, code: 'not_found' });
  });

  it('a reissued link drops the old link’s patient sockets and takes them out of the video room', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const socket = await openSocket(patient.agent);
    await expectShutOut(socket, patient.agent, () => v.scheduler.post(`/api/visits/${v.visitId}/patient-link`).expect(200));
    await expect.poll(() => lk.removed().map((r) => r.identity)).toContain(patient.participantId);
  });

  it('cancelling drops the patient’s sockets and closes the video room', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    await clinicianInCall(v);
    const socket = await openSocket(patient.agent);
    const deletedBefore = lk.deleted().length;
    await expectShutOut(socket, patient.agent, () => v.scheduler.post(`/api/visits/${v.visitId}/cancel`).expect(200));
    await expect.poll(() => lk.deleted().length).toBe(deletedBefore + 1);
  });

  it('removal drops the patient’s sockets, takes them out of the room and gives the others a new key', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const before = await clinicianInCall(v);
    const oldPatientKey = (await patient.agent.post(`/api/visits/${v.visitId}/video-token`).expect(200)).body.e2eeKey as string;
    expect(oldPatientKey).toBe(before.key);
    const socket = await openSocket(patient.agent);
    const consoleSocket = await openSocket(v.clinicians[0]!.agent);
    expect(await consoleSocket.timeout(10_000).emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
    const rekey = nextEvent(consoleSocket, 'video:rekey');
    await expectShutOut(socket, patient.agent, () =>
      v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/participants/${patient.participantId}/remove`).expect(200),
    );
    // Those who stay are told to fetch the new key (the event itself names none).
    expect(await rekey).toEqual({ visitId: v.visitId });
    expect(lk.removed().map((r) => r.identity)).toContain(patient.participantId);
    const after = await clinicianInCall(v);
    expect(after.key).not.toBe(before.key);
    expect(after.key).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    // The removed patient gets nothing, the new key least of all.
    await patient.agent.post(`/api/visits/${v.visitId}/video-token`).expect(401);
  });

  it('ending the visit tells the patient, then drops their sockets', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const socket = await openSocket(patient.agent);
    const ended = nextEvent(socket, 'visit:ended');
    const gone = dropped(socket);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/end`).expect(200);
    await ended;
    expect(await gone).toBe('io server disconnect');
  });
});
