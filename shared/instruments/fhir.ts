import {
  DECLINED,
  effectiveLanguage,
  localize,
  type Answers,
  type InstrumentDefinition,
  type InstrumentItem,
  type Language,
  type LocalizedText,
} from './definition.schema';
import { scoreCheckin } from './scoring';

export const LOINC_SYSTEM = 'http://loinc.org';
export const DATA_ABSENT_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
export const DATA_ABSENT_REASON_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

export interface FhirCoding {
  system: string;
  code: string;
  display?: string;
}

export interface FhirExtension {
  url: string;
  valueCode?: string;
}

export interface QuestionnaireResponseAnswer {
  extension?: FhirExtension[];
  valueCoding?: FhirCoding;
  valueString?: string;
  valueDecimal?: number;
}

export interface QuestionnaireResponseItem {
  linkId: string;
  text?: string;
  answer?: QuestionnaireResponseAnswer[];
}

/** The subset of FHIR R4 QuestionnaireResponse that Alcove produces. */
export interface QuestionnaireResponse {
  resourceType: 'QuestionnaireResponse';
  id?: string;
  language?: string;
  questionnaire: string;
  status: 'in-progress' | 'completed';
  subject?: { reference: string };
  authored?: string;
  item?: QuestionnaireResponseItem[];
}

export interface QuestionnaireResponseOptions {
  status: 'in-progress' | 'completed';
  /** Resource id; must match FHIR's id pattern (a UUID does). */
  id?: string;
  /** ISO-8601 date-time the answers were shared. */
  authored?: string;
  subject?: { reference: string };
  /** Language of the item texts; English when the instrument does not carry the language asked for. */
  lang?: Language;
}

const LOINC_ANSWER = /^LA\d+-\d$/;

/** The code system of an option: its own, LOINC for LA codes, otherwise the instrument's. */
function optionSystem(definition: InstrumentDefinition, item: InstrumentItem, code: string): string {
  const option = item.options?.find((o) => o.code === code);
  return option?.system ?? (LOINC_ANSWER.test(code) ? LOINC_SYSTEM : definition.answerSystem);
}

function declinedAnswer(): QuestionnaireResponseAnswer {
  // Both forms found in the wild: the answer coding (CSIRO Smart Forms) and the data-absent-reason extension.
  return {
    extension: [{ url: DATA_ABSENT_REASON_EXTENSION, valueCode: DECLINED }],
    valueCoding: { system: DATA_ABSENT_REASON_SYSTEM, code: DECLINED, display: 'Asked But Declined' },
  };
}

/**
 * Builds a FHIR R4 QuestionnaireResponse from stored answers. Pure. Item linkIds are the definition's (LOINC codes
 * for the built-in PHQ/GAD items), choices are `valueCoding`, text is `valueString`, a decline is the
 * data-absent-reason `asked-declined` coding plus extension, and the total (recomputed here, never taken from the
 * caller) is the answer of the calculated total item. Items hidden by enableWhen and unanswered items are left out.
 */
export function toQuestionnaireResponse(
  definition: InstrumentDefinition,
  answers: Answers,
  options: QuestionnaireResponseOptions,
): QuestionnaireResponse {
  // An English-only instrument is exported in English even when Spanish was asked for: never mix languages.
  const lang = effectiveLanguage(definition, options.lang);
  const textIn = (t: LocalizedText) => localize(t, lang);
  const result = scoreCheckin(definition, answers, { lang });
  const byLinkId = new Map(definition.items.map((it) => [it.linkId, it]));

  const items: QuestionnaireResponseItem[] = [];
  for (const r of result.items) {
    const item = byLinkId.get(r.linkId)!;
    if (r.value === null) continue;
    let answer: QuestionnaireResponseAnswer[];
    if (r.declined) {
      answer = [declinedAnswer()];
    } else if (item.type === 'text') {
      answer = [{ valueString: r.value as string }];
    } else {
      const codes = Array.isArray(r.value) ? r.value : [r.value];
      answer = codes.map((code) => {
        const option = item.options?.find((o) => o.code === code);
        return {
          valueCoding: {
            system: optionSystem(definition, item, code),
            code,
            ...(option ? { display: textIn(option.display) } : {}),
          },
        };
      });
    }
    items.push({ linkId: item.linkId, text: textIn(item.text), answer });
  }
  const totalItem = definition.scoring.total;
  if (totalItem && result.total !== undefined) {
    items.push({ linkId: totalItem.linkId, text: textIn(totalItem.text), answer: [{ valueDecimal: result.total }] });
  }

  return {
    resourceType: 'QuestionnaireResponse',
    ...(options.id ? { id: options.id } : {}),
    language: lang,
    questionnaire: `${definition.url}|${definition.version}`,
    status: options.status,
    ...(options.subject ? { subject: options.subject } : {}),
    ...(options.authored ? { authored: options.authored } : {}),
    ...(items.length ? { item: items } : {}),
  };
}
