import './measurement-plan.css';
import { useId, useState } from 'react';
import { describeFrequency, MAX_EVERY_WEEKS, type PlanFrequency, type PlanItem, type PlanItemStatus } from '@shared/api/measurement.schema';
import { ApiError } from '../../lib/api';
import { useInstrumentChoices, useMeasurementPlan, useSaveMeasurementPlan } from './measurement-plan-api';

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const formatDate = (iso: string) => dateFmt.format(new Date(iso));

const STATUS_LABEL: Record<PlanItemStatus, string> = { due: 'Due', overdue: 'Overdue', not_due: 'Not due' };
const STATUS_CLASS: Record<PlanItemStatus, string> = { due: 'badge badge-live', overdue: 'badge badge-warn', not_due: 'badge' };

function nextDueText(item: PlanItem): string {
  if (item.frequency === 'every_visit') return item.nextDueAt ? `Next visit, ${formatDate(item.nextDueAt)}` : 'Next visit (none booked)';
  return item.nextDueAt ? formatDate(item.nextDueAt) : 'Now (never answered)';
}

interface Draft {
  instrumentId: string;
  title: string;
  everyVisit: boolean;
  /** As typed, so the field can be cleared while editing. */
  weeks: string;
}

const toDraft = (i: PlanItem): Draft => ({
  instrumentId: i.instrumentId,
  title: i.title,
  everyVisit: i.frequency === 'every_visit',
  weeks: i.frequency === 'every_visit' ? '4' : String(i.frequency.everyWeeks),
});

function frequencyOf(d: Draft): PlanFrequency {
  return d.everyVisit ? 'every_visit' : { everyWeeks: Number(d.weeks) };
}

function Editor({ patientId, items, onDone }: { patientId: string; items: PlanItem[]; onDone: () => void }) {
  const [draft, setDraft] = useState<Draft[]>(items.map(toDraft));
  const [addId, setAddId] = useState('');
  const instruments = useInstrumentChoices();
  const save = useSaveMeasurementPlan(patientId);
  const uid = useId();
  const candidates = (instruments.data ?? []).filter((i) => !draft.some((d) => d.instrumentId === i.id));
  const fieldErrors = save.error instanceof ApiError ? save.error.fieldErrors() : {};
  const error = save.error ? (Object.values(fieldErrors)[0] ?? (save.error instanceof ApiError ? save.error.message : 'Could not save the plan')) : null;

  const update = (id: string, patch: Partial<Draft>) => setDraft((d) => d.map((x) => (x.instrumentId === id ? { ...x, ...patch } : x)));
  const add = () => {
    const i = candidates.find((x) => x.id === addId);
    if (!i) return;
    setDraft((d) => [...d, { instrumentId: i.id, title: i.title, everyVisit: true, weeks: '4' }]);
    setAddId('');
  };

  return (
    <form
      className="measurement-editor"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ items: draft.map((d) => ({ instrumentId: d.instrumentId, frequency: frequencyOf(d) })) }, { onSuccess: onDone });
      }}
    >
      {draft.length === 0 && <p className="muted">No check-ins in the plan.</p>}
      {draft.length > 0 && (
        <ul className="measurement-rows">
          {draft.map((d) => (
            <li key={d.instrumentId}>
              <fieldset className="measurement-row">
                <legend>{d.title}</legend>
                <label className="checkbox">
                  <input type="radio" name={`${uid}-${d.instrumentId}`} checked={d.everyVisit} onChange={() => update(d.instrumentId, { everyVisit: true })} />
                  Every visit
                </label>
                <label className="checkbox">
                  <input type="radio" name={`${uid}-${d.instrumentId}`} checked={!d.everyVisit} onChange={() => update(d.instrumentId, { everyVisit: false })} />
                  Every
                </label>
                <input
                  className="measurement-weeks"
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={MAX_EVERY_WEEKS}
                  step={1}
                  aria-label={`Weeks between ${d.title} check-ins`}
                  value={d.weeks}
                  disabled={d.everyVisit}
                  onChange={(e) => update(d.instrumentId, { weeks: e.target.value })}
                />{' '}
                weeks
                <button type="button" className="btn btn-quiet btn-small" onClick={() => setDraft((x) => x.filter((y) => y.instrumentId !== d.instrumentId))}>
                  Remove<span className="visually-hidden"> {d.title}</span>
                </button>
              </fieldset>
            </li>
          ))}
        </ul>
      )}
      <div className="measurement-add">
        <div className="field">
          <label htmlFor={`${uid}-add`}>Add a check-in</label>
          <select id={`${uid}-add`} value={addId} onChange={(e) => setAddId(e.target.value)}>
            <option value="">Choose…</option>
            {candidates.map((i) => (
              <option key={i.id} value={i.id}>
                {i.title}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="btn btn-small" onClick={add} disabled={!addId}>
          Add to plan
        </button>
      </div>
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save measurement plan'}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function PlanTable({ items }: { items: PlanItem[] }) {
  return (
    <div className="table-wrap">
      <table className="stack" data-testid="measurement-plan">
        <caption className="visually-hidden">Check-ins in the measurement plan, how often, and what is due</caption>
        <thead>
          <tr>
            <th scope="col">Check-in</th>
            <th scope="col">How often</th>
            <th scope="col">Last answered</th>
            <th scope="col">Next due</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.instrumentId} data-instrument={i.instrumentId}>
              <td data-label="Check-in">{i.title}</td>
              <td data-label="How often">{describeFrequency(i.frequency)}</td>
              <td data-label="Last answered">{i.lastAnsweredAt ? formatDate(i.lastAnsweredAt) : <span className="muted">never</span>}</td>
              <td data-label="Next due">{nextDueText(i)}</td>
              <td data-label="Status">
                <span className={STATUS_CLASS[i.status]}>{STATUS_LABEL[i.status]}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The patient's measurement plan on the chart: which check-ins, how often, when each was last
 * answered, what is due or overdue; editable in place. Due check-ins go out by themselves when the
 * patient enters the waiting room.
 */
export function MeasurementSection({ patientId }: { patientId: string }) {
  const plan = useMeasurementPlan(patientId);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const items = plan.data?.items ?? [];
  const attention = items.filter((i) => i.status !== 'not_due');
  return (
    <section aria-labelledby="chart-measurement" className="card chart-section">
      <h2 id="chart-measurement">Measurement plan</h2>
      {plan.isPending ? (
        <p role="status">Loading…</p>
      ) : plan.isError ? (
        <p className="alert alert-error" role="alert">
          The measurement plan could not be loaded.
        </p>
      ) : editing ? (
        <Editor
          patientId={patientId}
          items={items}
          onDone={() => {
            setEditing(false);
            setSaved(true);
          }}
        />
      ) : (
        <>
          {items.length === 0 ? (
            <p className="muted">No measurement plan: check-ins are sent only by hand.</p>
          ) : (
            <>
              <p>
                {attention.length === 0
                  ? 'Nothing is due.'
                  : `${attention.filter((i) => i.status === 'overdue').length} overdue, ${attention.filter((i) => i.status === 'due').length} due.`}{' '}
                Due check-ins are sent automatically when the patient enters the waiting room, so they can answer before the visit.
              </p>
              <PlanTable items={items} />
            </>
          )}
          <p role="status" className="muted">
            {saved ? 'Measurement plan saved.' : ''}
          </p>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              setSaved(false);
              setEditing(true);
            }}
          >
            {items.length === 0 ? 'Set a measurement plan' : 'Edit measurement plan'}
          </button>
        </>
      )}
    </section>
  );
}
