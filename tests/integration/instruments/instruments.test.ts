import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstrumentListResponseSchema, InstrumentResponseSchema } from '@shared/api/instruments.schema';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';

const FIXTURES = path.resolve('tests/fixtures/instruments');

describeEachDatabase('instrument routes (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { INSTRUMENTS_DIR: FIXTURES } });
  });
  afterAll(async () => t?.close());

  it('a clinician lists the built-ins and the clinic instrument, in the documented shape', async () => {
    const { agent } = await t.signedIn('clinician');
    const res = await agent.get('/api/instruments').expect(200);
    const body = InstrumentListResponseSchema.strict().parse(res.body);
    expect(body.instruments.map((i) => [i.id, i.kind, i.origin])).toEqual([
      ['phq-9', 'scored', 'built-in'],
      ['phq-2', 'scored', 'built-in'],
      ['gad-7', 'scored', 'built-in'],
      ['gad-2', 'scored', 'built-in'],
      ['alcove-sexual-health', 'structured', 'built-in'],
      ['fixture-asex-shaped', 'scored', 'clinic'],
    ]);
    const phq9 = body.instruments[0]!;
    expect(phq9).toMatchObject({ version: '1.0.0', code: '44249-1', language: 'en', languages: ['en'], itemCount: 10, sensitive: true });
    expect(phq9.copyright).toContain('Copyright © Pfizer Inc.');
    expect(body.instruments[4]!.labelledAs).toMatch(/not a validated scale/);
  });

  it.each(['admin', 'scheduler'] as const)('a %s can read them too (staff only for now)', async (role) => {
    const { agent } = await t.signedIn(role);
    await agent.get('/api/instruments').expect(200);
    await agent.get('/api/instruments/gad-7').expect(200);
  });

  it('one instrument: the whole definition with LOINC codes, option scores and "prefer not to answer"', async () => {
    const { agent } = await t.signedIn('clinician');
    const res = await agent.get('/api/instruments/phq-9').expect(200);
    const { instrument } = InstrumentResponseSchema.parse(res.body);
    expect(instrument.intro).toBe('Over the last 2 weeks, how often have you been bothered by any of the following problems?');
    expect(instrument.items).toHaveLength(10);
    const item9 = instrument.items[8]!;
    expect(item9).toMatchObject({ linkId: '44260-8', code: '44260-8', type: 'single', sensitive: true, required: true });
    expect(item9.text).toBe('Thoughts that you would be better off dead, or of hurting yourself in some way');
    expect(item9.options).toEqual([
      { code: 'LA6568-5', display: 'Not at all', score: 0 },
      { code: 'LA6569-3', display: 'Several days', score: 1 },
      { code: 'LA6570-1', display: 'More than half the days', score: 2 },
      { code: 'LA6571-9', display: 'Nearly every day', score: 3 },
      { code: 'asked-declined', display: 'Prefer not to answer' },
    ]);
    expect(instrument.items[9]).toMatchObject({ linkId: '69722-7', excludeFromTotal: true, required: false, enableBehavior: 'any' });
    expect(instrument.scoring.total).toEqual({ linkId: '44261-6', code: '44261-6', text: 'Patient health questionnaire 9 item total score', min: 0, max: 27 });
    expect(instrument.scoring.bands.map((b) => [b.min, b.max, b.severity])).toEqual([
      [0, 4, 'minimal'],
      [5, 9, 'mild'],
      [10, 14, 'moderate'],
      [15, 19, 'moderately-severe'],
      [20, 27, 'severe'],
    ]);
    // Alert rules and clinician messages stay on the server.
    expect(JSON.stringify(res.body)).not.toContain('safety.self-harm');
  });

  it('the clinic fixture comes through with its 1–6 values and 5–30 range', async () => {
    const { agent } = await t.signedIn('clinician');
    const { instrument } = InstrumentResponseSchema.parse((await agent.get('/api/instruments/fixture-asex-shaped').expect(200)).body);
    expect(instrument.items.map((i) => i.text)).toEqual(['Fixture item 1', 'Fixture item 2', 'Fixture item 3', 'Fixture item 4', 'Fixture item 5']);
    expect(instrument.items[0]!.options!.map((o) => o.score)).toEqual([1, 2, 3, 4, 5, 6, undefined]);
    expect(instrument.scoring).toMatchObject({ total: { min: 5, max: 30 }, hasPositiveScreen: true });
  });

  it('?lang=es gives Spanish where the instrument has it, and says English where it does not', async () => {
    const { agent } = await t.signedIn('clinician');
    const sh = (await agent.get('/api/instruments/alcove-sexual-health?lang=es').expect(200)).body.instrument;
    expect(sh.language).toBe('es');
    expect(sh.title).toBe('Chequeo de salud sexual');
    expect(sh.items[0].options.at(-1)).toEqual({ code: 'asked-declined', display: 'Prefiero no responder' });
    const phq = (await agent.get('/api/instruments/phq-9?lang=es').expect(200)).body.instrument;
    expect(phq.language).toBe('en');
    expect(phq.items[0].text).toBe('Little interest or pleasure in doing things?');
    expect(phq.items[0].options.at(-1).display).toBe('Prefer not to answer');
    const list = (await agent.get('/api/instruments?lang=es').expect(200)).body.instruments;
    expect(list.find((i: { id: string }) => i.id === 'alcove-sexual-health').title).toBe('Chequeo de salud sexual');
  });

  it('without a session: 401 on both routes', async () => {
    for (const url of ['/api/instruments', '/api/instruments/phq-9', '/api/instruments/nope']) {
      const res = await t.agent().get(url);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
  });

  it('an unknown or malformed id is 404', async () => {
    const { agent } = await t.signedIn('clinician');
    for (const id of ['nope', 'PHQ-9', 'phq-9%20', '..%2Fphq-9', 'a'.repeat(200)]) {
      const res = await agent.get(`/api/instruments/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('a bad query is 400 naming the field, never 500', async () => {
    const { agent } = await t.signedIn('clinician');
    const lang = await agent.get('/api/instruments/phq-9?lang=fr');
    expect(lang.status).toBe(400);
    expect(lang.body.error.details).toEqual([{ field: 'lang', message: expect.any(String) }]);
    const unknown = await agent.get('/api/instruments?sort=asc');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.error.details)).toContain('sort');
  });
});

describe('instrument routes with a broken clinic folder', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { INSTRUMENTS_DIR: path.join(FIXTURES, 'broken') } });
  });
  afterAll(async () => t?.close());

  it('the server starts, serves the built-ins, and logs the bad file by name and field', async () => {
    const { agent } = await t.signedIn('clinician');
    const res = await agent.get('/api/instruments').expect(200);
    expect(res.body.instruments.map((i: { id: string }) => i.id)).toEqual(['phq-9', 'phq-2', 'gad-7', 'gad-2', 'alcove-sexual-health']);
    await agent.get('/api/instruments/fixture-broken').expect(404);
    const warnings = t.logs().filter((l) => l.file === 'asex-broken.json');
    expect(warnings.map((l) => l.field)).toEqual(['questionnaire.item.3.answerOption.1.extension (ordinalValue)', 'alcove.scoring.alerts.1.raise.0']);
    expect(String(warnings[0]!.msg)).toContain('instrument file skipped');
  });
});
