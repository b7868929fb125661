import { afterAll, beforeAll, expect, it } from 'vitest';
import { PatientChartResponseSchema } from '@shared/api/patient-chart.schema';
import { answerPhq9, admittedPatient, PHQ_OPTION, sendCheckin } from '../../helpers/checkin-builder';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, type BuiltVisit } from '../../helpers/visit-builder';
import { SCHEDULING_ENV } from '../visits/scheduling-fixtures';

describeEachDatabase('patient chart (%s)', (dialect) => {
  let t: TestApp;
  let v: BuiltVisit;
  let checkinId: string;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: SCHEDULING_ENV });
    // A visit under way with two clinicians; the patient shares a PHQ-9 whose item 9 raises an alert.
    v = await buildVisit(t, { clinicians: 2, displayName: 'Rosa Chart Example', preferredName: 'Ro' });
    const patient = await admittedPatient(t, v);
    checkinId = await sendCheckin(v, 'phq-9');
    await answerPhq9(patient.agent, checkinId, [2, 2, 2, 1, 1, 1, 1, 1, 1]);
    await patient.agent.post(`/api/checkins/${checkinId}/submit`).expect(200);
    await v.clinicians[1]!.agent.post(`/api/checkins/${checkinId}/alerts/safety.self-harm/acknowledge`).expect(200);
    // And a second, upcoming visit.
    await v.scheduler
      .post('/api/visits')
      .send({ patientId: v.patientId, clinicianIds: [v.clinicians[0]!.staff.id], startsAt: new Date(Date.now() + 7 * 86400_000).toISOString(), durationMinutes: 30 })
      .expect(201);
  });
  afterAll(async () => t?.close());

  it('a clinician caring for the patient gets details, care team, visits, every shared check-in and every alert with who acknowledged it', async () => {
    const res = await v.clinicians[0]!.agent.get(`/api/patients/${v.patientId}/chart`).expect(200);
    const { chart } = PatientChartResponseSchema.parse(res.body);
    expect(chart.patient).toMatchObject({ id: v.patientId, displayName: 'Rosa Chart Example', preferredName: 'Ro', pronouns: 'they/them', preferredLanguage: 'en' });
    expect(chart.careTeam).toEqual([]);
    expect(chart.upcomingVisits.map((x) => x.id)).toContain(v.visitId);
    expect(chart.upcomingVisits).toHaveLength(2);
    expect(chart.upcomingVisits[0]!.startsAt < chart.upcomingVisits[1]!.startsAt).toBe(true);
    expect(chart.upcomingVisits[0]!.clinicians.map((c) => c.id).sort()).toEqual(v.clinicians.map((c) => c.staff.id).sort());
    expect(chart.pastVisits).toEqual([]);
    expect(chart.checkins).toEqual([
      {
        id: checkinId,
        visitId: v.visitId,
        instrumentId: 'phq-9',
        title: expect.stringContaining('PHQ-9'),
        sharedAt: expect.any(String),
        total: 12,
        band: expect.objectContaining({ label: expect.any(String), severity: 'moderate' }),
        complete: true,
      },
    ]);
    expect(chart.alerts).toHaveLength(1);
    expect(chart.alerts[0]).toMatchObject({
      code: 'safety.self-harm',
      checkinId,
      visitId: v.visitId,
      acknowledgedAt: expect.any(String),
      acknowledgedBy: { id: v.clinicians[1]!.staff.id, name: v.clinicians[1]!.staff.name },
    });
    // Nothing of the answers themselves.
    expect(JSON.stringify(res.body)).not.toContain(PHQ_OPTION[1]);
  });

  it('every chart read is audited with the patient, by the reader', async () => {
    const before = await t.database.db.selectFrom('audit_log').select('id').where('action', '=', 'patient.chart_read').where('patient_id', '=', v.patientId).execute();
    await v.clinicians[1]!.agent.get(`/api/patients/${v.patientId}/chart`).expect(200);
    const after = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'patient.chart_read')
      .where('patient_id', '=', v.patientId)
      .orderBy('seq')
      .execute();
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ actor_kind: 'staff', actor_id: v.clinicians[1]!.staff.id, outcome: 'success' });
  });

  it('the care team shows on the chart, coordinator first, and a member with no visit reads it', async () => {
    const member = await t.signedIn('clinician');
    await v.scheduler
      .put(`/api/patients/${v.patientId}/care-team`)
      .send({
        members: [
          { staffId: v.clinicians[0]!.staff.id, role: 'psychiatry', isCoordinator: false },
          { staffId: member.staff.id, role: 'sex_therapy', isCoordinator: true },
        ],
      })
      .expect(200);
    const res = await member.agent.get(`/api/patients/${v.patientId}/chart`).expect(200);
    expect(res.body.chart.careTeam.map((m: { staffId: string; role: string; isCoordinator: boolean }) => [m.staffId, m.role, m.isCoordinator])).toEqual([
      [member.staff.id, 'sex_therapy', true],
      [v.clinicians[0]!.staff.id, 'psychiatry', false],
    ]);
  });

  it('a cancelled visit is past; a clinician whose only visit with the patient was cancelled has no chart', async () => {
    const c = await t.signedIn('clinician');
    const res = await v.scheduler
      .post('/api/visits')
      .send({ patientId: v.patientId, clinicianIds: [c.staff.id], startsAt: new Date(Date.now() + 86400_000).toISOString(), durationMinutes: 30 })
      .expect(201);
    await c.agent.get(`/api/patients/${v.patientId}/chart`).expect(200);
    await v.scheduler.post(`/api/visits/${res.body.visit.id}/cancel`).expect(200);
    expect((await c.agent.get(`/api/patients/${v.patientId}/chart`)).status).toBe(404);
    const chart = (await v.clinicians[0]!.agent.get(`/api/patients/${v.patientId}/chart`).expect(200)).body.chart;
    expect(chart.pastVisits.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual([[res.body.visit.id, 'cancelled']]);
  });

  it('wrong users get 404 (a clinician not caring for the patient, a scheduler, an admin), nobody 401, and no chart read is recorded for them', async () => {
    const stranger = await t.signedIn('clinician');
    const admin = await t.signedIn('admin');
    for (const agent of [stranger.agent, v.scheduler, admin.agent]) {
      const res = await agent.get(`/api/patients/${v.patientId}/chart`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await t.agent().get(`/api/patients/${v.patientId}/chart`)).status).toBe(401);
    const reads = await t.database.db.selectFrom('audit_log').select('actor_id').where('action', '=', 'patient.chart_read').execute();
    expect(reads.map((r) => r.actor_id)).not.toContain(stranger.staff.id);
    // The refusal itself is on the trail.
    const refused = await t.database.db.selectFrom('audit_log').select('patient_id').where('action', '=', 'access.refused').where('actor_id', '=', stranger.staff.id).execute();
    expect(refused.length).toBeGreaterThan(0);
  });

  it('bad input: malformed and unknown ids answer 404, an unknown query parameter 400', async () => {
    expect((await v.clinicians[0]!.agent.get('/api/patients/nope/chart')).status).toBe(404);
    expect((await v.clinicians[0]!.agent.get('/api/patients/7d7b2a53-0000-4000-8000-000000000000/chart')).status).toBe(404);
    const extra = await v.clinicians[0]!.agent.get(`/api/patients/${v.patientId}/chart?extra=1`);
    expect(extra.status).toBe(400);
    expect(extra.body.error.code).toBe('validation_failed');
  });
});
