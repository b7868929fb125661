import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit } from '../../helpers/visit-builder';

describeEachDatabase('scheduling and join links are audited (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const entries = (where: { visitId?: string; patientId?: string }) => {
    let q = t.database.db.selectFrom('audit_log').selectAll();
    if (where.visitId) q = q.where('visit_id', '=', where.visitId);
    if (where.patientId) q = q.where('patient_id', '=', where.patientId);
    return q.orderBy('seq').execute();
  };

  it('records patient, visit and link actions with ids only, including wrong dates of birth and link use', async () => {
    const v = await buildVisit(t, { displayName: 'Robin Auditname', preferredName: 'Rob', dateOfBirth: '1990-04-02', reason: 'libido after ssri' });
    const clinician = v.clinicians[0]!;
    await clinician.agent.get(`/api/patients/${v.patientId}`).expect(200);
    await clinician.agent.get(`/api/visits/${v.visitId}`).expect(200);
    await clinician.agent.get(`/api/visits/${v.visitId}/calendar.ics`).expect(200);
    await v.scheduler.patch(`/api/visits/${v.visitId}`).send({ durationMinutes: 45 }).expect(200);
    const reissued = await v.scheduler.post(`/api/visits/${v.visitId}/patient-link`).expect(200);
    const token = (reissued.body.patientLink.url as string).split('/').pop() as string;
    const wrong = await t.agent().post('/api/join').send({ token, dateOfBirth: '1991-01-01' });
    expect(wrong.body.error.code).toBe('dob_mismatch');
    const patient = t.agent();
    const ok = await patient.post('/api/join').send({ token, dateOfBirth: '1990-04-02' }).expect(200);
    await v.scheduler.post(`/api/visits/${v.visitId}/cancel`).expect(200);

    const rows = await entries({ patientId: v.patientId });
    const actions = rows.map((r) => r.action);
    for (const a of ['patient.created', 'visit.created', 'link.issued', 'patient.read', 'visit.read', 'visit.updated', 'link.revoked', 'dob.failed', 'link.used', 'visit.cancelled']) {
      expect(actions, a).toContain(a);
    }
    const read = rows.find((r) => r.action === 'patient.read');
    expect(read?.actor_id).toBe(clinician.staff.id);
    const failed = rows.find((r) => r.action === 'dob.failed');
    expect(failed?.outcome).toBe('failure');
    expect(failed?.actor_kind).toBe('anonymous');
    const used = rows.find((r) => r.action === 'link.used');
    expect(used?.actor_kind).toBe('patient');
    expect(used?.participant_id).toBe(ok.body.participant.id);
    const text = JSON.stringify(rows);
    for (const phi of ['Robin', 'Auditname', '1990-04-02', '1991-01-01', 'libido', token]) expect(text).not.toContain(phi);
  });
});
