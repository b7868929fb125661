import { z } from 'zod';

/**
 * The instrument definition format: close to a FHIR R4 Questionnaire (linkId, LOINC `code`, answer options with
 * numeric values, `enableWhen`, copyright), plus an Alcove scoring block (summed items, bands, alert rules, flags,
 * positive-screen rule). Built-ins and clinic-supplied files both end up in this shape.
 *
 * "Prefer not to answer" is added automatically: every choice item gets an unscored option with the code
 * `asked-declined` unless the file already lists one (which must then carry no score). Text items accept the
 * value `asked-declined` too.
 */

export const LANGUAGES = ['en', 'es'] as const;
export const LanguageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof LanguageSchema>;

/** The answer value that means "prefer not to answer" (FHIR data-absent-reason `asked-declined`). */
export const DECLINED = 'asked-declined';

const DECLINED_DISPLAY = { en: 'Prefer not to answer', es: 'Prefiero no responder' } as const;

/** Text in English (always) and Spanish (when the instrument offers Spanish). */
export const LocalizedTextSchema = z.strictObject({
  en: z.string().trim().min(1).max(4000),
  es: z.string().trim().min(1).max(4000).optional(),
});
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;

// linkIds travel in URL paths (PUT /api/checkins/:id/answers/:linkId); '/' is allowed because NLM exports use it,
// so callers must encodeURIComponent them.
export const LinkIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9/][A-Za-z0-9._/-]{0,79}$/, 'must be 1-80 characters: letters, digits, . _ - /');
export const OptionCodeSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^\S(.*\S)?$/, 'must not start or end with whitespace');
export const LoincCodeSchema = z.string().regex(/^\d{1,7}-\d$/, 'must be a LOINC code such as 44261-6');
const UriSchema = z.string().min(3).max(500).regex(/^[a-z][a-z0-9+.-]*:\S+$/i, 'must be an absolute URI');

export const InstrumentIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$/, 'must be 2-64 lowercase letters, digits and hyphens');

export const AnswerOptionSchema = z.strictObject({
  code: OptionCodeSchema,
  /** Code system of `code`; LOINC answer codes (LA…) default to http://loinc.org, others to the instrument's. */
  system: UriSchema.optional(),
  display: LocalizedTextSchema,
  /** The option's numeric value (FHIR ordinalValue). Scores use this, never the code. */
  score: z.number().finite().optional(),
  /** Chosen alone only (multiple choice), e.g. "no changes". */
  exclusive: z.boolean().optional(),
});
export type AnswerOption = z.infer<typeof AnswerOptionSchema>;

export const EnableWhenSchema = z.strictObject({
  question: LinkIdSchema,
  /**
   * `exists`: the question has any answer (a decline counts) when `answer` is true, none when false.
   * `=`: the answer is (or, for multiple choice, includes) the option code.
   * `!=`: the question has a real answer (not declined) that is not (does not include) the option code.
   */
  operator: z.enum(['exists', '=', '!=']),
  answer: z.union([OptionCodeSchema, z.boolean()]),
});
export type EnableWhen = z.infer<typeof EnableWhenSchema>;

export const ITEM_TYPES = ['single', 'multiple', 'text'] as const;

export const ItemSchema = z.strictObject({
  linkId: LinkIdSchema,
  /** LOINC code of the question, where one exists. */
  code: LoincCodeSchema.optional(),
  type: z.enum(ITEM_TYPES),
  text: LocalizedTextSchema,
  help: LocalizedTextSchema.optional(),
  options: z.array(AnswerOptionSchema).max(50).optional(),
  /** Text items only: the longest answer accepted, in characters. */
  maxLength: z.number().int().min(1).max(5000).optional(),
  /** A required item left unanswered or declined makes the result incomplete. */
  required: z.boolean().default(true),
  enableWhen: z.array(EnableWhenSchema).min(1).max(20).optional(),
  enableBehavior: z.enum(['all', 'any']).default('all'),
  /** Asks "is it safe to talk right now?" before the set that contains it. */
  sensitive: z.boolean().default(false),
  /** Never added to the total (e.g. the PHQ-9 difficulty question). */
  excludeFromTotal: z.boolean().default(false),
});
export type ItemInput = z.input<typeof ItemSchema>;

