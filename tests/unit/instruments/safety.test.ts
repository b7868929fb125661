import { describe, expect, it } from 'vitest';
import { DECLINED, InstrumentDefinitionSchema, type Answers, type InstrumentDefinitionInput } from '@shared/instruments/definition.schema';
import { assessSafety } from '@shared/instruments/safety';
import { answersFor, builtIn, codeFor } from './helpers';

const phq9 = builtIn('phq-9');
const ITEM9 = '44260-8';
const item9 = (score: number) => codeFor(phq9, ITEM9, score);
const NONE = { crisis: false, clinicianAlerts: [] };
const SELF_HARM = { crisis: true, clinicianAlerts: ['safety.self-harm'] };
const NOT_ANSWERED = { crisis: true, clinicianAlerts: ['safety.self-harm-not-answered'] };

describe('PHQ-9 item 9 while the patient is answering', () => {
  it.each<[string, Answers, { crisis: boolean; clinicianAlerts: string[] }]>([
    ['score 1 (several days)', { [ITEM9]: item9(1) }, SELF_HARM],
    ['score 2', { [ITEM9]: item9(2) }, SELF_HARM],
    ['score 3 (nearly every day)', { [ITEM9]: item9(3) }, SELF_HARM],
    ['declined', { [ITEM9]: DECLINED }, NOT_ANSWERED],
    ['score 0 (not at all)', { [ITEM9]: item9(0) }, NONE],
    ['not reached yet: items 1–8 only, even when high', answersFor(phq9, [3, 3, 3, 3, 3, 3, 3, 3]), NONE],
    ['a high total with item 9 at 0', answersFor(phq9, [3, 3, 3, 3, 3, 3, 3, 3, 0]), NONE],
    ['nothing answered', {}, NONE],
  ])('%s', (_name, answers, expected) => {
    expect(assessSafety(phq9, answers)).toEqual(expected);
  });

  it('judges only the answer being saved when asked to', () => {
    const answers = { ...answersFor(phq9, [1, 1]), [ITEM9]: item9(2) };
    expect(assessSafety(phq9, answers, { only: '44250-9' })).toEqual(NONE);
    expect(assessSafety(phq9, answers, { only: ITEM9 })).toEqual(SELF_HARM);
  });
});

describe('PHQ-9 at sharing: the full score decides', () => {
  it.each<[string, Answers, { crisis: boolean; clinicianAlerts: string[] }]>([
    ['item 9 unanswered', answersFor(phq9, [1, 1, 1, 1, 1, 1, 1, 1]), NOT_ANSWERED],
    ['item 9 declined', answersFor(phq9, [0, 0, 0, 0, 0, 0, 0, 0, 'x']), NOT_ANSWERED],
    ['item 9 at 1', answersFor(phq9, [0, 0, 0, 0, 0, 0, 0, 0, 1]), SELF_HARM],
    ['item 9 at 0, everything else severe', answersFor(phq9, [3, 3, 3, 3, 3, 3, 3, 3, 0]), NONE],
    ['all zero', answersFor(phq9, [0, 0, 0, 0, 0, 0, 0, 0, 0]), NONE],
  ])('%s', (_name, answers, expected) => {
    expect(assessSafety(phq9, answers, { sharing: true })).toEqual(expected);
  });
});

describe('instruments without safety items never alert', () => {
  it.each([
    ['gad-7', [3, 3, 3, 3, 3, 3, 3]],
    ['gad-2', [3, 3]],
    // A positive PHQ-2 screen is a warning for the clinician's review, not an interruption.
    ['phq-2', [3, 3]],
  ] as const)('%s at its highest', (id, scores) => {
    const def = builtIn(id);
    expect(assessSafety(def, answersFor(def, [...scores]))).toEqual(NONE);
    expect(assessSafety(def, answersFor(def, [...scores]), { sharing: true })).toEqual(NONE);
  });

  it('the sexual-health check-in: its medicine-related flag is a warning, not an alert', () => {
    const def = builtIn('alcove-sexual-health');
    const answers = { 'medicine-link': 'yes', bother: 'very-much' };
    expect(assessSafety(def, answers)).toEqual(NONE);
    expect(assessSafety(def, answers, { sharing: true })).toEqual(NONE);
  });
});

describe('clinic alert rules', () => {
  const clinic = InstrumentDefinitionSchema.parse({
    id: 'clinic-safety',
    version: '1',
    title: { en: 'Clinic' },
    kind: 'scored',
    copyright: 'test',
    sources: [{ url: 'https://example.org/x', checked: 'test' }],
    languages: ['en'],
    items: [
      { linkId: 'harm', type: 'single', text: { en: 'Harm' }, options: [{ code: 'no', display: { en: 'No' }, score: 0 }, { code: 'yes', display: { en: 'Yes' }, score: 1 }] },
      { linkId: 'mood', type: 'single', text: { en: 'Mood' }, options: [{ code: 'ok', display: { en: 'OK' }, score: 0 }, { code: 'low', display: { en: 'Low' }, score: 3 }] },
    ],
    scoring: {
      sum: ['harm', 'mood'],
      flags: [
        { code: 'clinic.harm', severity: 'critical', audience: 'clinician', message: { en: 'Harm' } },
        { code: 'clinic.crisis', severity: 'critical', audience: 'patient', message: { en: 'Help' }, crisisResources: true },
        { code: 'clinic.total', severity: 'critical', audience: 'clinician', message: { en: 'High total' } },
      ],
      alerts: [
        { when: { kind: 'item-score', linkId: 'harm', op: '>=', value: 1 }, raise: ['clinic.harm', 'clinic.crisis'] },
        { when: { kind: 'total', op: '>=', value: 3 }, raise: ['clinic.total'] },
      ],
    },
  } satisfies InstrumentDefinitionInput);

  it('a rule that also shows crisis resources alerts as soon as its answer is saved', () => {
    expect(assessSafety(clinic, { harm: 'yes' })).toEqual({ crisis: true, clinicianAlerts: ['clinic.harm'] });
  });

  it('a critical rule on the total waits for sharing, and never shows crisis resources by itself', () => {
    expect(assessSafety(clinic, { harm: 'no', mood: 'low' })).toEqual(NONE);
    expect(assessSafety(clinic, { harm: 'no', mood: 'low' }, { sharing: true })).toEqual({ crisis: false, clinicianAlerts: ['clinic.total'] });
    expect(assessSafety(clinic, { harm: 'yes', mood: 'low' }, { sharing: true })).toEqual({ crisis: true, clinicianAlerts: ['clinic.harm', 'clinic.total'] });
  });
});
