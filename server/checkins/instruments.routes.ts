import { Router } from 'express';
import { InstrumentQuerySchema, type InstrumentDetail, type InstrumentSummary } from '@shared/api/instruments.schema';
import {
  InstrumentIdSchema,
  effectiveLanguage,
  localize,
  type InstrumentDefinition,
  type Language,
} from '@shared/instruments/definition.schema';
import { effectiveChangeRule } from '@shared/outcomes/change';
import { requireStaff } from '../auth/auth.middleware';
import { notFound } from '../http-error';
import type { InstrumentRegistry, LoadedInstrument } from './instrument-registry';

/** The list entry for an instrument, in one language (English when the instrument lacks the one asked for). */
export function toInstrumentSummary(loaded: LoadedInstrument, lang?: Language): InstrumentSummary {
  const def = loaded.definition;
  const language = effectiveLanguage(def, lang);
  const rule = effectiveChangeRule(def);
  return {
    id: def.id,
    version: def.version,
    title: localize(def.title, language),
    kind: def.kind,
    ...(def.labelledAs ? { labelledAs: localize(def.labelledAs, language) } : {}),
    copyright: def.copyright,
    ...(def.code ? { code: def.code } : {}),
    language,
    languages: def.languages,
    origin: loaded.origin,
    itemCount: def.items.length,
    sensitive: def.items.some((it) => it.sensitive),
    changeRule: rule
      ? { measure: rule.measure, reliableChange: rule.reliableChange, caseness: rule.caseness, source: rule.source, origin: rule.origin }
      : null,
  };
}

function totalRange(def: InstrumentDefinition): { min: number; max: number } {
  const scores = def.scoring.sum.map((id) => {
    const values = (def.items.find((it) => it.linkId === id)?.options ?? []).flatMap((o) => (o.score === undefined ? [] : [o.score]));
    return { min: Math.min(...values), max: Math.max(...values) };
  });
  return { min: scores.reduce((a, s) => a + s.min, 0), max: scores.reduce((a, s) => a + s.max, 0) };
}

/**
 * The whole definition as a client renders it, in one language. Alert rules and clinician flag messages are left
 * out: the server evaluates them, and this shape is meant to be safe to show a patient later.
 */
export function toInstrumentDetail(loaded: LoadedInstrument, lang?: Language): InstrumentDetail {
  const def = loaded.definition;
  const language = effectiveLanguage(def, lang);
  const t = (text: Parameters<typeof localize>[0]) => localize(text, language);
  const total = def.scoring.total;
  return {
    ...toInstrumentSummary(loaded, lang),
    ...(def.intro ? { intro: t(def.intro) } : {}),
    sources: def.sources,
    items: def.items.map((it) => ({
      linkId: it.linkId,
      ...(it.code ? { code: it.code } : {}),
      text: t(it.text),
      ...(it.help ? { help: t(it.help) } : {}),
      type: it.type,
      required: it.required,
      sensitive: it.sensitive,
      excludeFromTotal: it.excludeFromTotal,
      ...(it.maxLength !== undefined ? { maxLength: it.maxLength } : {}),
      ...(it.enableWhen ? { enableWhen: it.enableWhen } : {}),
      enableBehavior: it.enableBehavior,
      ...(it.options
        ? {
            options: it.options.map((o) => ({
              code: o.code,
              // "Prefer not to answer" too follows the instrument's language, so one screen never mixes two.
              display: t(o.display),
              ...(o.score !== undefined ? { score: o.score } : {}),
              ...(o.exclusive ? { exclusive: true } : {}),
            })),
          }
        : {}),
    })),
    scoring: {
      ...(total ? { total: { linkId: total.linkId, ...(total.code ? { code: total.code } : {}), text: t(total.text), ...totalRange(def) } } : {}),
      bands: def.scoring.bands.map((b) => ({ min: b.min, max: b.max, label: t(b.label), severity: b.severity })),
      hasPositiveScreen: def.scoring.positiveScreen !== undefined,
    },
  };
}

/**
 * Instrument definitions: the list for staff; one definition for staff, and for a patient when a
 * check-in of it was sent in their visit (`sentToPatient`), so their screen can render it.
 */
export function instrumentRoutes(deps: {
  instruments: InstrumentRegistry;
  sentToPatient?: (visitId: string, instrumentId: string) => Promise<boolean>;
}): Router {
  const { instruments } = deps;
  const r = Router();

  r.get('/', (req, res) => {
    requireStaff(res);
    const { lang } = InstrumentQuerySchema.parse(req.query);
    res.json({ instruments: instruments.all().map((i) => toInstrumentSummary(i, lang)) });
  });

  r.get('/:id', async (req, res) => {
    const patient = res.locals.staff ? undefined : res.locals.patient;
    if (!patient || !deps.sentToPatient) requireStaff(res);
    const { lang } = InstrumentQuerySchema.parse(req.query);
    const id = InstrumentIdSchema.safeParse(req.params.id);
    const loaded = id.success ? instruments.get(id.data) : undefined;
    if (!loaded) throw notFound('No such instrument');
    // A patient sees only what was sent to them; anything else does not exist for them.
    if (patient && !(await deps.sentToPatient?.(patient.visitId, loaded.definition.id))) throw notFound('No such instrument');
    res.json({ instrument: toInstrumentDetail(loaded, lang) });
  });

  return r;
}
