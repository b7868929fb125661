import { z } from 'zod';
import {
  DECLINED,
  InstrumentDefinitionSchema,
  type InstrumentDefinition,
  type InstrumentDefinitionInput,
  type ItemInput,
  type LocalizedText,
} from './definition.schema';
import { DATA_ABSENT_REASON_SYSTEM } from './fhir';

/**
 * Clinic-supplied instruments: a JSON file `{ "alcove": {…}, "questionnaire": {…FHIR R4 Questionnaire…} }`.
 * The Questionnaire stays plain FHIR (e.g. exported from the NLM Form Builder): items with linkId, LOINC `code`,
 * `answerOption.valueCoding` carrying the numeric value in the `ordinalValue` extension, `enableWhen`, `maxLength`,
 * `copyright`, Spanish through the `translation` extension. The `alcove` block adds what FHIR cannot say:
 * kind, sources, per-item `sensitive`/`excludeFromTotal`, and the scoring block (sum, bands, flags, alert rules).
 */

/** R4 name, its R5/extensions-pack successor, and the older ballot name: all mean "this option's numeric value". */
export const ORDINAL_VALUE_URLS = [
  'http://hl7.org/fhir/StructureDefinition/ordinalValue',
  'http://hl7.org/fhir/StructureDefinition/itemWeight',
  'http://hl7.org/fhir/StructureDefinition/questionnaire-ordinalValue',
] as const;
const TRANSLATION_URL = 'http://hl7.org/fhir/StructureDefinition/translation';
const OPTION_EXCLUSIVE_URL = 'http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive';
const CALCULATED_EXPRESSION_URL = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression';
const LOINC = 'http://loinc.org';

interface FhirExtension {
  url: string;
  valueDecimal?: number;
  valueInteger?: number;
  valueBoolean?: boolean;
  valueString?: string;
  valueCode?: string;
  extension?: FhirExtension[];
}
const FhirExtensionSchema: z.ZodType<FhirExtension> = z.lazy(() =>
  z.looseObject({
    url: z.string(),
    valueDecimal: z.number().optional(),
    valueInteger: z.number().int().optional(),
    valueBoolean: z.boolean().optional(),
    valueString: z.string().optional(),
    valueCode: z.string().optional(),
    extension: z.array(FhirExtensionSchema).optional(),
  }),
);
const ElementSchema = z.looseObject({ extension: z.array(FhirExtensionSchema).optional() }).optional();
const CodingSchema = z.looseObject({
  system: z.string().optional(),
  code: z.string(),
  display: z.string().optional(),
  _display: ElementSchema,
  extension: z.array(FhirExtensionSchema).optional(),
});
const FhirItemSchema = z.looseObject({
  linkId: z.string(),
  type: z.string(),
  text: z.string().optional(),
  _text: ElementSchema,
  code: z.array(CodingSchema).optional(),
  required: z.boolean().optional(),
  repeats: z.boolean().optional(),
  readOnly: z.boolean().optional(),
  maxLength: z.number().int().optional(),
  enableBehavior: z.enum(['all', 'any']).optional(),
  enableWhen: z
    .array(
      z.looseObject({
        question: z.string(),
        operator: z.string(),
        answerBoolean: z.boolean().optional(),
        answerCoding: CodingSchema.optional(),
      }),
    )
    .optional(),
  answerOption: z
    .array(z.looseObject({ valueCoding: CodingSchema.optional(), extension: z.array(FhirExtensionSchema).optional() }))
    .optional(),
  extension: z.array(FhirExtensionSchema).optional(),
  item: z.array(z.unknown()).optional(),
});
const FhirQuestionnaireSchema = z.looseObject({
  resourceType: z.literal('Questionnaire'),
  id: z.string().optional(),
  url: z.string().optional(),
  version: z.string().optional(),
  title: z.string().optional(),
  _title: ElementSchema,
  language: z.string().optional(),
  copyright: z.string().optional(),
  code: z.array(CodingSchema).optional(),
  item: z.array(FhirItemSchema).min(1),
});
const AlcoveBlockSchema = z.strictObject({
  id: z.string().optional(),
  kind: z.enum(['scored', 'structured']),
  labelledAs: z.unknown().optional(),
  intro: z.unknown().optional(),
  sources: z.unknown(),
  languages: z.unknown().optional(),
  answerSystem: z.unknown().optional(),
  items: z.record(z.string(), z.strictObject({ sensitive: z.boolean().optional(), excludeFromTotal: z.boolean().optional() })).optional(),
  scoring: z.unknown().optional(),
});
const ClinicFileSchema = z.strictObject({ alcove: AlcoveBlockSchema, questionnaire: FhirQuestionnaireSchema });

