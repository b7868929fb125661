import './care-plan.css';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import {
  GOAL_STATUSES,
  PROBLEM_STATUSES,
  REFERRAL_STATUSES,
  REFERRAL_STATUS_LABELS,
  todayDay,
  type CarePlan,
  type Goal,
  type Medication,
  type Problem,
  type Referral,
} from '@shared/api/care-plan.schema';
import { Field } from '../../components/field';
import { ApiError } from '../../lib/api';
import { useCarePlan, useCarePlanChange, useCareTeamOwners, type PlanChange } from './care-plan-api';

/*
 * The shared care plan on the patient's chart: goals in the patient's words, problems with their
 * owners, medications (with the "watch sexual side effects" flag, dose changes and stops),
 * referrals, and the history of every change. Staff-only, English.
 */

const dayFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const atFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
/** A calendar day as words (the day itself, never shifted by the viewer's time zone). */
const day = (d: string) => dayFmt.format(new Date(`${d}T00:00:00Z`));

const GOAL_LABELS = { active: 'Active', met: 'Met', dropped: 'Dropped' } as const;
const PROBLEM_LABELS = { active: 'Active', resolved: 'Resolved' } as const;
const EVENT_LABELS = { start: 'Started', dose_change: 'Dose changed', stop: 'Stopped' } as const;

type Owner = { staffId: string; name: string };

/** Submits one change; field errors by field name, or a general message. */
function useChange(patientId: string) {
  const m = useCarePlanChange(patientId);
  const err = m.error;
  const fieldErrors = err instanceof ApiError ? err.fieldErrors() : {};
  const general = err ? (err instanceof ApiError ? err.message : 'Could not save the change') : null;
  return {
    busy: m.isPending,
    fieldErrors,
    general,
    submit: (c: PlanChange, onDone?: () => void) => m.mutate(c, { onSuccess: () => onDone?.() }),
    reset: m.reset,
  };
}

function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="alert alert-error care-plan-error">
      {message}
    </p>
  );
}

