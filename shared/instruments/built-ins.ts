import sexualHealth from './alcove-sexual-health.json';
import { InstrumentDefinitionSchema, type InstrumentDefinition } from './definition.schema';
import gad2 from './gad-2.json';
import gad7 from './gad-7.json';
import phq2 from './phq-2.json';
import phq9 from './phq-9.json';

/**
 * The instruments Alcove ships, parsed once. Only public-domain instruments (Pfizer PHQ/GAD: "no permission
 * required") and Alcove's own sexual-health check-in; licensed instruments are clinic-supplied files only.
 */
export const BUILT_IN_INSTRUMENTS: readonly InstrumentDefinition[] = [phq9, phq2, gad7, gad2, sexualHealth].map((raw) =>
  InstrumentDefinitionSchema.parse(raw),
);
