import { describe, expect, it } from 'vitest';
import { BUILT_IN_INSTRUMENTS } from '@shared/instruments/built-ins';
import { isItemEnabled } from '@shared/instruments/scoring';
import { enabledItems, isAnswered } from '../../../client/features/checkin/instrument-rules';
import { toInstrumentDetail } from '../../../server/checkins/instruments.routes';

const loaded = (id: string) => ({ definition: BUILT_IN_INSTRUMENTS.find((d) => d.id === id)!, origin: 'built-in' as const });

describe("the patient screen's enableWhen rules match the server's", () => {
  it('PHQ-9: the difficulty question appears only once a problem is reported, in both languages of the view', () => {
    for (const lang of ['en', 'es'] as const) {
      const view = toInstrumentDetail(loaded('phq-9'), lang);
      expect(enabledItems(view, {}).map((i) => i.linkId)).not.toContain('69722-7');
      expect(enabledItems(view, { '44250-9': 'LA6568-5' }).map((i) => i.linkId)).not.toContain('69722-7');
      expect(enabledItems(view, { '44250-9': 'LA6569-3' }).map((i) => i.linkId)).toContain('69722-7');
      // A decline is not a reported problem.
      expect(enabledItems(view, { '44250-9': 'asked-declined' }).map((i) => i.linkId)).not.toContain('69722-7');
    }
  });

  it('sexual health: follow-up questions follow the changes chosen, exactly as the server decides', () => {
    const def = loaded('alcove-sexual-health');
    const view = toInstrumentDetail(def, 'es');
    const cases = [
      {},
      { changes: ['no-change'] },
      { changes: ['interest'] },
      { changes: ['pain', 'orgasm'] },
      { changes: 'asked-declined' },
    ];
    for (const answers of cases) {
      const client = enabledItems(view, answers).map((i) => i.linkId);
      const server = def.definition.items.filter((it) => isItemEnabled(def.definition, it.linkId, answers)).map((i) => i.linkId);
      expect(client, JSON.stringify(answers)).toEqual(server);
    }
    expect(enabledItems(view, { changes: ['interest'] }).map((i) => i.linkId)).toContain('medicine-link');
  });

  it('counts a decline as an answer and an empty value as none', () => {
    expect(isAnswered('asked-declined')).toBe(true);
    expect(isAnswered(['interest'])).toBe(true);
    expect(isAnswered('')).toBe(false);
    expect(isAnswered([])).toBe(false);
    expect(isAnswered(undefined)).toBe(false);
  });
});
