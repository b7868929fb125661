import {
  DECLINED,
  type BAND_SEVERITIES,
  type AnswerValue,
  type Answers,
  type Comparator,
  type Condition,
  type FlagSeverity,
  type InstrumentDefinition,
  type InstrumentItem,
  type Language,
  localize,
} from './definition.schema';

/** A band's severity, from the one list in definition.schema.ts. */
export type BandSeverity = (typeof BAND_SEVERITIES)[number];

/** A flag raised by a result, in one language. Clinician flags must never be shown to the patient. */
export interface ResultFlag {
  code: string;
  severity: FlagSeverity;
  audience: 'clinician' | 'patient';
  message: string;
  crisisResources?: boolean;
}

/** One enabled item of a scored check-in, for the clinician's item table. */
export interface ItemResult {
  linkId: string;
  /** The stored answer, or null when the item was left unanswered. */
  value: AnswerValue | null;
  /** The chosen option's numeric value, when it has one. */
  score?: number;
  declined: boolean;
}

export interface CheckinResult {
  /** Sum of the summed items; only when every enabled summed item has a score (no prorating). */
  total?: number;
  /** When the total is missing: the sum of the scores that were given, to be labelled "partial". */
  partialTotal?: number;
  band?: { label: string; severity: BandSeverity; min: number; max: number };
  /** Every enabled required item has a real (not declined) answer. */
  complete: boolean;
  /** Only for instruments with a positive-screen rule, and only when the answers settle it. */
  positiveScreen?: boolean;
  /** Enabled items with an answer (a decline counts as an answer given). */
  answeredCount: number;
  /** Enabled items (items hidden by enableWhen do not count). */
  itemCount: number;
  declinedCount: number;
  flags: ResultFlag[];
  /** A critical clinician flag was raised: interrupt the clinician's screen. */
  safetyAlert: boolean;
  /** Show the patient crisis resources. */
  crisisResources: boolean;
  items: ItemResult[];
}

export type AnswerCheck =
  | { ok: true; value: AnswerValue }
  | { ok: false; reason: 'unknown_item' | 'hidden_item' | 'invalid_value'; message: string };

type Truth = boolean | 'unknown';

type ItemState =
  | { status: 'hidden' | 'unanswered' | 'declined' | 'unknown' }
  | { status: 'answered'; value: AnswerValue; score?: number };

interface EvalContext {
  total: number | undefined;
  state: (linkId: string) => ItemState;
  sum: string[];
}

// A leading/trailing-safe check for control characters other than tab and newlines.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

function isEmpty(value: AnswerValue | undefined): value is undefined {
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

function compare(a: number, op: Comparator, b: number): boolean {
  switch (op) {
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    case '=':
      return a === b;
  }
}

function optionScore(item: InstrumentItem, value: AnswerValue): number | undefined {
  if (item.type !== 'single' || typeof value !== 'string') return undefined;
  return item.options?.find((o) => o.code === value)?.score;
}

/** Whether `value` is a well-formed answer to `item`, ignoring enableWhen. Returns the normalised value. */
function checkValue(item: InstrumentItem, value: unknown): AnswerCheck {
  const bad = (message: string): AnswerCheck => ({ ok: false, reason: 'invalid_value', message });
  if (value === DECLINED) return { ok: true, value: DECLINED };
  switch (item.type) {
    case 'single': {
      if (typeof value !== 'string') return bad('Choose one option');
      return item.options?.some((o) => o.code === value) ? { ok: true, value } : bad('That is not one of the options');
    }
    case 'multiple': {
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
        return bad('Choose one or more options');
      }
      const codes = [...new Set(value as string[])];
      if (codes.includes(DECLINED)) return codes.length === 1 ? { ok: true, value: DECLINED } : bad('"Prefer not to answer" goes alone');
      const options = new Map(item.options?.map((o) => [o.code, o]));
      if (!codes.every((c) => options.has(c))) return bad('That is not one of the options');
      if (codes.length > 1 && codes.some((c) => options.get(c)?.exclusive)) return bad('One of these options goes alone');
      // Keep the definition's order so stored answers compare equal however the client sent them.
      return { ok: true, value: item.options!.map((o) => o.code).filter((c) => codes.includes(c)) };
    }
    case 'text': {
      if (typeof value !== 'string') return bad('Enter text');
      if (CONTROL_CHARS.test(value)) return bad('The text contains characters that are not allowed');
      if ([...value].length > (item.maxLength ?? 0)) return bad(`At most ${item.maxLength} characters`);
      return { ok: true, value };
    }
  }
}

