import fs from 'node:fs';
import path from 'node:path';
import { BUILT_IN_INSTRUMENTS } from '@shared/instruments/built-ins';
import type { Answers, InstrumentDefinition } from '@shared/instruments/definition.schema';
import { parseClinicInstrument } from '@shared/instruments/from-fhir';

export const FIXTURES = path.resolve('tests/fixtures/instruments');

export function builtIn(id: string): InstrumentDefinition {
  const def = BUILT_IN_INSTRUMENTS.find((d) => d.id === id);
  if (!def) throw new Error(`no built-in ${id}`);
  return def;
}

export function fixture(): InstrumentDefinition {
  const parsed = parseClinicInstrument(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'asex-shaped.json'), 'utf8')));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.definition;
}

/** The option code whose numeric value is `score` (looked up, so tests never hard-code a code-to-score mapping). */
export function codeFor(def: InstrumentDefinition, linkId: string, score: number): string {
  const option = def.items.find((it) => it.linkId === linkId)?.options?.find((o) => o.score === score);
  if (!option) throw new Error(`${def.id} ${linkId} has no option scoring ${score}`);
  return option.code;
}

/** Answers giving each summed item the score listed (in `scoring.sum` order); 'x' declines that item. */
export function answersFor(def: InstrumentDefinition, scores: (number | 'x' | undefined)[]): Answers {
  const out: Record<string, string> = {};
  def.scoring.sum.forEach((linkId, i) => {
    const s = scores[i];
    if (s === 'x') out[linkId] = 'asked-declined';
    else if (s !== undefined) out[linkId] = codeFor(def, linkId, s);
  });
  return out;
}

/** Item scores that add up to `total`, filling items from the first, each at most `max`; `zeroLast` keeps the last item at 0. */
export function scoresForTotal(count: number, max: number, total: number, zeroLast = false): number[] {
  const scores: number[] = [];
  let left = total;
  for (let i = 0; i < count; i++) {
    const cap = zeroLast && i === count - 1 ? 0 : max;
    const s = Math.min(cap, left);
    scores.push(s);
    left -= s;
  }
  if (left !== 0) throw new Error(`cannot reach ${total}`);
  return scores;
}
