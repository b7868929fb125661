import { describe, expect, it } from 'vitest';
import { DECLINED, InstrumentDefinitionSchema, type InstrumentDefinitionInput } from '@shared/instruments/definition.schema';
import { isSafetyPositive, scoreCheckin } from '@shared/instruments/scoring';
import { answersFor, builtIn, codeFor, fixture, scoresForTotal } from './helpers';

const ITEM9 = '44260-8';
const DIFFICULTY = '69722-7';

describe('PHQ-9 scoring', () => {
  const phq9 = builtIn('phq-9');

  // Published bands (Kroenke 2001): 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately severe, 20–27 severe.
  it.each([
    [0, 'minimal'],
    [4, 'minimal'],
    [5, 'mild'],
    [9, 'mild'],
    [10, 'moderate'],
    [14, 'moderate'],
    [15, 'moderately-severe'],
    [19, 'moderately-severe'],
    [20, 'severe'],
    [24, 'severe'],
  ])('a total of %i is in the %s band', (total, severity) => {
    // Item 9 kept at 0 so the safety rule stays out of these rows.
    const result = scoreCheckin(phq9, answersFor(phq9, scoresForTotal(9, 3, total, true)));
    expect(result.total).toBe(total);
    expect(result.band?.severity).toBe(severity);
    expect(result.complete).toBe(true);
    expect(result.safetyAlert).toBe(false);
    expect(result.flags).toEqual([]);
  });

  it('the minimum is 0 (minimal) and the maximum 27 (severe, with the item 9 alert)', () => {
    const min = scoreCheckin(phq9, answersFor(phq9, Array(9).fill(0)));
    expect(min).toMatchObject({ total: 0, band: { label: 'Minimal', min: 0, max: 4 }, complete: true, answeredCount: 9 });
    // With every answer "not at all" the difficulty question is hidden, so it does not count as an item.
    expect(min.itemCount).toBe(9);
    const max = scoreCheckin(phq9, answersFor(phq9, Array(9).fill(3)));
    expect(max).toMatchObject({ total: 27, band: { label: 'Severe', min: 20, max: 27 }, safetyAlert: true, crisisResources: true });
  });

  it('scores by each option’s numeric value, not its code', () => {
    const raw = structuredClone(phq9) as InstrumentDefinitionInput;
    // Swap the values of "Not at all" and "Nearly every day" on item 1: the code stays, the score follows the value.
    const item1 = raw.items[0]!;
    item1.options = item1.options!.map((o) => (o.score === 0 ? { ...o, score: 3 } : o.score === 3 ? { ...o, score: 0 } : o));
    const swapped = InstrumentDefinitionSchema.parse(raw);
    const answers = { ...answersFor(phq9, Array(9).fill(0)) };
    expect(scoreCheckin(phq9, answers).total).toBe(0);
    expect(scoreCheckin(swapped, answers).total).toBe(3);
  });

  it('a declined item leaves the total empty and the result incomplete, with no prorating', () => {
    const result = scoreCheckin(phq9, answersFor(phq9, [3, 3, 3, 'x', 3, 3, 3, 3, 0]));
    expect(result.total).toBeUndefined();
    expect(result.band).toBeUndefined();
    expect(result.complete).toBe(false);
    // Prorating 21 over 8 items would give 23.6; the raw partial sum is reported as such instead.
    expect(result.partialTotal).toBe(21);
    expect(result.declinedCount).toBe(1);
    expect(result.answeredCount).toBe(9);
    expect(result.items.find((i) => i.linkId === '44254-1')).toEqual({ linkId: '44254-1', value: DECLINED, declined: true });
  });

  it('an unanswered item also leaves the result incomplete', () => {
    const result = scoreCheckin(phq9, answersFor(phq9, [1, 1, 1, 1, undefined, 1, 1, 1, 0]));
    expect(result).toMatchObject({ complete: false, partialTotal: 7, answeredCount: 8 });
    expect(result.total).toBeUndefined();
    expect(result.items.find((i) => i.linkId === '44251-7')).toEqual({ linkId: '44251-7', value: null, declined: false });
  });

  it.each([1, 2, 3])('item 9 answered %i raises the critical clinician alert and the patient crisis resources', (score) => {
    const result = scoreCheckin(phq9, answersFor(phq9, [0, 0, 0, 0, 0, 0, 0, 0, score]));
    expect(result.total).toBe(score);
    expect(result.safetyAlert).toBe(true);
    expect(result.crisisResources).toBe(true);
    expect(result.flags.map((f) => [f.code, f.severity, f.audience])).toEqual([
      ['safety.self-harm', 'critical', 'clinician'],
      ['safety.crisis-resources', 'critical', 'patient'],
    ]);
  });

  it('item 9 declined raises the alert too, and the result is incomplete', () => {
    const result = scoreCheckin(phq9, answersFor(phq9, [0, 0, 0, 0, 0, 0, 0, 0, 'x']));
    expect(result.complete).toBe(false);
    expect(result.safetyAlert).toBe(true);
    expect(result.crisisResources).toBe(true);
    expect(result.flags.map((f) => f.code)).toEqual(['safety.self-harm-not-answered', 'safety.crisis-resources']);
  });

  it('item 9 left unanswered at submit raises the "ask about it" alert', () => {
    const result = scoreCheckin(phq9, answersFor(phq9, [0, 0, 0, 0, 0, 0, 0, 0]));
    expect(result.flags.map((f) => f.code)).toEqual(['safety.self-harm-not-answered', 'safety.crisis-resources']);
  });

  it('item 9 at 0 raises nothing', () => {
    expect(scoreCheckin(phq9, answersFor(phq9, [3, 3, 3, 3, 3, 3, 3, 3, 0])).flags).toEqual([]);
  });

  it('the difficulty question never counts toward the total, and shows only once a problem was checked', () => {
    const answers = { ...answersFor(phq9, [1, 1, 1, 1, 1, 1, 1, 1, 0]), [DIFFICULTY]: 'LA6574-3' };
    const result = scoreCheckin(phq9, answers);
    expect(result.total).toBe(8);
    expect(result.itemCount).toBe(10);
    expect(result.items.find((i) => i.linkId === DIFFICULTY)).toEqual({ linkId: DIFFICULTY, value: 'LA6574-3', declined: false });
    // All "not at all": the difficulty question is hidden and a stale answer to it is ignored.
    const none = scoreCheckin(phq9, { ...answersFor(phq9, Array(9).fill(0)), [DIFFICULTY]: 'LA6574-3' });
    expect(none.items.some((i) => i.linkId === DIFFICULTY)).toBe(false);
    expect(none.total).toBe(0);
  });

  it('the unanswered difficulty question (optional) does not make the result incomplete', () => {
    expect(scoreCheckin(phq9, answersFor(phq9, [2, 0, 0, 0, 0, 0, 0, 0, 0])).complete).toBe(true);
  });

  it('stored answers that are not options are treated as missing, never guessed', () => {
    const answers = { ...answersFor(phq9, Array(9).fill(1)), '44250-9': 'LA9999-9' };
    const result = scoreCheckin(phq9, answers);
    expect(result.total).toBeUndefined();
    expect(result.complete).toBe(false);
  });

  it('gives the patient’s crisis message in Spanish when asked, while the clinician message stays as written', () => {
    const result = scoreCheckin(phq9, answersFor(phq9, [0, 0, 0, 0, 0, 0, 0, 0, 2]), { lang: 'es' });
    expect(result.flags.find((f) => f.audience === 'patient')?.message).toMatch(/ayuda/);
    expect(result.flags.find((f) => f.audience === 'clinician')?.message).toMatch(/PHQ-9 item 9/);
  });
});

