import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InstrumentDefinitionSchema, type InstrumentDefinitionInput } from '@shared/instruments/definition.schema';
import { GAD7_CHANGE_RULE, PHQ9_CHANGE_RULE, effectiveChangeRule } from '@shared/outcomes/change';
import { loadInstrumentRegistry } from '../../../server/checkins/instrument-registry';
import { toInstrumentDetail, toInstrumentSummary } from '../../../server/checkins/instruments.routes';
import { builtIn } from './helpers';

/*
 * Issue 13, item 6 and outcomes.md: every reliable-change threshold is a named constant per instrument,
 * overridable per clinic through the instrument definition. A definition may carry a `changeRule` block; a
 * clinic cannot replace a built-in's definition (same id is refused), so it overrides the rule of any loaded
 * instrument with a narrow `<id>.change-rule.json` file in INSTRUMENTS_DIR.
 */

function minimal(overrides: Partial<InstrumentDefinitionInput> = {}): InstrumentDefinitionInput {
  return {
    id: 'mini',
    version: '1',
    title: { en: 'Mini scale' },
    kind: 'scored',
    copyright: 'test',
    sources: [{ url: 'https://example.org/x', checked: 'test' }],
    languages: ['en'],
    items: [
      {
        linkId: 'a',
        type: 'single',
        text: { en: 'A' },
        options: [
          { code: 'a0', display: { en: '0' }, score: 0 },
          { code: 'a3', display: { en: '3' }, score: 3 },
        ],
      },
      {
        linkId: 'b',
        type: 'single',
        text: { en: 'B' },
        options: [
          { code: 'b0', display: { en: '0' }, score: 0 },
          { code: 'b3', display: { en: '3' }, score: 3 },
        ],
      },
    ],
    scoring: { sum: ['a', 'b'] },
    ...overrides,
  };
}

