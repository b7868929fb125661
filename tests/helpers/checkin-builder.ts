import type TestAgent from 'supertest/lib/agent';
import type { TestApp } from './test-app';
import { patientWaiting, type BuiltVisit } from './visit-builder';

/** PHQ-9 items 1–9 (LOINC), in order; item 9 is the safety item. */
export const PHQ9_ITEMS = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'] as const;
export const PHQ9_ITEM9 = '44260-8';
export const PHQ9_DIFFICULTY = '69722-7';
/** LOINC answer codes of LL358-3 by their score: 0 not at all … 3 nearly every day. */
export const PHQ_OPTION = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'] as const;
export const DECLINED = 'asked-declined';

/** The patient of `v`, joined, consented and admitted by its first clinician: ready to answer. */
export async function admittedPatient(t: TestApp, v: BuiltVisit): Promise<{ agent: TestAgent; participantId: string }> {
  const p = await patientWaiting(t, v);
  await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId: p.participantId }).expect(200);
  return p;
}

/** Sends one instrument as the visit's first clinician; returns the check-in id. */
export async function sendCheckin(v: BuiltVisit, instrumentId: string): Promise<string> {
  const res = await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/checkins`).send({ instrumentId }).expect(201);
  return res.body.checkin.id as string;
}

/** PUTs one answer as the patient and returns the response. */
export function answer(patient: TestAgent, checkinId: string, linkId: string, value: unknown) {
  return patient.put(`/api/checkins/${checkinId}/answers/${encodeURIComponent(linkId)}`).send({ value });
}

/** Answers PHQ-9 items 1–9 with the given scores (0–3, or 'declined'), checking each save. */
export async function answerPhq9(patient: TestAgent, checkinId: string, scores: (number | 'declined')[]): Promise<void> {
  for (const [i, s] of scores.entries()) {
    await answer(patient, checkinId, PHQ9_ITEMS[i]!, s === 'declined' ? DECLINED : PHQ_OPTION[s]).expect(200);
  }
}

/** A second visit for the same patient (same care team), created by the scheduler, with its own link. */
export async function anotherVisitFor(v: BuiltVisit): Promise<BuiltVisit> {
  const res = await v.scheduler
    .post('/api/visits')
    .send({
      patientId: v.patientId,
      clinicianIds: v.clinicians.map((c) => c.staff.id),
      startsAt: new Date().toISOString(),
      durationMinutes: 50,
    })
    .expect(201);
  const url = res.body.patientLink.url as string;
  return { ...v, visitId: res.body.visit.id as string, token: url.slice(url.lastIndexOf('/') + 1) };
}