export const COMPARATORS = ['>=', '>', '<=', '<', '='] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** A rule over answers and the total. `items-count` is "at least `atLeast` of these items score `op value`". */
export type Condition =
  | { kind: 'total'; op: Comparator; value: number }
  | { kind: 'item-score'; linkId: string; op: Comparator; value: number }
  | { kind: 'item-answer'; linkId: string; anyOf: string[] }
  | { kind: 'item-declined'; linkId: string }
  | { kind: 'item-unanswered'; linkId: string }
  | { kind: 'items-count'; linkIds?: string[]; op: Comparator; value: number; atLeast: number }
  | { kind: 'all'; of: Condition[] }
  | { kind: 'any'; of: Condition[] };

const ComparatorSchema = z.enum(COMPARATORS);

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('total'), op: ComparatorSchema, value: z.number().finite() }),
    z.strictObject({ kind: z.literal('item-score'), linkId: LinkIdSchema, op: ComparatorSchema, value: z.number().finite() }),
    z.strictObject({ kind: z.literal('item-answer'), linkId: LinkIdSchema, anyOf: z.array(OptionCodeSchema).min(1).max(50) }),
    z.strictObject({ kind: z.literal('item-declined'), linkId: LinkIdSchema }),
    z.strictObject({ kind: z.literal('item-unanswered'), linkId: LinkIdSchema }),
    z.strictObject({
      kind: z.literal('items-count'),
      linkIds: z.array(LinkIdSchema).min(1).max(200).optional(),
      op: ComparatorSchema,
      value: z.number().finite(),
      atLeast: z.number().int().min(1),
    }),
    z.strictObject({ kind: z.literal('all'), of: z.array(ConditionSchema).min(1).max(20) }),
    z.strictObject({ kind: z.literal('any'), of: z.array(ConditionSchema).min(1).max(20) }),
  ]),
);

export const BAND_SEVERITIES = ['none', 'minimal', 'mild', 'moderate', 'moderately-severe', 'severe'] as const;
export const FLAG_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type FlagSeverity = (typeof FLAG_SEVERITIES)[number];

export const BandSchema = z.strictObject({
  min: z.number().finite(),
  max: z.number().finite(),
  label: LocalizedTextSchema,
  severity: z.enum(BAND_SEVERITIES),
});

export const FlagDefinitionSchema = z.strictObject({
  code: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, 'must be lowercase letters, digits, dots and hyphens'),
  severity: z.enum(FLAG_SEVERITIES),
  /** Who sees the message: clinician flags never reach the patient's screen, and patient flags are not alerts. */
  audience: z.enum(['clinician', 'patient']),
  message: LocalizedTextSchema,
  /** A patient flag that means "show crisis resources now" (see isSafetyPositive). */
  crisisResources: z.boolean().optional(),
});

export const AlertRuleSchema = z.strictObject({
  when: ConditionSchema,
  /** Codes of `flags` raised when `when` is definitely true. */
  raise: z.array(z.string()).min(1).max(10),
});

export const ScoringSchema = z.strictObject({
  /** linkIds whose option scores add up to the total. Empty for structured instruments. */
  sum: z.array(LinkIdSchema).max(200).default([]),
  /** The calculated total as a FHIR item: linkId and LOINC code. */
  total: z
    .strictObject({ linkId: LinkIdSchema, code: LoincCodeSchema.optional(), text: LocalizedTextSchema })
    .optional(),
  bands: z.array(BandSchema).max(20).default([]),
  positiveScreen: ConditionSchema.optional(),
  flags: z.array(FlagDefinitionSchema).max(50).default([]),
  alerts: z.array(AlertRuleSchema).max(50).default([]),
});

