import { z } from 'zod';
import {
  DECLINED,
  InstrumentDefinitionSchema,
  InstrumentIdSchema,
  LANGUAGES,
  SourceSchema,
  type InstrumentDefinition,
  type Language,
  type LocalizedText,
} from '@shared/instruments/definition.schema';
import type { InstrumentProblem, LoadedInstrument } from './instrument-registry';

/**
 * An official translation a clinic adds through INSTRUMENTS_DIR: `<instrument-id>.<language>.translation.json`
 * beside the instrument files. It names the instrument and the exact version it translates, carries the
 * translation's own copyright/permission statement and source, and gives EVERY patient-facing text of the
 * instrument in that language (title, stem, each question, help and option, total, bands, flag messages).
 * A file that misses one, names a question or option the instrument lacks, or targets another version is
 * skipped with a problem naming the file and field; the instrument then stays as it was. Alcove never makes
 * translations of scored instruments itself.
 */
export const TRANSLATION_SUFFIX = '.translation.json';

const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', es: 'Spanish' };

const Text = z.string().trim().min(1, 'must not be empty').max(4000);

const HeaderSchema = z.strictObject({
  instrument: InstrumentIdSchema,
  instrumentVersion: z.string().min(1).max(32),
  language: z.enum(LANGUAGES.filter((l) => l !== 'en') as [Language, ...Language[]], {
    error: `must be one of ${LANGUAGES.filter((l) => l !== 'en').join(', ')} (English is the instruments' own language)`,
  }),
  /** The translation's copyright and permission statement, shown with the instrument's own. */
  copyright: z.string().trim().min(1).max(2000),
  /** Where the official translation comes from, and what was checked against it. */
  source: SourceSchema,
});

const TranslationFileSchema = z.strictObject({
  alcoveTranslation: HeaderSchema,
  title: Text,
  labelledAs: Text.optional(),
  intro: Text.optional(),
  items: z.record(z.string(), z.strictObject({ text: Text, help: Text.optional(), options: z.record(z.string(), Text).optional() })),
  total: Text.optional(),
  /** Band labels, in the order of the instrument's bands. */
  bands: z.array(Text).max(20).optional(),
  /** Flag messages by flag code. */
  flags: z.record(z.string(), Text).optional(),
});
type TranslationFile = z.infer<typeof TranslationFileSchema>;

type Result = { definition: InstrumentDefinition; language: Language } | { problems: InstrumentProblem[] };

export function applyTranslation(json: unknown, file: string, find: (id: string) => LoadedInstrument | undefined): Result {
  const problem = (p: string, message: string): InstrumentProblem => ({ file, path: p, message });
  const issues = (e: z.ZodError) => ({ problems: e.issues.map((i) => problem(i.path.map(String).join('.') || '(file)', i.message)) });
  // The header first: which instrument, version and language this is, before any of its texts.
  const header = z.looseObject({ alcoveTranslation: HeaderSchema }).safeParse(json);
  if (!header.success) return issues(header.error);
  const { instrument, instrumentVersion, language } = header.data.alcoveTranslation;
  const expected = `${instrument}.${language}${TRANSLATION_SUFFIX}`;
  if (file.toLowerCase() !== expected)
    return { problems: [problem('(file name)', `must be named '${expected}' (instrument id, language)`)] };
  const loaded = find(instrument);
  if (!loaded) return { problems: [problem('alcoveTranslation.instrument', `no instrument '${instrument}' is loaded`)] };
  const def = loaded.definition;
  if (def.version !== instrumentVersion) {
    return {
      problems: [
        problem(
          'alcoveTranslation.instrumentVersion',
          `translates version '${instrumentVersion}', but the loaded '${instrument}' is version '${def.version}'`,
        ),
      ],
    };
  }
  if (def.languages.includes(language)) {
    return {
      problems: [problem('alcoveTranslation.language', `'${instrument}' already has ${LANGUAGE_NAMES[language]} text; it is not replaced`)],
    };
  }
  const parsed = TranslationFileSchema.safeParse(json);
  if (!parsed.success) return issues(parsed.error);
  const t = parsed.data;
  const extra = unknownKeys(def, t).map((p) => problem(p, 'the instrument has no such text to translate'));
  if (extra.length) return { problems: extra };

  const merged = merge(def, t, language);
  const checked = InstrumentDefinitionSchema.safeParse(merged);
  if (!checked.success) {
    return {
      problems: checked.error.issues.map((i) =>
        problem(filePath(def, i.path), i.message.replace(/Spanish text is missing.*/, `the ${LANGUAGE_NAMES[language]} text is missing`)),
      ),
    };
  }
  return { definition: checked.data, language };
}

