import { describe, expect, it } from 'vitest';
import { interleaveTimeline, itemAlong, medicationMarkers, markersBeforeEachVisit, optionAlong } from '@shared/outcomes/timeline';

const med = (
  id: string,
  name: string,
  events: { kind: 'start' | 'dose_change' | 'stop'; on: string; dose: string | null }[],
  watchSexualSideEffects = false,
) => ({ id, name, watchSexualSideEffects, events });

const sertraline = med(
  'm1',
  'Sertraline',
  [
    { kind: 'start', on: '2026-03-03', dose: '50 mg' },
    { kind: 'dose_change', on: '2026-04-01', dose: '100 mg' },
    { kind: 'stop', on: '2026-05-20', dose: null },
  ],
  true,
);
const bupropion = med('m2', 'Bupropion', [{ kind: 'start', on: '2026-04-01', dose: null }]);

describe('medication markers for the trend charts', () => {
  it('gives one marker per start, dose change and stop, oldest first, in words that name the medicine', () => {
    const markers = medicationMarkers([sertraline, bupropion]);
    expect(markers.map((m) => [m.on, m.kind, m.name])).toEqual([
      ['2026-03-03', 'start', 'Sertraline'],
      ['2026-04-01', 'start', 'Bupropion'],
      ['2026-04-01', 'dose_change', 'Sertraline'],
      ['2026-05-20', 'stop', 'Sertraline'],
    ]);
    expect(markers.map((m) => m.text)).toEqual([
      'Sertraline started (50 mg)',
      'Bupropion started',
      'Sertraline dose changed from 50 mg to 100 mg',
      'Sertraline stopped',
    ]);
    expect(markers[0]).toMatchObject({ medicationId: 'm1', watchSexualSideEffects: true, dose: '50 mg', previousDose: null });
    expect(markers[2]).toMatchObject({ previousDose: '50 mg', dose: '100 mg' });
    expect(markers[1]!.watchSexualSideEffects).toBe(false);
  });

  it('gives nothing when there are no medications', () => {
    expect(medicationMarkers([])).toEqual([]);
  });
});

// Visits by the local calendar day they took place on, oldest first. A medication date is read as the
// start of its day, so a medicine started on the day of a visit comes before that visit.
const visits = [
  { id: 'v1', day: '2026-03-01' },
  { id: 'v2', day: '2026-03-03' },
  { id: 'v3', day: '2026-04-15' },
  { id: 'v4', day: '2026-06-01' },
];
const dayOf = (v: { day: string }) => v.day;

describe('medication changes against visits', () => {
  it('lists, per visit, the medication changes since the previous visit (a change on the visit day counts before it)', () => {
    const per = markersBeforeEachVisit(visits, dayOf, medicationMarkers([sertraline, bupropion]));
    expect(per.map((list) => list.map((m) => m.text))).toEqual([
      [],
      ['Sertraline started (50 mg)'],
      ['Bupropion started', 'Sertraline dose changed from 50 mg to 100 mg'],
      ['Sertraline stopped'],
    ]);
  });

  it('puts changes before the first visit on the first visit, and a change after the last visit on none', () => {
    const early = medicationMarkers([med('a', 'A', [{ kind: 'start', on: '2026-01-01', dose: null }])]);
    expect(markersBeforeEachVisit(visits, dayOf, early)[0]!.map((m) => m.name)).toEqual(['A']);
    const late = medicationMarkers([med('b', 'B', [{ kind: 'start', on: '2026-06-02', dose: null }])]);
    expect(markersBeforeEachVisit(visits, dayOf, late).flat()).toEqual([]);
  });

  it('interleaves visits and medication changes on one time line, oldest first', () => {
    const markers = medicationMarkers([sertraline, med('b', 'B', [{ kind: 'start', on: '2026-07-01', dose: null }])]);
    const line = interleaveTimeline(visits, dayOf, markers);
    expect(line.map((c) => (c.kind === 'visit' ? c.visit.id : c.marker.text))).toEqual([
      'v1',
      'Sertraline started (50 mg)',
      'v2',
      'Sertraline dose changed from 50 mg to 100 mg',
      'v3',
      'Sertraline stopped',
      'v4',
      'B started',
    ]);
  });
});

const answers = (items: Record<string, string | string[] | null | 'declined'>) => ({
  items: Object.entries(items).map(([linkId, value]) => ({
    linkId,
    value: value === 'declined' ? 'asked-declined' : value,
    declined: value === 'declined',
  })),
});

describe('item-level change of a structured check-in', () => {
  // satisfaction over five visits: answered, same, changed, declined, changed again (compared with the last real answer).
  const series = [
    answers({ satisfaction: 'very-satisfied', changes: ['no-change'] }),
    answers({ satisfaction: 'very-satisfied', changes: ['no-change'] }),
    answers({ satisfaction: 'somewhat-dissatisfied', changes: ['orgasm', 'interest'] }),
    answers({ satisfaction: 'declined', changes: 'declined' }),
    { items: undefined },
    answers({ satisfaction: 'very-dissatisfied', changes: ['interest', 'orgasm'] }),
  ];

  it('marks an answer that differs from the previous real answer to the same question, never a declined or missing one', () => {
    const cells = itemAlong('satisfaction', series);
    expect(cells.map((c) => c.state)).toEqual(['answered', 'answered', 'answered', 'declined', 'not-asked', 'answered']);
    expect(cells.map((c) => c.changed)).toEqual([false, false, true, false, false, true]);
    expect(cells[2]!.value).toBe('somewhat-dissatisfied');
  });

  it('compares multiple-choice answers whatever their order', () => {
    expect(itemAlong('changes', series).map((c) => c.changed)).toEqual([false, false, true, false, false, false]);
  });

  it('follows one option of a multiple-choice question: chosen or not, per visit, and when that flips', () => {
    const orgasm = optionAlong('changes', 'orgasm', series);
    expect(orgasm.map((c) => c.state)).toEqual(['not-chosen', 'not-chosen', 'chosen', 'declined', 'not-asked', 'chosen']);
    expect(orgasm.map((c) => c.changed)).toEqual([false, false, true, false, false, false]);
  });

  it('tells an unanswered question from one not asked at all', () => {
    const cells = itemAlong('bother', [answers({ bother: null }), answers({})]);
    expect(cells.map((c) => c.state)).toEqual(['unanswered', 'not-asked']);
  });
});