export const SourceSchema = z.strictObject({
  url: z.string().url(),
  /** What was checked against this source (wording, codes, cut-offs…). */
  checked: z.string().min(1).max(1000),
});

/**
 * The figures for labelling change between two totals of one person (see shared/outcomes/change.ts): a change of at
 * least `reliableChange` points is reliable; a total at or above `caseness` is a "case" (without it, no recovery
 * label). `source` says where the figures come from and is shown on screen. Built-ins carry none in their JSON: PHQ-9
 * and GAD-7 use the published constants in change.ts unless a clinic overrides them (`<id>.change-rule.json`).
 */
export const ChangeRuleSchema = z.strictObject({
  reliableChange: z.number().int('must be a whole number of points').min(1).max(1000),
  caseness: z.number().int('must be a whole number').min(1).max(1000).optional(),
  source: z.string().trim().min(1, 'must say where the figures come from').max(1000),
});
export type ChangeRuleBlock = z.infer<typeof ChangeRuleSchema>;

const DefinitionObjectSchema = z.strictObject({
  id: InstrumentIdSchema,
  version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$/, 'must be a version such as 1.0.0'),
  /** FHIR canonical of this definition; QuestionnaireResponse.questionnaire points here. */
  url: UriSchema.optional(),
  /** LOINC panel code, where one exists. */
  code: LoincCodeSchema.optional(),
  title: LocalizedTextSchema,
  kind: z.enum(['scored', 'structured']),
  /** Shown wherever the instrument is, e.g. "conversation aid, not a validated scale". Required for structured. */
  labelledAs: LocalizedTextSchema.optional(),
  /** The stem shown above the items ("Over the last 2 weeks…"). */
  intro: LocalizedTextSchema.optional(),
  copyright: z.string().min(1).max(4000),
  sources: z.array(SourceSchema).min(1).max(20),
  /** Languages whose full text this definition carries. English always. */
  languages: z.array(LanguageSchema).min(1),
  /** Code system for this instrument's own answer codes. */
  answerSystem: UriSchema.optional(),
  items: z.array(ItemSchema).min(1).max(200),
  scoring: ScoringSchema.default({ sum: [], bands: [], flags: [], alerts: [] }),
  /** Reliable change and caseness for this instrument's total, overriding any built-in rule. Scored instruments only. */
  changeRule: ChangeRuleSchema.optional(),
});

type Ctx = z.RefinementCtx;
type Path = (string | number)[];
type RawDefinition = z.output<typeof DefinitionObjectSchema>;

/** Checks that a rule names existing items, scored where it compares scores, and real option codes. */
function checkCondition(def: RawDefinition, c: Condition, path: Path, ctx: Ctx) {
  const item = (linkId: string, at: Path, scored: boolean) => {
    const it = def.items.find((x) => x.linkId === linkId);
    if (!it) ctx.addIssue({ code: 'custom', path: at, message: `no item has linkId '${linkId}'` });
    else if (scored && !it.options?.some((o) => o.score !== undefined)) {
      ctx.addIssue({ code: 'custom', path: at, message: `item '${linkId}' has no scored options` });
    }
    return it;
  };
  switch (c.kind) {
    case 'total':
      if (def.kind === 'structured') ctx.addIssue({ code: 'custom', path, message: 'a structured instrument has no total to test' });
      break;
    case 'item-score':
      item(c.linkId, [...path, 'linkId'], true);
      break;
    case 'item-answer': {
      const it = item(c.linkId, [...path, 'linkId'], false);
      c.anyOf.forEach((code, i) => {
        if (it && !it.options?.some((o) => o.code === code)) {
          ctx.addIssue({ code: 'custom', path: [...path, 'anyOf', i], message: `item '${c.linkId}' has no option '${code}'` });
        }
      });
      break;
    }
    case 'item-declined':
    case 'item-unanswered':
      item(c.linkId, [...path, 'linkId'], false);
      break;
    case 'items-count': {
      c.linkIds?.forEach((id, i) => item(id, [...path, 'linkIds', i], true));
      const counted = c.linkIds ?? def.scoring.sum;
      if (counted.length === 0) {
        ctx.addIssue({ code: 'custom', path: [...path, 'linkIds'], message: 'list the items to count (there are no summed items to default to)' });
      } else if (c.atLeast > counted.length) {
        ctx.addIssue({ code: 'custom', path: [...path, 'atLeast'], message: 'is more than the number of items counted' });
      }
      break;
    }
    case 'all':
    case 'any':
      c.of.forEach((sub, i) => checkCondition(def, sub, [...path, 'of', i], ctx));
      break;
  }
}

