import './patient-history.css';
import { useMemo } from 'react';
import type { HistoryEntry } from '@shared/api/checkins.schema';
import { markersBeforeEachVisit, medicationMarkers } from '@shared/outcomes/timeline';
import { ApiError } from '../../lib/api';
import { useCheckinHistory, useHistoryInstruments, useMedications } from './history-api';
import { ItemTimeline } from './item-timeline';
import { MedicationLegend, dayStart, localDay, numberMarkers, type NumberedMarker } from './medication-legend';
import { ScoredTrend } from './scored-trend';

const DAY = 86_400_000;

/**
 * The markers a chart of these visits draws: medication changes from a little before the first visit
 * to a little after the last (a quarter of the span, at least two weeks, either side), so a medicine
 * started years ago does not squeeze the visits into a corner. Every change is in the list anyway.
 */
function markersNear(entries: HistoryEntry[], markers: NumberedMarker[]): NumberedMarker[] {
  if (entries.length === 0) return [];
  const first = Date.parse(entries[0]!.visitStartsAt);
  const last = Date.parse(entries.at(-1)!.visitStartsAt);
  const margin = Math.max((last - first) / 4, 14 * DAY);
  return markers.filter((m) => dayStart(m.on) >= first - margin && dayStart(m.on) <= last + margin);
}

/**
 * The patient chart's "Trends" section: per instrument, every shared check-in across visits. Scored
 * instruments get a chart on a time axis with the care plan's medication starts, dose changes and
 * stops, safety alerts marked even without a total, reliable change and recovery for PHQ-9 and GAD-7
 * with the rule on screen, and the same data as a table. Structured check-ins (sexual health) get
 * their answers per question and per visit, with the medication changes between the visits.
 */
export function PatientTrends({ patientId }: { patientId: string }) {
  const history = useCheckinHistory(patientId);
  const medications = useMedications(patientId);
  const entries = history.data ?? null;
  const groups = useMemo(() => {
    const map = new Map<string, HistoryEntry[]>();
    for (const e of entries ?? []) map.set(e.instrumentId, [...(map.get(e.instrumentId) ?? []), e]);
    return [...map.entries()];
  }, [entries]);
  const definitions = useHistoryInstruments(groups.map(([k]) => k));
  const markers = useMemo(() => numberMarkers(medicationMarkers(medications.data ?? [])), [medications.data]);
  const medicationState = medications.isPending ? 'loading' : medications.isError ? 'unavailable' : 'loaded';

  return (
    <section className="patient-trends" aria-labelledby="trends-heading" data-testid="patient-trends">
      <h2 id="trends-heading">Trends</h2>
      {history.isError ? (
        <p className="alert alert-error" role="alert">
          {history.error instanceof ApiError && history.error.status === 404
            ? 'The check-ins of this patient cannot be shown to you.'
            : 'The check-ins could not be loaded. Please reload the page.'}
        </p>
      ) : !entries ? (
        <p className="loading" role="status">
          Loading the check-ins…
        </p>
      ) : (
        <>
          <p className="muted">Check-ins shared across visits, oldest first, with the care plan’s medication changes.</p>
          {groups.length === 0 && <p className="card">No shared check-ins yet.</p>}
          {groups.length > 0 && <MedicationLegend markers={markers} state={medicationState} />}
          {groups.map(([instrumentId, list]) => {
            const def = definitions[instrumentId];
            const title = def?.title ?? list[0]?.title ?? instrumentId;
            const near = markersNear(list, markers);
            return (
              <section
                key={instrumentId}
                className="card history-section"
                aria-labelledby={`h-${instrumentId}`}
                data-testid={`history-${instrumentId}`}
              >
                <h3 id={`h-${instrumentId}`}>{title}</h3>
                {def?.labelledAs && <p className="muted">{def.labelledAs}</p>}
                {!def ? (
                  <p role="status">Loading…</p>
                ) : list[0]?.kind === 'scored' ? (
                  <ScoredTrend
                    entries={list}
                    definition={def}
                    markers={near}
                    changesBefore={markersBeforeEachVisit(list, (e) => localDay(e.visitStartsAt), markers)}
                  />
                ) : (
                  <ItemTimeline entries={list} definition={def} markers={near} />
                )}
              </section>
            );
          })}
        </>
      )}
    </section>
  );
}
