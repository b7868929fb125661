import { describe, expect, it } from 'vitest';
import { BUILT_IN_INSTRUMENTS } from '@shared/instruments/built-ins';
import { DECLINED, type AnswerValue, type InstrumentDefinition, type InstrumentItem } from '@shared/instruments/definition.schema';
import { isItemEnabled } from '@shared/instruments/scoring';
import { progressOf } from '../../../server/checkins/checkins.presenter';

/*
 * Issue 11, finding 6: the progress clinicians see before sharing (HTTP and the checkin:progress event)
 * must not tell one answer pattern from another, on the way or at the end.
 */

const PHQ9 = BUILT_IN_INSTRUMENTS.find((d) => d.id === 'phq-9')!;
const SEXUAL_HEALTH = BUILT_IN_INSTRUMENTS.find((d) => d.id === 'alcove-sexual-health')!;
const PHQ9_ITEMS = PHQ9.items.filter((it) => !it.enableWhen).map((it) => it.linkId);
const NOT_AT_ALL = 'LA6568-5';
const SEVERAL_DAYS = 'LA6569-3';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Any answer a patient could give the item: an option (some of them, for a multiple-choice item), a decline, or text. */
function anyAnswer(item: InstrumentItem, rnd: () => number): AnswerValue {
  if (rnd() < 0.1) return DECLINED;
  if (item.type === 'text') return 'a note';
  const options = item.options!;
  const one = options[Math.floor(rnd() * options.length)]!;
  if (item.type === 'single' || one.exclusive) return item.type === 'single' ? one.code : [one.code];
  return options.filter((o) => !o.exclusive && (o === one || rnd() < 0.3)).map((o) => o.code);
}

interface Save {
  linkId: string;
  conditional: boolean;
  progress: { answered: number; total: number };
}

/**
 * One patient going through the check-in in order: every item shown to them answered, except an
 * optional one they may skip; each save's progress as the clinician gets it.
 */
function walk(def: InstrumentDefinition, rnd: () => number): Save[] {
  const answers: Record<string, AnswerValue> = {};
  const saves: Save[] = [];
  for (const item of def.items) {
    if (!isItemEnabled(def, item.linkId, answers)) continue;
    if (item.required === false && rnd() < 0.5) continue;
    answers[item.linkId] = anyAnswer(item, rnd);
    saves.push({ linkId: item.linkId, conditional: item.enableWhen !== undefined, progress: progressOf(def, answers) });
  }
  return saves;
}

describe('clinician progress before sharing', () => {
  it('is nothing for an instrument no longer on the server', () => {
    expect(progressOf(undefined, { a: 'b' })).toEqual({ answered: 0, total: 0 });
  });

  it('PHQ-9 finished shows 10 of 10 whether the difficulty item never opened, opened and was skipped, or was answered', () => {
    const fine = Object.fromEntries(PHQ9_ITEMS.map((id) => [id, NOT_AT_ALL]));
    const struggling = { ...fine, [PHQ9_ITEMS[0]!]: SEVERAL_DAYS };
    expect(isItemEnabled(PHQ9, '69722-7', fine)).toBe(false);
    expect(isItemEnabled(PHQ9, '69722-7', struggling)).toBe(true);
    expect(progressOf(PHQ9, fine)).toEqual({ answered: 10, total: 10 });
    expect(progressOf(PHQ9, struggling)).toEqual({ answered: 10, total: 10 });
    expect(progressOf(PHQ9, { ...struggling, '69722-7': 'LA6573-5' })).toEqual({ answered: 10, total: 10 });
    // Part-way the difficulty item counts for nothing, answered or not.
    expect(progressOf(PHQ9, { [PHQ9_ITEMS[0]!]: SEVERAL_DAYS, '69722-7': 'LA6573-5' })).toEqual({ answered: 1, total: 10 });
    expect(progressOf(PHQ9, {})).toEqual({ answered: 0, total: 10 });
  });

  it('sexual health: the follow-ups count once the patient is past them, opened or not; an answer left on a closed one does not count', () => {
    expect(progressOf(SEXUAL_HEALTH, { changes: ['no-change'] })).toEqual({ answered: 1, total: 6 });
    expect(progressOf(SEXUAL_HEALTH, { changes: ['pain'], 'medicine-link': 'yes', bother: 'very-much' })).toEqual({ answered: 1, total: 6 });
    expect(progressOf(SEXUAL_HEALTH, { changes: ['no-change'], 'medicine-link': 'yes' })).toEqual({ answered: 1, total: 6 });
    expect(progressOf(SEXUAL_HEALTH, { changes: ['no-change'], topics: ['identity'] })).toEqual({ answered: 4, total: 6 });
    expect(progressOf(SEXUAL_HEALTH, { changes: ['pain'], 'medicine-link': 'yes', topics: ['identity'] })).toEqual({ answered: 4, total: 6 });
    const all = { satisfaction: 'neither', changes: ['no-change'], topics: ['nothing-today'], note: 'x' };
    expect(progressOf(SEXUAL_HEALTH, all)).toEqual({ answered: 6, total: 6 });
  });

  for (const def of BUILT_IN_INSTRUMENTS) {
    it(`${def.id}: across 500 answer patterns, each save shows only which always-shown items are answered`, () => {
      const rnd = random(11);
      for (let n = 0; n < 500; n++) {
        const saves = walk(def, rnd);
        // The same always-shown items declined, nothing else answered: no answer pattern, no follow-up.
        const skeleton: Record<string, AnswerValue> = {};
        let last = { answered: 0, total: def.items.length };
        for (const s of saves) {
          if (s.conditional) {
            // A follow-up's save (only some patterns reach one) leaves the count where it was.
            expect(s.progress).toEqual(last);
          } else {
            skeleton[s.linkId] = DECLINED;
            expect(s.progress).toEqual(progressOf(def, skeleton));
          }
          last = s.progress;
        }
        const always = def.items.filter((it) => !it.enableWhen);
        if (always.every((it) => it.linkId in skeleton)) expect(last).toEqual({ answered: def.items.length, total: def.items.length });
      }
    });
  }
});
