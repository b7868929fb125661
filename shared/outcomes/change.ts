/*
 * Reliable change and recovery between two scores of the same person, for PHQ-9 and GAD-7.
 *
 * Thresholds, as used by England's NHS Talking Therapies programme (formerly IAPT) and analysed in
 * Gyani, Shafran, Layard & Clark, "Enhancing recovery rates: lessons from year one of IAPT",
 * Behaviour Research and Therapy 51 (2013) 597–606:
 * - reliable change: PHQ-9 a change of 6 points or more, GAD-7 a change of 4 points or more
 *   (a fall is a reliable improvement, a rise a reliable deterioration);
 * - caseness: PHQ-9 total 10 or more, GAD-7 total 8 or more;
 * - recovery: the earlier score is at caseness and the later one below it; reliable recovery is
 *   recovery together with reliable improvement.
 * The programme's combined rule (a case when either measure is at caseness, recovered when both are
 * below) is not applied here: each label concerns one measure, and says so.
 *
 * These are named constants per instrument. A clinic may use other figures through the instrument definition's
 * `changeRule` block (for a built-in, a `<id>.change-rule.json` file in INSTRUMENTS_DIR; see
 * server/checkins/instrument-change-rules.ts): `effectiveChangeRule` picks the block when there is one, else the
 * constant, and the API serves the result so the screen states the rule and source actually used.
 *
 * A change is computed only between two complete totals. A missing total (a declined or unanswered
 * summed item) gives no label at all rather than one computed from a partial sum. Labels describe
 * scores; they never diagnose.
 */

import type { ChangeRuleBlock } from '../instruments/definition.schema';

/** The thresholds used for one instrument: the published ones, or a clinic's own. */
export interface ChangeRule {
  instrumentId: string;
  /** Short name used in the on-screen wording, e.g. "PHQ-9". */
  measure: string;
  /** A change of at least this many points (either way) is reliable. */
  reliableChange: number;
  /** A total at or above this is a "case"; null when the rule sets no cut-off (no recovery labels then). */
  caseness: number | null;
  /** Where the figures come from, for a footnote. */
  source: string;
  /** `built-in`: Alcove's published constant; `clinic`: the clinic's own figures, from the instrument definition. */
  origin: 'built-in' | 'clinic';
}

const IAPT_SOURCE =
  'NHS Talking Therapies (IAPT) thresholds; Gyani, Shafran, Layard & Clark, Behaviour Research and Therapy 51 (2013) 597–606';

/** PHQ-9: reliable change ≥ 6 points, caseness ≥ 10. */
export const PHQ9_CHANGE_RULE: ChangeRule = {
  instrumentId: 'phq-9',
  measure: 'PHQ-9',
  reliableChange: 6,
  caseness: 10,
  source: IAPT_SOURCE,
  origin: 'built-in',
};

/** GAD-7: reliable change ≥ 4 points, caseness ≥ 8. */
export const GAD7_CHANGE_RULE: ChangeRule = {
  instrumentId: 'gad-7',
  measure: 'GAD-7',
  reliableChange: 4,
  caseness: 8,
  source: IAPT_SOURCE,
  origin: 'built-in',
};

const RULES: Readonly<Record<string, ChangeRule>> = { 'phq-9': PHQ9_CHANGE_RULE, 'gad-7': GAD7_CHANGE_RULE };

/**
 * The built-in change rule of an instrument, or null when it has none (every other instrument, including
 * the sexual-health check-in, which has no validated total). `override` replaces some of the published
 * figures (the result is then a clinic rule).
 */
export function changeRuleFor(
  instrumentId: string,
  override?: Partial<Pick<ChangeRule, 'reliableChange' | 'caseness' | 'source'>>,
): ChangeRule | null {
  const rule = RULES[instrumentId];
  if (!rule) return null;
  return override ? { ...rule, ...override, origin: 'clinic' } : rule;
}

/**
 * The rule in force for an instrument: its definition's `changeRule` block when it has one (the whole
 * rule: a block without `caseness` sets no case cut-off), else the built-in constant, else null.
 */
export function effectiveChangeRule(definition: {
  id: string;
  title: { en: string };
  changeRule?: ChangeRuleBlock | undefined;
}): ChangeRule | null {
  const builtIn = RULES[definition.id];
  const block = definition.changeRule;
  if (!block) return builtIn ?? null;
  return {
    instrumentId: definition.id,
    measure: builtIn?.measure ?? definition.title.en,
    reliableChange: block.reliableChange,
    caseness: block.caseness ?? null,
    source: block.source,
    origin: 'clinic',
  };
}

/** One scored check-in as far as change is concerned. */
export interface ScorePoint {
  /** The total; undefined or null when the check-in has none. */
  total?: number | null;
  /** How many summed items were declined; any makes the total unusable even if one was given. */
  declinedSummed?: number;
}

/**
 * What a shared check-in contributes to change: its total, and how many of its summed items were
 * declined (an item excluded from the total, such as the PHQ-9 difficulty question, does not count).
 */