/** A labelled disclosure holding a small form: a native <details>, usable by keyboard and screen reader. */
function Disclosure({ summary, children, open, onToggle }: { summary: ReactNode; children: ReactNode; open: boolean; onToggle: (open: boolean) => void }) {
  return (
    <details className="care-plan-disclosure" open={open} onToggle={(e) => onToggle((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>{summary}</summary>
      {open && children}
    </details>
  );
}

function OwnerSelect({ id, owners, value, onChange }: { id: string; owners: Owner[]; value: string; onChange: (v: string) => void }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Nobody yet</option>
      {owners.map((o) => (
        <option key={o.staffId} value={o.staffId}>
          {o.name}
        </option>
      ))}
    </select>
  );
}

// ---- goals and problems ----

type ItemKind = 'goal' | 'problem';

function AddItem({ patientId, kind, owners }: { patientId: string; kind: ItemKind; owners: Owner[] }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [owner, setOwner] = useState('');
  const c = useChange(patientId);
  const id = useId();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    c.submit({ method: 'POST', path: kind === 'goal' ? '/goals' : '/problems', body: { text, ownerId: owner || null } }, () => {
      setText('');
      setOwner('');
      setOpen(false);
    });
  };
  return (
    <Disclosure summary={kind === 'goal' ? 'Add a goal' : 'Add a problem'} open={open} onToggle={setOpen}>
      <form onSubmit={onSubmit} className="care-plan-form">
        <Field
          id={`${id}-text`}
          label={kind === 'goal' ? 'Goal, in the patient’s own words' : 'Problem being worked on'}
          error={c.fieldErrors.text}
        >
          <textarea
            id={`${id}-text`}
            rows={2}
            maxLength={500}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={!!c.fieldErrors.text}
            aria-describedby={c.fieldErrors.text ? `${id}-text-err` : undefined}
          />
        </Field>
        <Field id={`${id}-owner`} label="Owner" error={c.fieldErrors.ownerId}>
          <OwnerSelect id={`${id}-owner`} owners={owners} value={owner} onChange={setOwner} />
        </Field>
        <FormError message={Object.keys(c.fieldErrors).length ? null : c.general} />
        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={c.busy}>
            {c.busy ? 'Saving…' : kind === 'goal' ? 'Add goal' : 'Add problem'}
          </button>
        </div>
      </form>
    </Disclosure>
  );
}

function EditItem({ patientId, kind, item, owners }: { patientId: string; kind: ItemKind; item: Goal | Problem; owners: Owner[] }) {
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<string>(item.status);
  const [owner, setOwner] = useState(item.ownerId ?? '');
  const c = useChange(patientId);
  const id = useId();
  const statuses = kind === 'goal' ? GOAL_STATUSES : PROBLEM_STATUSES;
  const labels: Record<string, string> = kind === 'goal' ? GOAL_LABELS : PROBLEM_LABELS;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    c.submit({ method: 'PATCH', path: `/${kind === 'goal' ? 'goals' : 'problems'}/${item.id}`, body: { status, ownerId: owner || null } }, () => setOpen(false));
  };
  return (
    <Disclosure
      summary={
        <>
          Update<span className="visually-hidden"> {kind} “{item.text}”</span>
        </>
      }
      open={open}
      onToggle={setOpen}
    >
      <form onSubmit={onSubmit} className="care-plan-form form-grid">
        <Field id={`${id}-status`} label="Status" error={c.fieldErrors.status}>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value)}>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {labels[s]}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-owner`} label="Owner" error={c.fieldErrors.ownerId}>
          <OwnerSelect id={`${id}-owner`} owners={owners} value={owner} onChange={setOwner} />
        </Field>
        <FormError message={Object.keys(c.fieldErrors).length ? null : c.general} />
        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={c.busy}>
            {c.busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Disclosure>
  );
}

function ItemList({ patientId, kind, items, owners }: { patientId: string; kind: ItemKind; items: (Goal | Problem)[]; owners: Owner[] }) {
  const labels: Record<string, string> = kind === 'goal' ? GOAL_LABELS : PROBLEM_LABELS;
  if (!items.length) return <p className="muted">{kind === 'goal' ? 'No goals yet.' : 'No problems recorded.'}</p>;
  return (
    <ul className="care-plan-list" aria-label={kind === 'goal' ? 'Goals' : 'Problems'}>
      {items.map((it) => (
        <li key={it.id} className={it.status === 'active' ? '' : 'is-closed'}>
          <p className="care-plan-text">{kind === 'goal' ? <q>{it.text}</q> : it.text}</p>
          <p className="muted">
            <span className="badge">{labels[it.status]}</span> · Owner: {it.ownerName ?? 'nobody yet'}
          </p>
          <EditItem patientId={patientId} kind={kind} item={it} owners={owners} />
        </li>
      ))}
    </ul>
  );
}

// ---- medications ----

function AddMedication({ patientId }: { patientId: string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [dose, setDose] = useState('');
  const [startedOn, setStartedOn] = useState(todayDay());
  const [prescriber, setPrescriber] = useState('');
  const [watch, setWatch] = useState(false);
  const c = useChange(patientId);
  const id = useId();
  const fe = c.fieldErrors;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    c.submit({ method: 'POST', path: '/medications', body: { name, dose, startedOn, prescriber, watchSexualSideEffects: watch } }, () => {
      setName('');
      setDose('');
      setPrescriber('');
      setWatch(false);
      setOpen(false);
    });
  };
  const invalid = (f: string) => ({ 'aria-invalid': !!fe[f], 'aria-describedby': fe[f] ? `${id}-${f}-err` : undefined });
  return (
    <Disclosure summary="Add a medication" open={open} onToggle={setOpen}>
      <form onSubmit={onSubmit} className="care-plan-form">
        <div className="form-grid">
          <Field id={`${id}-name`} label="Medication" error={fe.name}>
            <input id={`${id}-name`} maxLength={200} value={name} onChange={(e) => setName(e.target.value)} {...invalid('name')} />
          </Field>
          <Field id={`${id}-dose`} label="Dose (optional)" error={fe.dose}>
            <input id={`${id}-dose`} maxLength={200} value={dose} onChange={(e) => setDose(e.target.value)} {...invalid('dose')} />
          </Field>
          <Field id={`${id}-startedOn`} label="Started on" error={fe.startedOn}>
            <input id={`${id}-startedOn`} type="date" value={startedOn} onChange={(e) => setStartedOn(e.target.value)} {...invalid('startedOn')} />
          </Field>
          <Field id={`${id}-prescriber`} label="Prescriber (optional)" error={fe.prescriber}>
            <input id={`${id}-prescriber`} maxLength={200} value={prescriber} onChange={(e) => setPrescriber(e.target.value)} {...invalid('prescriber')} />
          </Field>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={watch} onChange={(e) => setWatch(e.target.checked)} /> Watch sexual side effects
        </label>
        <FormError message={Object.keys(fe).length ? null : c.general} />
        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={c.busy}>
            {c.busy ? 'Saving…' : 'Add medication'}
          </button>
        </div>
      </form>
    </Disclosure>
  );
}

/** "Change dose" or "Stop": a date, and for a dose change the new dose. */
function MedicationEventForm({ patientId, med, kind }: { patientId: string; med: Medication; kind: 'dose' | 'stop' }) {
  const [open, setOpen] = useState(false);
  const [dose, setDose] = useState('');
  const [on, setOn] = useState(todayDay());
  const c = useChange(patientId);
  const id = useId();
  const fe = c.fieldErrors;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const change: PlanChange =
      kind === 'dose'
        ? { method: 'POST', path: `/medications/${med.id}/dose-changes`, body: { dose, on } }
        : { method: 'POST', path: `/medications/${med.id}/stop`, body: { on } };
    c.submit(change, () => {
      setDose('');
      setOpen(false);
    });
  };
  return (
    <Disclosure
      summary={
        <>
          {kind === 'dose' ? 'Change dose' : 'Stop'}
          <span className="visually-hidden"> {med.name}</span>
        </>
      }
      open={open}
      onToggle={setOpen}
    >
      <form onSubmit={onSubmit} className="care-plan-form form-grid">
        {kind === 'dose' && (
          <Field id={`${id}-dose`} label="New dose" error={fe.dose}>
            <input
              id={`${id}-dose`}
              maxLength={200}
              value={dose}
              onChange={(e) => setDose(e.target.value)}
              aria-invalid={!!fe.dose}
              aria-describedby={fe.dose ? `${id}-dose-err` : undefined}
            />
          </Field>
        )}
        <Field id={`${id}-on`} label={kind === 'dose' ? 'From' : 'Stopped on'} error={fe.on}>
          <input id={`${id}-on`} type="date" value={on} onChange={(e) => setOn(e.target.value)} aria-invalid={!!fe.on} aria-describedby={fe.on ? `${id}-on-err` : undefined} />
        </Field>
        <FormError message={Object.keys(fe).length ? null : c.general} />
        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={c.busy}>
            {c.busy ? 'Saving…' : kind === 'dose' ? 'Save dose change' : 'Stop medication'}
          </button>
        </div>
      </form>
    </Disclosure>
  );
}

function MedicationDetails({ patientId, med }: { patientId: string; med: Medication }) {
  const [open, setOpen] = useState(false);
  const [prescriber, setPrescriber] = useState(med.prescriber ?? '');
  const [watch, setWatch] = useState(med.watchSexualSideEffects);
  const c = useChange(patientId);
  const id = useId();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    c.submit({ method: 'PATCH', path: `/medications/${med.id}`, body: { prescriber, watchSexualSideEffects: watch } }, () => setOpen(false));
  };
  return (
    <Disclosure
      summary={
        <>
          Prescriber and flag<span className="visually-hidden"> of {med.name}</span>
        </>
      }
      open={open}
      onToggle={setOpen}
    >
      <form onSubmit={onSubmit} className="care-plan-form">
        <Field id={`${id}-prescriber`} label="Prescriber" error={c.fieldErrors.prescriber}>
          <input id={`${id}-prescriber`} maxLength={200} value={prescriber} onChange={(e) => setPrescriber(e.target.value)} />
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={watch} onChange={(e) => setWatch(e.target.checked)} /> Watch sexual side effects
        </label>
        <FormError message={Object.keys(c.fieldErrors).length ? null : c.general} />
        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={c.busy}>
            {c.busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Disclosure>
  );
}

function MedicationItem({ patientId, med }: { patientId: string; med: Medication }) {
  return (
    <li className={med.stoppedOn ? 'is-closed' : ''}>
      <p className="care-plan-text">
        <strong>{med.name}</strong>
        {med.dose && <> · {med.dose}</>}{' '}
        {med.watchSexualSideEffects && (
          <span className="badge badge-warn" data-testid="watch-sexual-side-effects">
            <span aria-hidden="true">⚑</span> Watch sexual side effects
          </span>
        )}{' '}
        {med.stoppedOn && <span className="badge">Stopped</span>}
      </p>
      <p className="muted">
        Started {day(med.startedOn)}
        {med.stoppedOn && <>, stopped {day(med.stoppedOn)}</>}
        {med.prescriber && <> · Prescriber: {med.prescriber}</>}
      </p>
      <ol className="care-plan-events" aria-label={`Timeline of ${med.name}`}>
        {med.events.map((e, i) => (
          <li key={i}>
            {day(e.on)}: {EVENT_LABELS[e.kind]}
            {e.dose && <> ({e.dose})</>}
          </li>
        ))}
      </ol>
      {!med.stoppedOn && (
        <>
          <MedicationEventForm patientId={patientId} med={med} kind="dose" />
          <MedicationEventForm patientId={patientId} med={med} kind="stop" />
        </>
      )}
      <MedicationDetails patientId={patientId} med={med} />
    </li>
  );
}

// ---- referrals ----

function AddReferral({ patientId }: { patientId: string }) {
  const [open, setOpen] = useState(false);
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  const [status, setStatus] = useState<string>('proposed');
  const [referredOn, setReferredOn] = useState(todayDay());
  const c = useChange(patientId);
  const id = useId();
  const fe = c.fieldErrors;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    c.submit({ method: 'POST', path: '/referrals', body: { to, reason, status, referredOn } }, () => {
      setTo('');
      setReason('');
      setStatus('proposed');
      setOpen(false);
    });
  };
  return (
    <Disclosure summary="Add a referral" open={open} onToggle={setOpen}>
      <form onSubmit={onSubmit} className="care-plan-form">
        <div className="form-grid">
          <Field id={`${id}-to`} label="Referred to" error={fe.to}>
            <input id={`${id}-to`} maxLength={200} value={to} onChange={(e) => setTo(e.target.value)} aria-invalid={!!fe.to} aria-describedby={fe.to ? `${id}-to-err` : undefined} />
          </Field>
          <Field id={`${id}-status`} label="Status" error={fe.status}>
            <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value)}>
              {REFERRAL_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {REFERRAL_STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          </Field>
          <Field id={`${id}-on`} label="Referred on" error={fe.referredOn}>
            <input id={`${id}-on`} type="date" value={referredOn} onChange={(e) => setReferredOn(e.target.value)} aria-invalid={!!fe.referredOn} />
          </Field>
        </div>
        <Field id={`${id}-reason`} label="Why" error={fe.reason}>
          <textarea id={`${id}-reason`} rows={2} maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} aria-invalid={!!fe.reason} />
        </Field>
        <FormError message={Object.keys(fe).length ? null : c.general} />
        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={c.busy}>
            {c.busy ? 'Saving…' : 'Add referral'}
          </button>
        </div>
      </form>
    </Disclosure>
  );
}

function ReferralStatusForm({ patientId, referral }: { patientId: string; referral: Referral }) {
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<string>(referral.status);
  const [on, setOn] = useState(todayDay() < referral.referredOn ? referral.referredOn : todayDay());
  const c = useChange(patientId);
  const id = useId();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    c.submit({ method: 'PATCH', path: `/referrals/${referral.id}`, body: { status, on } }, () => setOpen(false));
  };
  return (
    <Disclosure
      summary={
        <>
          Update status<span className="visually-hidden"> of the referral to {referral.to}</span>
        </>
      }
      open={open}
      onToggle={setOpen}
    >
      <form onSubmit={onSubmit} className="care-plan-form form-grid">
        <Field id={`${id}-status`} label="Status" error={c.fieldErrors.status}>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value)}>
            {REFERRAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {REFERRAL_STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-on`} label="On" error={c.fieldErrors.on}>
          <input id={`${id}-on`} type="date" value={on} onChange={(e) => setOn(e.target.value)} aria-invalid={!!c.fieldErrors.on} />
        </Field>
        <FormError message={Object.keys(c.fieldErrors).length ? null : c.general} />
        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={c.busy}>
            {c.busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Disclosure>
  );
}