/** Texts the file gives that the instrument does not have (a typo would otherwise be silently ignored). */
function unknownKeys(def: InstrumentDefinition, t: TranslationFile): string[] {
  const out: string[] = [];
  if (t.labelledAs && !def.labelledAs) out.push('labelledAs');
  if (t.intro && !def.intro) out.push('intro');
  if (t.total && !def.scoring.total) out.push('total');
  if ((t.bands?.length ?? 0) > def.scoring.bands.length) out.push(`bands.${def.scoring.bands.length}`);
  for (const code of Object.keys(t.flags ?? {})) if (!def.scoring.flags.some((f) => f.code === code)) out.push(`flags.${code}`);
  for (const [linkId, it] of Object.entries(t.items)) {
    const item = def.items.find((x) => x.linkId === linkId);
    if (!item) {
      out.push(`items.${linkId}`);
      continue;
    }
    if (it.help && !item.help) out.push(`items.${linkId}.help`);
    for (const code of Object.keys(it.options ?? {}))
      if (!item.options?.some((o) => o.code === code)) out.push(`items.${linkId}.options.${code}`);
  }
  return out;
}

function merge(def: InstrumentDefinition, t: TranslationFile, lang: Language): unknown {
  const put = (text: LocalizedText, value: string | undefined): LocalizedText =>
    value === undefined ? { ...text } : { ...text, [lang]: value };
  const { copyright, source } = t.alcoveTranslation;
  return {
    ...def,
    title: put(def.title, t.title),
    ...(def.labelledAs ? { labelledAs: put(def.labelledAs, t.labelledAs) } : {}),
    ...(def.intro ? { intro: put(def.intro, t.intro) } : {}),
    copyright: `${def.copyright}\n\n${LANGUAGE_NAMES[lang]} translation: ${copyright}`,
    sources: [...def.sources, source],
    languages: [...def.languages, lang],
    items: def.items.map((it) => {
      const tt = t.items[it.linkId];
      return {
        ...it,
        text: put(it.text, tt?.text),
        ...(it.help ? { help: put(it.help, tt?.help) } : {}),
        ...(it.options
          ? {
              options: it.options.map((o) =>
                // "Prefer not to answer" has Alcove's own wording in every language unless the file gives one.
                o.code === DECLINED && tt?.options?.[o.code] === undefined ? o : { ...o, display: put(o.display, tt?.options?.[o.code]) },
              ),
            }
          : {}),
      };
    }),
    scoring: {
      ...def.scoring,
      ...(def.scoring.total ? { total: { ...def.scoring.total, text: put(def.scoring.total.text, t.total) } } : {}),
      bands: def.scoring.bands.map((b, i) => ({ ...b, label: put(b.label, t.bands?.[i]) })),
      flags: def.scoring.flags.map((f) => ({ ...f, message: put(f.message, t.flags?.[f.code]) })),
    },
  };
}

/** Where in the translation file a text the definition check found missing belongs. */
function filePath(def: InstrumentDefinition, p: readonly PropertyKey[]): string {
  const [head, a, b, c, d] = p.map((x) => (typeof x === 'symbol' ? String(x) : x));
  if (head === 'items') {
    const item = def.items[Number(a)];
    const linkId = item?.linkId ?? String(a);
    if (b === 'options') return `items.${linkId}.options.${item?.options?.[Number(c)]?.code ?? String(c)}`;
    return `items.${linkId}.${String(b)}`;
  }
  if (head === 'scoring') {
    if (a === 'total') return 'total';
    if (a === 'bands') return `bands.${String(b)}`;
    if (a === 'flags') return `flags.${def.scoring.flags[Number(b)]?.code ?? String(b)}`;
  }
  if (head === 'title' || head === 'labelledAs' || head === 'intro') return String(head);
  void d;
  return p.map(String).join('.') || '(file)';
}