export function scorePointOf(
  checkin: { result?: { total?: number | undefined } | undefined; items?: { linkId: string; declined: boolean }[] | undefined },
  excludedLinkIds: Iterable<string>,
): Required<ScorePoint> {
  const excluded = new Set(excludedLinkIds);
  return {
    total: checkin.result?.total ?? null,
    declinedSummed: (checkin.items ?? []).filter((i) => i.declined && !excluded.has(i.linkId)).length,
  };
}

/** The total to compare, or null when there is none to trust (missing, declined items, not a whole number). */
export function usableTotal(p: ScorePoint): number | null {
  if (p.total === undefined || p.total === null) return null;
  if (!Number.isInteger(p.total) || p.total < 0) return null;
  if ((p.declinedSummed ?? 0) > 0) return null;
  return p.total;
}

export type ReliableChange = 'reliable-improvement' | 'reliable-deterioration' | 'no-reliable-change';
/**
 * `not-a-case` when the earlier score was already below caseness: recovery does not apply; `no-cut-off`
 * when the rule in use sets no case cut-off, so recovery is not assessed.
 */
export type Recovery = 'reliable-recovery' | 'recovery' | 'not-recovered' | 'not-a-case' | 'no-cut-off';

/** What changed between two complete totals, with the words that say which rule produced it. */
export interface ScoreChange {
  from: number;
  to: number;
  /** `to - from`: negative is a fall (fewer symptoms). */
  change: number;
  reliableChange: ReliableChange;
  recovery: Recovery;
  /** e.g. "Reliable improvement: PHQ-9 fell by 7 points (a change of 6 or more is reliable)". */
  changeText: string;
  /** e.g. "Recovery: PHQ-9 went from 12 (at or above the case cut-off of 10) to 8 (below it)". */
  recoveryText: string;
}

const points = (n: number) => `${n} point${n === 1 ? '' : 's'}`;

/** Compares two scores of one person; null when either has no usable total. */
export function compareScores(rule: ChangeRule, earlier: ScorePoint, later: ScorePoint): ScoreChange | null {
  const from = usableTotal(earlier);
  const to = usableTotal(later);
  if (from === null || to === null) return null;
  const change = to - from;
  const size = Math.abs(change);
  const reliable = size >= rule.reliableChange;
  const reliableChange: ReliableChange = !reliable ? 'no-reliable-change' : change < 0 ? 'reliable-improvement' : 'reliable-deterioration';
  const moved = change === 0 ? `${rule.measure} did not change` : `${rule.measure} ${change < 0 ? 'fell' : 'rose'} by ${points(size)}`;
  const changeText =
    reliableChange === 'no-reliable-change'
      ? `No reliable change: ${moved} (less than ${rule.reliableChange})`
      : `Reliable ${reliableChange === 'reliable-improvement' ? 'improvement' : 'deterioration'}: ${moved} (a change of ${rule.reliableChange} or more is reliable)`;

  if (rule.caseness === null) {
    const recoveryText = `Recovery is not assessed: the rule in use sets no case cut-off for ${rule.measure}`;
    return { from, to, change, reliableChange, recovery: 'no-cut-off', changeText, recoveryText };
  }
  const wasCase = from >= rule.caseness;
  const nowBelow = to < rule.caseness;
  const recovery: Recovery = !wasCase
    ? 'not-a-case'
    : !nowBelow
      ? 'not-recovered'
      : reliableChange === 'reliable-improvement'
        ? 'reliable-recovery'
        : 'recovery';
  const cut = `the case cut-off of ${rule.caseness}`;
  const recoveryText =
    recovery === 'not-a-case'
      ? `Recovery does not apply: ${rule.measure} started at ${from}, below ${cut}`
      : recovery === 'not-recovered'
        ? `Not recovered: ${rule.measure} is ${to}, still at or above ${cut}`
        : `${recovery === 'reliable-recovery' ? 'Reliable recovery' : 'Recovery'}: ${rule.measure} went from ${from} (at or above ${cut}) to ${to} (below it)${
            recovery === 'recovery' ? ', without a reliable change' : ', with a reliable improvement'
          }`;
  return { from, to, change, reliableChange, recovery, changeText, recoveryText };
}

/** A point's change against the first and the previous complete totals; both null for a point without one. */
export interface PointChange {
  sinceFirst: ScoreChange | null;
  sincePrevious: ScoreChange | null;
}

/**
 * Change indicators along a series of scores, oldest first. A point without a usable total gets no
 * label and is skipped as a reference: "previous" and "first" mean the previous and first complete
 * totals. The first complete total itself has nothing to compare with.
 */
export function changeAlong(rule: ChangeRule, series: ScorePoint[]): PointChange[] {
  let first: ScorePoint | null = null;
  let previous: ScorePoint | null = null;
  return series.map((p) => {
    if (usableTotal(p) === null) return { sinceFirst: null, sincePrevious: null };
    const out: PointChange = {
      sinceFirst: first ? compareScores(rule, first, p) : null,
      sincePrevious: previous ? compareScores(rule, previous, p) : null,
    };
    first ??= p;
    previous = p;
    return out;
  });
}