function checkLanguages(def: RawDefinition, ctx: Ctx) {
  if (!def.languages.includes('en')) ctx.addIssue({ code: 'custom', path: ['languages'], message: "must include 'en'" });
  if (new Set(def.languages).size !== def.languages.length) ctx.addIssue({ code: 'custom', path: ['languages'], message: 'lists a language twice' });
  if (!def.languages.includes('es')) return;
  const need = (t: LocalizedText | undefined, path: Path) => {
    if (t && !t.es) ctx.addIssue({ code: 'custom', path: [...path, 'es'], message: "Spanish text is missing (the instrument lists 'es')" });
  };
  need(def.title, ['title']);
  need(def.labelledAs, ['labelledAs']);
  need(def.intro, ['intro']);
  def.items.forEach((it, i) => {
    need(it.text, ['items', i, 'text']);
    need(it.help, ['items', i, 'help']);
    it.options?.forEach((o, j) => need(o.display, ['items', i, 'options', j, 'display']));
  });
  need(def.scoring.total?.text, ['scoring', 'total', 'text']);
  def.scoring.bands.forEach((b, i) => need(b.label, ['scoring', 'bands', i, 'label']));
  def.scoring.flags.forEach((f, i) => need(f.message, ['scoring', 'flags', i, 'message']));
}

function checkItems(def: RawDefinition, ctx: Ctx) {
  const seen = new Map<string, number>();
  def.items.forEach((it, i) => {
    if (seen.has(it.linkId)) ctx.addIssue({ code: 'custom', path: ['items', i, 'linkId'], message: `'${it.linkId}' is used twice` });
    if (it.type === 'text') {
      if (it.maxLength === undefined) ctx.addIssue({ code: 'custom', path: ['items', i, 'maxLength'], message: 'is required for text items' });
      if (it.options) ctx.addIssue({ code: 'custom', path: ['items', i, 'options'], message: 'text items have no options' });
    } else {
      if (it.maxLength !== undefined) ctx.addIssue({ code: 'custom', path: ['items', i, 'maxLength'], message: 'only text items have a maxLength' });
      const real = (it.options ?? []).filter((o) => o.code !== DECLINED);
      if (real.length === 0) ctx.addIssue({ code: 'custom', path: ['items', i, 'options'], message: 'a choice item needs at least one option' });
      const codes = new Set<string>();
      (it.options ?? []).forEach((o, j) => {
        if (codes.has(o.code)) ctx.addIssue({ code: 'custom', path: ['items', i, 'options', j, 'code'], message: `'${o.code}' is used twice` });
        codes.add(o.code);
        if (o.code === DECLINED && o.score !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['items', i, 'options', j, 'score'], message: '"prefer not to answer" must carry no score' });
        }
        if (it.type === 'multiple' && o.score !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['items', i, 'options', j, 'score'], message: 'only single-choice options can be scored' });
        }
        if (it.type === 'single' && o.exclusive) {
          ctx.addIssue({ code: 'custom', path: ['items', i, 'options', j, 'exclusive'], message: 'only multiple-choice options can be exclusive' });
        }
      });
    }
    it.enableWhen?.forEach((cond, k) => {
      const target = seen.get(cond.question);
      const path = ['items', i, 'enableWhen', k];
      if (target === undefined) {
        ctx.addIssue({ code: 'custom', path: [...path, 'question'], message: `must name an earlier item (no earlier item '${cond.question}')` });
        return;
      }
      const targetItem = def.items[target];
      if (cond.operator === 'exists') {
        if (typeof cond.answer !== 'boolean') ctx.addIssue({ code: 'custom', path: [...path, 'answer'], message: "must be true or false for 'exists'" });
      } else if (typeof cond.answer !== 'string') {
        ctx.addIssue({ code: 'custom', path: [...path, 'answer'], message: `must be an option code for '${cond.operator}'` });
      } else if (!targetItem?.options?.some((o) => o.code === cond.answer)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'answer'], message: `item '${cond.question}' has no option '${cond.answer}'` });
      }
    });
    seen.set(it.linkId, i);
  });
}

