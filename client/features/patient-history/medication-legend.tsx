import type { MedicationMarker } from '@shared/outcomes/timeline';

/** The calendar day of an instant in the viewer's time zone, YYYY-MM-DD. */
export function localDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Where a medication date sits on a time axis: the start of that day in the viewer's time zone. */
export function dayStart(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).getTime();
}

export const formatDay = (day: string) =>
  new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric' }).format(new Date(dayStart(day)));

/** A medication change with its number: its place among all the patient's changes, the same on every chart and list. */
export type NumberedMarker = MedicationMarker & { number: number };

export const numberMarkers = (markers: MedicationMarker[]): NumberedMarker[] => markers.map((m, i) => ({ ...m, number: i + 1 }));

/**
 * The medication changes of the care plan, numbered as on the charts' markers: the words for the
 * markers, so the chart is never the only place they can be read.
 */
export function MedicationLegend({ markers, state }: { markers: NumberedMarker[]; state: 'loaded' | 'loading' | 'unavailable' }) {
  return (
    <div className="medication-legend" data-testid="medication-legend">
      <h4>Medication changes</h4>
      {state === 'loading' ? (
        <p className="muted" role="status">
          Loading the medications…
        </p>
      ) : state === 'unavailable' ? (
        <p className="muted">The care plan’s medications could not be loaded, so the charts have no medication markers.</p>
      ) : markers.length === 0 ? (
        <p className="muted">No medications in the care plan.</p>
      ) : (
        <ol className="medication-list">
          {markers.map((m) => (
            <li key={m.number} data-testid="medication-change">
              <span className={`med-number med-${m.kind}`} aria-hidden="true">
                {m.number}
              </span>{' '}
              <span className="visually-hidden">Marker {m.number}: </span>
              {formatDay(m.on)}: {m.text}
              {m.watchSexualSideEffects && <span className="badge med-watch">Watch sexual side effects</span>}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
