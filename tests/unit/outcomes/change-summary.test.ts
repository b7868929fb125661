import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import { PHQ9_CHANGE_RULE, type ChangeRule } from '@shared/outcomes/change';
import { ChangeSummary } from '../../../client/features/patient-history/change-summary';

/* The trends state the rule in force and its source: a clinic's own figures (INSTRUMENTS_DIR) replace the published ones on screen. */
const entries = [20, 15].map((total, i) => ({ id: `e${i}`, result: { total }, items: [] }) as unknown as HistoryEntry);
const definition = { id: 'phq-9', items: [] } as unknown as InstrumentDetail;
const text = (rule: ChangeRule) =>
  renderToStaticMarkup(createElement(ChangeSummary, { rule, entries, definition, labelOf: (e: HistoryEntry) => e.id }))
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('the change summary states the rule in force', () => {
  it('the published rule and source', () => {
    const out = text(PHQ9_CHANGE_RULE);
    expect(out).toContain(
      'Rule, per measure (PHQ-9 alone): a change of 6 points or more is reliable; a total of 10 or more is at the case cut-off',
    );
    expect(out).toContain(`Source: ${PHQ9_CHANGE_RULE.source}.`);
    expect(out).toContain('No reliable change: PHQ-9 fell by 5 points (less than 6)');
    expect(out).not.toContain('set by this clinic');
  });

  it("a clinic's rule: its figures, its source, said to be the clinic's; no cut-off means no recovery claim", () => {
    const out = text({ ...PHQ9_CHANGE_RULE, reliableChange: 5, caseness: null, source: 'Clinic audit 2026', origin: 'clinic' });
    expect(out).toContain(
      'Rule, per measure (PHQ-9 alone, set by this clinic): a change of 5 points or more is reliable; this rule sets no case cut-off',
    );
    expect(out).toContain('Source: Clinic audit 2026.');
    expect(out).toContain('Reliable improvement: PHQ-9 fell by 5 points (a change of 5 or more is reliable)');
    expect(out).toContain('Recovery is not assessed');
    expect(out).not.toContain('Caseness');
    expect(out).not.toContain('null');
  });
});
