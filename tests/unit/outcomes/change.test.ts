import { describe, expect, it } from 'vitest';
import {
  GAD7_CHANGE_RULE,
  PHQ9_CHANGE_RULE,
  changeAlong,
  changeRuleFor,
  compareScores,
  scorePointOf,
  usableTotal,
  type Recovery,
  type ReliableChange,
} from '@shared/outcomes/change';

const t = (total: number | null | undefined, declinedSummed = 0) => ({ total, declinedSummed });

// Worked by hand from the published figures: PHQ-9 reliable change 6, caseness 10; GAD-7 4 and 8.
const PHQ9: [number, number, ReliableChange, Recovery][] = [
  // reliable change, around 6 points either way
  [20, 15, 'no-reliable-change', 'not-recovered'], // fell 5
  [20, 14, 'reliable-improvement', 'not-recovered'], // fell 6: exactly at the threshold
  [20, 13, 'reliable-improvement', 'not-recovered'], // fell 7
  [5, 10, 'no-reliable-change', 'not-a-case'], // rose 5
  [5, 11, 'reliable-deterioration', 'not-a-case'], // rose 6
  [4, 11, 'reliable-deterioration', 'not-a-case'], // rose 7
  [12, 12, 'no-reliable-change', 'not-recovered'],
  // caseness, around 10 at the start and at the end
  [9, 0, 'reliable-improvement', 'not-a-case'], // started below caseness
  [10, 9, 'no-reliable-change', 'recovery'], // at caseness to just below: recovery, not reliable
  [10, 10, 'no-reliable-change', 'not-recovered'], // still at caseness
  [15, 9, 'reliable-improvement', 'reliable-recovery'], // fell 6 and below 10
  [15, 10, 'no-reliable-change', 'not-recovered'], // fell 5, still a case
  [14, 9, 'no-reliable-change', 'recovery'], // fell 5, below 10
  [16, 10, 'reliable-improvement', 'not-recovered'], // fell 6, still at 10
  [27, 0, 'reliable-improvement', 'reliable-recovery'],
  // one above caseness at the start, one above it at the end
  [11, 9, 'no-reliable-change', 'recovery'], // fell 2, below 10
  [11, 5, 'reliable-improvement', 'reliable-recovery'], // fell 6, below 10
  [11, 6, 'no-reliable-change', 'recovery'], // fell 5, below 10
  [17, 11, 'reliable-improvement', 'not-recovered'], // fell 6, still above 10
  [9, 3, 'reliable-improvement', 'not-a-case'], // fell 6 from just below caseness
  [9, 15, 'reliable-deterioration', 'not-a-case'], // rose 6 into caseness: deterioration, recovery does not apply
  [10, 16, 'reliable-deterioration', 'not-recovered'], // rose 6 from caseness
  [0, 27, 'reliable-deterioration', 'not-a-case'],
];

const GAD7: [number, number, ReliableChange, Recovery][] = [
  [12, 9, 'no-reliable-change', 'not-recovered'], // fell 3
  [12, 8, 'reliable-improvement', 'not-recovered'], // fell 4, still at 8
  [12, 7, 'reliable-improvement', 'reliable-recovery'], // fell 5, below 8
  [11, 7, 'reliable-improvement', 'reliable-recovery'], // fell 4, below 8
  [10, 7, 'no-reliable-change', 'recovery'], // fell 3, below 8
  [8, 7, 'no-reliable-change', 'recovery'], // at caseness to just below
  [7, 3, 'reliable-improvement', 'not-a-case'], // started below 8
  [3, 6, 'no-reliable-change', 'not-a-case'], // rose 3
  [3, 7, 'reliable-deterioration', 'not-a-case'], // rose 4
  [8, 8, 'no-reliable-change', 'not-recovered'],
  [21, 0, 'reliable-improvement', 'reliable-recovery'],
  // around the reliable change of 4 upwards, and one above caseness at either end
  [3, 8, 'reliable-deterioration', 'not-a-case'], // rose 5
  [8, 11, 'no-reliable-change', 'not-recovered'], // rose 3 from caseness
  [8, 12, 'reliable-deterioration', 'not-recovered'], // rose 4 from caseness
  [9, 7, 'no-reliable-change', 'recovery'], // one above caseness to just below
  [9, 5, 'reliable-improvement', 'reliable-recovery'], // fell 4, below 8
  [9, 6, 'no-reliable-change', 'recovery'], // fell 3, below 8
  [13, 9, 'reliable-improvement', 'not-recovered'], // fell 4, still above 8
  [7, 11, 'reliable-deterioration', 'not-a-case'], // rose 4 into caseness
];