function checkScoring(def: RawDefinition, ctx: Ctx) {
  const s = def.scoring;
  const items = new Map(def.items.map((it) => [it.linkId, it]));
  if (def.kind === 'structured') {
    if (!def.labelledAs) ctx.addIssue({ code: 'custom', path: ['labelledAs'], message: 'is required for a structured instrument (e.g. "conversation aid, not a validated scale")' });
    if (s.sum.length) ctx.addIssue({ code: 'custom', path: ['scoring', 'sum'], message: 'a structured instrument has no total' });
    if (s.bands.length) ctx.addIssue({ code: 'custom', path: ['scoring', 'bands'], message: 'a structured instrument has no bands' });
    if (s.total) ctx.addIssue({ code: 'custom', path: ['scoring', 'total'], message: 'a structured instrument has no total' });
    if (s.positiveScreen) ctx.addIssue({ code: 'custom', path: ['scoring', 'positiveScreen'], message: 'a structured instrument has no screen result' });
  } else if (s.sum.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['scoring', 'sum'], message: 'a scored instrument must list the items that sum' });
  }
  const summed = new Set<string>();
  s.sum.forEach((linkId, i) => {
    const path = ['scoring', 'sum', i];
    const it = items.get(linkId);
    if (summed.has(linkId)) ctx.addIssue({ code: 'custom', path, message: `'${linkId}' is listed twice` });
    summed.add(linkId);
    if (!it) return ctx.addIssue({ code: 'custom', path, message: `no item has linkId '${linkId}'` });
    if (it.excludeFromTotal) ctx.addIssue({ code: 'custom', path, message: `item '${linkId}' is marked excludeFromTotal` });
    if (it.type !== 'single') return ctx.addIssue({ code: 'custom', path, message: `item '${linkId}' is not single choice` });
    it.options?.forEach((o, j) => {
      if (o.code !== DECLINED && o.score === undefined) {
        const idx = def.items.indexOf(it);
        ctx.addIssue({ code: 'custom', path: ['items', idx, 'options', j, 'score'], message: `summed item '${linkId}' needs a score on every option` });
      }
    });
  });
  if (s.total && items.has(s.total.linkId)) {
    ctx.addIssue({ code: 'custom', path: ['scoring', 'total', 'linkId'], message: 'must differ from every item linkId' });
  }
  const sorted = s.bands.map((b, i) => ({ ...b, i })).sort((a, b) => a.min - b.min);
  sorted.forEach((b, k) => {
    if (b.min > b.max) ctx.addIssue({ code: 'custom', path: ['scoring', 'bands', b.i, 'max'], message: 'is below min' });
    const prev = sorted[k - 1];
    if (prev && b.min <= prev.max) ctx.addIssue({ code: 'custom', path: ['scoring', 'bands', b.i, 'min'], message: 'overlaps another band' });
  });
  const flagCodes = new Set<string>();
  s.flags.forEach((f, i) => {
    if (flagCodes.has(f.code)) ctx.addIssue({ code: 'custom', path: ['scoring', 'flags', i, 'code'], message: `'${f.code}' is used twice` });
    flagCodes.add(f.code);
    if (f.crisisResources && f.audience !== 'patient') {
      ctx.addIssue({ code: 'custom', path: ['scoring', 'flags', i, 'crisisResources'], message: 'only a patient flag can show crisis resources' });
    }
  });
  s.alerts.forEach((a, i) => {
    checkCondition(def, a.when, ['scoring', 'alerts', i, 'when'], ctx);
    a.raise.forEach((code, j) => {
      if (!flagCodes.has(code)) ctx.addIssue({ code: 'custom', path: ['scoring', 'alerts', i, 'raise', j], message: `no flag has code '${code}'` });
    });
  });
  if (s.positiveScreen) checkCondition(def, s.positiveScreen, ['scoring', 'positiveScreen'], ctx);
  checkChangeRule(def, ctx);
}

