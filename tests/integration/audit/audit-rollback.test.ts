import { sql } from 'kysely';
import type { Socket } from 'socket.io-client';
import type { Response } from 'supertest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { auditChainOf } from '../../../server/audit/audit.service';
import { PHQ9_ITEM9, PHQ9_ITEMS, PHQ_OPTION, admittedPatient, answer, sendCheckin } from '../../helpers/checkin-builder';
import { connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient, patientWaiting, type BuiltVisit } from '../../helpers/visit-builder';

/*
 * An action and its audit entry commit together or not at all. The audit store is broken for real:
 * a trigger the test installs makes every insert into audit_log fail inside the database. The
 * change must then be rolled back, nobody must be told about it over a socket, and the client must
 * get the clean error envelope.
 */

describeEachDatabase('a failed audit write undoes its change (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());
  afterEach(async () => auditWorks());

  const db = () => t.database.db;

  async function breakAudit() {
    if (dialect === 'sqlite') {
      await sql`create trigger audit_down before insert on audit_log begin select raise(abort, 'audit store unavailable'); end`.execute(db());
    } else {
      await sql`create or replace function audit_down() returns trigger language plpgsql as $$ begin raise exception 'audit store unavailable'; end $$`.execute(db());
      await sql`create trigger audit_down before insert on audit_log for each row execute function audit_down()`.execute(db());
    }
  }

  async function auditWorks() {
    if (dialect === 'sqlite') await sql`drop trigger if exists audit_down`.execute(db());
    else await sql`drop trigger if exists audit_down on audit_log`.execute(db());
  }

  const auditCount = async () => Number((await db().selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  function expectCleanFailure(res: Response) {
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal_error', message: expect.stringContaining('Something went wrong') } });
    expect(res.text).not.toContain('audit store unavailable');
  }

  /** A patient socket; `quiet` proves it heard nothing before a later presence event. */
  async function patientSocket(agent: Parameters<TestApp['socket']>[0]) {
    const socket = t.socket(agent);
    const ready = nextEvent(socket, 'visit:clinician-presence');
    expect(await connects(socket)).toBe(true);
    await ready;
    const heard: string[] = [];
    socket.onAny((event: string) => heard.push(event));
    return { socket, heard };
  }

  async function quiet(v: BuiltVisit, socket: Socket, heard: string[]) {
    const watcher = t.socket(v.clinicians[0]!.agent);
    expect(await connects(watcher)).toBe(true);
    const presence = nextEvent(socket, 'visit:clinician-presence');
    expect(await watcher.emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
    await presence;
    watcher.close();
    expect(heard.filter((e) => e !== 'visit:clinician-presence')).toEqual([]);
  }

  it('this test can see the fault: with the trigger on, nothing reaches audit_log', async () => {
    const { agent } = await t.signedIn('admin');
    await breakAudit();
    const before = await auditCount();
    await expect(sql`insert into audit_log (id) values ('x')`.execute(db())).rejects.toThrow();
    expectCleanFailure(await agent.get('/api/audit/verify'));
    expect(await auditCount()).toBe(before);
  });

  it('admit: the patient stays waiting, the visit does not start, and nobody is told', async () => {
    const v = await buildVisit(t);
    const { agent, participantId } = await patientWaiting(t, v);
    const { socket, heard } = await patientSocket(agent);
    await breakAudit();
    expectCleanFailure(await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId }));
    await auditWorks();
    const p = await db().selectFrom('participants').select(['state', 'admitted_at', 'admitted_by']).where('id', '=', participantId).executeTakeFirstOrThrow();
    expect(p).toEqual({ state: 'waiting', admitted_at: null, admitted_by: null });
    const visit = await db().selectFrom('visits').select(['status', 'started_at']).where('id', '=', v.visitId).executeTakeFirstOrThrow();
    expect(visit).toEqual({ status: 'scheduled', started_at: null });
    await quiet(v, socket, heard);
    // With the audit store back, the same click works and is recorded.
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId }).expect(200);
    expect(await db().selectFrom('audit_log').select('action').where('participant_id', '=', participantId).where('action', '=', 'participant.admitted').execute()).toHaveLength(1);
  });

  it('consent: no consent row and the participant has not consented', async () => {
    const v = await buildVisit(t);
    const patient = await joinAsPatient(t, v.token);
    await breakAudit();
    expectCleanFailure(await patient.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }));
    await auditWorks();
    expect(await db().selectFrom('consents').select('id').where('visit_id', '=', v.visitId).execute()).toEqual([]);
    const p = await db().selectFrom('participants').select(['consented_at', 'consent_version']).where('visit_id', '=', v.visitId).executeTakeFirstOrThrow();
    expect(p).toEqual({ consented_at: null, consent_version: null });
    await patient.post(`/api/visits/${v.visitId}/waiting-room`).expect(403);
  });

  it('a safety-positive answer: neither the answer nor the alert is kept, and the clinicians hear nothing', async () => {
    const v = await buildVisit(t);
    const { agent: patient } = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const watcher = t.socket(v.clinicians[0]!.agent);
    expect(await connects(watcher)).toBe(true);
    expect(await watcher.emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
    const staffHeard: string[] = [];
    watcher.onAny((event: string) => staffHeard.push(event));
    await breakAudit();
    expectCleanFailure(await answer(patient, checkinId, PHQ9_ITEM9, PHQ_OPTION[2]));
    await auditWorks();
    expect(await db().selectFrom('checkin_answers').select('link_id').where('checkin_id', '=', checkinId).execute()).toEqual([]);
    expect(await db().selectFrom('safety_alerts').select('code').where('checkin_id', '=', checkinId).execute()).toEqual([]);
    expect((await db().selectFrom('checkins').select('status').where('id', '=', checkinId).executeTakeFirstOrThrow()).status).toBe('sent');
    // A later answer is a barrier: its progress event comes after anything the failed save could have sent.
    const progress = nextEvent(watcher, 'checkin:progress');
    await answer(patient, checkinId, PHQ9_ITEM9, PHQ_OPTION[0]).expect(200);
    await progress;
    expect(staffHeard.filter((e) => e !== 'visit:participants' && e !== 'checkin:progress')).toEqual([]);
    expect(staffHeard.filter((e) => e === 'checkin:progress')).toHaveLength(1);
  });

  it('an ordinary answer (one statement with its entry on PostgreSQL): the answer is not kept and the check-in is untouched', async () => {
    const v = await buildVisit(t);
    const { agent: patient } = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const checkin = () => db().selectFrom('checkins').select(['status', 'revision']).where('id', '=', checkinId).executeTakeFirstOrThrow();
    const before = await checkin();
    await breakAudit();
    expectCleanFailure(await answer(patient, checkinId, PHQ9_ITEMS[0], PHQ_OPTION[1]));
    await auditWorks();
    expect(await db().selectFrom('checkin_answers').select('link_id').where('checkin_id', '=', checkinId).execute()).toEqual([]);
    expect(await checkin()).toEqual(before);
    await answer(patient, checkinId, PHQ9_ITEMS[0], PHQ_OPTION[1]).expect(200);
  });

  // PostgreSQL keeps a head row per chain (SQLite has none to lose).
  if (dialect === 'postgres') it('an answer whose audit chain has lost its head row: nothing is kept (the statement fails whole)', async () => {
    const v = await buildVisit(t);
    const { agent: patient } = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const checkin = () => db().selectFrom('checkins').select(['status', 'revision']).where('id', '=', checkinId).executeTakeFirstOrThrow();
    const before = await checkin();
    const chain = auditChainOf({ id: checkinId, visit_id: v.visitId, patient_id: null, actor_id: null });
    const head = await db().selectFrom('audit_chain_heads').selectAll().where('chain', '=', chain).executeTakeFirstOrThrow();
    await db().deleteFrom('audit_chain_heads').where('chain', '=', chain).execute();
    try {
      expectCleanFailure(await answer(patient, checkinId, PHQ9_ITEMS[0], PHQ_OPTION[1]));
    } finally {
      await db().insertInto('audit_chain_heads').values(head).execute();
    }
    expect(await db().selectFrom('checkin_answers').select('link_id').where('checkin_id', '=', checkinId).execute()).toEqual([]);
    expect(await checkin()).toEqual(before);
    await answer(patient, checkinId, PHQ9_ITEMS[0], PHQ_OPTION[1]).expect(200);
  });

  it('a staff change: the role stays and the account keeps its sessions', async () => {
    const { agent: admin } = await t.signedIn('admin');
    const { staff, agent: member } = await t.signedIn('scheduler');
    await breakAudit();
    expectCleanFailure(await admin.patch(`/api/staff/${staff.id}`).send({ role: 'clinician' }));
    expectCleanFailure(await admin.post('/api/staff').send({ email: 'never.created@clinic.test', name: 'Never Created', role: 'clinician' }));
    await auditWorks();
    expect((await db().selectFrom('staff').select('role').where('id', '=', staff.id).executeTakeFirstOrThrow()).role).toBe('scheduler');
    expect(await db().selectFrom('staff').select('id').where('email', '=', 'never.created@clinic.test').execute()).toEqual([]);
    await member.get('/api/auth/me').expect(200);
  });

  it('scheduling: a visit that could not be audited was never created', async () => {
    const v = await buildVisit(t);
    const before = (await db().selectFrom('visits').select('id').execute()).length;
    await breakAudit();
    const res = await v.scheduler
      .post('/api/visits')
      .send({ patientId: v.patientId, clinicianIds: [v.clinicians[0]!.staff.id], startsAt: new Date().toISOString(), durationMinutes: 30 });
    expectCleanFailure(res);
    expectCleanFailure(await v.scheduler.post(`/api/visits/${v.visitId}/cancel`));
    await auditWorks();
    expect((await db().selectFrom('visits').select('id').execute()).length).toBe(before);
    expect((await db().selectFrom('visits').select('status').where('id', '=', v.visitId).executeTakeFirstOrThrow()).status).toBe('scheduled');
  });
});
