import { afterAll, beforeAll, expect, it } from 'vitest';
import { admittedPatient, answer, sendCheckin } from '../../helpers/checkin-builder';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient } from '../../helpers/visit-builder';

const DOB = '1988-03-09';

/**
 * Finding 2: a scheduler could read the date of birth, reissue the link and join as the patient,
 * reading their unshared answers and getting into the call, recorded as the patient.
 */
describeEachDatabase('staff cannot become the patient (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('a scheduler holding the date of birth and a reissued link is only a new arrival, recorded as such', async () => {
    const v = await buildVisit(t, { dateOfBirth: DOB });
    // The patient joins with their date of birth and answers privately.
    const patient = await joinAsPatient(t, v.token, DOB);
    const consent = await patient.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    const patientId = consent.body.participant.id as string;
    await patient.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId: patientId }).expect(200);
    const checkinId = await sendCheckin(v, 'alcove-sexual-health');
    await answer(patient, checkinId, 'note', 'private words').expect(200);

    // Schedulers still see the date of birth: they enter and correct it.
    const seen = await v.scheduler.get(`/api/patients/${v.patientId}`).expect(200);
    expect(seen.body.patient.dateOfBirth).toBe(DOB);
    const issued = await v.scheduler.post(`/api/visits/${v.visitId}/patient-link`).expect(200);
    const url = issued.body.patientLink.url as string;
    const impostor = await joinAsPatient(t, url.slice(url.lastIndexOf('/') + 1), DOB);
    const self = await impostor.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
    const impostorId = self.body.participant.id as string;
    expect(impostorId).not.toBe(patientId);
    await impostor.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);

    expect((await impostor.post(`/api/visits/${v.visitId}/video-token`)).status).toBe(403);
    for (const path of [`/api/visits/${v.visitId}/checkins`, `/api/checkins/${checkinId}`]) {
      const res = await impostor.get(path);
      expect(JSON.stringify(res.body), path).not.toContain('private words');
    }
    const participant = await t.database.db
      .selectFrom('participants')
      .select(['state', 'admitted_at'])
      .where('id', '=', impostorId)
      .executeTakeFirstOrThrow();
    expect(participant).toEqual({ state: 'waiting', admitted_at: null });

    // The trail names the scheduler for the reissue and a new participant, not the patient, for the join.
    const entries = await t.database.db.selectFrom('audit_log').selectAll().where('visit_id', '=', v.visitId).orderBy('seq').execute();
    const schedulerId = (await v.scheduler.get('/api/auth/me').expect(200)).body.user.id as string;
    const reissued = entries.find((e) => e.action === 'link.issued' && e.actor_id === schedulerId);
    expect(reissued).toBeDefined();
    const used = entries.filter((e) => e.action === 'link.used');
    expect(used.map((e) => e.actor_id)).toEqual([patientId, impostorId]);
  });

  it('a patient reading their check-ins is recorded in the trail', async () => {
    const v = await buildVisit(t);
    const p = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    await p.agent.get(`/api/visits/${v.visitId}/checkins`).expect(200);
    await p.agent.get(`/api/checkins/${checkinId}`).expect(200);
    const reads = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_kind', 'actor_id', 'checkin_id', 'visit_id'])
      .where('action', '=', 'checkin.read')
      .where('actor_id', '=', p.participantId)
      .orderBy('seq')
      .execute();
    expect(reads).toEqual([
      { actor_kind: 'patient', actor_id: p.participantId, checkin_id: null, visit_id: v.visitId },
      { actor_kind: 'patient', actor_id: p.participantId, checkin_id: checkinId, visit_id: v.visitId },
    ]);
  });
});
