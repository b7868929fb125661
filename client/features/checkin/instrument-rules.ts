import type { InstrumentDetail, InstrumentItemView } from '@shared/api/instruments.schema';
import type { Answers, InstrumentDefinition } from '@shared/instruments/definition.schema';
import { isItemEnabled } from '@shared/instruments/scoring';

/**
 * The shared rules (enableWhen) read only linkIds, types, options and conditions, which the
 * one-language view carries too. Rebuilding the definition shape from the view lets the patient's
 * screen apply exactly the rules the server applies, instead of a second copy of them.
 */
function asRules(detail: InstrumentDetail): InstrumentDefinition {
  return {
    items: detail.items.map((it) => ({
      ...it,
      text: { en: it.text },
      help: undefined,
      options: it.options?.map((o) => ({ ...o, display: { en: o.display } })),
    })),
    scoring: { sum: [], bands: [], flags: [], alerts: [] },
  } as unknown as InstrumentDefinition;
}

const cache = new WeakMap<InstrumentDetail, InstrumentDefinition>();

/** The items shown given the current answers, in order. */
export function enabledItems(detail: InstrumentDetail, answers: Answers): InstrumentItemView[] {
  let rules = cache.get(detail);
  if (!rules) {
    rules = asRules(detail);
    cache.set(detail, rules);
  }
  const r = rules;
  return detail.items.filter((it) => isItemEnabled(r, it.linkId, answers));
}

/** An answer that counts as given (a decline counts). */
export function isAnswered(value: Answers[string]): boolean {
  return value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0);
}
