import { sql } from 'kysely';
import pino from 'pino';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Auditor } from '../../../server/audit/auditor';
import type { CheckinBroadcast } from '../../../server/checkins/checkins.socket';
import { openDatabase, type Database } from '../../../server/db/database';
import { sendDueCheckins, type MeasurementDeps } from '../../../server/measurement/measurement.service';
import { PHQ_OPTION, anotherVisitFor, answer, answerPhq9, sendCheckin } from '../../helpers/checkin-builder';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient, patientWaiting, type BuiltVisit } from '../../helpers/visit-builder';

const GAD7_ITEMS = ['69725-0', '68509-9', '69733-4', '69734-2', '69735-9', '69689-8', '69736-7'];
const PLAN = { items: [{ instrumentId: 'phq-9', frequency: 'every_visit' }, { instrumentId: 'gad-7', frequency: { everyWeeks: 4 } }] };

describeEachDatabase('measurement plan (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const planPath = (patientId: string) => `/api/patients/${patientId}/measurement-plan`;
  const clinician = (v: BuiltVisit) => v.clinicians[0]!.agent;

  /** The instruments of every check-in of the visit, sorted (duplicates stay). */
  const sentIn = async (visitId: string) =>
    (await t.database.db.selectFrom('checkins').select('instrument_id').where('visit_id', '=', visitId).execute()).map((r) => r.instrument_id).sort();

  const auditOf = (action: string, patientId: string) =>
    t.database.db.selectFrom('audit_log').select(['actor_kind', 'actor_id', 'visit_id', 'checkin_id']).where('action', '=', action).where('patient_id', '=', patientId).execute();

  async function enterAgain(agent: TestAgent, v: BuiltVisit) {
    await agent.post(`/api/visits/${v.visitId}/leave`).expect(200);
    const res = await agent.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    expect(res.body.participant.state).toBe('waiting');
  }

  /** Answers every GAD-7 item and shares, as the patient. */
  async function answerAndShareGad7(agent: TestAgent, checkinId: string) {
    for (const linkId of GAD7_ITEMS) await answer(agent, checkinId, linkId, PHQ_OPTION[1]).expect(200);
    await agent.post(`/api/checkins/${checkinId}/submit`).expect(200);
  }

  const checkinOf = async (visitId: string, instrumentId: string) =>
    (await t.database.db.selectFrom('checkins').select('id').where('visit_id', '=', visitId).where('instrument_id', '=', instrumentId).executeTakeFirstOrThrow()).id;

  describe('the plan routes', () => {
    it('a clinician caring for the patient sets the plan and reads it back with what is due; both are audited', async () => {
      const v = await buildVisit(t);
      const put = await clinician(v).put(planPath(v.patientId)).send(PLAN).expect(200);
      expectRouteContract(put, 'PUT /api/patients/:id/measurement-plan');
      expect(put.body.plan.patientId).toBe(v.patientId);
      expect(put.body.plan.items.map((i: { instrumentId: string }) => i.instrumentId)).toEqual(['phq-9', 'gad-7']);
      const [phq, gad] = put.body.plan.items;
      expect(phq).toMatchObject({ frequency: 'every_visit', status: 'due', lastSentAt: null, lastAnsweredAt: null, setById: v.clinicians[0]!.staff.id });
      expect(gad).toMatchObject({ frequency: { everyWeeks: 4 }, status: 'due', nextDueAt: null, title: expect.stringContaining('GAD-7') });
      // Every visit: due at the patient's next open visit.
      expect(phq.nextDueAt).toBeTruthy();

      const get = await clinician(v).get(planPath(v.patientId)).expect(200);
      expectRouteContract(get, 'GET /api/patients/:id/measurement-plan');
      expect(get.body.plan.items).toHaveLength(2);

      expect(await auditOf('measurement_plan.updated', v.patientId)).toEqual([expect.objectContaining({ actor_kind: 'staff', actor_id: v.clinicians[0]!.staff.id })]);
      expect((await auditOf('measurement_plan.read', v.patientId)).length).toBeGreaterThanOrEqual(1);
      // Nothing of the plan reaches the logs.
      expect(t.rawLogs()).not.toContain('everyWeeks');
      expect(t.rawLogs()).not.toContain('every_visit');
    });

    it('putting a new plan replaces the old one; an empty list clears it', async () => {
      const v = await buildVisit(t);
      await clinician(v).put(planPath(v.patientId)).send(PLAN).expect(200);
      const next = await clinician(v)
        .put(planPath(v.patientId))
        .send({ items: [{ instrumentId: 'gad-7', frequency: { everyWeeks: 2 } }] })
        .expect(200);
      expect(next.body.plan.items).toEqual([expect.objectContaining({ instrumentId: 'gad-7', frequency: { everyWeeks: 2 } })]);
      const cleared = await clinician(v).put(planPath(v.patientId)).send({ items: [] }).expect(200);
      expect(cleared.body.plan.items).toEqual([]);
    });

    it('nobody signed in gets 401, a patient session too', async () => {
      const v = await buildVisit(t);
      await t.agent().get(planPath(v.patientId)).expect(401);
      await t.agent().put(planPath(v.patientId)).send(PLAN).expect(401);
      const patient = await joinAsPatient(t, v.token);
      await patient.get(planPath(v.patientId)).expect(401);
      await patient.put(planPath(v.patientId)).send(PLAN).expect(401);
      expect(await t.database.db.selectFrom('measurement_plan_items').select('instrument_id').where('patient_id', '=', v.patientId).execute()).toEqual([]);
    });

    it('a clinician not caring for the patient, a scheduler and an admin get 404 and change nothing; an unknown patient is 404', async () => {
      const v = await buildVisit(t);
      await clinician(v).put(planPath(v.patientId)).send(PLAN).expect(200);
      const { agent: stranger } = await t.signedIn('clinician');
      const { agent: admin } = await t.signedIn('admin');
      for (const agent of [stranger, v.scheduler, admin]) {
        const get = await agent.get(planPath(v.patientId)).expect(404);
        expect(get.body.error.code).toBe('not_found');
        await agent.put(planPath(v.patientId)).send({ items: [] }).expect(404);
      }
      expect(await t.database.db.selectFrom('measurement_plan_items').select('instrument_id').where('patient_id', '=', v.patientId).execute()).toHaveLength(2);
      await clinician(v).get(planPath('00000000-0000-4000-8000-000000000000')).expect(404);
      await clinician(v).get(planPath('not-an-id')).expect(404);
    });

    it('bad input is a clear 400 that writes nothing', async () => {
      const v = await buildVisit(t);
      const bad: unknown[] = [
        {},
        { items: 'phq-9' },
        { items: [{ instrumentId: 'no-such-instrument', frequency: 'every_visit' }] },
        { items: [{ instrumentId: 'phq-9', frequency: 'daily' }] },
        { items: [{ instrumentId: 'phq-9', frequency: { everyWeeks: 0 } }] },
        { items: [{ instrumentId: 'phq-9', frequency: { everyWeeks: 53 } }] },
        { items: [{ instrumentId: 'phq-9', frequency: { everyWeeks: 1.5 } }] },
        { items: [{ instrumentId: 'phq-9', frequency: { everyWeeks: '4' } }] },
        { items: [{ instrumentId: 'phq-9' }] },
        { items: [{ instrumentId: 'phq-9', frequency: 'every_visit', extra: 1 }] },
        {
          items: [
            { instrumentId: 'phq-9', frequency: 'every_visit' },
            { instrumentId: 'phq-9', frequency: { everyWeeks: 2 } },
          ],
        },
        { items: [], extra: true },
      ];
      for (const body of bad) {
        const res = await clinician(v).put(planPath(v.patientId)).send(body as object);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      const unknown = await clinician(v)
        .put(planPath(v.patientId))
        .send({ items: [{ instrumentId: 'no-such-instrument', frequency: 'every_visit' }] });
      expect(unknown.body.error.details).toEqual([expect.objectContaining({ field: 'items.0.instrumentId' })]);
      expect(await t.database.db.selectFrom('measurement_plan_items').select('instrument_id').where('patient_id', '=', v.patientId).execute()).toEqual([]);
      expect(await auditOf('measurement_plan.updated', v.patientId)).toEqual([]);
    });
  });

  describe('sending what is due when the patient enters the waiting room', () => {
    it('PHQ-9 every visit, GAD-7 every 4 weeks: each visit gets exactly the due check-ins, once, also after leaving and coming back', async () => {
      const v1 = await buildVisit(t);
      await clinician(v1).put(planPath(v1.patientId)).send(PLAN).expect(200);

      // Visit 1: nothing answered yet, so both are due.
      const p1 = await patientWaiting(t, v1);
      expect(await sentIn(v1.visitId)).toEqual(['gad-7', 'phq-9']);
      await enterAgain(p1.agent, v1);
      expect(await sentIn(v1.visitId)).toEqual(['gad-7', 'phq-9']);

      // Sent as the plan: the system is the audit actor, and the patient sees them while waiting.
      const sent = await t.database.db
        .selectFrom('audit_log')
        .select(['actor_kind', 'checkin_id'])
        .where('action', '=', 'checkin.sent')
        .where('visit_id', '=', v1.visitId)
        .execute();
      expect(sent).toHaveLength(2);
      expect(sent.every((e) => e.actor_kind === 'system')).toBe(true);
      const mine = await p1.agent.get(`/api/visits/${v1.visitId}/checkins`).expect(200);
      expect(mine.body.checkins.map((c: { instrumentId: string }) => c.instrumentId).sort()).toEqual(['gad-7', 'phq-9']);
      // The clinicians see them as they see any sent check-in.
      const staffList = await clinician(v1).get(`/api/visits/${v1.visitId}/checkins`).expect(200);
      expect(staffList.body.checkins).toHaveLength(2);

      // The patient answers both before being admitted.
      const phq1 = await checkinOf(v1.visitId, 'phq-9');
      await answerPhq9(p1.agent, phq1, [1, 1, 1, 1, 1, 1, 1, 1, 0]);
      await p1.agent.post(`/api/checkins/${phq1}/submit`).expect(200);
      await answerAndShareGad7(p1.agent, await checkinOf(v1.visitId, 'gad-7'));
      await clinician(v1).post(`/api/visits/${v1.visitId}/end`).expect(200);

      // Visit 2, the same week: PHQ-9 again, GAD-7 not (answered less than 4 weeks ago).
      const v2 = await anotherVisitFor(v1);
      const p2 = await patientWaiting(t, v2);
      expect(await sentIn(v2.visitId)).toEqual(['phq-9']);
      await enterAgain(p2.agent, v2);
      expect(await sentIn(v2.visitId)).toEqual(['phq-9']);

      const plan = await clinician(v1).get(planPath(v1.patientId)).expect(200);
      const gad = plan.body.plan.items.find((i: { instrumentId: string }) => i.instrumentId === 'gad-7');
      expect(gad.status).toBe('not_due');
      expect(Date.parse(gad.nextDueAt) - Date.parse(gad.lastAnsweredAt)).toBe(28 * 86400_000);
      await clinician(v2).post(`/api/visits/${v2.visitId}/end`).expect(200);

      // Four weeks after GAD-7 was answered it is due again.
      const fourWeeksAgo = new Date(Date.now() - 28 * 86400_000 - 60_000).toISOString();
      await t.database.db.updateTable('checkins').set({ shared_at: fourWeeksAgo }).where('visit_id', '=', v1.visitId).execute();
      const v3 = await anotherVisitFor(v1);
      await patientWaiting(t, v3);
      expect(await sentIn(v3.visitId)).toEqual(['gad-7', 'phq-9']);
    });

    it('concurrent entries from two tabs and a second device send each due check-in once', async () => {
      const v = await buildVisit(t);
      await clinician(v).put(planPath(v.patientId)).send(PLAN).expect(200);
      const a = await joinAsPatient(t, v.token);
      const b = await joinAsPatient(t, v.token);
      for (const agent of [a, b]) await agent.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
      const results = await Promise.all([a, a, b, b, a, b].map((agent) => agent.post(`/api/visits/${v.visitId}/waiting-room`)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(await sentIn(v.visitId)).toEqual(['gad-7', 'phq-9']);
      expect(await t.database.db.selectFrom('measurement_sends').select('instrument_id').where('visit_id', '=', v.visitId).execute()).toHaveLength(2);
    });

    // SQLite serves one process only (server/db/sqlite-process-lock.ts); PostgreSQL is where two processes meet.
    it.skipIf(dialect === 'sqlite')('two database pools (as two processes) sending at the same moment send each due check-in once', async () => {
      // A second pool on the same database, as a second server process would have.
      const schema =
        t.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(t.database.db)).rows[0]?.s : undefined;
      const other: Database = openDatabase(t.config.databaseUrl, schema ? { pgSchema: schema } : {});
      try {
        const quiet = { sent: async () => undefined } as unknown as CheckinBroadcast;
        const depsOf = (d: Database): MeasurementDeps => ({
          db: d.db,
          auditor: new Auditor(d.db, d.dialect),
          instruments: t.handle.instruments,
          broadcast: quiet,
          careRelationshipDays: t.config.careRelationshipDays,
          logger: pino({ level: 'silent' }),
        });
        const v = await buildVisit(t);
        await clinician(v).put(planPath(v.patientId)).send(PLAN).expect(200);
        const settled = await Promise.allSettled([depsOf(t.database), depsOf(other), depsOf(t.database), depsOf(other)].map((d) => sendDueCheckins(d, v.visitId)));
        const sentBy = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        // However the four interleave, the instruments go out once between them.
        expect(sentBy.flat().sort()).toEqual(['gad-7', 'phq-9']);
        expect(await sentIn(v.visitId)).toEqual(['gad-7', 'phq-9']);
        // And the primary key alone refuses a second send of the same instrument to the same visit.
        const row = await t.database.db.selectFrom('measurement_sends').selectAll().where('visit_id', '=', v.visitId).executeTakeFirstOrThrow();
        await expect(other.db.insertInto('measurement_sends').values(row).execute()).rejects.toThrow();
      } finally {
        await other.close();
      }
    });

    it('an instrument the clinician already sent in this visit is not sent again; no plan sends nothing', async () => {
      const v = await buildVisit(t);
      await clinician(v).put(planPath(v.patientId)).send({ items: [{ instrumentId: 'phq-9', frequency: 'every_visit' }] }).expect(200);
      await sendCheckin(v, 'phq-9');
      await patientWaiting(t, v);
      expect(await sentIn(v.visitId)).toEqual(['phq-9']);

      const none = await buildVisit(t);
      await patientWaiting(t, none);
      expect(await sentIn(none.visitId)).toEqual([]);
    });

    it('a due item not answered at a visit that has ended is overdue', async () => {
      const v = await buildVisit(t);
      await clinician(v).put(planPath(v.patientId)).send(PLAN).expect(200);
      await patientWaiting(t, v);
      await clinician(v).post(`/api/visits/${v.visitId}/end`).expect(200);
      const plan = await clinician(v).get(planPath(v.patientId)).expect(200);
      expect(plan.body.plan.items.map((i: { status: string }) => i.status)).toEqual(['overdue', 'overdue']);
      expect(plan.body.plan.items[0].lastSentAt).toBeTruthy();
      expect(plan.body.plan.items[0].lastAnsweredAt).toBeNull();
    });
  });
});
