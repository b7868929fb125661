import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { Patient } from '@shared/api/patients.schema';
import { Field } from '../../components/field';
import { ApiError } from '../../lib/api';
import { useCreatePatient, usePatientSearch } from './patients-api';

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

function PatientSearch({
  id,
  error,
  onPick,
  onCreateInstead,
}: {
  id: string;
  error?: string;
  onPick: (p: PickedPatient) => void;
  onCreateInstead: () => void;
}) {
  const [q, setQ] = useState('');
  // A short pause so typing a name does not fire a request per keystroke.
  const query = useSettled(q.trim(), 250);
  const search = usePatientSearch(query);
  const results = search.data ?? null;
  const failed = search.error ? search.error.message || 'Search failed' : null;

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
                {[p.pronouns, p.dateOfBirth ? `born ${p.dateOfBirth}` : null, p.externalId ? `record ${p.externalId}` : null]
                  .filter(Boolean)
                  .join(' · ')}
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

/** `value` once it has stayed the same for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function QuickCreate({ onCreated, onBack }: { onCreated: (p: PickedPatient) => void; onBack: () => void }) {
  const id = useId();
  const firstRef = useRef<HTMLInputElement>(null);
  const [form, setForm] = useState({
    displayName: '',
    preferredName: '',
    pronouns: '',
    preferredLanguage: 'en',
    dateOfBirth: '',
    externalId: '',
  });
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const create = useCreatePatient();
  const refusal = create.error instanceof ApiError && create.error.code === 'validation_failed' ? create.error : null;
  const errors = refusal ? refusal.fieldErrors() : localErrors;
  const formError = create.error && !refusal ? create.error.message || 'Could not create the patient' : null;
  const busy = create.isPending;
  useEffect(() => firstRef.current?.focus(), []);

  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  function handleCreate() {
    const local: Record<string, string> = {};
    if (!form.displayName.trim()) local.displayName = 'Enter the patient’s name';
    if (form.displayName.trim().length > 120) local.displayName = 'Use at most 120 characters';
    if (form.dateOfBirth && form.dateOfBirth > new Date().toISOString().slice(0, 10))
      local.dateOfBirth = 'A date of birth cannot be in the future';
    setLocalErrors(local);
    create.reset();
    if (Object.keys(local).length) return;
    create.mutate(form, { onSuccess: onCreated });
  }

  // This sits inside the visit form: Enter must create the patient, not submit the visit.
  function handleKeyDown(e: KeyboardEvent) {
    if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
      e.preventDefault();
      handleCreate();
    }
  }

  const input = (
    key: keyof typeof form,
    label: string,
    props: { type?: string; autoComplete?: string; max?: string; hint?: string } = {},
  ) => (
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
        aria-describedby={
          [props.hint ? `${id}-${key}-hint` : '', errors[key] ? `${id}-${key}-err` : ''].filter(Boolean).join(' ') || undefined
        }
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
        {input('dateOfBirth', 'Date of birth (optional)', {
          type: 'date',
          max: new Date().toISOString().slice(0, 10),
          hint: 'If given, the patient confirms it before joining',
        })}
        {input('externalId', 'Record number (optional)')}
      </div>
      <div className="button-row">
        <button type="button" className="btn btn-primary" onClick={handleCreate} disabled={busy}>
          {busy ? 'Creating…' : 'Create patient'}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onBack}>
          Back to search
        </button>
      </div>
    </fieldset>
  );
}
