import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { PHQ9_ITEMS, PHQ_OPTION, admittedPatient, anotherVisitFor, sendCheckin } from '../../helpers/checkin-builder';
import { connects, describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient, patientWaiting } from '../../helpers/visit-builder';

/*
 * The audit trail's former gaps (issue 11, finding 10): each of these leaves an entry with ids only,
 * written in the same transaction as the change (a broken audit store undoes the change), and a
 * refused probe of someone else's visit leaves one too.
 */

describeEachDatabase('audit entries for answers, the waiting room, failed links and refused probes (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { PRESENCE_GRACE_SECONDS: '3600' } });
  });
  afterAll(() => t.close());
  afterEach(() => auditWorks());

  const db = () => t.database.db;
  const lastSeq = async () =>
    Number((await db().selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst())?.seq ?? 0);
  const entriesSince = (seq: number) => db().selectFrom('audit_log').selectAll().where('seq', '>', seq).orderBy('seq').execute();

  /** Runs `act` and returns the entries it appended. */
  async function audited(act: () => Promise<unknown>) {
    const before = await lastSeq();
    await act();
    return entriesSince(before);
  }

  async function breakAudit() {
    if (dialect === 'sqlite') {
      await sql`create trigger audit_down before insert on audit_log begin select raise(abort, 'audit store unavailable'); end`.execute(
        db(),
      );
    } else {
      await sql`create or replace function audit_down() returns trigger language plpgsql as $$ begin raise exception 'audit store unavailable'; end $$`.execute(
        db(),
      );
      await sql`create trigger audit_down before insert on audit_log for each row execute function audit_down()`.execute(db());
    }
  }
  async function auditWorks() {
    if (dialect === 'sqlite') await sql`drop trigger if exists audit_down`.execute(db());
    else await sql`drop trigger if exists audit_down on audit_log`.execute(db());
  }

  it('saving, changing and taking back an answer each leave one entry naming the patient device, never the answer', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const answerUrl = (i: number) => `/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[i]}`;
    const ids = { checkin_id: checkinId, visit_id: v.visitId, patient_id: v.patientId, participant_id: patient.participantId };
    const byPatient = { actor_kind: 'patient', actor_id: patient.participantId, outcome: 'success' };

    const saved = await audited(() => patient.agent.put(answerUrl(0)).send({ value: PHQ_OPTION[2] }).expect(200));
    expect(saved).toEqual([expect.objectContaining({ action: 'checkin.answer_saved', ...byPatient, ...ids })]);
    const changed = await audited(() => patient.agent.put(answerUrl(0)).send({ value: PHQ_OPTION[1] }).expect(200));
    expect(changed).toEqual([expect.objectContaining({ action: 'checkin.answer_saved', ...byPatient, ...ids })]);
    const deleted = await audited(() => patient.agent.delete(answerUrl(0)).expect(200));
    expect(deleted).toEqual([expect.objectContaining({ action: 'checkin.answer_deleted', ...byPatient, ...ids })]);
    for (const e of [...saved, ...changed, ...deleted]) expect(JSON.stringify(e)).not.toContain('LA65');

    // Same transaction: with the audit store broken, neither a save nor a deletion happens.
    await patient.agent.put(answerUrl(1)).send({ value: PHQ_OPTION[3] }).expect(200);
    await breakAudit();
    await patient.agent.put(answerUrl(2)).send({ value: PHQ_OPTION[3] }).expect(500);
    await patient.agent.delete(answerUrl(1)).expect(500);
    await auditWorks();
    const stored = await db().selectFrom('checkin_answers').select('link_id').where('checkin_id', '=', checkinId).execute();
    expect(stored.map((a) => a.link_id)).toEqual([PHQ9_ITEMS[1]]);
  });

  it('entering and leaving the waiting room each leave one entry; answered-as-is repeats leave none', async () => {
    const v = await buildVisit(t);
    const agent = await joinAsPatient(t, v.token);
    const consent = await agent.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    const participantId = consent.body.participant.id as string;
    const ids = {
      visit_id: v.visitId,
      patient_id: v.patientId,
      participant_id: participantId,
      actor_kind: 'patient',
      actor_id: participantId,
    };

    // Same transaction: a broken audit store keeps the patient out of the waiting room.
    await breakAudit();
    await agent.post(`/api/visits/${v.visitId}/waiting-room`).expect(500);
    await auditWorks();
    expect((await db().selectFrom('participants').select('state').where('id', '=', participantId).executeTakeFirstOrThrow()).state).toBe(
      'joining',
    );

    const entered = await audited(() => agent.post(`/api/visits/${v.visitId}/waiting-room`).expect(200));
    expect(entered).toEqual([expect.objectContaining({ action: 'participant.waiting', ...ids })]);
    expect(await audited(() => agent.post(`/api/visits/${v.visitId}/waiting-room`).expect(200))).toEqual([]);
    const left = await audited(() => agent.post(`/api/visits/${v.visitId}/leave`).expect(200));
    expect(left).toEqual([expect.objectContaining({ action: 'participant.left', ...ids })]);
    expect(await audited(() => agent.post(`/api/visits/${v.visitId}/leave`).expect(200))).toEqual([]);
  });

  it('setting and clearing the waiting message leaves an entry without its text', async () => {
    const v = await buildVisit(t);
    await patientWaiting(t, v);
    const clinician = v.clinicians[0]!;
    const url = `/api/visits/${v.visitId}/waiting-message`;
    const text = 'Running ten minutes late, Jordan';
    const byClinician = {
      action: 'visit.waiting_message_set',
      actor_kind: 'staff',
      actor_id: clinician.staff.id,
      visit_id: v.visitId,
      patient_id: v.patientId,
    };

    const set = await audited(() => clinician.agent.put(url).send({ text }).expect(200));
    expect(set).toEqual([expect.objectContaining(byClinician)]);
    expect(JSON.stringify(set)).not.toContain('Running');
    expect(await audited(() => clinician.agent.put(url).send({ text: null }).expect(200))).toEqual([expect.objectContaining(byClinician)]);

    await breakAudit();
    await clinician.agent.put(url).send({ text }).expect(500);
    await auditWorks();
    expect(
      (await db().selectFrom('visits').select('waiting_message').where('id', '=', v.visitId).executeTakeFirstOrThrow()).waiting_message,
    ).toBeNull();
  });

  it('an unknown or replaced join link leaves a failure entry', async () => {
    const v = await buildVisit(t);
    const unknown = await audited(() =>
      t
        .agent()
        .post('/api/join')
        .send({ token: 'A'.repeat(43) })
        .expect(404),
    );
    expect(unknown).toEqual([expect.objectContaining({ action: 'link.refused', outcome: 'failure', actor_kind: 'anonymous' })]);

    await v.scheduler.post(`/api/visits/${v.visitId}/patient-link`).expect(200);
    const replaced = await audited(() => t.agent().post('/api/join').send({ token: v.token }).expect(410));
    expect(replaced).toEqual([
      expect.objectContaining({ action: 'link.refused', outcome: 'failure', visit_id: v.visitId, patient_id: v.patientId }),
    ]);
    expect(replaced[0]!.link_id).not.toBeNull();
  });

  it('a new device joining and its link.used entry are one transaction: with the audit store broken, no device is left behind', async () => {
    const v = await buildVisit(t);
    const devices = async () =>
      (await db().selectFrom('participants').select('id').where('visit_id', '=', v.visitId).where('kind', '=', 'patient').execute()).length;
    const before = await devices();
    await breakAudit();
    const res = await t.agent().post('/api/join').send({ token: v.token });
    await auditWorks();
    expect(res.status).toBe(500);
    expect(res.headers['set-cookie'] ?? []).toEqual([]);
    expect(await devices()).toBe(before);

    const joined = await audited(() => t.agent().post('/api/join').send({ token: v.token }).expect(200));
    expect(await devices()).toBe(before + 1);
    expect(joined).toEqual([
      expect.objectContaining({ action: 'link.used', outcome: 'success', actor_kind: 'patient', visit_id: v.visitId, patient_id: v.patientId }),
    ]);
  });

  it('asking for another visit’s data leaves a refusal naming what was asked for', async () => {
    const mine = await buildVisit(t);
    const theirs = await anotherVisitFor(mine);
    const outsider = await t.signedIn('clinician');
    const patient = await admittedPatient(t, mine);
    const theirCheckin = await sendCheckin(theirs, 'phq-9');

    const clinicianProbe = await audited(() => outsider.agent.get(`/api/visits/${mine.visitId}`).expect(404));
    expect(clinicianProbe).toEqual([
      expect.objectContaining({
        action: 'access.refused',
        outcome: 'failure',
        actor_kind: 'staff',
        actor_id: outsider.staff.id,
        visit_id: mine.visitId,
      }),
    ]);
    const tokenProbe = await audited(() => outsider.agent.post(`/api/visits/${mine.visitId}/video-token`).expect(404));
    expect(tokenProbe).toEqual([
      expect.objectContaining({ action: 'access.refused', actor_id: outsider.staff.id, visit_id: mine.visitId }),
    ]);

    const patientProbe = await audited(() => patient.agent.get(`/api/checkins/${theirCheckin}`).expect(404));
    expect(patientProbe).toEqual([
      expect.objectContaining({
        action: 'access.refused',
        outcome: 'failure',
        actor_kind: 'patient',
        actor_id: patient.participantId,
        checkin_id: theirCheckin,
      }),
    ]);
    const historyProbe = await audited(() => outsider.agent.get(`/api/patients/${mine.patientId}/checkins`).expect(404));
    expect(historyProbe).toEqual([
      expect.objectContaining({ action: 'access.refused', actor_id: outsider.staff.id, patient_id: mine.patientId }),
    ]);

    // Not a probe of anyone's data: no session (401), an unknown route, an id that cannot be one.
    expect(await audited(() => t.agent().get(`/api/visits/${mine.visitId}`).expect(401))).toEqual([]);
    expect(await audited(() => outsider.agent.get('/api/no-such-thing').expect(404))).toEqual([]);
    expect(await audited(() => outsider.agent.get('/api/visits/not-an-id').expect(404))).toEqual([]);
  });

  it('watching another visit over the socket leaves a refusal naming the visit; a malformed or allowed watch leaves none', async () => {
    const mine = await buildVisit(t);
    const outsider = await t.signedIn('clinician');
    const socket = t.socket(outsider.agent);
    expect(await connects(socket)).toBe(true);
    const watch = (payload: unknown) => socket.timeout(10_000).emitWithAck('visit:watch', payload);

    const probe = await audited(async () => expect(await watch({ visitId: mine.visitId })).toEqual({ ok: false, code: 'not_found' }));
    expect(probe).toEqual([
      expect.objectContaining({ action: 'access.refused', outcome: 'failure', actor_kind: 'staff', actor_id: outsider.staff.id, visit_id: mine.visitId }),
    ]);
    expect(await audited(async () => expect(await watch({ visitId: 'not-an-id' })).toEqual({ ok: false, code: 'validation_failed' }))).toEqual([]);
    socket.close();

    const own = t.socket(mine.clinicians[0]!.agent);
    expect(await connects(own)).toBe(true);
    expect(await audited(async () => expect(await own.timeout(10_000).emitWithAck('visit:watch', { visitId: mine.visitId })).toEqual({ ok: true }))).toEqual([]);
    own.close();
  });
});