/** A change rule needs a total, and thresholds a total can reach. */
function checkChangeRule(def: RawDefinition, ctx: Ctx) {
  const rule = def.changeRule;
  if (!rule) return;
  if (def.kind === 'structured') {
    ctx.addIssue({ code: 'custom', path: ['changeRule'], message: 'a structured instrument has no total to compare' });
    return;
  }
  let max = 0;
  for (const linkId of def.scoring.sum) {
    const scores = (def.items.find((it) => it.linkId === linkId)?.options ?? []).flatMap((o) => (o.score === undefined ? [] : [o.score]));
    if (scores.length) max += Math.max(...scores);
  }
  for (const field of ['reliableChange', 'caseness'] as const) {
    const value = rule[field];
    if (value !== undefined && value > max) {
      ctx.addIssue({ code: 'custom', path: ['changeRule', field], message: `is more than the highest possible total (${max})` });
    }
  }
}

function withDeclinedOptions(def: RawDefinition) {
  return {
    ...def,
    url: def.url ?? `urn:alcove:questionnaire:${def.id}`,
    answerSystem: def.answerSystem ?? `urn:alcove:instrument:${def.id}`,
    items: def.items.map((it) =>
      it.type === 'text' || it.options?.some((o) => o.code === DECLINED)
        ? it
        : { ...it, options: [...(it.options ?? []), { code: DECLINED, display: { ...DECLINED_DISPLAY } }] },
    ),
  };
}

/** Parses and cross-checks a definition; adds the "prefer not to answer" option to every choice item that lacks it. */
export const InstrumentDefinitionSchema = DefinitionObjectSchema.superRefine((def, ctx) => {
  checkItems(def, ctx);
  checkLanguages(def, ctx);
  checkScoring(def, ctx);
}).transform(withDeclinedOptions);

/** A validated definition, with `url`, `answerSystem` and every "prefer not to answer" option filled in. */
export type InstrumentDefinition = z.output<typeof InstrumentDefinitionSchema>;
/** What a definition file may contain (defaults and the declined options not yet applied). */
export type InstrumentDefinitionInput = z.input<typeof InstrumentDefinitionSchema>;
export type InstrumentItem = InstrumentDefinition['items'][number];
export type Band = z.infer<typeof BandSchema>;
export type FlagDefinition = z.infer<typeof FlagDefinitionSchema>;

/** An answer as stored: an option code, several option codes (multiple choice), text, or `asked-declined`. */
export type AnswerValue = string | string[];
/** Answers by linkId. */
export type Answers = Readonly<Record<string, AnswerValue | undefined>>;

/** The language to show an instrument in: the one asked for when the instrument carries it, else English. */
export function effectiveLanguage(definition: Pick<InstrumentDefinition, 'languages'>, lang: Language | undefined): Language {
  return lang && definition.languages.includes(lang) ? lang : 'en';
}

/** One language's text, falling back to English. */
export function localize(text: LocalizedText, lang: Language): string {
  return lang === 'es' ? (text.es ?? text.en) : text.en;
}
