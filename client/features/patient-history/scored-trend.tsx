import { useId, useState } from 'react';
import type { HistoryEntry } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import { changeAlong, type ChangeRule } from '@shared/outcomes/change';
import { BandBadge } from '../../components/band-badge';
import { CheckinItemTable } from '../../components/checkin-item-table';
import { ChangeSummary, entryScorePoint } from './change-summary';
import type { NumberedMarker } from './medication-legend';
import { TrendChart, shortDate, visitLabels } from './trend-chart';

/**
 * One scored instrument across visits: the chart on a time axis with the medication markers, the
 * reliable change and recovery summary (PHQ-9, GAD-7), and the same data as a table, one row per
 * visit, with the change from the previous complete total and the medication changes since the
 * previous visit.
 */
export function ScoredTrend({
  entries,
  definition,
  markers,
  changesBefore,
}: {
  entries: HistoryEntry[];
  definition: InstrumentDetail;
  markers: NumberedMarker[];
  changesBefore: NumberedMarker[][];
}) {
  const [selectedId, setSelectedId] = useState<string | null>(entries.at(-1)?.id ?? null);
  const selected = entries.find((e) => e.id === selectedId) ?? null;
  const tableId = useId();
  const max = definition.scoring.total?.max;
  const labels = visitLabels(entries);
  const label = (e: HistoryEntry) => labels.get(e.id) ?? shortDate(e.visitStartsAt);
  // The rule in force as the server states it: the published figures, or the clinic's own (INSTRUMENTS_DIR).
  const rule: ChangeRule | null = definition.changeRule ? { instrumentId: definition.id, ...definition.changeRule } : null;
  const points = entries.map((e) => entryScorePoint(e, definition));
  // Per visit, the change from the previous complete total (consecutive scores), in the rule's own words.
  const steps = rule ? changeAlong(rule, points) : null;
  const withMedications = markers.length > 0;
  return (
    <>
      <TrendChart
        entries={entries}
        definition={definition}
        selectedId={selectedId}
        onSelect={setSelectedId}
        markers={markers}
        changesBefore={changesBefore}
      />
      <p className="muted chart-note">
        Each point is a visit, placed by date: select one (or use the table) to see its answers. Shaded areas are the severity bands. A gap
        is a visit without a complete total; <span aria-hidden="true">▲</span> marks a visit with a safety alert (at the top when it has no
        total).
        {withMedications && <> A dashed line is a medication start, dose change or stop, numbered as in the medication changes list.</>}
      </p>
      {rule && <ChangeSummary rule={rule} entries={entries} definition={definition} labelOf={label} />}
      <div className="table-wrap">
        <table className="stack history-table" aria-describedby={tableId}>
          <caption id={tableId} className="visually-hidden">
            {definition.title}: total score by visit
          </caption>
          <thead>
            <tr>
              <th scope="col">Visit</th>
              <th scope="col">Total</th>
              <th scope="col">Severity</th>
              <th scope="col">Complete</th>
              {steps && <th scope="col">Change from the previous total</th>}
              {withMedications && <th scope="col">Medication changes since the previous visit</th>}
              <th scope="col">Answers</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => (
              <tr key={e.id} className={e.id === selectedId ? 'is-selected' : undefined}>
                <td data-label="Visit">{label(e)}</td>
                <td data-label="Total">
                  {e.result?.total !== undefined ? (
                    <>
                      {e.result.total}
                      {max !== undefined && <span className="muted"> of {max}</span>}
                    </>
                  ) : (
                    <span className="muted">none (incomplete)</span>
                  )}
                </td>
                <td data-label="Severity">{e.result?.band ? <BandBadge band={e.result.band} /> : <span className="muted">–</span>}</td>
                <td data-label="Complete">
                  {e.result?.complete ? 'Yes' : `No${e.result?.declinedCount ? ` (${e.result.declinedCount} declined)` : ''}`}
                  {e.alerts.length > 0 && (
                    <span className="badge badge-danger history-alert">
                      <span aria-hidden="true">⚠</span> Safety alert
                    </span>
                  )}
                </td>
                {steps && (
                  <td data-label="Change" data-testid="step-change">
                    {steps[i]?.sincePrevious ? (
                      <>
                        {steps[i].sincePrevious.changeText}
                        {steps[i].sincePrevious.recovery === 'recovery' || steps[i].sincePrevious.recovery === 'reliable-recovery' ? (
                          <>. {steps[i].sincePrevious.recoveryText}</>
                        ) : null}
                      </>
                    ) : (
                      <span className="muted">
                        {points[i]?.total === null || points[i]?.declinedSummed ? 'not compared (no complete total)' : '–'}
                      </span>
                    )}
                  </td>
                )}
                {withMedications && (
                  <td data-label="Medication changes" data-testid="step-medications">
                    {changesBefore[i]?.length ? (
                      <ul className="plain-list">
                        {changesBefore[i].map((m) => (
                          <li key={`${m.medicationId}-${m.kind}-${m.on}`}>
                            <span className="med-number" aria-hidden="true">
                              {m.number}
                            </span>{' '}
                            {m.text}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                )}
                <td data-label="Answers">
                  <button type="button" className="btn btn-small" aria-pressed={e.id === selectedId} onClick={() => setSelectedId(e.id)}>
                    Show<span className="visually-hidden"> answers of {label(e)}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {selected && (
        <section className="history-items" aria-live="polite" aria-labelledby={`${tableId}-items`}>
          <h4 id={`${tableId}-items`}>Answers on {label(selected)}</h4>
          <CheckinItemTable items={selected.items ?? []} definition={definition} caption={`${definition.title}, ${label(selected)}`} />
        </section>
      )}
    </>
  );
}