/** The state of every item given the answers, in order, applying enableWhen (a hidden item's answer is ignored). */
function itemStates(definition: InstrumentDefinition, answers: Answers): Map<string, ItemState> {
  const states = new Map<string, ItemState>();
  for (const item of definition.items) {
    if (!isEnabled(item, states)) {
      states.set(item.linkId, { status: 'hidden' });
      continue;
    }
    const raw = answers[item.linkId];
    const check = isEmpty(raw) ? undefined : checkValue(item, raw);
    // Stored answers that no longer fit the definition are treated as missing, never guessed at.
    if (!check?.ok || isEmpty(check.value)) states.set(item.linkId, { status: 'unanswered' });
    else if (check.value === DECLINED) states.set(item.linkId, { status: 'declined' });
    else states.set(item.linkId, { status: 'answered', value: check.value, score: optionScore(item, check.value) });
  }
  return states;
}

function isEnabled(item: InstrumentItem, states: Map<string, ItemState>): boolean {
  if (!item.enableWhen) return true;
  const results = item.enableWhen.map((cond) => {
    const s = states.get(cond.question) ?? { status: 'hidden' as const };
    if (cond.operator === 'exists') {
      const has = s.status === 'answered' || s.status === 'declined';
      return cond.answer === true ? has : !has;
    }
    if (s.status !== 'answered') return false;
    const chosen = Array.isArray(s.value) ? s.value : [s.value];
    const includes = chosen.includes(cond.answer as string);
    return cond.operator === '=' ? includes : !includes;
  });
  return item.enableBehavior === 'any' ? results.some(Boolean) : results.every(Boolean);
}

function scoreTruth(s: ItemState, op: Comparator, value: number): Truth {
  switch (s.status) {
    case 'answered':
      return s.score === undefined ? false : compare(s.score, op, value);
    case 'hidden':
    case 'declined':
      // A declined item has no score; the "declined" rule kinds are how a rule reacts to it.
      return s.status === 'hidden' ? false : 'unknown';
    case 'unanswered':
    case 'unknown':
      return 'unknown';
  }
}

/** Three-valued evaluation: 'unknown' when the missing answers could still go either way. */
function evaluate(c: Condition, ctx: EvalContext): Truth {
  switch (c.kind) {
    case 'total':
      return ctx.total === undefined ? 'unknown' : compare(ctx.total, c.op, c.value);
    case 'item-score':
      return scoreTruth(ctx.state(c.linkId), c.op, c.value);
    case 'item-answer': {
      const s = ctx.state(c.linkId);
      if (s.status === 'answered') return (Array.isArray(s.value) ? s.value : [s.value]).some((v) => c.anyOf.includes(v));
      return s.status === 'hidden' || s.status === 'declined' ? false : 'unknown';
    }
    case 'item-declined': {
      const s = ctx.state(c.linkId).status;
      return s === 'unknown' ? 'unknown' : s === 'declined';
    }
    case 'item-unanswered': {
      const s = ctx.state(c.linkId).status;
      return s === 'unknown' ? 'unknown' : s === 'unanswered';
    }
    case 'items-count': {
      const truths = (c.linkIds ?? ctx.sum).map((id) => scoreTruth(ctx.state(id), c.op, c.value));
      const yes = truths.filter((t) => t === true).length;
      const maybe = truths.filter((t) => t === 'unknown').length;
      if (yes >= c.atLeast) return true;
      return yes + maybe < c.atLeast ? false : 'unknown';
    }
    case 'all': {
      const truths = c.of.map((sub) => evaluate(sub, ctx));
      if (truths.includes(false)) return false;
      return truths.includes('unknown') ? 'unknown' : true;
    }
    case 'any': {
      const truths = c.of.map((sub) => evaluate(sub, ctx));
      if (truths.includes(true)) return true;
      return truths.includes('unknown') ? 'unknown' : false;
    }
  }
}

/**
 * Scores a set of answers against a definition. Pure; the server calls it on submit with the stored answers.
 * Options are scored by their numeric value, never their code. A declined or missing summed item leaves the total
 * undefined (no prorating) and the result incomplete. Unanswered items count as "not answered" — call this on the
 * final answers, since rules such as `item-unanswered` fire on them.
 */
