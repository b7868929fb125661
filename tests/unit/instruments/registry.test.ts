import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseClinicInstrument } from '@shared/instruments/from-fhir';
import { loadInstrumentRegistry } from '../../../server/checkins/instrument-registry';
import { FIXTURES } from './helpers';

const BUILT_INS = ['phq-9', 'phq-2', 'gad-7', 'gad-2', 'alcove-sexual-health'];
const good = () => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'asex-shaped.json'), 'utf8'));

const tmpDirs: string[] = [];
function tmpDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-instruments-'));
  tmpDirs.push(dir);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('instrument registry', () => {
  it('without INSTRUMENTS_DIR: the built-ins only', () => {
    const reg = loadInstrumentRegistry(undefined);
    expect(reg.all().map((i) => i.definition.id)).toEqual(BUILT_INS);
    expect(reg.all().every((i) => i.origin === 'built-in')).toBe(true);
    expect(reg.problems).toEqual([]);
  });

  it('loads the fixture folder: built-ins plus the clinic instrument, ignoring the sub-folder', () => {
    const reg = loadInstrumentRegistry(FIXTURES);
    expect(reg.problems).toEqual([]);
    expect(reg.all().map((i) => i.definition.id)).toEqual([...BUILT_INS, 'fixture-asex-shaped']);
    expect(reg.get('fixture-asex-shaped')).toMatchObject({ origin: 'clinic', file: 'asex-shaped.json' });
    expect(reg.get('fixture-asex-shaped')!.definition.items[2]!.sensitive).toBe(true);
  });

  it('skips the broken fixture with errors naming the file and the fields; built-ins still load', () => {
    const reg = loadInstrumentRegistry(path.join(FIXTURES, 'broken'));
    expect(reg.all().map((i) => i.definition.id)).toEqual(BUILT_INS);
    expect(reg.problems).toEqual([
      {
        file: 'asex-broken.json',
        path: 'questionnaire.item.3.answerOption.1.extension (ordinalValue)',
        message: expect.stringContaining("summed item 'q3' needs a score on every option"),
      },
      { file: 'asex-broken.json', path: 'alcove.scoring.alerts.1.raise.0', message: "no flag has code 'fixture.no-such-flag'" },
    ]);
  });

  it('a folder of mixed files: good ones load, each bad one is reported by name, duplicates are refused', () => {
    const second = good();
    second.alcove.id = 'fixture-second';
    const clashBuiltIn = good();
    clashBuiltIn.alcove.id = 'phq-9';
    const noVersion = good();
    noVersion.alcove.id = 'fixture-no-version';
    delete noVersion.questionnaire.version;
    const dir = tmpDir({
      'a-good.json': JSON.stringify(good()),
      'b-same-id.json': JSON.stringify(good()),
      'c-second.json': JSON.stringify(second),
      'd-clash.json': JSON.stringify(clashBuiltIn),
      'e-not-json.json': '{ "alcove": ',
      'f-no-version.json': JSON.stringify(noVersion),
      'g-not-a-questionnaire.json': JSON.stringify({ alcove: good().alcove, questionnaire: { resourceType: 'Patient' } }),
      'notes.txt': 'ignored',
    });
    const reg = loadInstrumentRegistry(dir);
    expect(reg.all().map((i) => i.definition.id)).toEqual([...BUILT_INS, 'fixture-asex-shaped', 'fixture-second']);
    expect(reg.get('phq-9')!.origin).toBe('built-in');
    const byFile: Record<string, string> = {};
    for (const p of reg.problems) byFile[p.file] = [byFile[p.file], `${p.path}: ${p.message}`].filter(Boolean).join('\n');
    expect(Object.keys(byFile).sort()).toEqual(['b-same-id.json', 'd-clash.json', 'e-not-json.json', 'f-no-version.json', 'g-not-a-questionnaire.json']);
    expect(byFile['b-same-id.json']).toBe("questionnaire.id: id 'fixture-asex-shaped' is already used by a-good.json");
    expect(byFile['d-clash.json']).toBe("alcove.id: id 'phq-9' is already used by a built-in instrument");
    expect(byFile['e-not-json.json']).toMatch(/^\(file\): is not valid JSON/);
    expect(byFile['f-no-version.json']).toMatch(/^questionnaire\.version: /);
    expect(byFile['g-not-a-questionnaire.json']).toMatch(/^questionnaire\.resourceType: /m);
  });

  it('a folder that does not exist is reported, and the built-ins still load', () => {
    const reg = loadInstrumentRegistry(path.join(os.tmpdir(), 'alcove-no-such-folder-xyz'));
    expect(reg.all().map((i) => i.definition.id)).toEqual(BUILT_INS);
    expect(reg.problems).toEqual([{ file: expect.stringContaining('alcove-no-such-folder-xyz'), path: '(folder)', message: 'cannot read INSTRUMENTS_DIR (ENOENT)' }]);
  });
});