describe('GAD-7 scoring', () => {
  const gad7 = builtIn('gad-7');
  it.each([
    [0, 'minimal'],
    [4, 'minimal'],
    [5, 'mild'],
    [9, 'mild'],
    [10, 'moderate'],
    [14, 'moderate'],
    [15, 'severe'],
    [21, 'severe'],
  ])('a total of %i is in the %s band', (total, severity) => {
    const result = scoreCheckin(gad7, answersFor(gad7, scoresForTotal(7, 3, total)));
    expect(result.total).toBe(total);
    expect(result.band?.severity).toBe(severity);
    expect(result.flags).toEqual([]);
  });

  it('a declined item: incomplete, no total, no band, no prorating', () => {
    const result = scoreCheckin(gad7, answersFor(gad7, [3, 3, 3, 3, 3, 3, 'x']));
    expect(result).toMatchObject({ complete: false, partialTotal: 18, declinedCount: 1 });
    expect(result.total).toBeUndefined();
    expect(result.band).toBeUndefined();
  });
});

describe.each([
  ['phq-2', 'consider the full PHQ-9'],
  ['gad-2', 'consider the full GAD-7'],
])('%s positive screen', (id, advice) => {
  const def = builtIn(id);
  it.each([
    [[0, 0], 0, false],
    [[1, 1], 2, false],
    [[2, 0], 2, false],
    [[2, 1], 3, true],
    [[0, 3], 3, true],
    [[3, 3], 6, true],
  ])('scores %j → total %i, positive %s (cut-off 3)', (scores, total, positive) => {
    const result = scoreCheckin(def, answersFor(def, scores));
    expect(result.total).toBe(total);
    expect(result.positiveScreen).toBe(positive);
    expect(result.band).toBeUndefined();
    expect(result.flags.map((f) => f.message)).toEqual(positive ? [expect.stringContaining(advice)] : []);
  });

  it('a declined item leaves the screen undecided rather than negative', () => {
    const result = scoreCheckin(def, answersFor(def, [1, 'x']));
    expect(result.positiveScreen).toBeUndefined();
    expect(result.total).toBeUndefined();
    expect(result.complete).toBe(false);
  });
});

