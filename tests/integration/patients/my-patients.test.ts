import { afterAll, beforeAll, expect, it } from 'vitest';
import type TestAgent from 'supertest/lib/agent';
import { MyPatientsResponseSchema, type MyPatient } from '@shared/api/patient-chart.schema';
import { answerPhq9, admittedPatient, sendCheckin } from '../../helpers/checkin-builder';
import { describeEachDatabase, startTestApp, type TestApp, type TestStaff } from '../../helpers/test-app';
import { buildPatient, buildVisit, SCHEDULING_ENV } from '../visits/scheduling-fixtures';

type Who = { staff: TestStaff; agent: TestAgent };

describeEachDatabase("a clinician's patients (%s)", (dialect) => {
  let t: TestApp;
  let scheduler: Who;
  let me: Who;
  let other: Who;
  const tag = `Mp${Date.now().toString(36)}`;
  const ids: Record<'visit' | 'team' | 'others' | 'cancelled' | 'alerts', string> = { visit: '', team: '', others: '', cancelled: '', alerts: '' };
  let nextVisitId = '';

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: SCHEDULING_ENV });
    scheduler = await t.signedIn('scheduler');
    me = await t.signedIn('clinician');
    other = await t.signedIn('clinician');
    // 1. An upcoming visit with me.
    const v = await buildVisit(scheduler.agent, { clinicianIds: [me.staff.id], startsInMinutes: 120, patient: { displayName: `Alma ${tag} Visit`, externalId: `${tag}-001` } });
    ids.visit = v.patientId;
    nextVisitId = v.id;
    // 2. On my care team only.
    ids.team = (await buildPatient(scheduler.agent, { displayName: `Bruno ${tag} Team`, preferredName: null })).id;
    await scheduler.agent.put(`/api/patients/${ids.team}/care-team`).send({ members: [{ staffId: me.staff.id, role: 'psychology', isCoordinator: true }] }).expect(200);
    // 3. Someone else's patient.
    ids.others = (await buildVisit(scheduler.agent, { clinicianIds: [other.staff.id], startsInMinutes: 60, patient: { displayName: `Carla ${tag} Other` } })).patientId;
    // 4. My only visit with them was cancelled.
    const c = await buildVisit(scheduler.agent, { clinicianIds: [me.staff.id], startsInMinutes: 60, patient: { displayName: `Dario ${tag} Cancelled` } });
    await scheduler.agent.post(`/api/visits/${c.id}/cancel`).expect(200);
    ids.cancelled = c.patientId;
    // 5. A visit under way with me, a shared PHQ-9 with an open safety alert.
    const a = await buildVisit(scheduler.agent, { clinicianIds: [me.staff.id], startsInMinutes: 0, patient: { displayName: `Elena ${tag} Alerts` } });
    ids.alerts = a.patientId;
    const built = { visitId: a.id, patientId: a.patientId, token: a.token, scheduler: scheduler.agent, clinicians: [me] };
    const patient = await admittedPatient(t, built);
    const checkin = await sendCheckin(built, 'phq-9');
    await answerPhq9(patient.agent, checkin, [1, 1, 1, 1, 1, 1, 1, 1, 2]);
    await patient.agent.post(`/api/checkins/${checkin}/submit`).expect(200);
  });
  afterAll(async () => t?.close());

  const mine = async (agent: TestAgent, q?: string): Promise<MyPatient[]> => {
    const res = await agent.get('/api/patients/mine').query(q === undefined ? {} : { q }).expect(200);
    return MyPatientsResponseSchema.parse(res.body).patients;
  };

  it('lists the patients on my care team or with a current visit with me, by name, with next visit, last check-in and open alerts', async () => {
    const list = (await mine(me.agent, tag)).map((p) => p);
    expect(list.map((p) => p.patient.id)).toEqual([ids.visit, ids.team, ids.alerts]);
    const [visit, team, alerts] = list;
    expect(visit).toMatchObject({ onCareTeam: false, nextVisit: { id: nextVisitId }, lastCheckin: null, openAlerts: 0 });
    expect(team).toMatchObject({ onCareTeam: true, nextVisit: null, lastCheckin: null, openAlerts: 0 });
    expect(alerts).toMatchObject({ onCareTeam: false, lastCheckin: { instrumentId: 'phq-9', title: expect.stringContaining('PHQ-9') }, openAlerts: 1 });
    expect(alerts!.nextVisit).not.toBeNull();
  });

  it('searches by any part of the name or the start of the external id; no query lists them all', async () => {
    expect((await mine(me.agent, `bruno ${tag.toLowerCase()}`)).map((p) => p.patient.id)).toEqual([ids.team]);
    expect((await mine(me.agent, `${tag}-00`)).map((p) => p.patient.id)).toEqual([ids.visit]);
    expect(await mine(me.agent, `carla ${tag}`)).toEqual([]);
    expect(await mine(me.agent, '%')).toEqual([]);
    const all = (await mine(me.agent)).map((p) => p.patient.id);
    expect(new Set(all)).toEqual(new Set([ids.visit, ids.team, ids.alerts]));
    expect((await mine(other.agent)).map((p) => p.patient.id)).toEqual([ids.others]);
  });

  it('an acknowledged alert is no longer open', async () => {
    const checkin = await t.database.db.selectFrom('checkins').select('id').where('patient_id', '=', ids.alerts).executeTakeFirstOrThrow();
    await me.agent.post(`/api/checkins/${checkin.id}/alerts/safety.self-harm/acknowledge`).expect(200);
    expect((await mine(me.agent, `elena ${tag}`))[0]).toMatchObject({ openAlerts: 0 });
  });

  it('each list is one audited read naming no patient', async () => {
    const count = async () =>
      (await t.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'patient.read').where('actor_id', '=', other.staff.id).execute()).filter(
        (e) => e.patient_id === null,
      ).length;
    const before = await count();
    await mine(other.agent, 'x');
    expect(await count()).toBe(before + 1);
  });

  it('only clinicians: schedulers and admins 403, nobody 401; bad queries 400', async () => {
    const admin = await t.signedIn('admin');
    for (const agent of [scheduler.agent, admin.agent]) {
      const res = await agent.get('/api/patients/mine');
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await t.agent().get('/api/patients/mine')).status).toBe(401);
    for (const query of [{ q: 'x'.repeat(121) }, { other: '1' }]) {
      const res = await me.agent.get('/api/patients/mine').query(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});
