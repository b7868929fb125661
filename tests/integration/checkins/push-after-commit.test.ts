import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { PHQ9_ITEM9, PHQ9_ITEMS, PHQ_OPTION, admittedPatient, answer, sendCheckin } from '../../helpers/checkin-builder';
import { barrier, connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient } from '../../helpers/visit-builder';

/*
 * A change is answered by its commit, not by its live push. Here the push really fails: the table
 * every broadcast reads to find a visit's clinicians is renamed away after the request's own checks
 * and before its push, so the lookup after commit throws on the real database.
 */
describeEachDatabase('a push that fails after commit (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    // Owed alerts are pushed again after one second (the default is five), so the sweeper shows in the tests quickly.
    t = await startTestApp(dialect, { env: { ALERT_REPUSH_AFTER_SECONDS: '1' } });
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
    // The test's log sink writes lines one after the other, so the warning may land a moment later.
    const failures = await vi.waitFor(() => {
      const found = t.logs().filter((l) => l.msg === 'live push failed after commit');
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
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

  const pushedAt = async (checkinId: string) =>
    (await t.database.db.selectFrom('safety_alerts').select('pushed_at').where('checkin_id', '=', checkinId).executeTakeFirstOrThrow()).pushed_at;

  /** The clinician's console socket watching the visit, recording every safety alert it gets. */
  async function console(v: Awaited<ReturnType<typeof buildVisit>>) {
    const socket = t.socket(v.clinicians[0]!.agent);
    expect(await connects(socket)).toBe(true);
    expect(await socket.emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
    const alerts: unknown[] = [];
    socket.on('safety:alert', (e: unknown) => alerts.push(e));
    return { socket, alerts };
  }

  /** Gives any sweeper time to (wrongly) push again, then waits for a later event as a barrier. */
  async function settle(socket: Awaited<ReturnType<typeof console>>['socket'], patient: Parameters<typeof answer>[0], checkinId: string) {
    await new Promise((r) => setTimeout(r, 2500));
    await barrier(socket, 'checkin:progress', () => answer(patient, checkinId, PHQ9_ITEMS[0], PHQ_OPTION[0]).expect(200));
  }

  it('an alert pushed at once is recorded as pushed and never pushed again by a sweeper', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const { socket, alerts } = await console(v);

    const pushed = nextEvent(socket, 'safety:alert');
    await answer(patient.agent, checkinId, PHQ9_ITEM9, PHQ_OPTION[2]).expect(200);
    expect(await pushed).toMatchObject({ checkinId, visitId: v.visitId });
    expect(await pushedAt(checkinId)).not.toBeNull();
    await settle(socket, patient.agent, checkinId);
    expect(alerts).toHaveLength(1);
  });

  it('an alert whose push failed is pushed by the sweeper once it can go out, exactly once', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const { socket, alerts } = await console(v);

    const late = nextEvent(socket, 'safety:alert');
    await withoutCareTeamTable(async () => {
      await answer(patient.agent, checkinId, PHQ9_ITEM9, PHQ_OPTION[2]).expect(200);
      expect(alerts).toHaveLength(0);
      expect(await pushedAt(checkinId)).toBeNull();
    });
    expect(await late).toMatchObject({ checkinId, visitId: v.visitId, code: expect.any(String) });
    expect(await pushedAt(checkinId)).not.toBeNull();
    await settle(socket, patient.agent, checkinId);
    expect(alerts).toHaveLength(1);
  });
});
