import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CarePlanResponseSchema } from '@shared/api/care-plan.schema';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, type BuiltVisit } from '../../helpers/visit-builder';

const PLAN_TABLES = ['care_plan_goals', 'care_plan_problems', 'medications', 'medication_events', 'referrals', 'care_plan_changes'] as const;

describeEachDatabase('care plan (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const base = (v: BuiltVisit) => `/api/patients/${v.patientId}/care-plan`;
  const clinician = (v: BuiltVisit) => v.clinicians[0]!.agent;

  /** Puts a clinician on the patient's care team (the table helper P's migration 014 creates). */
  async function onCareTeam(patientId: string, staffId: string, role = 'psychiatry', coordinator = false) {
    await t.database.db
      .insertInto('patient_care_team')
      .values({ patient_id: patientId, staff_id: staffId, role, is_coordinator: coordinator ? 1 : 0, added_by: null, added_at: new Date().toISOString() })
      .execute();
  }

  async function rowCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of PLAN_TABLES) {
      const r = await t.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      out[table] = Number(r.n);
    }
    return out;
  }

  async function auditActions(patientId: string): Promise<string[]> {
    const rows = await t.database.db.selectFrom('audit_log').select('action').where('patient_id', '=', patientId).orderBy('seq').execute();
    return rows.map((r) => r.action);
  }

  it('a clinician of the patient builds the plan: goals, problems with owners, a medication with its dose changes and stop, referrals; every change is in the history, newest first', async () => {
    const v = await buildVisit(t);
    const teamMember = await t.signedIn('clinician');
    await onCareTeam(v.patientId, teamMember.staff.id, 'sex_therapy', true);
    const c = clinician(v);

    const empty = await c.get(base(v)).expect(200);
    expectRouteContract(empty, 'GET /api/patients/:id/care-plan');
    expect(empty.body.carePlan).toEqual({ goals: [], problems: [], medications: [], referrals: [], history: [] });

    const goal = await c.post(`${base(v)}/goals`).send({ text: 'Feel close to my partner again', ownerId: teamMember.staff.id }).expect(201);
    expectRouteContract(goal, 'POST /api/patients/:id/care-plan/goals');
    const g = goal.body.carePlan.goals[0];
    expect(g).toMatchObject({ text: 'Feel close to my partner again', ownerId: teamMember.staff.id, ownerName: teamMember.staff.name, status: 'active' });

    // The care-team member (no visit of their own) changes it.
    const met = await teamMember.agent.patch(`${base(v)}/goals/${g.id}`).send({ status: 'met' }).expect(200);
    expectRouteContract(met, 'PATCH /api/patients/:id/care-plan/goals/:goalId');
    expect(met.body.carePlan.goals[0].status).toBe('met');

    const problem = await c.post(`${base(v)}/problems`).send({ text: 'Low desire since starting an SSRI' }).expect(201);
    expectRouteContract(problem, 'POST /api/patients/:id/care-plan/problems');
    const p = problem.body.carePlan.problems[0];
    expect(p).toMatchObject({ ownerId: null, ownerName: null, status: 'active' });
    const owned = await c.patch(`${base(v)}/problems/${p.id}`).send({ ownerId: teamMember.staff.id, status: 'resolved' }).expect(200);
    expectRouteContract(owned, 'PATCH /api/patients/:id/care-plan/problems/:problemId');
    expect(owned.body.carePlan.problems[0]).toMatchObject({ ownerName: teamMember.staff.name, status: 'resolved' });

    const med = await c
      .post(`${base(v)}/medications`)
      .send({ name: 'Sertraline', dose: '50 mg daily', startedOn: '2026-10-01', prescriber: 'Dr Rivera', watchSexualSideEffects: true })
      .expect(201);
    expectRouteContract(med, 'POST /api/patients/:id/care-plan/medications');
    const m = med.body.carePlan.medications[0];
    expect(m).toMatchObject({ name: 'Sertraline', dose: '50 mg daily', startedOn: '2026-10-01', stoppedOn: null, prescriber: 'Dr Rivera', watchSexualSideEffects: true });
    expect(m.events).toEqual([{ kind: 'start', on: '2026-10-01', dose: '50 mg daily' }]);

    const dose = await c.post(`${base(v)}/medications/${m.id}/dose-changes`).send({ dose: '100 mg daily', on: '2026-10-20' }).expect(201);
    expectRouteContract(dose, 'POST /api/patients/:id/care-plan/medications/:mid/dose-changes');
    const flag = await c.patch(`${base(v)}/medications/${m.id}`).send({ watchSexualSideEffects: false, prescriber: 'Dr Okafor' }).expect(200);
    expectRouteContract(flag, 'PATCH /api/patients/:id/care-plan/medications/:mid');
    const stop = await c.post(`${base(v)}/medications/${m.id}/stop`).send({ on: '2026-11-15' }).expect(200);
    expectRouteContract(stop, 'POST /api/patients/:id/care-plan/medications/:mid/stop');
    expect(stop.body.carePlan.medications[0]).toMatchObject({ dose: '100 mg daily', stoppedOn: '2026-11-15', prescriber: 'Dr Okafor', watchSexualSideEffects: false });
    expect(stop.body.carePlan.medications[0].events).toEqual([
      { kind: 'start', on: '2026-10-01', dose: '50 mg daily' },
      { kind: 'dose_change', on: '2026-10-20', dose: '100 mg daily' },
      { kind: 'stop', on: '2026-11-15', dose: null },
    ]);

    const referral = await c.post(`${base(v)}/referrals`).send({ to: 'Pelvic floor physiotherapy', reason: 'Pain during sex', referredOn: '2026-11-02' }).expect(201);
    expectRouteContract(referral, 'POST /api/patients/:id/care-plan/referrals');
    const r = referral.body.carePlan.referrals[0];
    expect(r).toMatchObject({ to: 'Pelvic floor physiotherapy', status: 'proposed', referredOn: '2026-11-02', updatedOn: '2026-11-02' });
    const sent = await c.patch(`${base(v)}/referrals/${r.id}`).send({ status: 'sent', on: '2026-11-03' }).expect(200);
    expectRouteContract(sent, 'PATCH /api/patients/:id/care-plan/referrals/:referralId');
    expect(sent.body.carePlan.referrals[0]).toMatchObject({ status: 'sent', updatedOn: '2026-11-03' });

    const plan = (await c.get(base(v)).expect(200)).body.carePlan;
    expect(CarePlanResponseSchema.parse({ carePlan: plan })).toBeTruthy();
    const history = plan.history as { entity: string; summary: string; byId: string; byName: string; at: string }[];
    expect(history.map((h) => h.entity)).toEqual(['referral', 'referral', 'medication', 'medication', 'medication', 'medication', 'problem', 'problem', 'goal', 'goal']);
    expect(history[0]!.summary).toContain('proposed → sent');
    expect(history[2]!.summary).toBe('Stopped Sertraline on 2026-11-15');
    expect(history[4]!.summary).toBe('Sertraline: dose 50 mg daily → 100 mg daily from 2026-10-20');
    expect(history[8]).toMatchObject({ byId: teamMember.staff.id, byName: teamMember.staff.name });
    expect(history[8]!.summary).toContain('active → met');
    expect(history.every((h) => !Number.isNaN(Date.parse(h.at)))).toBe(true);

    // Every read and every change audited, by id only.
    const actions = await auditActions(v.patientId);
    expect(actions.filter((a) => a === 'care_plan.updated')).toHaveLength(10);
    expect(actions.filter((a) => a === 'care_plan.read')).toHaveLength(2);
    // Nothing of the plan reaches the log.
    const logs = t.rawLogs();
    for (const secret of ['Feel close to my partner', 'Sertraline', 'Pelvic floor', 'Low desire', 'Dr Rivera', '100 mg daily']) expect(logs).not.toContain(secret);
  });

  it('refuses a clinician not caring for the patient, a scheduler and an admin (404), a patient session and nobody (401); nothing is written', async () => {
    const v = await buildVisit(t);
    const c = clinician(v);
    const m = (await c.post(`${base(v)}/medications`).send({ name: 'Bupropion', startedOn: '2026-09-01' }).expect(201)).body.carePlan.medications[0];
    const g = (await c.post(`${base(v)}/goals`).send({ text: 'Sleep through the night' }).expect(201)).body.carePlan.goals[0];
    const stranger = (await t.signedIn('clinician')).agent;
    const admin = (await t.signedIn('admin')).agent;
    const before = await rowCounts();
    const calls: [string, string, object?][] = [
      ['get', base(v)],
      ['post', `${base(v)}/goals`, { text: 'x' }],
      ['patch', `${base(v)}/goals/${g.id}`, { status: 'met' }],
      ['post', `${base(v)}/problems`, { text: 'x' }],
      ['post', `${base(v)}/medications`, { name: 'x', startedOn: '2026-09-01' }],
      ['patch', `${base(v)}/medications/${m.id}`, { watchSexualSideEffects: true }],
      ['post', `${base(v)}/medications/${m.id}/dose-changes`, { dose: '300 mg', on: '2026-09-10' }],
      ['post', `${base(v)}/medications/${m.id}/stop`, { on: '2026-09-10' }],
      ['post', `${base(v)}/referrals`, { to: 'x', reason: 'y', referredOn: '2026-09-01' }],
    ];
    for (const [method, path, body] of calls) {
      for (const agent of [stranger, v.scheduler, admin]) {
        const res = await (agent as unknown as Record<string, (p: string) => { send: (b?: object) => Promise<{ status: number }> }>)[method]!(path).send(body);
        expect(res.status, `${method} ${path}`).toBe(404);
      }
      const anon = await (t.agent() as unknown as Record<string, (p: string) => { send: (b?: object) => Promise<{ status: number }> }>)[method]!(path).send(body);
      expect(anon.status, `${method} ${path} anonymous`).toBe(401);
    }
    expect(await rowCounts()).toEqual(before);
    // A clinician with no visit of the patient has no access until they join the patient's care team.
    const member = await t.signedIn('clinician');
    expect((await member.agent.get(base(v))).status).toBe(404);
    await onCareTeam(v.patientId, member.staff.id);
    await member.agent.get(base(v)).expect(200);
    // Ids of another patient's plan are not this patient's.
    const other = await buildVisit(t);
    expect((await clinician(other).patch(`/api/patients/${other.patientId}/care-plan/goals/${g.id}`).send({ status: 'met' })).status).toBe(404);
    expect((await clinician(other).post(`/api/patients/${other.patientId}/care-plan/medications/${m.id}/stop`).send({ on: '2026-09-10' })).status).toBe(404);
  });

  it('bad input is a clear 400 naming the field, and writes nothing', async () => {
    const v = await buildVisit(t);
    const c = clinician(v);
    const m = (await c.post(`${base(v)}/medications`).send({ name: 'Sertraline', dose: '50 mg', startedOn: '2026-10-01' }).expect(201)).body.carePlan.medications[0];
    const r = (await c.post(`${base(v)}/referrals`).send({ to: 'Sleep clinic', reason: 'Insomnia', referredOn: '2026-10-05' }).expect(201)).body.carePlan.referrals[0];
    const notOnTeam = await t.createStaff('clinician');
    const before = await rowCounts();
    const bad: [string, string, object, string][] = [
      ['post', `${base(v)}/goals`, { text: '' }, 'text'],
      ['post', `${base(v)}/goals`, { text: 'x'.repeat(501) }, 'text'],
      ['post', `${base(v)}/goals`, { text: 'ok', ownerId: notOnTeam.id }, 'ownerId'],
      ['post', `${base(v)}/goals`, { text: 'ok', extra: 1 }, '(body)'],
      ['post', `${base(v)}/problems`, { text: 'ok', status: 'active' }, '(body)'],
      ['post', `${base(v)}/medications`, { name: 'X', startedOn: '2026-02-30' }, 'startedOn'],
      ['post', `${base(v)}/medications`, { name: 'X', startedOn: '01/10/2026' }, 'startedOn'],
      ['post', `${base(v)}/medications`, { name: 'X', startedOn: '9999-01-01' }, 'startedOn'],
      ['post', `${base(v)}/medications`, { name: 'X', startedOn: '2026-10-01', watchSexualSideEffects: 'yes' }, 'watchSexualSideEffects'],
      ['post', `${base(v)}/medications/${m.id}/dose-changes`, { dose: '100 mg', on: '2026-09-30' }, 'on'],
      ['post', `${base(v)}/medications/${m.id}/dose-changes`, { dose: '', on: '2026-10-30' }, 'dose'],
      ['post', `${base(v)}/medications/${m.id}/stop`, { on: '2026-09-01' }, 'on'],
      ['patch', `${base(v)}/medications/${m.id}`, {}, '(body)'],
      ['patch', `${base(v)}/medications/${m.id}`, { name: 'renamed' }, '(body)'],
      ['post', `${base(v)}/referrals`, { to: 'x', reason: 'y', referredOn: '2026-10-01', status: 'lost' }, 'status'],
      ['patch', `${base(v)}/referrals/${r.id}`, { status: 'accepted', on: '2026-10-04' }, 'on'],
      ['patch', `${base(v)}/referrals/${r.id}`, { status: 'ACCEPTED' }, 'status'],
    ];
    for (const [method, path, body, field] of bad) {
      const res = await (c as unknown as Record<string, (p: string) => { send: (b?: object) => Promise<{ status: number; body: { error: { code: string; details?: { field: string }[] } } }> }>)[method]!(path).send(body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details?.map((d) => d.field), JSON.stringify(body)).toContain(field);
    }
    // Malformed ids are 404 before any query; a stopped medication takes no more events (409).
    expect((await c.patch(`${base(v)}/goals/not-a-uuid`).send({ status: 'met' })).status).toBe(404);
    expect((await c.post(`${base(v)}/medications/${crypto.randomUUID()}/stop`).send({ on: '2026-10-10' })).status).toBe(404);
    expect(await rowCounts()).toEqual(before);
    await c.post(`${base(v)}/medications/${m.id}/stop`).send({ on: '2026-10-10' }).expect(200);
    expect((await c.post(`${base(v)}/medications/${m.id}/stop`).send({ on: '2026-10-11' })).status).toBe(409);
    expect((await c.post(`${base(v)}/medications/${m.id}/dose-changes`).send({ dose: '1 mg', on: '2026-10-11' })).status).toBe(409);
  });

  it('a change whose audit entry cannot be written is not made: no item, no history row', async () => {
    const v = await buildVisit(t);
    const c = clinician(v);
    const before = await rowCounts();
    if (t.dialect === 'sqlite') {
      await sql`create trigger care_plan_audit_fail before insert on audit_log begin select raise(abort, 'audit down'); end`.execute(t.database.db);
    } else {
      await sql`create or replace function care_plan_audit_fail() returns trigger as $$ begin raise exception 'audit down'; end $$ language plpgsql`.execute(t.database.db);
      await sql`create trigger care_plan_audit_fail before insert on audit_log for each row execute function care_plan_audit_fail()`.execute(t.database.db);
    }
    try {
      expect((await c.post(`${base(v)}/goals`).send({ text: 'Should not stay' })).status).toBe(500);
    } finally {
      if (t.dialect === 'sqlite') await sql`drop trigger care_plan_audit_fail`.execute(t.database.db);
      else await sql`drop trigger care_plan_audit_fail on audit_log`.execute(t.database.db);
    }
    expect(await rowCounts()).toEqual(before);
  });
});
