import { useEffect, useId, useMemo, useRef, useState, type ComponentType, type FormEvent } from 'react';
import type { Clinician, CreateVisitResponse, Visit } from '@shared/api/visits.schema';
import { Field } from '../../components/field';
import type { CareTeamResponse } from '@shared/api/care-team.schema';
import { ApiError, api } from '../../lib/api';
import { addDays, formatTime, fromLocalInputs, nextHalfHour, startOfLocalDay, toDateInput, toTimeInput } from './local-time';
import { clashesWith } from './overlaps';
import { createVisit, fetchVisits, updateVisit } from './schedule-api';

/** The patient the form is for, as the picker reports it. */
export interface ChosenPatient {
  id: string;
  displayName: string;
  preferredName: string | null;
  pronouns?: string | null;
}

/** The patient picker is another feature; the page that composes both passes it in. */
export interface PatientPickerSlotProps {
  id: string;
  value: ChosenPatient | null;
  onChange: (patient: ChosenPatient | null) => void;
  error?: string;
}
export type PatientPickerSlot = ComponentType<PatientPickerSlotProps>;

const MAX_TEAM = 4;

type Errors = Partial<Record<'patient' | 'clinicians' | 'date' | 'time' | 'duration' | 'reason', string>>;

/** Create a visit, or edit one's time, length, care team and reason, with inline validation. */
export function VisitForm({
  visit,
  clinicians,
  PatientPicker,
  onSaved,
  onClose,
}: {
  /** Absent: a new visit. */
  visit?: Visit;
  clinicians: Clinician[];
  PatientPicker: PatientPickerSlot;
  onSaved: (result: { visit: Visit; patientLink?: CreateVisitResponse['patientLink'] }) => void;
  onClose: () => void;
}) {
  const id = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const start = visit ? new Date(visit.startsAt) : nextHalfHour();
  const [patient, setPatient] = useState<ChosenPatient | null>(visit ? visit.patient : null);
  const [team, setTeam] = useState<string[]>(visit ? visit.clinicians.map((c) => c.id) : []);
  const [date, setDate] = useState(toDateInput(start));
  const [time, setTime] = useState(toTimeInput(start));
  const [duration, setDuration] = useState(String(visit?.durationMinutes ?? 30));
  const [reason, setReason] = useState(visit?.reason ?? '');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** The clinicians were pre-selected from the chosen patient's care team (visits are scheduled from it by default). */
  const [fromCareTeam, setFromCareTeam] = useState(false);

  /** Picks the patient's care team (coordinator first, active clinicians, at most four) as the visit's clinicians; still changeable. */
  async function preselectCareTeam(patientId: string) {
    try {
      const { members } = await api<CareTeamResponse>('GET', `/api/patients/${encodeURIComponent(patientId)}/care-team`);
      const ids = members.map((m) => m.staffId).filter((sid) => clinicians.some((c) => c.id === sid)).slice(0, MAX_TEAM);
      if (ids.length) {
        setTeam(ids);
        clear('clinicians');
      }
      setFromCareTeam(ids.length > 0);
    } catch {
      // Without the care team the form works as before: the scheduler picks the clinicians.
      setFromCareTeam(false);
    }
  }
  const [dayVisits, setDayVisits] = useState<Visit[]>([]);

  useEffect(() => headingRef.current?.focus(), []);

  // The chosen day's visits, to warn about double-booking before saving.
  useEffect(() => {
    const day = fromLocalInputs(date, '00:00');
    if (!day) return;
    let stale = false;
    fetchVisits(startOfLocalDay(day), addDays(day, 1))
      .then((v) => !stale && setDayVisits(v))
      .catch(() => !stale && setDayVisits([]));
    return () => {
      stale = true;
    };
  }, [date]);

  const startsAt = fromLocalInputs(date, time);
  const startMs = startsAt ? startsAt.getTime() : null;
  const minutes = Number(duration);
  const editingId = visit?.id;
  const clashes = useMemo(() => {
    if (startMs === null || !Number.isInteger(minutes) || minutes <= 0 || !team.length) return [];
    return clashesWith(
      { id: editingId, startsAt: new Date(startMs).toISOString(), endsAt: new Date(startMs + minutes * 60_000).toISOString(), clinicianIds: team },
      dayVisits,
    );
  }, [startMs, minutes, team, dayVisits, editingId]);

  // An error stays only until its field is changed; the next submit checks again.
  const clear = (key: keyof Errors) => setErrors((e) => (e[key] ? { ...e, [key]: undefined } : e));

  function validate(): Errors {
    const e: Errors = {};
    if (!visit && !patient) e.patient = 'Choose a patient, or create one';
    if (!team.length) e.clinicians = 'Choose at least one clinician';
    if (team.length > MAX_TEAM) e.clinicians = `Choose at most ${MAX_TEAM} clinicians`;
    if (!fromLocalInputs(date, '00:00')) e.date = 'Enter a date';
    if (!/^\d{2}:\d{2}$/.test(time)) e.time = 'Enter a start time';
    else if (!startsAt && !e.date) e.time = 'Enter a real time';
    if (!/^\d+$/.test(duration.trim()) || minutes < 5 || minutes > 480) e.duration = 'Enter whole minutes from 5 to 480';
    if (reason.trim().length > 500) e.reason = `Use at most 500 characters (now ${reason.trim().length})`;
    return e;
  }

  function focusFirst(e: Errors) {
    const order: (keyof Errors)[] = ['patient', 'clinicians', 'date', 'time', 'duration', 'reason'];
    const first = order.find((k) => e[k]);
    if (first) document.getElementById(first === 'clinicians' ? `${id}-clinicians-0` : `${id}-${first}`)?.focus();
  }

  async function handleSubmit(ev: FormEvent) {
    ev.preventDefault();
    const local = validate();
    setErrors(local);
    setFormError(null);
    if (Object.keys(local).length || !startsAt) {
      focusFirst(local);
      return;
    }
    setBusy(true);
    const body = { clinicianIds: team, startsAt: startsAt.toISOString(), durationMinutes: minutes, reason: reason.trim() || null };
    try {
      if (visit) onSaved({ visit: await updateVisit(visit.id, body) });
      else if (patient) {
        const r = await createVisit({ ...body, patientId: patient.id });
        onSaved({ visit: r.visit, patientLink: r.patientLink });
      }
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') {
        const f = err.fieldErrors();
        const mapped: Errors = {
          patient: f.patientId,
          clinicians: f.clinicianIds ?? Object.entries(f).find(([k]) => k.startsWith('clinicianIds'))?.[1],
          time: f.startsAt,
          duration: f.durationMinutes,
          reason: f.reason,
        };
        setErrors(mapped);
        if (!Object.values(mapped).some(Boolean)) setFormError(err.message);
        focusFirst(mapped);
      } else setFormError(err instanceof Error ? err.message : 'Could not save the visit');
    } finally {
      setBusy(false);
    }
  }

  const describedBy = (key: keyof Errors, hint = false) => [hint ? `${id}-${key}-hint` : '', errors[key] ? `${id}-${key}-err` : ''].filter(Boolean).join(' ') || undefined;
  const toggle = (clinicianId: string, on: boolean) => {
    setTeam((t) => (on ? [...t, clinicianId] : t.filter((x) => x !== clinicianId)));
    clear('clinicians');
  };

  return (
    <section className="card visit-form" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} ref={headingRef} tabIndex={-1}>
        {visit ? 'Edit visit' : 'New visit'}
      </h2>
      <form onSubmit={(e) => void handleSubmit(e)} noValidate>
        {formError && (
          <p className="alert alert-error" role="alert">
            {formError}
          </p>
        )}
        {visit ? (
          <p>
            Patient: <strong>{visit.patient.preferredName || visit.patient.displayName}</strong>
            {visit.patient.preferredName && visit.patient.preferredName !== visit.patient.displayName ? ` (${visit.patient.displayName})` : ''}
          </p>
        ) : (
          <PatientPicker
            id={`${id}-patient`}
            value={patient}
            onChange={(p) => {
              setPatient(p);
              clear('patient');
              if (p) void preselectCareTeam(p.id);
              else setFromCareTeam(false);
            }}
            error={errors.patient}
          />
        )}

        <fieldset className="team" aria-describedby={describedBy('clinicians', true)}>
          <legend>Care team</legend>
          <p className="field-hint" id={`${id}-clinicians-hint`}>
            One to four clinicians{fromCareTeam ? '. Pre-selected from the patient’s care team; change them if needed.' : ''}
          </p>
          {clinicians.length === 0 && <p className="muted">No active clinicians yet. An administrator can add them.</p>}
          <div className="checkbox-list">
            {clinicians.map((c, i) => (
              <label key={c.id} className="checkbox">
                <input
                  type="checkbox"
                  id={`${id}-clinicians-${i}`}
                  checked={team.includes(c.id)}
                  onChange={(e) => toggle(c.id, e.target.checked)}
                  aria-invalid={!!errors.clinicians}
                />
                {c.name}
              </label>
            ))}
          </div>
          {errors.clinicians && (
            <p className="field-error" id={`${id}-clinicians-err`}>
              {errors.clinicians}
            </p>
          )}
        </fieldset>

        <div className="form-grid">
          <Field id={`${id}-date`} label="Date" error={errors.date}>
            <input id={`${id}-date`} type="date" value={date} onChange={(e) => {
                setDate(e.target.value);
                clear('date');
              }} aria-invalid={!!errors.date} aria-describedby={describedBy('date')} />
          </Field>
          <Field id={`${id}-time`} label="Start time" error={errors.time}>
            <input id={`${id}-time`} type="time" value={time} step={300} onChange={(e) => {
                setTime(e.target.value);
                clear('time');
              }} aria-invalid={!!errors.time} aria-describedby={describedBy('time')} />
          </Field>
          <Field id={`${id}-duration`} label="Length in minutes" error={errors.duration}>
            <input
              id={`${id}-duration`}
              type="number"
              inputMode="numeric"
              min={5}
              max={480}
              step={5}
              value={duration}
              onChange={(e) => {
                setDuration(e.target.value);
                clear('duration');
              }}
              aria-invalid={!!errors.duration}
              aria-describedby={describedBy('duration')}
            />
          </Field>
        </div>

        {clashes.length > 0 && (
          <div className="alert alert-warn" role="status">
            <p>
              <strong>Overlap:</strong> this time overlaps{' '}
              {clashes
                .map((c) => `${formatTime(c.startsAt)}–${formatTime(c.endsAt)} (${c.clinicians.filter((x) => team.includes(x.id)).map((x) => x.name).join(', ')})`)
                .join('; ')}
              . You can still save it.
            </p>
          </div>
        )}

        <Field id={`${id}-reason`} label="Reason (optional, staff only)" hint="Never shown to the patient or put in calendar invites." error={errors.reason}>
          <textarea id={`${id}-reason`} rows={2} value={reason} onChange={(e) => {
            setReason(e.target.value);
            clear('reason');
          }} aria-invalid={!!errors.reason} aria-describedby={describedBy('reason', true)} />
        </Field>

        <div className="button-row">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : visit ? 'Save changes' : 'Create visit'}
          </button>
          <button type="button" className="btn btn-quiet" onClick={onClose}>
            {visit ? 'Discard changes' : 'Close'}
          </button>
        </div>
      </form>
    </section>
  );
}
