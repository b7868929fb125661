import type TestAgent from 'supertest/lib/agent';
import type { TestApp, TestStaff } from './test-app';

export interface BuiltVisit {
  visitId: string;
  patientId: string;
  /** The raw join token from the patient link URL. */
  token: string;
  scheduler: TestAgent;
  clinicians: { staff: TestStaff; agent: TestAgent }[];
}

/**
 * Creates a patient and a visit through the real API as a scheduler, with `clinicians` signed-in
 * clinicians on its care team. The visit starts now by default, so its link is open.
 */
export async function buildVisit(
  t: TestApp,
  opts: { clinicians?: number; startsInMinutes?: number; dateOfBirth?: string; preferredName?: string; displayName?: string; reason?: string } = {},
): Promise<BuiltVisit> {
  const { agent: scheduler } = await t.signedIn('scheduler');
  const clinicians = [];
  for (let i = 0; i < (opts.clinicians ?? 1); i++) clinicians.push(await t.signedIn('clinician'));
  const patient = await scheduler
    .post('/api/patients')
    .send({
      displayName: opts.displayName ?? 'Jordan Example',
      preferredName: opts.preferredName ?? 'Jo',
      pronouns: 'they/them',
      preferredLanguage: 'en',
      ...(opts.dateOfBirth ? { dateOfBirth: opts.dateOfBirth } : {}),
    })
    .expect(201);
  const startsAt = new Date(Date.now() + (opts.startsInMinutes ?? 0) * 60_000).toISOString();
  const visit = await scheduler
    .post('/api/visits')
    .send({
      patientId: patient.body.patient.id,
      clinicianIds: clinicians.map((c) => c.staff.id),
      startsAt,
      durationMinutes: 50,
      ...(opts.reason ? { reason: opts.reason } : {}),
    })
    .expect(201);
  const url = visit.body.patientLink.url as string;
  return {
    visitId: visit.body.visit.id,
    patientId: patient.body.patient.id,
    token: url.slice(url.lastIndexOf('/') + 1),
    scheduler,
    clinicians,
  };
}

/** Opens the link as the patient: a fresh agent that then carries the visit-scoped patient session. */
export async function joinAsPatient(t: TestApp, token: string, dateOfBirth?: string): Promise<TestAgent> {
  const agent = t.agent();
  await agent
    .post('/api/join')
    .send({ token, ...(dateOfBirth ? { dateOfBirth } : {}) })
    .expect(200);
  return agent;
}

/** Join, consent and enter the waiting room: the patient is now waiting. */
export async function patientWaiting(t: TestApp, v: BuiltVisit): Promise<{ agent: TestAgent; participantId: string }> {
  const agent = await joinAsPatient(t, v.token);
  const consent = await agent.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
  await agent.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
  return { agent, participantId: consent.body.participant.id as string };
}
