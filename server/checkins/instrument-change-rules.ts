import { z } from 'zod';
import {
  ChangeRuleSchema,
  InstrumentDefinitionSchema,
  InstrumentIdSchema,
  type InstrumentDefinition,
} from '@shared/instruments/definition.schema';
import type { InstrumentProblem, LoadedInstrument } from './instrument-registry';

/**
 * A clinic's own reliable-change figures for an instrument: `<instrument-id>.change-rule.json` in INSTRUMENTS_DIR,
 * `{ "instrument", "version"?, "reliableChange", "caseness"?, "source" }`. A clinic file cannot reuse a built-in's id
 * (it is refused), so this narrow file is how a clinic changes the rule of PHQ-9 or GAD-7, or gives one to its own
 * scored instrument. It becomes that instrument definition's `changeRule` block and replaces the whole rule: leave out
 * `caseness` and there is no case cut-off (no recovery labels). `version`, when given, must be the loaded version.
 * A bad file is skipped with a problem naming the file and field, and the instrument keeps the rule it had.
 */
export const CHANGE_RULE_SUFFIX = '.change-rule.json';

const ChangeRuleFileSchema = z.strictObject({
  instrument: InstrumentIdSchema,
  version: z.string().min(1).max(32).optional(),
  ...ChangeRuleSchema.shape,
});

type Result = { definition: InstrumentDefinition } | { problems: InstrumentProblem[] };

export function applyChangeRule(json: unknown, file: string, find: (id: string) => LoadedInstrument | undefined): Result {
  const problem = (p: string, message: string): InstrumentProblem => ({ file, path: p, message });
  const parsed = ChangeRuleFileSchema.safeParse(json);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => problem(i.path.map(String).join('.') || '(file)', i.message)) };
  const { instrument, version, ...rule } = parsed.data;
  const expected = `${instrument}${CHANGE_RULE_SUFFIX}`;
  if (file.toLowerCase() !== expected) return { problems: [problem('(file name)', `must be named '${expected}' (the instrument id)`)] };
  const loaded = find(instrument);
  if (!loaded) return { problems: [problem('instrument', `no instrument '${instrument}' is loaded`)] };
  const def = loaded.definition;
  if (version !== undefined && version !== def.version) {
    return { problems: [problem('version', `is for version '${version}', but the loaded '${instrument}' is version '${def.version}'`)] };
  }
  if (def.kind !== 'scored') return { problems: [problem('instrument', `'${instrument}' has no total, so no change rule applies`)] };
  const checked = InstrumentDefinitionSchema.safeParse({ ...def, changeRule: rule });
  if (!checked.success) {
    return {
      problems: checked.error.issues.map((i) =>
        problem(i.path[0] === 'changeRule' ? i.path.slice(1).map(String).join('.') || '(file)' : '(file)', i.message),
      ),
    };
  }
  return { definition: checked.data };
}