describe('Alcove sexual-health check-in (structured)', () => {
  const sh = builtIn('alcove-sexual-health');
  const base = { satisfaction: 'somewhat-dissatisfied', changes: ['interest', 'pain'], topics: ['sexual-function'] };

  it('has no total, band or screen, only answers', () => {
    const result = scoreCheckin(sh, { ...base, 'medicine-link': 'no', bother: 'a-little', note: 'private words' });
    expect(result.total).toBeUndefined();
    expect(result.partialTotal).toBeUndefined();
    expect(result.band).toBeUndefined();
    expect(result.positiveScreen).toBeUndefined();
    expect(result.complete).toBe(true);
    expect(result.items.find((i) => i.linkId === 'note')?.value).toBe('private words');
  });

  it.each([
    ['yes', 'very-much', true],
    ['yes', 'quite-a-bit', true],
    ['maybe', 'very-much', true],
    ['yes', 'somewhat', false],
    ['no', 'very-much', false],
    ['asked-declined', 'very-much', false],
    ['yes', 'asked-declined', false],
  ])('medicine link %s with bother %s → review flag %s', (link, bother, flagged) => {
    const result = scoreCheckin(sh, { ...base, 'medicine-link': link, bother });
    expect(result.flags.map((f) => f.code)).toEqual(flagged ? ['review.medicine-related-change'] : []);
    if (flagged) expect(result.flags[0]).toMatchObject({ severity: 'warning', audience: 'clinician', message: expect.stringMatching(/not a diagnosis/) });
    expect(result.safetyAlert).toBe(false);
  });

  it('"not sexually active" is an answer, not a missing value, and skips the follow-up questions', () => {
    const result = scoreCheckin(sh, { satisfaction: 'not-sexually-active', changes: ['not-sexually-active'], topics: ['contraception-sti'] });
    expect(result.complete).toBe(true);
    expect(result.declinedCount).toBe(0);
    expect(result.items.map((i) => i.linkId)).toEqual(['satisfaction', 'changes', 'topics', 'note']);
    expect(result.itemCount).toBe(4);
    expect(result.answeredCount).toBe(3);
  });

  it('declining any question makes the result incomplete', () => {
    expect(scoreCheckin(sh, { ...base, satisfaction: DECLINED, 'medicine-link': 'no', bother: 'a-little' }).complete).toBe(false);
  });
});