export interface DefinitionIssue {
  /** Dotted path in the file, e.g. `questionnaire.item.2.answerOption.1.extension`. */
  path: string;
  message: string;
}

export type ClinicParseResult = { ok: true; definition: InstrumentDefinition } | { ok: false; issues: DefinitionIssue[] };

function translation(el: z.infer<typeof ElementSchema>, lang: string): string | undefined {
  for (const ext of el?.extension ?? []) {
    if (ext.url !== TRANSLATION_URL) continue;
    const code = ext.extension?.find((e) => e.url === 'lang')?.valueCode;
    const content = ext.extension?.find((e) => e.url === 'content')?.valueString;
    if (code && (code === lang || code.startsWith(`${lang}-`)) && content) return content;
  }
  return undefined;
}

function text(en: string | undefined, el: z.infer<typeof ElementSchema>): LocalizedText | undefined {
  if (en === undefined) return undefined;
  const es = translation(el, 'es');
  return es ? { en, es } : { en };
}

function ordinal(extensions: FhirExtension[] | undefined): number | undefined {
  const ext = extensions?.find((e) => (ORDINAL_VALUE_URLS as readonly string[]).includes(e.url));
  return ext?.valueDecimal ?? ext?.valueInteger;
}

const pathString = (p: readonly PropertyKey[]) => p.map(String).join('.');

/**
 * Converts a clinic file into a validated definition, or lists every problem with its path in the file.
 * Never throws for bad input.
 */
export function parseClinicInstrument(json: unknown): ClinicParseResult {
  const file = ClinicFileSchema.safeParse(json);
  if (!file.success) {
    return { ok: false, issues: file.error.issues.map((i) => ({ path: pathString(i.path) || '(file)', message: i.message })) };
  }
  const { alcove, questionnaire: q } = file.data;
  const issues: DefinitionIssue[] = [];
  if (q.language && !/^en(-|$)/.test(q.language)) {
    issues.push({ path: 'questionnaire.language', message: 'the questionnaire must be in English; give Spanish as translation extensions' });
  }

  const items: ItemInput[] = [];
  /** definition item index → questionnaire item index, to report problems where the clinic wrote them. */
  const fhirIndex: number[] = [];
  let intro: LocalizedText | undefined;
  let total: { linkId: string; code?: string; text: LocalizedText } | undefined;
  q.item.forEach((it, i) => {
    const at = `questionnaire.item.${i}`;
    const loinc = it.code?.find((c) => c.system === LOINC)?.code;
    const itemText = text(it.text, it._text);
    if (it.item?.length) {
      issues.push({ path: `${at}.item`, message: 'nested items (groups) are not supported: list the questions at the top level' });
      return;
    }
    if (it.type === 'display') {
      intro ??= itemText;
      return;
    }
    if (['decimal', 'integer', 'quantity'].includes(it.type) && (it.readOnly || it.extension?.some((e) => e.url === CALCULATED_EXPRESSION_URL))) {
      total = { linkId: it.linkId, ...(loinc ? { code: loinc } : {}), text: itemText ?? { en: 'Total score' } };
      return;
    }
    let type: ItemInput['type'];
    if (it.type === 'choice') type = it.repeats ? 'multiple' : 'single';
    else if (it.type === 'string' || it.type === 'text') type = 'text';
    else {
      issues.push({ path: `${at}.type`, message: `item type '${it.type}' is not supported (use choice, string, text, display, or a read-only decimal total)` });
      return;
    }
    const options = it.answerOption?.map((o, j) => {
      if (!o.valueCoding) {
        issues.push({ path: `${at}.answerOption.${j}`, message: 'answer options must use valueCoding' });
        return { code: `invalid-${j}`, display: { en: '?' } };
      }
      const c = o.valueCoding;
      const declined = c.code === DECLINED && (c.system === undefined || c.system === DATA_ABSENT_REASON_SYSTEM);
      const score = ordinal(o.extension) ?? ordinal(c.extension);
      const exclusive = o.extension?.find((e) => e.url === OPTION_EXCLUSIVE_URL)?.valueBoolean;
      return {
        code: c.code,
        ...(c.system && !declined ? { system: c.system } : {}),
        display: text(c.display ?? c.code, c._display) ?? { en: c.code },
        ...(score !== undefined ? { score } : {}),
        ...(exclusive ? { exclusive } : {}),
      };
    });
    const enableWhen = it.enableWhen?.map((w, k): NonNullable<ItemInput['enableWhen']>[number] => {
      if (w.operator === 'exists' && w.answerBoolean !== undefined) return { question: w.question, operator: 'exists' as const, answer: w.answerBoolean };
      const op = w.operator;
      if ((op === '=' || op === '!=') && w.answerCoding) return { question: w.question, operator: op, answer: w.answerCoding.code };
      issues.push({ path: `${at}.enableWhen.${k}`, message: "only 'exists' with answerBoolean, or '=' / '!=' with answerCoding, are supported" });
      return { question: w.question, operator: 'exists' as const, answer: true };
    });
    const extra = alcove.items?.[it.linkId];
    fhirIndex[items.length] = i;
    items.push({
      linkId: it.linkId,
      ...(loinc ? { code: loinc } : {}),
      type,
      text: itemText ?? { en: '' },
      ...(options ? { options } : {}),
      ...(it.maxLength !== undefined ? { maxLength: it.maxLength } : {}),
      ...(it.required !== undefined ? { required: it.required } : {}),
      ...(enableWhen ? { enableWhen } : {}),
      ...(it.enableBehavior ? { enableBehavior: it.enableBehavior } : {}),
      ...(extra?.sensitive !== undefined ? { sensitive: extra.sensitive } : {}),
      ...(extra?.excludeFromTotal !== undefined ? { excludeFromTotal: extra.excludeFromTotal } : {}),
    });
  });
  for (const linkId of Object.keys(alcove.items ?? {})) {
    if (!items.some((it) => it.linkId === linkId)) issues.push({ path: `alcove.items.${linkId}`, message: `the questionnaire has no question '${linkId}'` });
  }
  if (issues.length) return { ok: false, issues };

  const hasSpanish = items.some((it) => it.text.es) || Boolean(translation(q._title, 'es'));
  const scoring = (alcove.scoring ?? {}) as Record<string, unknown>;
  const input = {
    id: alcove.id ?? q.id,
    version: q.version,
    ...(q.url ? { url: q.url } : {}),
    ...(q.code?.find((c) => c.system === LOINC) ? { code: q.code.find((c) => c.system === LOINC)!.code } : {}),
    title: text(q.title, q._title),
    kind: alcove.kind,
    ...(alcove.labelledAs !== undefined ? { labelledAs: alcove.labelledAs } : {}),
    ...((alcove.intro ?? intro) !== undefined ? { intro: alcove.intro ?? intro } : {}),
    copyright: q.copyright,
    sources: alcove.sources,
    languages: alcove.languages ?? (hasSpanish ? ['en', 'es'] : ['en']),
    ...(alcove.answerSystem !== undefined ? { answerSystem: alcove.answerSystem } : {}),
    items,
    scoring: total && scoring.total === undefined && alcove.kind === 'scored' ? { ...scoring, total } : scoring,
  } as InstrumentDefinitionInput;

  const parsed = InstrumentDefinitionSchema.safeParse(input);
  if (parsed.success) return { ok: true, definition: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => ({
      path: toFilePath(i.path, fhirIndex, alcove.id !== undefined),
      message: i.path[0] === 'items' ? `${i.message} (question '${items[Number(i.path[1])]?.linkId}')` : i.message,
    })),
  };
}

