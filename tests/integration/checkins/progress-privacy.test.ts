import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PHQ9_DIFFICULTY, PHQ9_ITEMS, PHQ_OPTION, admittedPatient, answer, sendCheckin } from '../../helpers/checkin-builder';
import { connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, type BuiltVisit } from '../../helpers/visit-builder';

/*
 * Issue 11, finding 6: before the patient shares, nothing a clinician sees may depend on the answers
 * (the safety alert aside). Progress used to count only the items the answers had switched on, so its
 * total told the clinician what was answered: the sexual-health check-in went 4 vs 6 (a change reported
 * or not), PHQ-9 9 vs 10 (any problem reported or not). Progress is now "answered so far" out of every
 * item of the instrument.
 */

interface Progress {
  answered: number;
  total: number;
}

async function watching(t: TestApp, v: BuiltVisit): Promise<Socket> {
  const s = t.socket(v.clinicians[0]!.agent);
  expect(await connects(s)).toBe(true);
  expect(await s.emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
  return s;
}

/** One patient answering one check-in while its clinician watches: each save returns what the clinician got. */
async function answering(t: TestApp, instrumentId: string) {
  const v = await buildVisit(t);
  const patient = await admittedPatient(t, v);
  const watcher = await watching(t, v);
  const id = await sendCheckin(v, instrumentId);
  const clinician = v.clinicians[0]!.agent;
  return {
    /** Saves one answer; resolves with the progress event, the visit list's progress and the check-in's progress. */
    async save(linkId: string, value: unknown): Promise<Progress[]> {
      const event = nextEvent<Progress & { checkinId: string }>(watcher, 'checkin:progress');
      await answer(patient.agent, id, linkId, value).expect(200);
      const { answered, total } = await event;
      const list = await clinician.get(`/api/visits/${v.visitId}/checkins`).expect(200);
      const one = await clinician.get(`/api/checkins/${id}`).expect(200);
      return [{ answered, total }, list.body.checkins[0].progress as Progress, one.body.checkin.progress as Progress];
    },
    close: () => watcher.close(),
  };
}

describeEachDatabase('check-in progress reveals nothing about the answers (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('the sexual-health check-in: "no change" and "a change" (which opens two follow-ups) give the clinician the same progress', async () => {
    const none = await answering(t, 'alcove-sexual-health');
    const some = await answering(t, 'alcove-sexual-health');

    const a = await none.save('changes', ['no-change']);
    const b = await some.save('changes', ['interest']);
    expect(b).toEqual(a);
    expect(a).toEqual([
      { answered: 1, total: 6 },
      { answered: 1, total: 6 },
      { answered: 1, total: 6 },
    ]);

    // Answering a follow-up, then changing the answer that opened it, never makes the count go back.
    expect(await some.save('medicine-link', 'yes')).toEqual(Array(3).fill({ answered: 2, total: 6 }));
    expect(await some.save('changes', ['no-change'])).toEqual(Array(3).fill({ answered: 2, total: 6 }));
    none.close();
    some.close();
  });

  it('PHQ-9: "not at all" (difficulty item stays off) and "several days" (difficulty item on) give the same progress', async () => {
    const fine = await answering(t, 'phq-9');
    const struggling = await answering(t, 'phq-9');

    const a = await fine.save(PHQ9_ITEMS[0], PHQ_OPTION[0]);
    const b = await struggling.save(PHQ9_ITEMS[0], PHQ_OPTION[1]);
    expect(b).toEqual(a);
    expect(a).toEqual(Array(3).fill({ answered: 1, total: 10 }));
    expect(await struggling.save(PHQ9_DIFFICULTY, 'LA6573-5')).toEqual(Array(3).fill({ answered: 2, total: 10 }));
    fine.close();
    struggling.close();
  });
});
