import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInstrumentRegistry } from '../../../server/checkins/instrument-registry';
import { admittedPatient, sendCheckin } from '../../helpers/checkin-builder';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit } from '../../helpers/visit-builder';

/*
 * Issue 13, item 8: a clinic adds an official translation of an instrument through INSTRUMENTS_DIR, as a
 * `<instrument-id>.<language>.translation.json` file beside the instruments. The fixture translates a TEST-ONLY
 * instrument with text marked [ES PLACEHOLDER]: Alcove never carries a translation it made itself, and no real
 * instrument's text is typed here.
 */
const FIXTURES = path.resolve('tests/fixtures/instruments-dir');
const PLACEHOLDER = '[ES PLACEHOLDER] ';

describeEachDatabase('instrument translations from INSTRUMENTS_DIR (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { INSTRUMENTS_DIR: FIXTURES } });
  });
  afterAll(async () => t?.close());

  it('the registry adds the language, the translation’s copyright and source; a translation for another version is skipped', () => {
    const loaded = t.handle.instruments.get('alcove-test-placeholder')!;
    expect(loaded.definition.languages).toEqual(['en', 'es']);
    expect(loaded.definition.copyright).toContain('Spanish translation: TEST FIXTURE');
    expect(loaded.definition.sources.map((s) => s.url)).toContain('https://example.org/alcove-test-fixture/es');
    expect(loaded.translations).toEqual([{ language: 'es', file: 'alcove-test-placeholder.es.translation.json' }]);
    // PHQ-9 stays English-only: the fixture's "translation" names a version that does not exist.
    expect(t.handle.instruments.get('phq-9')!.definition.languages).toEqual(['en']);
    expect(t.handle.instruments.problems).toContainEqual({
      file: 'phq-9.es.translation.json',
      path: 'alcoveTranslation.instrumentVersion',
      message: expect.stringContaining("'0.0.0-test'"),
    });
  });

  it('staff see each instrument’s languages in the list; the patient sees the translated text', async () => {
    const v = await buildVisit(t);
    const list = await v.clinicians[0]!.agent.get('/api/instruments').expect(200);
    expectRouteContract(list, 'GET /api/instruments');
    const byId = Object.fromEntries(list.body.instruments.map((i: { id: string; languages: string[] }) => [i.id, i.languages]));
    expect(byId['alcove-test-placeholder']).toEqual(['en', 'es']);
    expect(byId['phq-9']).toEqual(['en']);

    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'alcove-test-placeholder');
    const detail = await patient.agent.get('/api/instruments/alcove-test-placeholder?lang=es').expect(200);
    expectRouteContract(detail, 'GET /api/instruments/:id', 'patient');
    expect(detail.body.instrument.language).toBe('es');
    expect(detail.body.instrument.title).toBe(`${PLACEHOLDER}TEST ONLY placeholder check-in`);
    expect(detail.body.instrument.items[0].text).toBe(`${PLACEHOLDER}TEST ONLY placeholder question 1`);
    expect(detail.body.instrument.items[0].options.map((o: { display: string }) => o.display)).toEqual([
      `${PLACEHOLDER}TEST ONLY option A`,
      `${PLACEHOLDER}TEST ONLY option B`,
      'Prefiero no responder',
    ]);
    await patient.agent.put(`/api/checkins/${checkinId}/answers/tp1`).send({ value: 'tp-b' }).expect(200);
    await patient.agent.put(`/api/checkins/${checkinId}/answers/tp2`).send({ value: 'tp-b' }).expect(200);
    const submitted = await patient.agent.post(`/api/checkins/${checkinId}/submit?lang=es`).expect(200);
    expect(JSON.stringify(submitted.body)).toContain(`${PLACEHOLDER}TEST ONLY high`);
    // English stays English.
    const en = await patient.agent.get('/api/instruments/alcove-test-placeholder').expect(200);
    expect(en.body.instrument.title).toBe('TEST ONLY placeholder check-in');
  });
});

describe('translation files that are refused (a clear problem naming the file and field; the instrument stays as it was)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-translations-'));
    fs.copyFileSync(path.join(FIXTURES, 'alcove-test-placeholder.json'), path.join(dir, 'alcove-test-placeholder.json'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON fixture each case breaks in its own way
  type Fixture = any;
  const good = (): Fixture => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'alcove-test-placeholder.es.translation.json'), 'utf8'));
  function load(file: string, content: unknown) {
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.translation.json')) fs.rmSync(path.join(dir, f));
    fs.writeFileSync(path.join(dir, file), JSON.stringify(content));
    const reg = loadInstrumentRegistry(dir);
    expect(reg.get('alcove-test-placeholder')!.definition.languages).toEqual(['en']);
    return reg.problems;
  }

  it.each([
    ['a missing question text', (g: Fixture) => delete g.items.tp2.text, 'items.tp2.text'],
    ['a missing option text', (g: Fixture) => delete g.items.tp1.options['tp-b'], 'items.tp1.options.tp-b'],
    ['a question the instrument does not have', (g: Fixture) => (g.items.nope = { text: 'x' }), 'items.nope'],
    ['no copyright', (g: Fixture) => delete g.alcoveTranslation.copyright, 'alcoveTranslation.copyright'],
    ['no source', (g: Fixture) => delete g.alcoveTranslation.source, 'alcoveTranslation.source'],
    ['a language Alcove does not offer', (g: Fixture) => (g.alcoveTranslation.language = 'fr'), 'alcoveTranslation.language'],
  ])('%s', (_what, change, field) => {
    const g = good();
    change(g);
    const lang = g.alcoveTranslation.language === 'fr' ? 'fr' : 'es';
    const problems = load(`alcove-test-placeholder.${lang}.translation.json`, g);
    expect(problems.map((p) => p.path)).toContain(field);
  });

  it('a file whose name does not match its instrument and language', () => {
    const problems = load('other-name.es.translation.json', good());
    expect(problems).toContainEqual(expect.objectContaining({ path: '(file name)' }));
  });

  it('an instrument that already has the language is not overwritten', () => {
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.translation.json')) fs.rmSync(path.join(dir, f));
    expect(loadInstrumentRegistry(dir).problems).toEqual([]);
    const problems = load('alcove-sexual-health.es.translation.json', {
      ...good(),
      alcoveTranslation: { ...good().alcoveTranslation, instrument: 'alcove-sexual-health' },
    });
    expect(problems).toContainEqual(
      expect.objectContaining({ path: 'alcoveTranslation.language', message: expect.stringContaining('already') }),
    );
  });
});