function problems(input: unknown): string[] {
  const r = InstrumentDefinitionSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('changeRule in an instrument definition', () => {
  it('is optional, and accepted with reliableChange, source and an optional caseness', () => {
    expect(problems(minimal())).toEqual([]);
    const withRule = InstrumentDefinitionSchema.parse(
      minimal({ changeRule: { reliableChange: 3, caseness: 4, source: 'Clinic audit 2026' } }),
    );
    expect(withRule.changeRule).toEqual({ reliableChange: 3, caseness: 4, source: 'Clinic audit 2026' });
    expect(problems(minimal({ changeRule: { reliableChange: 3, source: 'Clinic audit 2026' } }))).toEqual([]);
  });

  it('refuses a block without a source, with a threshold that is not a positive whole number, or with unknown fields', () => {
    expect(problems(minimal({ changeRule: { reliableChange: 3 } as never }))).toEqual([expect.stringMatching(/^changeRule\.source: /)]);
    expect(problems(minimal({ changeRule: { reliableChange: 0, source: 's' } }))).toEqual([
      expect.stringMatching(/^changeRule\.reliableChange: /),
    ]);
    expect(problems(minimal({ changeRule: { reliableChange: 2.5, source: 's' } }))).toEqual([
      expect.stringMatching(/^changeRule\.reliableChange: /),
    ]);
    expect(problems(minimal({ changeRule: { reliableChange: 2, caseness: -1, source: 's' } }))).toEqual([
      expect.stringMatching(/^changeRule\.caseness: /),
    ]);
    expect(problems(minimal({ changeRule: { reliableChange: 2, source: '  ' } }))).toEqual([
      expect.stringMatching(/^changeRule\.source: /),
    ]);
    expect(problems(minimal({ changeRule: { reliableChange: 2, source: 's', measure: 'x' } as never }))).toHaveLength(1);
  });

  it('refuses thresholds beyond the highest possible total, and any rule on a structured instrument', () => {
    // The highest total of `minimal` is 3 + 3 = 6.
    expect(problems(minimal({ changeRule: { reliableChange: 7, source: 's' } }))).toEqual([
      'changeRule.reliableChange: is more than the highest possible total (6)',
    ]);
    expect(problems(minimal({ changeRule: { reliableChange: 6, caseness: 7, source: 's' } }))).toEqual([
      'changeRule.caseness: is more than the highest possible total (6)',
    ]);
    expect(problems(minimal({ changeRule: { reliableChange: 6, caseness: 6, source: 's' } }))).toEqual([]);
    const structured = minimal({
      kind: 'structured',
      labelledAs: { en: 'A conversation aid' },
      scoring: { sum: [] },
      changeRule: { reliableChange: 1, source: 's' },
    });
    expect(problems(structured)).toEqual(['changeRule: a structured instrument has no total to compare']);
  });
});

describe('the effective change rule', () => {
  it('is the built-in constant for PHQ-9 and GAD-7, none for other instruments without a block', () => {
    expect(effectiveChangeRule(builtIn('phq-9'))).toEqual(PHQ9_CHANGE_RULE);
    expect(effectiveChangeRule(builtIn('gad-7'))).toEqual(GAD7_CHANGE_RULE);
    expect(PHQ9_CHANGE_RULE.origin).toBe('built-in');
    expect(effectiveChangeRule(builtIn('phq-2'))).toBeNull();
    expect(effectiveChangeRule(builtIn('alcove-sexual-health'))).toBeNull();
  });

  it("is the definition's block when there is one: the whole rule, caseness null when the block gives none", () => {
    const phq9 = { ...builtIn('phq-9'), changeRule: { reliableChange: 5, source: 'Clinic audit' } };
    expect(effectiveChangeRule(phq9)).toEqual({
      instrumentId: 'phq-9',
      measure: 'PHQ-9',
      reliableChange: 5,
      caseness: null,
      source: 'Clinic audit',
      origin: 'clinic',
    });
    const mini = InstrumentDefinitionSchema.parse(minimal({ changeRule: { reliableChange: 3, caseness: 4, source: 'Clinic audit' } }));
    expect(effectiveChangeRule(mini)).toEqual({
      instrumentId: 'mini',
      measure: 'Mini scale',
      reliableChange: 3,
      caseness: 4,
      source: 'Clinic audit',
      origin: 'clinic',
    });
  });

  it('reaches the API views as `changeRule`, null when none', () => {
    const reg = loadInstrumentRegistry(undefined);
    expect(toInstrumentSummary(reg.get('phq-9')!).changeRule).toEqual({
      measure: 'PHQ-9',
      reliableChange: 6,
      caseness: 10,
      source: PHQ9_CHANGE_RULE.source,
      origin: 'built-in',
    });
    expect(toInstrumentDetail(reg.get('gad-7')!, 'es').changeRule).toMatchObject({ reliableChange: 4, caseness: 8 });
    expect(toInstrumentSummary(reg.get('phq-2')!).changeRule).toBeNull();
    expect(toInstrumentDetail(reg.get('alcove-sexual-health')!).changeRule).toBeNull();
  });
});

const tmpDirs: string[] = [];
function tmpDir(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-change-rules-'));
  tmpDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('<id>.change-rule.json in INSTRUMENTS_DIR', () => {
  const good = { instrument: 'phq-9', version: '1.0.0', reliableChange: 5, caseness: 10, source: 'Clinic audit 2026' };

  it("replaces the instrument's rule, and the registry says which file did", () => {
    const reg = loadInstrumentRegistry(tmpDir({ 'phq-9.change-rule.json': good }));
    expect(reg.problems).toEqual([]);
    const phq9 = reg.get('phq-9')!;
    expect(phq9.definition.changeRule).toEqual({ reliableChange: 5, caseness: 10, source: 'Clinic audit 2026' });
    expect(phq9.changeRuleFile).toBe('phq-9.change-rule.json');
    expect(phq9.origin).toBe('built-in');
    expect(effectiveChangeRule(phq9.definition)).toMatchObject({ reliableChange: 5, caseness: 10, origin: 'clinic' });
    // Other instruments keep theirs; an override file is not an instrument.
    expect(effectiveChangeRule(reg.get('gad-7')!.definition)).toEqual(GAD7_CHANGE_RULE);
    expect(reg.all()).toHaveLength(5);
  });

  it('without a version it applies to whatever version is loaded', () => {
    const { version: _v, ...noVersion } = good;
    const reg = loadInstrumentRegistry(tmpDir({ 'phq-9.change-rule.json': noVersion }));
    expect(reg.problems).toEqual([]);
    expect(reg.get('phq-9')!.definition.changeRule?.reliableChange).toBe(5);
  });

  it.each([
    ['a missing source', 'phq-9.change-rule.json', { ...good, source: undefined }, 'source'],
    ['a threshold that is not a whole number', 'phq-9.change-rule.json', { ...good, reliableChange: 'five' }, 'reliableChange'],
    ['an unknown field', 'phq-9.change-rule.json', { ...good, measure: 'x' }, '(file)'],
    ['another version', 'phq-9.change-rule.json', { ...good, version: '2.0.0' }, 'version'],
    ['an instrument that is not loaded', 'phq-99.change-rule.json', { ...good, instrument: 'phq-99' }, 'instrument'],
    ['a file name that does not match the instrument', 'gad-7.change-rule.json', good, '(file name)'],
    [
      'a structured instrument',
      'alcove-sexual-health.change-rule.json',
      { ...good, instrument: 'alcove-sexual-health', version: undefined },
      'instrument',
    ],
    ['a threshold beyond the highest total', 'phq-9.change-rule.json', { ...good, caseness: 28 }, 'caseness'],
    ['bad JSON', 'phq-9.change-rule.json', '{ "instrument": ', '(file)'],
  ])('skips a file with %s, naming the file and field; the rule stays as it was', (_what, name, content, field) => {
    const reg = loadInstrumentRegistry(tmpDir({ [name]: content }));
    expect(reg.problems.length).toBeGreaterThan(0);
    expect(reg.problems.every((p) => p.file === name)).toBe(true);
    expect(reg.problems.map((p) => p.path)).toContain(field);
    for (const l of reg.all()) expect(l.definition.changeRule).toBeUndefined();
    expect(effectiveChangeRule(reg.get('phq-9')!.definition)).toEqual(PHQ9_CHANGE_RULE);
  });

  it('reports a bad override file without disturbing a good one beside it', () => {
    const reg = loadInstrumentRegistry(path.resolve('tests/fixtures/instruments-change-rule'));
    expect(reg.get('phq-9')!.definition.changeRule?.reliableChange).toBe(5);
    expect(reg.get('gad-7')!.definition.changeRule).toBeUndefined();
    expect(reg.problems.map((p) => `${p.file} ${p.path}`).sort()).toEqual([
      'gad-7.change-rule.json reliableChange',
      'gad-7.change-rule.json source',
    ]);
  });
});