export function scoreCheckin(definition: InstrumentDefinition, answers: Answers, options: { lang?: Language } = {}): CheckinResult {
  const lang = options.lang ?? 'en';
  const states = itemStates(definition, answers);
  const enabled = definition.items.filter((it) => states.get(it.linkId)?.status !== 'hidden');

  const items: ItemResult[] = enabled.map((it) => {
    const s = states.get(it.linkId)!;
    return {
      linkId: it.linkId,
      value: s.status === 'answered' ? s.value : s.status === 'declined' ? DECLINED : null,
      ...(s.status === 'answered' && s.score !== undefined ? { score: s.score } : {}),
      declined: s.status === 'declined',
    };
  });

  const summed = definition.scoring.sum.map((id) => states.get(id)!).filter((s) => s.status !== 'hidden');
  const scores = summed.map((s) => (s.status === 'answered' ? s.score : undefined));
  const given = scores.filter((v): v is number => v !== undefined);
  const isScored = definition.kind === 'scored' && summed.length > 0;
  const total = isScored && given.length === scores.length ? given.reduce((a, b) => a + b, 0) : undefined;
  const partialTotal = isScored && total === undefined && given.length > 0 ? given.reduce((a, b) => a + b, 0) : undefined;

  const bandDef = total === undefined ? undefined : definition.scoring.bands.find((b) => total >= b.min && total <= b.max);
  const ctx: EvalContext = {
    total,
    state: (id) => states.get(id) ?? { status: 'hidden' },
    sum: definition.scoring.sum,
  };

  const flags: ResultFlag[] = [];
  const flagDefs = new Map(definition.scoring.flags.map((f) => [f.code, f]));
  for (const rule of definition.scoring.alerts) {
    if (evaluate(rule.when, ctx) !== true) continue;
    for (const code of rule.raise) {
      const f = flagDefs.get(code);
      if (!f || flags.some((x) => x.code === code)) continue;
      flags.push({
        code: f.code,
        severity: f.severity,
        audience: f.audience,
        message: localize(f.message, lang),
        ...(f.crisisResources ? { crisisResources: true } : {}),
      });
    }
  }

  const screen = definition.scoring.positiveScreen ? evaluate(definition.scoring.positiveScreen, ctx) : undefined;
  const answered = enabled.filter((it) => ['answered', 'declined'].includes(states.get(it.linkId)!.status));
  return {
    ...(total !== undefined ? { total } : {}),
    ...(partialTotal !== undefined ? { partialTotal } : {}),
    ...(bandDef ? { band: { label: localize(bandDef.label, lang), severity: bandDef.severity, min: bandDef.min, max: bandDef.max } } : {}),
    complete: enabled.every((it) => !it.required || states.get(it.linkId)!.status === 'answered'),
    ...(screen === true || screen === false ? { positiveScreen: screen } : {}),
    answeredCount: answered.length,
    itemCount: enabled.length,
    declinedCount: enabled.filter((it) => states.get(it.linkId)!.status === 'declined').length,
    flags,
    safetyAlert: flags.some((f) => f.audience === 'clinician' && f.severity === 'critical'),
    crisisResources: flags.some((f) => f.crisisResources === true),
    items,
  };
}

/**
 * Whether this one answer, on its own, already calls for crisis resources (PHQ-9 item 9 ≥ 1 or declined), so the
 * patient's screen can show them the moment it is given. Considers only alert rules that raise a crisis-resources
 * flag, and only what this answer settles; the server's scoreCheckin on submit remains the authority.
 */
export function isSafetyPositive(definition: InstrumentDefinition, linkId: string, value: unknown): boolean {
  const item = definition.items.find((it) => it.linkId === linkId);
  if (!item || isEmpty(value as AnswerValue)) return false;
  const check = checkValue(item, value);
  if (!check.ok) return false;
  const own: ItemState =
    check.value === DECLINED ? { status: 'declined' } : { status: 'answered', value: check.value, score: optionScore(item, check.value) };
  const ctx: EvalContext = { total: undefined, state: (id) => (id === linkId ? own : { status: 'unknown' }), sum: definition.scoring.sum };
  const crisisCodes = new Set(definition.scoring.flags.filter((f) => f.crisisResources).map((f) => f.code));
  return definition.scoring.alerts.some((rule) => rule.raise.some((c) => crisisCodes.has(c)) && evaluate(rule.when, ctx) === true);
}

/**
 * Checks one answer before it is stored: an option code (single), an array of option codes (multiple; exclusive
 * options alone), or text within maxLength (an empty string clears a text answer). `asked-declined` is accepted for
 * every item. An item hidden by enableWhen, given the other current answers, accepts nothing.
 */
export function validateAnswer(definition: InstrumentDefinition, linkId: string, value: unknown, answers: Answers = {}): AnswerCheck {
  const item = definition.items.find((it) => it.linkId === linkId);
  if (!item) return { ok: false, reason: 'unknown_item', message: 'This check-in has no such question' };
  const { [linkId]: _own, ...others } = answers;
  if (itemStates(definition, others).get(linkId)?.status === 'hidden') {
    return { ok: false, reason: 'hidden_item', message: 'This question does not apply given the earlier answers' };
  }
  return checkValue(item, value);
}

/** Whether an item is shown, given the current answers (enableWhen). */
export function isItemEnabled(definition: InstrumentDefinition, linkId: string, answers: Answers): boolean {
  const status = itemStates(definition, answers).get(linkId)?.status;
  return status !== undefined && status !== 'hidden';
}
