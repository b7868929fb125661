import { describe, expect, it } from 'vitest';
import { BUILT_IN_INSTRUMENTS } from '@shared/instruments/built-ins';
import { DECLINED, InstrumentDefinitionSchema, type InstrumentDefinitionInput } from '@shared/instruments/definition.schema';
import { builtIn } from './helpers';

const PFIZER = 'Copyright © Pfizer Inc. All rights reserved.';

function minimal(overrides: Partial<InstrumentDefinitionInput> = {}): InstrumentDefinitionInput {
  return {
    id: 'mini',
    version: '1',
    title: { en: 'Mini' },
    kind: 'scored',
    copyright: 'test',
    sources: [{ url: 'https://example.org/x', checked: 'test' }],
    languages: ['en'],
    items: [
      { linkId: 'a', type: 'single', text: { en: 'A' }, options: [{ code: 'a0', display: { en: '0' }, score: 0 }, { code: 'a1', display: { en: '1' }, score: 1 }] },
      { linkId: 'b', type: 'single', text: { en: 'B' }, options: [{ code: 'b0', display: { en: '0' }, score: 0 }, { code: 'b1', display: { en: '1' }, score: 1 }] },
    ],
    scoring: { sum: ['a', 'b'] },
    ...overrides,
  };
}

/** The dotted paths of every problem the schema reports. */
function problems(input: unknown): string[] {
  const r = InstrumentDefinitionSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('built-in instruments', () => {
  it('ships exactly PHQ-9, PHQ-2, GAD-7, GAD-2 and the sexual-health check-in, each with a unique id', () => {
    expect(BUILT_IN_INSTRUMENTS.map((d) => d.id)).toEqual(['phq-9', 'phq-2', 'gad-7', 'gad-2', 'alcove-sexual-health']);
  });

  it.each(BUILT_IN_INSTRUMENTS.map((d) => [d.id, d] as const))('%s: every choice item offers "prefer not to answer", unscored, once', (_id, def) => {
    for (const item of def.items.filter((it) => it.type !== 'text')) {
      const declined = item.options!.filter((o) => o.code === DECLINED);
      expect(declined).toHaveLength(1);
      expect(declined[0]!.score).toBeUndefined();
      expect(declined[0]!.display.en).toBe('Prefer not to answer');
    }
  });

  it.each(BUILT_IN_INSTRUMENTS.map((d) => [d.id, d] as const))('%s: cites at least one source and carries a copyright notice', (_id, def) => {
    expect(def.sources.length).toBeGreaterThan(0);
    for (const s of def.sources) expect(new URL(s.url).protocol).toBe('https:');
    expect(def.copyright.length).toBeGreaterThan(10);
  });

  it.each(['phq-9', 'phq-2', 'gad-7', 'gad-2'])('%s: Pfizer and LOINC notices, English only (no sourced official Spanish text)', (id) => {
    const def = builtIn(id);
    expect(def.copyright).toContain(PFIZER);
    expect(def.copyright).toContain('No permission required to reproduce, translate, display or distribute.');
    expect(def.copyright).toContain('LOINC');
    expect(def.languages).toEqual(['en']);
    for (const item of def.items) {
      expect(item.text.es).toBeUndefined();
      for (const o of item.options!.filter((x) => x.code !== DECLINED)) expect(o.display.es).toBeUndefined();
    }
  });

  it.each([
    ['phq-9', 0, 27, '44249-1', '44261-6'],
    ['phq-2', 0, 6, '55757-9', '55758-7'],
    ['gad-7', 0, 21, '69737-5', '70274-6'],
  ])('%s: total %i–%i, panel %s, total code %s, bands cover every total once', (id, min, max, panel, totalCode) => {
    const def = builtIn(id);
    expect(def.code).toBe(panel);
    expect(def.scoring.total?.code).toBe(totalCode);
    const ranges = def.scoring.sum.map((l) => def.items.find((i) => i.linkId === l)!.options!.flatMap((o) => (o.score === undefined ? [] : [o.score])));
    expect(ranges.reduce((a, r) => a + Math.min(...r), 0)).toBe(min);
    expect(ranges.reduce((a, r) => a + Math.max(...r), 0)).toBe(max);
    if (def.scoring.bands.length) {
      for (let t = min; t <= max; t++) expect(def.scoring.bands.filter((b) => t >= b.min && t <= b.max)).toHaveLength(1);
    }
  });

  it('PHQ-9 has the LOINC item codes in order, item 9 marked sensitive, and the unscored difficulty item excluded', () => {
    const def = builtIn('phq-9');
    expect(def.items.map((i) => i.code)).toEqual(['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8', '69722-7']);
    expect(def.items[8]!.sensitive).toBe(true);
    const difficulty = def.items[9]!;
    expect(difficulty).toMatchObject({ excludeFromTotal: true, required: false });
    expect(difficulty.options!.every((o) => o.score === undefined)).toBe(true);
    expect(def.scoring.sum).not.toContain('69722-7');
    expect(def.items[0]!.options!.map((o) => [o.code, o.score])).toEqual([
      ['LA6568-5', 0],
      ['LA6569-3', 1],
      ['LA6570-1', 2],
      ['LA6571-9', 3],
      [DECLINED, undefined],
    ]);
  });

  it('GAD-7 has the seven LOINC item codes (not the wrong 69726-8… series)', () => {
    expect(builtIn('gad-7').items.map((i) => i.code)).toEqual(['69725-0', '68509-9', '69733-4', '69734-2', '69735-9', '69689-8', '69736-7']);
  });

  it('the sexual-health check-in is structured, labelled a conversation aid, bilingual, with a limited private note', () => {
    const def = builtIn('alcove-sexual-health');
    expect(def.kind).toBe('structured');
    expect(def.labelledAs?.en).toMatch(/conversation aid, not a validated scale/i);
    expect(def.labelledAs?.es).toMatch(/no una escala validada/i);
    expect(def.languages).toEqual(['en', 'es']);
    expect(def.scoring.sum).toEqual([]);
    expect(def.scoring.total).toBeUndefined();
    expect(def.items.every((i) => i.sensitive)).toBe(true);
    expect(def.items.find((i) => i.linkId === 'note')).toMatchObject({ type: 'text', maxLength: 1000, required: false });
    const codes = (id: string) => def.items.find((i) => i.linkId === id)!.options!.map((o) => o.code);
    expect(codes('satisfaction')).toContain('not-sexually-active');
    expect(codes('changes')).toEqual(['interest', 'arousal', 'orgasm', 'pain', 'no-change', 'not-sexually-active', DECLINED]);
    expect(codes('topics')).toEqual([
      'sexual-function',
      'relationships-intimacy',
      'contraception-sti',
      'identity',
      'unwanted-experiences',
      'something-else',
      'nothing-today',
      DECLINED,
    ]);
    expect(def.items.flatMap((i) => i.options ?? []).every((o) => o.score === undefined)).toBe(true);
  });

  it('the sexual-health wording assumes no anatomy, gender or partner, in either language', () => {
    const def = builtIn('alcove-sexual-health');
    const texts = [def.title, def.intro!, ...def.items.flatMap((i) => [i.text, ...(i.options ?? []).map((o) => o.display)])];
    const en = texts.map((t) => t.en).join(' ').toLowerCase();
    const es = texts.map((t) => t.es).join(' ').toLowerCase();
    for (const word of ['partner', 'husband', 'wife', 'boyfriend', 'girlfriend', 'penis', 'vagina', 'erection', 'lubrication', 'intercourse', ' men ', ' women ', ' his ', ' her ']) {
      expect(en).not.toContain(word);
    }
    // Spanish adjectives agree with gender; none that describe the patient should appear.
    for (const word of ['pareja', 'esposo', 'esposa', 'satisfecho', 'satisfecha', 'seguro', 'segura', 'activo', 'activa', 'pene', 'vagina']) {
      expect(es).not.toContain(word);
    }
  });
});

describe('definition validation', () => {
  it('accepts a minimal scored definition and adds "prefer not to answer" and defaults', () => {
    const def = InstrumentDefinitionSchema.parse(minimal());
    expect(def.items[0]!.options!.at(-1)).toEqual({ code: DECLINED, display: { en: 'Prefer not to answer', es: 'Prefiero no responder' } });
    expect(def.items[0]).toMatchObject({ required: true, sensitive: false, excludeFromTotal: false, enableBehavior: 'all' });
    expect(def.url).toBe('urn:alcove:questionnaire:mini');
  });

  it('keeps an unscored "prefer not to answer" the file already lists, and does not add a second', () => {
    const input = minimal();
    input.items[0]!.options!.push({ code: DECLINED, display: { en: 'Rather not say' } });
    const def = InstrumentDefinitionSchema.parse(input);
    expect(def.items[0]!.options!.filter((o) => o.code === DECLINED)).toEqual([{ code: DECLINED, display: { en: 'Rather not say' } }]);
  });

  it.each<[string, (d: InstrumentDefinitionInput) => void, string]>([
    ['a scored "prefer not to answer"', (d) => d.items[0]!.options!.push({ code: DECLINED, display: { en: 'x' }, score: 0 }), 'items.0.options.2.score'],
    ['a summed item without scores', (d) => delete d.items[1]!.options![0]!.score, 'items.1.options.0.score'],
    ['a duplicate linkId', (d) => (d.items[1]!.linkId = 'a'), 'items.1.linkId'],
    ['a duplicate option code', (d) => (d.items[1]!.options![1]!.code = 'b0'), 'items.1.options.1.code'],
    ['a missing Spanish text when es is listed', (d) => (d.languages = ['en', 'es']), 'title.es'],
    ['no English in languages', (d) => (d.languages = ['es']), 'languages'],
    ['an unknown field (typo)', (d) => Object.assign(d.items[0]!, { requird: true }), 'items.0'],
    ['a text item without maxLength', (d) => d.items.push({ linkId: 'c', type: 'text', text: { en: 'C' } }), 'items.2.maxLength'],
    ['a choice item without options', (d) => d.items.push({ linkId: 'c', type: 'single', text: { en: 'C' } }), 'items.2.options'],
    ['a summed item that is excluded from the total', (d) => (d.items[0]!.excludeFromTotal = true), 'scoring.sum.0'],
    ['a summed item that does not exist', (d) => (d.scoring!.sum = ['a', 'zz']), 'scoring.sum.1'],
    ['an alert raising an unknown flag', (d) => (d.scoring!.alerts = [{ when: { kind: 'total', op: '>=', value: 1 }, raise: ['nope'] }]), 'scoring.alerts.0.raise.0'],
    ['a rule naming an unknown item', (d) => { d.scoring!.flags = [{ code: 'f', severity: 'info', audience: 'clinician', message: { en: 'm' } }]; d.scoring!.alerts = [{ when: { kind: 'any', of: [{ kind: 'item-declined', linkId: 'zz' }] }, raise: ['f'] }]; }, 'scoring.alerts.0.when.of.0.linkId'],
    ['"any k items" with k above the item count', (d) => (d.scoring!.positiveScreen = { kind: 'items-count', op: '>=', value: 1, atLeast: 3 }), 'scoring.positiveScreen.atLeast'],
    ['an item-answer rule with a code the item lacks', (d) => (d.scoring!.positiveScreen = { kind: 'item-answer', linkId: 'a', anyOf: ['zz'] }), 'scoring.positiveScreen.anyOf.0'],
    ['overlapping bands', (d) => (d.scoring!.bands = [{ min: 0, max: 1, label: { en: 'x' }, severity: 'none' }, { min: 1, max: 2, label: { en: 'y' }, severity: 'mild' }]), 'scoring.bands.1.min'],
    ['enableWhen naming a later item', (d) => (d.items[0]!.enableWhen = [{ question: 'b', operator: '=', answer: 'b1' }]), 'items.0.enableWhen.0.question'],
    ['enableWhen with an option the item lacks', (d) => (d.items[1]!.enableWhen = [{ question: 'a', operator: '=', answer: 'zz' }]), 'items.1.enableWhen.0.answer'],
    ['a scored instrument with nothing to sum', (d) => (d.scoring!.sum = []), 'scoring.sum'],
    ['a structured instrument with a total and no label', (d) => (d.kind = 'structured'), 'labelledAs'],
    ['a crisis-resources flag for the clinician', (d) => (d.scoring!.flags = [{ code: 'f', severity: 'critical', audience: 'clinician', crisisResources: true, message: { en: 'm' } }]), 'scoring.flags.0.crisisResources'],
    ['a bad LOINC code', (d) => (d.items[0]!.code = '4425O-9'), 'items.0.code'],
    ['a linkId with spaces', (d) => (d.items[0]!.linkId = 'item one'), 'items.0.linkId'],
  ])('rejects %s, naming the field', (_name, mutate, path) => {
    const input = structuredClone(minimal());
    mutate(input);
    expect(problems(input).map((p) => p.split(':')[0])).toContain(path);
  });
});
