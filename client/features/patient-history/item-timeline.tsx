import { useId } from 'react';
import type { HistoryEntry } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import { interleaveTimeline, itemAlong } from '@shared/outcomes/timeline';
import { answerText } from '../../components/checkin-item-table';
import { formatDay, localDay, type NumberedMarker } from './medication-legend';
import { visitLabels } from './trend-chart';

/**
 * A structured check-in (the sexual-health check-in) across visits: questions down, visits across in
 * time order, with the care plan's medication starts, dose changes and stops as their own columns
 * between the visits they fell between. An answer that differs from the previous real answer to the
 * same question is marked, so "this changed after that medicine started" reads at a glance. Answers
 * only: no score and no "improvement" label, since the check-in has no validated total.
 */
export function ItemTimeline({
  entries,
  definition,
  markers,
}: {
  entries: HistoryEntry[];
  definition: InstrumentDetail;
  markers: NumberedMarker[];
}) {
  const captionId = useId();
  const labels = visitLabels(entries);
  const columns = interleaveTimeline(entries, (e) => localDay(e.visitStartsAt), markers);
  const cells = new Map(definition.items.map((q) => [q.linkId, itemAlong(q.linkId, entries)]));
  const indexOf = new Map(entries.map((e, i) => [e.id, i]));
  return (
    <>
      <div className="table-wrap item-grid-wrap" tabIndex={0} role="region" aria-labelledby={captionId}>
        <table className="item-grid" data-testid="item-grid">
          <caption id={captionId} className="visually-hidden">
            {definition.title}: answers by visit{markers.length > 0 ? ', with medication changes between the visits' : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Question</th>
              {columns.map((c) =>
                c.kind === 'visit' ? (
                  <th scope="col" key={c.visit.id}>
                    {labels.get(c.visit.id)}
                  </th>
                ) : (
                  <th
                    scope="col"
                    key={`${c.marker.medicationId}-${c.marker.kind}-${c.marker.on}`}
                    className={`med-col med-${c.marker.kind}`}
                    data-testid="grid-medication"
                  >
                    <span className="med-number" aria-hidden="true">
                      {c.marker.number}
                    </span>{' '}
                    {c.marker.text}
                    <span className="med-col-date">{formatDay(c.marker.on)}</span>
                    {c.marker.watchSexualSideEffects && <span className="badge med-watch">Watch sexual side effects</span>}
                  </th>
                ),
              )}
            </tr>
          </thead>
          <tbody>
            {definition.items.map((q) => (
              <tr key={q.linkId}>
                <th scope="row">{q.text}</th>
                {columns.map((c) => {
                  if (c.kind === 'medication') {
                    return (
                      <td key={`${c.marker.medicationId}-${c.marker.kind}-${c.marker.on}`} className={`med-col med-${c.marker.kind}`} />
                    );
                  }
                  const cell = cells.get(q.linkId)?.[indexOf.get(c.visit.id) ?? -1];
                  const text = !cell || cell.state === 'not-asked' ? 'Not asked' : answerText(definition, q.linkId, cell.value);
                  return (
                    <td
                      key={c.visit.id}
                      className={`${!cell || cell.state !== 'answered' ? 'is-empty' : ''}${cell?.changed ? ' is-changed' : ''}`}
                    >
                      {cell?.changed && (
                        <span className="changed-mark">
                          <span aria-hidden="true">● </span>
                          <span className="visually-hidden">Changed: </span>
                        </span>
                      )}
                      {text}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted chart-note">
        Visits in date order; <span aria-hidden="true">●</span> marks an answer that differs from the previous answer to the same question.
        {markers.length > 0 && ' Shaded columns are medication changes from the care plan, between the visits they fell between.'} No score
        is calculated for this check-in.
      </p>
    </>
  );
}
