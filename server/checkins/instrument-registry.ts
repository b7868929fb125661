import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { BUILT_IN_INSTRUMENTS } from '@shared/instruments/built-ins';
import type { InstrumentDefinition } from '@shared/instruments/definition.schema';
import { parseClinicInstrument } from '@shared/instruments/from-fhir';
import { CHANGE_RULE_SUFFIX, applyChangeRule } from './instrument-change-rules';
import { TRANSLATION_SUFFIX, applyTranslation } from './instrument-translations';

/** Clinic files larger than this are refused unread: no real questionnaire comes close. */
const MAX_FILE_BYTES = 1024 * 1024;

export interface LoadedInstrument {
  definition: InstrumentDefinition;
  origin: 'built-in' | 'clinic';
  /** The clinic file it came from (base name only). */
  file?: string;
  /** Official translations the clinic added through INSTRUMENTS_DIR (`<id>.<language>.translation.json`). */
  translations?: { language: string; file: string }[];
  /** The clinic's `<id>.change-rule.json` that set the definition's `changeRule`, when one did. */
  changeRuleFile?: string;
}

/** One reason a clinic file was skipped: the file, the field (dotted path in the file) and what is wrong. */
export interface InstrumentProblem {
  file: string;
  path: string;
  message: string;
}

/** The instruments this server offers: built-ins plus valid clinic files, keyed by id. */
export class InstrumentRegistry {
  private readonly byId = new Map<string, LoadedInstrument>();

  constructor(
    instruments: LoadedInstrument[],
    /** Why clinic files were skipped, for the start-up log and tests. */
    readonly problems: readonly InstrumentProblem[] = [],
  ) {
    for (const i of instruments) this.byId.set(i.definition.id, i);
  }

  /** Every instrument, built-ins first, in a stable order. */
  all(): LoadedInstrument[] {
    return [...this.byId.values()];
  }

  get(id: string): LoadedInstrument | undefined {
    return this.byId.get(id);
  }
}

/**
 * Loads the built-ins and every `*.json` file directly in `dir` (clinic-supplied FHIR Questionnaire + Alcove
 * scoring). A bad file is skipped with a problem naming the file and the field; built-ins always load; an id
 * already taken (by a built-in or an earlier file, in file-name order) is a problem too.
 */
export function loadInstrumentRegistry(dir: string | undefined, logger?: Logger): InstrumentRegistry {
  const loaded: LoadedInstrument[] = BUILT_IN_INSTRUMENTS.map((definition) => ({ definition, origin: 'built-in' }));
  const problems: InstrumentProblem[] = [];
  if (dir) {
    let files: string[] = [];
    let translationFiles: string[] = [];
    let changeRuleFiles: string[] = [];
    try {
      files = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.json'))
        .map((e) => e.name)
        .sort();
      translationFiles = files.filter((f) => f.toLowerCase().endsWith(TRANSLATION_SUFFIX));
      changeRuleFiles = files.filter((f) => f.toLowerCase().endsWith(CHANGE_RULE_SUFFIX));
      files = files.filter((f) => !f.toLowerCase().endsWith(TRANSLATION_SUFFIX) && !f.toLowerCase().endsWith(CHANGE_RULE_SUFFIX));
    } catch (err) {
      problems.push({ file: dir, path: '(folder)', message: `cannot read INSTRUMENTS_DIR (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
    }
    for (const file of files) {
      const result = loadFile(path.join(dir, file), file, loaded);
      if ('problems' in result) problems.push(...result.problems);
      else loaded.push(result);
    }
    // Translations last, so they may name a built-in or any clinic instrument.
    for (const file of translationFiles) {
      const json = readJson(path.join(dir, file), file);
      if ('problems' in json) {
        problems.push(...json.problems);
        continue;
      }
      const result = applyTranslation(json.value, file, (id) => loaded.find((l) => l.definition.id === id));
      if ('problems' in result) {
        problems.push(...result.problems);
        continue;
      }
      const i = loaded.findIndex((l) => l.definition.id === result.definition.id);
      const was = loaded[i]!;
      loaded[i] = { ...was, definition: result.definition, translations: [...(was.translations ?? []), { language: result.language, file }] };
    }
    // Change rules last too (any loaded instrument); one file per instrument.
    for (const file of changeRuleFiles) {
      const json = readJson(path.join(dir, file), file);
      const result = 'problems' in json ? json : applyChangeRule(json.value, file, (id) => loaded.find((l) => l.definition.id === id));
      if ('problems' in result) {
        problems.push(...result.problems);
        continue;
      }
      const i = loaded.findIndex((l) => l.definition.id === result.definition.id);
      const was = loaded[i]!;
      if (was.changeRuleFile) {
        problems.push({ file, path: 'instrument', message: `'${was.definition.id}' already has a change rule from ${was.changeRuleFile}` });
        continue;
      }
      loaded[i] = { ...was, definition: result.definition, changeRuleFile: file };
    }
  }
  for (const p of problems) logger?.warn({ file: p.file, field: p.path }, `instrument file skipped: ${p.message}`);
  const clinic = loaded.filter((l) => l.origin === 'clinic');
  if (clinic.length) logger?.info({ instruments: clinic.map((l) => l.definition.id) }, 'clinic instruments loaded');
  const translated = loaded.filter((l) => l.translations?.length);
  if (translated.length) {
    logger?.info({ translations: translated.flatMap((l) => l.translations!.map((t) => `${l.definition.id}:${t.language}`)) }, 'instrument translations loaded');
  }
  const ruled = loaded.filter((l) => l.changeRuleFile);
  if (ruled.length) logger?.info({ changeRules: ruled.map((l) => l.definition.id) }, 'clinic change rules loaded');
  return new InstrumentRegistry(loaded, problems);
}

/** A file's JSON, or why it could not be read. */
function readJson(full: string, file: string): { value: unknown } | { problems: InstrumentProblem[] } {
  const fail = (p: string, message: string) => ({ problems: [{ file, path: p, message }] });
  let text: string;
  try {
    if (fs.statSync(full).size > MAX_FILE_BYTES) return fail('(file)', `is larger than ${MAX_FILE_BYTES / 1024} KiB`);
    text = fs.readFileSync(full, 'utf8');
  } catch (err) {
    return fail('(file)', `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    return fail('(file)', `is not valid JSON: ${(err as Error).message}`);
  }
}

function loadFile(full: string, file: string, loaded: LoadedInstrument[]): LoadedInstrument | { problems: InstrumentProblem[] } {
  const fail = (p: string, message: string) => ({ problems: [{ file, path: p, message }] });
  const read = readJson(full, file);
  if ('problems' in read) return read;
  const json = read.value;
  const parsed = parseClinicInstrument(json);
  if (!parsed.ok) return { problems: parsed.issues.map((i) => ({ file, path: i.path, message: i.message })) };
  const taken = loaded.find((l) => l.definition.id === parsed.definition.id);
  if (taken) {
    const by = taken.origin === 'built-in' ? 'a built-in instrument' : `${taken.file}`;
    const idInAlcove = typeof (json as { alcove?: { id?: unknown } }).alcove?.id === 'string';
    return fail(idInAlcove ? 'alcove.id' : 'questionnaire.id', `id '${parsed.definition.id}' is already used by ${by}`);
  }
  return { definition: parsed.definition, origin: 'clinic', file };
}
