import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PHQ9_DIFFICULTY, PHQ9_ITEMS, PHQ_OPTION, admittedPatient, answer, sendCheckin } from '../../helpers/checkin-builder';
import { connects, describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, type BuiltVisit } from '../../helpers/visit-builder';

/*
 * Issue 11, finding 6: before the patient shares, nothing a clinician sees may depend on the answers
 * (the safety alert aside). Progress used to count only the items the answers had switched on, so its
 * total told the clinician what was answered: the sexual-health check-in went 4 vs 6 (a change reported
 * or not), PHQ-9 9 vs 10 (any problem reported or not). Then it was "answered so far" out of every item,
 * which still told at the end (a finished PHQ-9 9 of 10 with no problem, 10 of 10 with one) and on the way
 * (a follow-up's save moved the count). Now an item that enableWhen may switch off counts as done once the
 * patient is past it, answered or not, opened or not: the figure follows only the always-shown items.
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

/**
 * One patient answering one check-in while its clinician watches: each save returns what the
 * clinician has then (the latest progress event, the visit list's progress, the check-in's
 * progress); `events` is every progress event the clinician's socket heard, in order.
 */
async function answering(t: TestApp, instrumentId: string) {
  const v = await buildVisit(t);
  const patient = await admittedPatient(t, v);
  const watcher = await watching(t, v);
  const id = await sendCheckin(v, instrumentId);
  const clinician = v.clinicians[0]!.agent;
  const heard: Progress[] = [];
  watcher.on('checkin:progress', ({ answered, total }: Progress) => heard.push({ answered, total }));
  return {
    async save(linkId: string, value: unknown): Promise<Progress[]> {
      await answer(patient.agent, id, linkId, value).expect(200);
      // A barrier: the server pushes before it answers the save, so anything it pushed is in before this reply.
      expect(await watcher.timeout(10_000).emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
      const list = await clinician.get(`/api/visits/${v.visitId}/checkins`).expect(200);
      const one = await clinician.get(`/api/checkins/${id}`).expect(200);
      return [heard.at(-1) ?? { answered: 0, total: 0 }, list.body.checkins[0].progress as Progress, one.body.checkin.progress as Progress];
    },
    events: () => [...heard],
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

    // Answering a follow-up moves nothing (only a change opens it), nor does changing the answer that opened it.
    expect(await some.save('medicine-link', 'yes')).toEqual(a);
    expect(await some.save('changes', ['no-change'])).toEqual(a);
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
    // The difficulty item answered early (only a problem opens it): the count stays where "not at all" has it.
    expect(await struggling.save(PHQ9_DIFFICULTY, 'LA6573-5')).toEqual(a);
    fine.close();
    struggling.close();
  });

  it('PHQ-9 answered to the end: all "not at all" (difficulty item never opens) and one "several days" (difficulty item opens and is answered) look the same at every save', async () => {
    const fine = await answering(t, 'phq-9');
    const struggling = await answering(t, 'phq-9');

    const seenFine: Progress[][] = [];
    const seenStruggling: Progress[][] = [];
    for (const [i, linkId] of PHQ9_ITEMS.entries()) {
      seenFine.push(await fine.save(linkId, PHQ_OPTION[0]));
      seenStruggling.push(await struggling.save(linkId, PHQ_OPTION[i === 0 ? 1 : 0]));
    }
    // The struggling patient has one more question to answer; answering it changes nothing the clinician sees.
    const afterDifficulty = await struggling.save(PHQ9_DIFFICULTY, 'LA6573-5');
    expect(seenStruggling).toEqual(seenFine);
    expect(afterDifficulty).toEqual(seenFine.at(-1));
    // Finished either way: every item of the instrument is done.
    expect(seenFine.at(-1)).toEqual(Array(3).fill({ answered: 10, total: 10 }));
    // Nor does the number of events the clinician's socket heard tell them apart (one more save is not one more event).
    expect(struggling.events()).toEqual(fine.events());
    fine.close();
    struggling.close();
  });

  it('the sexual-health check-in answered to the end: "no change" and "a change" (two follow-ups answered) look the same at every save', async () => {
    const none = await answering(t, 'alcove-sexual-health');
    const some = await answering(t, 'alcove-sexual-health');

    const seenNone = [
      await none.save('satisfaction', 'somewhat-satisfied'),
      await none.save('changes', ['no-change']),
      await none.save('topics', ['nothing-today']),
    ];
    const seenSome = [await some.save('satisfaction', 'somewhat-satisfied'), await some.save('changes', ['pain'])];
    // The follow-ups the change opened: answering them moves nothing the clinician sees.
    expect(await some.save('medicine-link', 'yes')).toEqual(seenSome[1]);
    expect(await some.save('bother', 'a-little')).toEqual(seenSome[1]);
    seenSome.push(await some.save('topics', ['nothing-today']));
    expect(seenSome).toEqual(seenNone);
    // The optional note left blank: both wait on it alike; written, both are done.
    expect(seenNone.at(-1)).toEqual(Array(3).fill({ answered: 5, total: 6 }));
    const doneNone = await none.save('note', 'Thanks');
    expect(await some.save('note', 'Thanks')).toEqual(doneNone);
    expect(doneNone).toEqual(Array(3).fill({ answered: 6, total: 6 }));
    expect(some.events()).toEqual(none.events());
    none.close();
    some.close();
  });
});