describe('clinic FHIR Questionnaire converter', () => {
  const ORD = 'http://hl7.org/fhir/StructureDefinition/ordinalValue';
  const tr = (es: string) => ({ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/translation', extension: [{ url: 'lang', valueCode: 'es' }, { url: 'content', valueString: es }] }] });
  const base = () => ({
    alcove: { id: 'conv', kind: 'structured', labelledAs: { en: 'Aid', es: 'Apoyo' }, sources: [{ url: 'https://example.org/', checked: 'test' }], items: { mood: { sensitive: true } } },
    questionnaire: {
      resourceType: 'Questionnaire',
      version: '2',
      title: 'Conversion',
      _title: tr('Conversión'),
      copyright: 'Test',
      item: [
        {
          linkId: 'mood',
          type: 'choice',
          text: 'Mood?',
          _text: tr('¿Ánimo?'),
          code: [{ system: 'http://loinc.org', code: '44255-8' }],
          answerOption: [
            { valueCoding: { code: 'good', display: 'Good', _display: tr('Bien') } },
            { valueCoding: { code: 'asked-declined', system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', display: 'Skip', _display: tr('Omitir') } },
          ],
        },
        {
          linkId: 'areas',
          type: 'choice',
          repeats: true,
          text: 'Areas',
          _text: tr('Áreas'),
          enableWhen: [{ question: 'mood', operator: '=', answerCoding: { code: 'good' } }],
          answerOption: [
            { valueCoding: { code: 'x', display: 'X', _display: tr('X') } },
            { valueCoding: { code: 'none', display: 'None', _display: tr('Ninguna') }, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive', valueBoolean: true }] },
          ],
        },
        { linkId: 'note', type: 'text', text: 'Note', _text: tr('Nota'), maxLength: 200, required: false },
      ],
    },
  });

  it('maps choice/repeats/text, LOINC codes, enableWhen, exclusive options, Spanish translations and the declined option', () => {
    const r = parseClinicInstrument(base());
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const d = r.definition;
    expect(d).toMatchObject({ id: 'conv', version: '2', kind: 'structured', languages: ['en', 'es'], title: { en: 'Conversion', es: 'Conversión' } });
    expect(d.items.map((i) => [i.linkId, i.type, i.code])).toEqual([
      ['mood', 'single', '44255-8'],
      ['areas', 'multiple', undefined],
      ['note', 'text', undefined],
    ]);
    expect(d.items[0]!.sensitive).toBe(true);
    expect(d.items[0]!.options!.map((o) => o.code)).toEqual(['good', 'asked-declined']);
    expect(d.items[1]!.enableWhen).toEqual([{ question: 'mood', operator: '=', answer: 'good' }]);
    expect(d.items[1]!.options![1]).toMatchObject({ code: 'none', exclusive: true, display: { en: 'None', es: 'Ninguna' } });
    expect(d.items[2]).toMatchObject({ maxLength: 200, required: false, text: { en: 'Note', es: 'Nota' } });
  });

  it('reads the numeric value from ordinalValue (decimal or integer) or itemWeight', () => {
    const f = base();
    f.alcove.kind = 'scored';
    Object.assign(f.alcove, { scoring: { sum: ['mood'] } });
    f.questionnaire.item[0]!.answerOption![0] = { valueCoding: { code: 'good', display: 'Good', _display: tr('Bien') }, extension: [{ url: ORD, valueInteger: 2 }] } as never;
    f.questionnaire.item[0]!.answerOption!.push({ valueCoding: { code: 'bad', display: 'Bad', _display: tr('Mal') }, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/itemWeight', valueDecimal: 0.5 }] } as never);
    const r = parseClinicInstrument(f);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.definition.items[0]!.options!.map((o) => [o.code, o.score])).toEqual([
      ['good', 2],
      ['asked-declined', undefined],
      ['bad', 0.5],
    ]);
  });

  it.each<[string, (f: ReturnType<typeof base>) => void, string]>([
    ['a Spanish translation missing on one option', (f) => delete (f.questionnaire.item[1]!.answerOption![0]!.valueCoding as { _display?: unknown })._display, 'questionnaire.item.1.answerOption.0.valueCoding._display'],
    ['a Spanish item text missing', (f) => delete (f.questionnaire.item[2] as { _text?: unknown })._text, 'questionnaire.item.2._text'],
    ['a group item', (f) => Object.assign(f.questionnaire.item[0]!, { item: [{ linkId: 'x', type: 'string' }] }), 'questionnaire.item.0.item'],
    ['an unsupported item type', (f) => (f.questionnaire.item[2]!.type = 'date'), 'questionnaire.item.2.type'],
    ['a text item without maxLength', (f) => delete (f.questionnaire.item[2] as { maxLength?: number }).maxLength, 'questionnaire.item.2.maxLength'],
    ['an option without valueCoding', (f) => (f.questionnaire.item[0]!.answerOption![0] = { valueString: 'Good' } as never), 'questionnaire.item.0.answerOption.0'],
    ['an unsupported enableWhen operator', (f) => (f.questionnaire.item[1]!.enableWhen![0]!.operator = '>'), 'questionnaire.item.1.enableWhen.0'],
    ['an alcove.items entry for a missing question', (f) => Object.assign(f.alcove.items, { ghost: { sensitive: true } }), 'alcove.items.ghost'],
    ['a scored "prefer not to answer"', (f) => Object.assign(f.questionnaire.item[0]!.answerOption![1]!, { extension: [{ url: ORD, valueDecimal: 0 }] }), 'questionnaire.item.0.answerOption.1.extension (ordinalValue)'],
    ['no copyright', (f) => delete (f.questionnaire as { copyright?: string }).copyright, 'questionnaire.copyright'],
    ['an unknown field in the alcove block', (f) => Object.assign(f.alcove, { scorng: {} }), 'alcove'],
    ['a structured instrument without its label', (f) => delete (f.alcove as { labelledAs?: unknown }).labelledAs, 'alcove.labelledAs'],
  ])('reports %s at its place in the file', (_name, mutate, path) => {
    const f = base();
    mutate(f);
    const r = parseClinicInstrument(f);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(path);
  });

  it('never throws on input that is not an object', () => {
    for (const input of [null, 42, 'x', [], { questionnaire: null }]) expect(parseClinicInstrument(input).ok).toBe(false);
  });
});
