import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { Patient } from '@shared/api/patients.schema';
import { Field } from '../../components/field';
import { api, ApiError } from '../../lib/api';

/** What the picker hands back: enough to show who was chosen. */
export interface PickedPatient {
  id: string;
  displayName: string;
  preferredName: string | null;
  pronouns?: string | null;
}

export interface PatientPickerProps {
  /** Id of the search box, so a form can focus it and point its error at it. */
  id: string;
  value: PickedPatient | null;
  onChange: (patient: PickedPatient | null) => void;
  error?: string;
}

const describe = (p: Pick<Patient, 'displayName' | 'preferredName'>) =>
  p.preferredName && p.preferredName !== p.displayName ? `${p.preferredName} (${p.displayName})` : p.displayName;

/** Search patients by name or record number, or create one on the spot. */
export function PatientPicker({ id, value, onChange, error }: PatientPickerProps) {
  const [mode, setMode] = useState<'search' | 'create'>('search');
  if (value) {
    return (
      <div className="field">
        <span className="label-like" id={`${id}-label`}>
          Patient
        </span>
        <p className="picked" aria-labelledby={`${id}-label`}>
          <strong>{describe(value)}</strong>
          {value.pronouns ? <span className="muted"> · {value.pronouns}</span> : null}{' '}
          <button type="button" id={id} className="btn btn-small" onClick={() => onChange(null)}>
            Change patient
          </button>
        </p>
      </div>
    );
  }
  return mode === 'search' ? (
    <PatientSearch id={id} error={error} onPick={onChange} onCreateInstead={() => setMode('create')} />
  ) : (
    <QuickCreate
      onCreated={(p) => {
        setMode('search');
        onChange(p);
      }}
      onBack={() => setMode('search')}
    />
  );
}

function PatientSearch({ id, error, onPick, onCreateInstead }: { id: string; error?: string; onPick: (p: PickedPatient) => void; onCreateInstead: () => void }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Patient[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    const query = q.trim();
    if (!query) return;
    let stale = false;
    // A short pause so typing a name does not fire a request per keystroke.
    const timer = setTimeout(() => {
      api<{ patients: Patient[] }>('GET', `/api/patients?q=${encodeURIComponent(query)}`)
        .then((r) => {
          if (!stale) {
            setResults(r.patients);
            setFailed(null);
          }
        })
        .catch((e: unknown) => !stale && setFailed(e instanceof Error ? e.message : 'Search failed'));
    }, 250);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [q]);

  // An empty box shows no results, whatever the last search found.
  const shown = q.trim() ? results : null;
  const describedBy = [`${id}-hint`, error ? `${id}-err` : ''].filter(Boolean).join(' ');
  return (
    <div className="patient-picker">
      <Field id={id} label="Patient" hint="Search by name or record number" error={error}>
        <input
          id={id}
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()}
          autoComplete="off"
          aria-invalid={!!error}
          aria-describedby={describedBy}
          aria-controls={`${id}-results`}
        />
      </Field>
      <p className="visually-hidden" role="status">
        {shown === null ? '' : shown.length === 1 ? '1 patient found' : `${shown.length} patients found`}
      </p>
      {failed && (
        <p className="alert alert-error" role="alert">
          {failed}
        </p>
      )}
      <ul className="picker-results" id={`${id}-results`} aria-label="Matching patients">
        {shown?.map((p) => (
          <li key={p.id}>
            <button type="button" className="picker-option" onClick={() => onPick(p)}>
              <strong>{describe(p)}</strong>
              <span className="muted">
                {[p.pronouns, p.dateOfBirth ? `born ${p.dateOfBirth}` : null, p.externalId ? `record ${p.externalId}` : null].filter(Boolean).join(' · ')}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {shown !== null && shown.length === 0 && <p className="muted">No patient matches “{q.trim()}”.</p>}
      <button type="button" className="btn btn-small" onClick={onCreateInstead}>
        New patient
      </button>
    </div>
  );
}

function QuickCreate({ onCreated, onBack }: { onCreated: (p: PickedPatient) => void; onBack: () => void }) {
  const id = useId();
  const firstRef = useRef<HTMLInputElement>(null);
  const [form, setForm] = useState({ displayName: '', preferredName: '', pronouns: '', preferredLanguage: 'en', dateOfBirth: '', externalId: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => firstRef.current?.focus(), []);

  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  async function handleCreate() {
    const local: Record<string, string> = {};
    if (!form.displayName.trim()) local.displayName = 'Enter the patient’s name';
    if (form.displayName.trim().length > 120) local.displayName = 'Use at most 120 characters';
    if (form.dateOfBirth && form.dateOfBirth > new Date().toISOString().slice(0, 10)) local.dateOfBirth = 'A date of birth cannot be in the future';
    setErrors(local);
    setFormError(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const r = await api<{ patient: Patient }>('POST', '/api/patients', form);
      onCreated(r.patient);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') setErrors(err.fieldErrors());
      else setFormError(err instanceof Error ? err.message : 'Could not create the patient');
    } finally {
      setBusy(false);
    }
  }

  // This sits inside the visit form: Enter must create the patient, not submit the visit.
  function handleKeyDown(e: KeyboardEvent) {
    if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
      e.preventDefault();
      void handleCreate();
    }
  }

  const input = (key: keyof typeof form, label: string, props: { type?: string; autoComplete?: string; max?: string; hint?: string } = {}) => (
    <Field id={`${id}-${key}`} label={label} hint={props.hint} error={errors[key]}>
      <input
        id={`${id}-${key}`}
        ref={key === 'displayName' ? firstRef : undefined}
        type={props.type ?? 'text'}
        max={props.max}
        value={form[key]}
        onChange={set(key)}
        autoComplete="off"
        aria-invalid={!!errors[key]}
        aria-describedby={[props.hint ? `${id}-${key}-hint` : '', errors[key] ? `${id}-${key}-err` : ''].filter(Boolean).join(' ') || undefined}
      />
    </Field>
  );

  return (
    <fieldset className="quick-create" onKeyDown={handleKeyDown}>
      <legend>New patient</legend>
      {formError && (
        <p className="alert alert-error" role="alert">
          {formError}
        </p>
      )}
      <div className="form-grid">
        {input('displayName', 'Full name')}
        {input('preferredName', 'Preferred name (optional)')}
        {input('pronouns', 'Pronouns (optional)', { hint: 'For example she/her, they/them' })}
        <Field id={`${id}-preferredLanguage`} label="Language" error={errors.preferredLanguage}>
          <select id={`${id}-preferredLanguage`} value={form.preferredLanguage} onChange={set('preferredLanguage')}>
            <option value="en">English</option>
            <option value="es">Español (Spanish)</option>
          </select>
        </Field>
        {input('dateOfBirth', 'Date of birth (optional)', { type: 'date', max: new Date().toISOString().slice(0, 10), hint: 'If given, the patient confirms it before joining' })}
        {input('externalId', 'Record number (optional)')}
      </div>
      <div className="button-row">
        <button type="button" className="btn btn-primary" onClick={() => void handleCreate()} disabled={busy}>
          {busy ? 'Creating…' : 'Create patient'}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onBack}>
          Back to search
        </button>
      </div>
    </fieldset>
  );
}
