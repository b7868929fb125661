import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PHQ9_ITEM9, PHQ_OPTION, admittedPatient, answer, sendCheckin } from '../../helpers/checkin-builder';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient } from '../../helpers/visit-builder';

/*
 * A change is answered by its commit, not by its live push. Here the push really fails: the table
 * every broadcast reads to find a visit's clinicians is renamed away after the request's own checks
 * and before its push, so the lookup after commit throws on the real database.
 */
describeEachDatabase('a push that fails after commit (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t.close());

  /** Runs `work` with visit_clinicians renamed away (restored after, whatever happens). */
  async function withoutCareTeamTable<T>(work: () => Promise<T>): Promise<T> {
    await sql`alter table visit_clinicians rename to visit_clinicians_away`.execute(t.database.db);
    try {
      return await work();
    } finally {
      await sql`alter table visit_clinicians_away rename to visit_clinicians`.execute(t.database.db);
    }
  }

  it('a safety answer is answered 200 and stored with its alert and audit entry, and the failure is logged without PHI', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');

    const res = await withoutCareTeamTable(() => answer(patient.agent, checkinId, PHQ9_ITEM9, PHQ_OPTION[2]));
    expect(res.status).toBe(200);
    expect(res.body.saved).toBe(true);

    const { db } = t.database;
    expect(await db.selectFrom('checkin_answers').select('value').where('checkin_id', '=', checkinId).execute()).toHaveLength(1);
    expect(await db.selectFrom('safety_alerts').select('code').where('checkin_id', '=', checkinId).execute()).toHaveLength(1);
    expect(await db.selectFrom('audit_log').select('id').where('checkin_id', '=', checkinId).where('action', '=', 'safety.alert_raised').execute()).toHaveLength(1);
    const failures = t.logs().filter((l) => l.msg === 'live push failed after commit');
    expect(failures.length).toBeGreaterThan(0);
    expect(JSON.stringify(failures)).not.toContain(PHQ_OPTION[2]);
  });

  it('sharing a check-in is answered 200 and stored', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    await answer(patient.agent, checkinId, PHQ9_ITEM9, PHQ_OPTION[1]).expect(200);

    const res = await withoutCareTeamTable(() => patient.agent.post(`/api/checkins/${checkinId}/submit`).send({}));
    expect(res.status).toBe(200);
    const row = await t.database.db.selectFrom('checkins').select('status').where('id', '=', checkinId).executeTakeFirstOrThrow();
    expect(row.status).toBe('shared');
  });

  it('entering the waiting room is answered 200 and stored', async () => {
    const v = await buildVisit(t);
    const agent = await joinAsPatient(t, v.token);
    const consent = await agent.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);

    const res = await withoutCareTeamTable(() => agent.post(`/api/visits/${v.visitId}/waiting-room`));
    expect(res.status).toBe(200);
    const row = await t.database.db.selectFrom('participants').select('state').where('id', '=', consent.body.participant.id).executeTakeFirstOrThrow();
    expect(row.state).toBe('waiting');
  });
});