// ---- the section ----

function History({ plan }: { plan: CarePlan }) {
  if (!plan.history.length) return <p className="muted">No changes yet.</p>;
  return (
    <ol className="care-plan-history" aria-label="Changes, newest first">
      {plan.history.map((h, i) => (
        <li key={`${h.at}-${i}`}>
          <time dateTime={h.at}>{atFmt.format(new Date(h.at))}</time> · <span className="care-plan-who">{h.byName}</span> · {h.summary}
        </li>
      ))}
    </ol>
  );
}

export function CarePlanSection({ patientId }: { patientId: string }) {
  const query = useCarePlan(patientId);
  const team = useCareTeamOwners(patientId);
  const owners: Owner[] = (team.data ?? []).map((m) => ({ staffId: m.staffId, name: m.name }));
  const plan = query.data;

  if (query.error || !plan) {
    return (
      <section aria-labelledby="care-plan-title" className="card chart-section care-plan">
        <h2 id="care-plan-title">Care plan</h2>
        {query.error ? (
          <p role="alert" className="alert alert-error">
            {query.error.message || 'Could not load the care plan.'}
          </p>
        ) : (
          <p role="status">Loading the care plan…</p>
        )}
      </section>
    );
  }
  return (
    <>
      <section aria-labelledby="care-plan-title" className="card chart-section care-plan">
        <h2 id="care-plan-title">Care plan</h2>
        <h3>Goals, in the patient’s words</h3>
        <ItemList patientId={patientId} kind="goal" items={plan.goals} owners={owners} />
        <AddItem patientId={patientId} kind="goal" owners={owners} />
        <h3>Problems being worked on</h3>
        <ItemList patientId={patientId} kind="problem" items={plan.problems} owners={owners} />
        <AddItem patientId={patientId} kind="problem" owners={owners} />
        {owners.length === 0 && <p className="muted">Owners are chosen from the care team; add people to the care team first.</p>}
      </section>
      <section aria-labelledby="care-plan-medications" className="card chart-section care-plan">
        <h2 id="care-plan-medications">Medications</h2>
        {plan.medications.length === 0 ? (
          <p className="muted">No medications recorded.</p>
        ) : (
          <ul className="care-plan-list" aria-label="Medications">
            {plan.medications.map((m) => (
              <MedicationItem key={m.id} patientId={patientId} med={m} />
            ))}
          </ul>
        )}
        <AddMedication patientId={patientId} />
      </section>
      <section aria-labelledby="care-plan-referrals" className="card chart-section care-plan">
        <h2 id="care-plan-referrals">Referrals</h2>
        {plan.referrals.length === 0 ? (
          <p className="muted">No referrals.</p>
        ) : (
          <ul className="care-plan-list" aria-label="Referrals">
            {plan.referrals.map((r) => (
              <li key={r.id}>
                <p className="care-plan-text">
                  <strong>{r.to}</strong> <span className="badge">{REFERRAL_STATUS_LABELS[r.status]}</span>
                </p>
                <p>{r.reason}</p>
                <p className="muted">
                  Referred {day(r.referredOn)} · last change {day(r.updatedOn)}
                </p>
                <ReferralStatusForm patientId={patientId} referral={r} />
              </li>
            ))}
          </ul>
        )}
        <AddReferral patientId={patientId} />
      </section>
      <section aria-labelledby="care-plan-history" className="card chart-section care-plan">
        <h2 id="care-plan-history">Change history</h2>
        <History plan={plan} />
      </section>
    </>
  );
}