/** Maps a path in the definition back to where the clinic wrote it in their file. */
function toFilePath(path: readonly PropertyKey[], fhirIndex: number[], idInAlcove: boolean): string {
  const [head, ...rest] = path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  switch (head) {
    case 'id':
      return idInAlcove ? 'alcove.id' : 'questionnaire.id';
    case 'version':
    case 'url':
    case 'copyright':
    case 'code':
      return `questionnaire.${String(head)}`;
    case 'title':
      return rest[0] === 'es' ? 'questionnaire._title' : 'questionnaire.title';
    case 'items': {
      const [index, field, ...more] = rest;
      const base = `questionnaire.item.${fhirIndex[Number(index)] ?? index}`;
      if (field === undefined) return base;
      if (field === 'options') {
        const [j, optionField, lang] = more;
        const option = `${base}.answerOption.${String(j)}`;
        if (optionField === 'score') return `${option}.extension (ordinalValue)`;
        if (optionField === 'display') return lang === 'es' ? `${option}.valueCoding._display` : `${option}.valueCoding.display`;
        if (optionField === 'code') return `${option}.valueCoding.code`;
        return optionField === undefined ? option : `${option}.${String(optionField)}`;
      }
      if (field === 'text') return more[0] === 'es' ? `${base}._text` : `${base}.text`;
      if (field === 'sensitive' || field === 'excludeFromTotal') return `alcove.items (${String(field)})`;
      return pathString([base, field, ...more]);
    }
    case undefined:
      return '(file)';
    default:
      return pathString(['alcove', head, ...rest]);
  }
}