describe('clinic fixture (made-up ASEX-shaped 1–6 scale): every rule kind', () => {
  const fx = fixture();
  const codes = (scores: (number | 'x' | undefined)[]) => scoreCheckin(fx, answersFor(fx, scores)).flags.map((f) => f.code);

  it('sums 5–30 with bands at the 19 edge', () => {
    expect(scoreCheckin(fx, answersFor(fx, [1, 1, 1, 1, 1]))).toMatchObject({ total: 5, band: { label: 'Fixture low band' } });
    expect(scoreCheckin(fx, answersFor(fx, [6, 6, 6, 6, 6]))).toMatchObject({ total: 30, band: { label: 'Fixture high band' } });
    expect(scoreCheckin(fx, answersFor(fx, [4, 4, 4, 3, 3])).band?.label).toBe('Fixture low band');
    expect(scoreCheckin(fx, answersFor(fx, [4, 4, 4, 4, 3])).band?.label).toBe('Fixture high band');
  });

  it.each([
    ['one item ≥ 5', [5, 1, 2, 2, 2], true],
    ['three items ≥ 4', [4, 4, 4, 1, 2], true],
    ['total ≥ 19 (with four items at 4)', [4, 4, 4, 4, 3], true],
    ['only two items at 4, none at 5 (total 17)', [4, 4, 3, 3, 3], false],
    ['all at 3', [3, 3, 3, 3, 3], false],
  ])('the three-part rule: %s → %s', (_name, scores, met) => {
    const result = scoreCheckin(fx, answersFor(fx, scores));
    expect(result.positiveScreen).toBe(met);
    expect(result.flags.some((f) => f.code === 'fixture.three-part')).toBe(met);
  });

  it('the three-part rule is met even with a declined item once an item is ≥ 5', () => {
    const result = scoreCheckin(fx, answersFor(fx, [5, 'x', 1, 1, 1]));
    expect(result.complete).toBe(false);
    expect(result.total).toBeUndefined();
    expect(result.positiveScreen).toBe(true);
  });

  it('and is left undecided when the declined items could still tip it', () => {
    const result = scoreCheckin(fx, answersFor(fx, [4, 4, 'x', 'x', 1]));
    expect(result.positiveScreen).toBeUndefined();
    expect(result.flags.some((f) => f.code === 'fixture.three-part')).toBe(false);
  });

  it('item value rule (q1 = 6)', () => {
    expect(codes([6, 1, 2, 2, 2])).toContain('fixture.item1-max');
    expect(codes([5, 1, 2, 2, 2])).not.toContain('fixture.item1-max');
  });

  it('item declined rule (q2)', () => {
    expect(codes([1, 'x', 2, 2, 2])).toContain('fixture.item2-declined');
    expect(codes([1, 2, 'x', 2, 2])).not.toContain('fixture.item2-declined');
  });

  it('item unanswered rule (q5)', () => {
    expect(codes([2, 2, 2, 2, undefined])).toContain('fixture.item5-unanswered');
    expect(codes([2, 2, 2, 2, 'x'])).not.toContain('fixture.item5-unanswered');
  });

  it('item answer rule (q3 is option f1)', () => {
    expect(codes([2, 2, 1, 2, 2])).toContain('fixture.item3-best');
    expect(codes([2, 2, 2, 2, 2])).not.toContain('fixture.item3-best');
  });

  it('all-of combination (q4 ≥ 5 and q5 > 4) raises a critical clinician flag and a patient flag', () => {
    const hit = scoreCheckin(fx, answersFor(fx, [1, 1, 2, 5, 5]));
    expect(hit.flags.filter((f) => ['fixture.q4-and-q5-high', 'fixture.patient-note'].includes(f.code)).map((f) => f.audience)).toEqual(['clinician', 'patient']);
    expect(hit.safetyAlert).toBe(true);
    expect(hit.crisisResources).toBe(true);
    expect(codes([1, 1, 2, 5, 4])).not.toContain('fixture.q4-and-q5-high');
    expect(codes([1, 1, 2, 4, 6])).not.toContain('fixture.q4-and-q5-high');
  });

  it('total rule (total ≤ 6), only on a complete total', () => {
    expect(codes([1, 1, 1, 1, 1])).toContain('fixture.low-total');
    expect(codes([2, 1, 1, 1, 1])).toContain('fixture.low-total');
    expect(codes([2, 2, 1, 1, 1])).not.toContain('fixture.low-total');
    expect(codes([1, 1, 1, 1, 'x'])).not.toContain('fixture.low-total');
  });

  it('a total ≥ n rule on its own', () => {
    const raw = structuredClone(fx) as InstrumentDefinitionInput;
    raw.scoring!.alerts = [{ when: { kind: 'total', op: '>=', value: 19 }, raise: ['fixture.three-part'] }];
    const def = InstrumentDefinitionSchema.parse(raw);
    expect(scoreCheckin(def, answersFor(def, [4, 4, 4, 4, 2])).flags).toEqual([]);
    expect(scoreCheckin(def, answersFor(def, [4, 4, 4, 4, 3])).flags.map((f) => f.code)).toEqual(['fixture.three-part']);
  });
});

describe('isSafetyPositive', () => {
  const phq9 = builtIn('phq-9');
  it.each([
    [0, false],
    [1, true],
    [2, true],
    [3, true],
  ])('PHQ-9 item 9 answered with value %i → %s', (score, positive) => {
    expect(isSafetyPositive(phq9, ITEM9, codeFor(phq9, ITEM9, score))).toBe(positive);
  });

  it('PHQ-9 item 9 declined → true', () => {
    expect(isSafetyPositive(phq9, ITEM9, DECLINED)).toBe(true);
  });

  it('other items, other instruments and invalid values → false', () => {
    expect(isSafetyPositive(phq9, '44250-9', codeFor(phq9, '44250-9', 3))).toBe(false);
    expect(isSafetyPositive(phq9, '44250-9', DECLINED)).toBe(false);
    expect(isSafetyPositive(phq9, ITEM9, 'LA0000-0')).toBe(false);
    expect(isSafetyPositive(phq9, ITEM9, 2)).toBe(false);
    expect(isSafetyPositive(phq9, 'nope', DECLINED)).toBe(false);
    expect(isSafetyPositive(builtIn('gad-7'), '69725-0', DECLINED)).toBe(false);
    expect(isSafetyPositive(builtIn('alcove-sexual-health'), 'satisfaction', 'very-dissatisfied')).toBe(false);
  });

  it('is false when one answer cannot settle a combined rule (fixture: q4 ≥ 5 and q5 > 4)', () => {
    const fx = fixture();
    expect(isSafetyPositive(fx, 'q5', 'f6')).toBe(false);
    expect(isSafetyPositive(fx, 'q4', 'f6')).toBe(false);
  });
});