describe('reliable change and recovery between two complete totals', () => {
  it.each(PHQ9)('PHQ-9 %i → %i: %s, %s', (from, to, change, recovery) => {
    const c = compareScores(PHQ9_CHANGE_RULE, t(from), t(to));
    expect(c).toMatchObject({ from, to, change: to - from, reliableChange: change, recovery });
  });

  it.each(GAD7)('GAD-7 %i → %i: %s, %s', (from, to, change, recovery) => {
    const c = compareScores(GAD7_CHANGE_RULE, t(from), t(to));
    expect(c).toMatchObject({ from, to, change: to - from, reliableChange: change, recovery });
  });

  it('says which rule produced the label, with the threshold', () => {
    const c = compareScores(PHQ9_CHANGE_RULE, t(20), t(13))!;
    expect(c.changeText).toBe('Reliable improvement: PHQ-9 fell by 7 points (a change of 6 or more is reliable)');
    expect(compareScores(GAD7_CHANGE_RULE, t(3), t(7))!.changeText).toBe(
      'Reliable deterioration: GAD-7 rose by 4 points (a change of 4 or more is reliable)',
    );
    expect(compareScores(PHQ9_CHANGE_RULE, t(12), t(11))!.changeText).toBe('No reliable change: PHQ-9 fell by 1 point (less than 6)');
    expect(compareScores(PHQ9_CHANGE_RULE, t(12), t(12))!.changeText).toBe('No reliable change: PHQ-9 did not change (less than 6)');
    expect(compareScores(PHQ9_CHANGE_RULE, t(15), t(9))!.recoveryText).toBe(
      'Reliable recovery: PHQ-9 went from 15 (at or above the case cut-off of 10) to 9 (below it), with a reliable improvement',
    );
    expect(compareScores(GAD7_CHANGE_RULE, t(8), t(7))!.recoveryText).toBe(
      'Recovery: GAD-7 went from 8 (at or above the case cut-off of 8) to 7 (below it), without a reliable change',
    );
    expect(compareScores(PHQ9_CHANGE_RULE, t(9), t(2))!.recoveryText).toBe(
      'Recovery does not apply: PHQ-9 started at 9, below the case cut-off of 10',
    );
    expect(compareScores(PHQ9_CHANGE_RULE, t(16), t(10))!.recoveryText).toBe(
      'Not recovered: PHQ-9 is 10, still at or above the case cut-off of 10',
    );
  });

  it('gives no label when either total is missing or has declined items', () => {
    expect(compareScores(PHQ9_CHANGE_RULE, t(undefined), t(3))).toBeNull();
    expect(compareScores(PHQ9_CHANGE_RULE, t(20), t(null))).toBeNull();
    // A total given alongside a declined summed item is not trusted (no label rather than a wrong one).
    expect(compareScores(PHQ9_CHANGE_RULE, t(20), t(4, 1))).toBeNull();
    expect(compareScores(GAD7_CHANGE_RULE, t(15, 2), t(3))).toBeNull();
    expect(usableTotal(t(2.5))).toBeNull();
    expect(usableTotal(t(-1))).toBeNull();
    expect(usableTotal(t(0))).toBe(0);
  });

  it('has rules for PHQ-9 and GAD-7 only; a clinic may override the figures', () => {
    expect(changeRuleFor('phq-9')).toEqual(PHQ9_CHANGE_RULE);
    expect(changeRuleFor('gad-7')).toEqual(GAD7_CHANGE_RULE);
    expect(changeRuleFor('alcove-sexual-health')).toBeNull();
    expect(changeRuleFor('phq-2')).toBeNull();
    const local = changeRuleFor('phq-9', { reliableChange: 5 })!;
    expect(local.caseness).toBe(10);
    expect(compareScores(local, t(15), t(10))!.reliableChange).toBe('reliable-improvement');
  });
});

describe('every pair of totals agrees with the published rule', () => {
  // The rule written out once more, plainly, and checked over every pair of possible totals.
  const expected = (reliable: number, caseness: number, from: number, to: number): [ReliableChange, Recovery] => {
    const change: ReliableChange =
      to - from <= -reliable ? 'reliable-improvement' : to - from >= reliable ? 'reliable-deterioration' : 'no-reliable-change';
    const recovery: Recovery =
      from < caseness
        ? 'not-a-case'
        : to >= caseness
          ? 'not-recovered'
          : change === 'reliable-improvement'
            ? 'reliable-recovery'
            : 'recovery';
    return [change, recovery];
  };
  it.each([
    [PHQ9_CHANGE_RULE, 27],
    [GAD7_CHANGE_RULE, 21],
  ] as const)('%o over 0..max', (rule, max) => {
    for (let from = 0; from <= max; from++) {
      for (let to = 0; to <= max; to++) {
        const c = compareScores(rule, t(from), t(to))!;
        expect([c.reliableChange, c.recovery], `${rule.measure} ${from} → ${to}`).toEqual(
          expected(rule.reliableChange, rule.caseness!, from, to),
        );
      }
    }
  });
});

