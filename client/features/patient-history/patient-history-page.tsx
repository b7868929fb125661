import './patient-history.css';
import { useId, useMemo, useState } from 'react';
import { useParams } from 'react-router';
import type { HistoryEntry } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import { BandBadge } from '../../components/band-badge';
import { CheckinItemTable, answerText } from '../../components/checkin-item-table';
import { usePageTitle } from '../../components/use-page-title';
import { ApiError } from '../../lib/api';
import { changeAlong, changeRuleFor } from '@shared/outcomes/change';
import { ChangeSummary, scorePointOf } from './change-summary';
import { useHistoryInstruments, usePatientHistory } from './history-api';
import { TrendChart, shortDate, visitLabels } from './trend-chart';

function ScoredSection({ entries, definition }: { entries: HistoryEntry[]; definition: InstrumentDetail }) {
  const [selectedId, setSelectedId] = useState<string | null>(entries.at(-1)?.id ?? null);
  const selected = entries.find((e) => e.id === selectedId) ?? null;
  const tableId = useId();
  const max = definition.scoring.total?.max;
  const labels = visitLabels(entries);
  const label = (e: HistoryEntry) => labels.get(e.id) ?? shortDate(e.visitStartsAt);
  const rule = changeRuleFor(definition.id);
  // Per visit, the change from the previous complete total (consecutive scores), in the rule's own words.
  const steps = rule
    ? changeAlong(
        rule,
        entries.map((e) => scorePointOf(e, definition)),
      )
    : null;
  return (
    <>
      <TrendChart entries={entries} definition={definition} selectedId={selectedId} onSelect={setSelectedId} />
      <p className="muted chart-note">
        Each point is a visit: select one (or use the table) to see its answers. Shaded areas are the severity bands. A gap is a visit
        without a complete total; <span aria-hidden="true">▲</span> marks a visit with a safety alert (at the top when it has no total).
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
                        {scorePointOf(e, definition).total === null || scorePointOf(e, definition).declinedSummed
                          ? 'not compared (no complete total)'
                          : '–'}
                      </span>
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
          <h3 id={`${tableId}-items`}>Answers on {label(selected)}</h3>
          <CheckinItemTable items={selected.items ?? []} definition={definition} caption={`${definition.title}, ${label(selected)}`} />
        </section>
      )}
    </>
  );
}

/** For a structured check-in: questions down, visits across, so a change between visits stands out. */
function ItemGrid({ entries, definition }: { entries: HistoryEntry[]; definition: InstrumentDetail }) {
  const captionId = useId();
  const answerOf = (e: HistoryEntry, linkId: string) => e.items?.find((i) => i.linkId === linkId);
  const labels = visitLabels(entries);
  return (
    <div className="table-wrap item-grid-wrap" tabIndex={0} role="region" aria-labelledby={captionId}>
      <table className="item-grid" data-testid="item-grid">
        <caption id={captionId} className="visually-hidden">
          {definition.title}: answers by visit
        </caption>
        <thead>
          <tr>
            <th scope="col">Question</th>
            {entries.map((e) => (
              <th scope="col" key={e.id}>
                {labels.get(e.id)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {definition.items.map((q) => {
            const cells = entries.map((e) => answerOf(e, q.linkId));
            return (
              <tr key={q.linkId}>
                <th scope="row">{q.text}</th>
                {entries.map((e, i) => {
                  const item = cells[i];
                  const text = item ? answerText(definition, q.linkId, item.value) : 'Not asked';
                  const prev = i > 0 ? cells[i - 1] : undefined;
                  const changed = i > 0 && item && prev && JSON.stringify(item.value) !== JSON.stringify(prev.value);
                  return (
                    <td
                      key={e.id}
                      className={`${!item || item.value === null || item.declined ? 'is-empty' : ''}${changed ? ' is-changed' : ''}`}
                    >
                      {changed && (
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
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A clinician's view of one patient's check-ins across visits (`/patients/:id`): a trend chart per
 * scored instrument, with its data as a table, and an item-by-visit grid for structured ones. The
 * patient's name is on the page only, never in the title or URL.
 */
export function PatientHistoryPage() {
  usePageTitle('Patient');
  const { id = '' } = useParams();
  const history = usePatientHistory(id);
  const patient = history.data?.patient ?? null;
  const entries = history.data?.entries ?? null;
  const error = history.isError ? (history.error instanceof ApiError && history.error.status === 404 ? 'not_found' : 'failed') : null;

  const groups = useMemo(() => {
    const map = new Map<string, HistoryEntry[]>();
    for (const e of entries ?? []) map.set(e.instrumentId, [...(map.get(e.instrumentId) ?? []), e]);
    return [...map.entries()];
  }, [entries]);
  const definitions = useHistoryInstruments(groups.map(([k]) => k));

  if (error) {
    return (
      <div className="page">
        <h1>Patient</h1>
        <p className="alert alert-error" role="alert">
          {error === 'not_found'
            ? 'This patient does not exist, or is not on any of your visits.'
            : 'The history could not be loaded. Please reload the page.'}
        </p>
      </div>
    );
  }
  if (!patient || !entries) {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }

  return (
    <div className="page patient-history">
      <h1>
        {patient.preferredName ?? patient.displayName}
        {patient.pronouns && <span className="muted history-pronouns"> ({patient.pronouns})</span>}
      </h1>
      <p className="muted">Check-ins shared across visits, oldest first.</p>
      {groups.length === 0 && <p className="card">No shared check-ins yet.</p>}
      {groups.map(([instrumentId, list]) => {
        const def = definitions[instrumentId];
        const title = def?.title ?? list[0]?.title ?? instrumentId;
        return (
          <section
            key={instrumentId}
            className="card history-section"
            aria-labelledby={`h-${instrumentId}`}
            data-testid={`history-${instrumentId}`}
          >
            <h2 id={`h-${instrumentId}`}>{title}</h2>
            {def?.labelledAs && <p className="muted">{def.labelledAs}</p>}
            {!def ? (
              <p role="status">Loading…</p>
            ) : list[0]?.kind === 'scored' ? (
              <ScoredSection entries={list} definition={def} />
            ) : (
              <ItemGrid entries={list} definition={def} />
            )}
          </section>
        );
      })}
    </div>
  );
}