describe('the total a shared check-in contributes', () => {
  // PHQ-9: nine summed items and the unscored "difficulty" question (excluded from the total).
  const excluded = ['69722-7'];
  const item = (linkId: string, declined = false) => ({ linkId, declined });
  const summed = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];

  it('uses a complete total', () => {
    expect(scorePointOf({ result: { total: 14 }, items: summed.map((l) => item(l)) }, excluded)).toEqual({ total: 14, declinedSummed: 0 });
  });

  it('does not compare a check-in with a declined summed item, even when a total came with it', () => {
    const p = scorePointOf({ result: { total: 14 }, items: [...summed.slice(1).map((l) => item(l)), item(summed[0]!, true)] }, excluded);
    expect(p.declinedSummed).toBe(1);
    expect(usableTotal(p)).toBeNull();
    expect(compareScores(PHQ9_CHANGE_RULE, t(20), p)).toBeNull();
  });

  it('still compares one whose declined item is the unscored difficulty question', () => {
    const p = scorePointOf({ result: { total: 14 }, items: [...summed.map((l) => item(l)), item('69722-7', true)] }, excluded);
    expect(usableTotal(p)).toBe(14);
    expect(compareScores(PHQ9_CHANGE_RULE, t(20), p)!.reliableChange).toBe('reliable-improvement');
  });

  it('has no total without a result or a total (a gap, never a zero)', () => {
    expect(usableTotal(scorePointOf({}, excluded))).toBeNull();
    expect(usableTotal(scorePointOf({ result: {} }, excluded))).toBeNull();
    // A missing total between 20 and 14 does not become a fall to 0 and back.
    const along = changeAlong(PHQ9_CHANGE_RULE, [t(20), scorePointOf({ result: {} }, excluded), t(14)]);
    expect(along[1]).toEqual({ sinceFirst: null, sincePrevious: null });
    expect(along[2]!.sincePrevious).toMatchObject({ from: 20, to: 14, reliableChange: 'reliable-improvement' });
  });
});

describe('change along a series of visits', () => {
  it('compares each complete total with the first and the previous complete ones, skipping gaps', () => {
    // 18, (declined item), 13, (no total), 11, 4
    const series = [t(18), t(7, 1), t(13), t(undefined), t(11), t(4)];
    const along = changeAlong(PHQ9_CHANGE_RULE, series);
    expect(along.map((p) => p.sinceFirst?.change ?? null)).toEqual([null, null, -5, null, -7, -14]);
    expect(along.map((p) => p.sincePrevious?.change ?? null)).toEqual([null, null, -5, null, -2, -7]);
    expect(along[4]!.sinceFirst).toMatchObject({ reliableChange: 'reliable-improvement', recovery: 'not-recovered' });
    expect(along[5]!.sinceFirst).toMatchObject({ reliableChange: 'reliable-improvement', recovery: 'reliable-recovery' });
    expect(along[5]!.sincePrevious).toMatchObject({
      from: 11,
      to: 4,
      reliableChange: 'reliable-improvement',
      recovery: 'reliable-recovery',
    });
    expect(along[2]!.sincePrevious).toMatchObject({ from: 18, to: 13, reliableChange: 'no-reliable-change', recovery: 'not-recovered' });
  });

  it('starts from the first complete total when the first visit has none', () => {
    const along = changeAlong(GAD7_CHANGE_RULE, [t(null), t(10), t(6)]);
    expect(along[0]).toEqual({ sinceFirst: null, sincePrevious: null });
    expect(along[1]).toEqual({ sinceFirst: null, sincePrevious: null });
    expect(along[2]!.sinceFirst).toMatchObject({ from: 10, to: 6, reliableChange: 'reliable-improvement', recovery: 'reliable-recovery' });
  });

  it('gives nothing for an empty series or one with no complete total', () => {
    expect(changeAlong(PHQ9_CHANGE_RULE, [])).toEqual([]);
    expect(changeAlong(PHQ9_CHANGE_RULE, [t(null), t(5, 1)])).toEqual([
      { sinceFirst: null, sincePrevious: null },
      { sinceFirst: null, sincePrevious: null },
    ]);
  });
});

describe("a clinic's own rule (through the instrument definition)", () => {
  const clinic = { ...PHQ9_CHANGE_RULE, reliableChange: 5, source: 'Clinic audit 2026', origin: 'clinic' as const };

  it('uses its figures, at and around the new threshold, and says so in the words', () => {
    expect(compareScores(clinic, t(15), t(11))!.reliableChange).toBe('no-reliable-change');
    expect(compareScores(clinic, t(15), t(10))!.reliableChange).toBe('reliable-improvement');
    expect(compareScores(clinic, t(10), t(15))!.reliableChange).toBe('reliable-deterioration');
    expect(compareScores(clinic, t(15), t(10))!.changeText).toBe(
      'Reliable improvement: PHQ-9 fell by 5 points (a change of 5 or more is reliable)',
    );
  });

  it('without a case cut-off gives no recovery label, and says why', () => {
    const noCut = { ...clinic, caseness: null };
    const c = compareScores(noCut, t(15), t(4))!;
    expect(c.reliableChange).toBe('reliable-improvement');
    expect(c.recovery).toBe('no-cut-off');
    expect(c.recoveryText).toBe('Recovery is not assessed: the rule in use sets no case cut-off for PHQ-9');
  });
});
