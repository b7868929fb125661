import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry, type AuditListResponse, type AuditVerifyResult } from '@shared/api/audit.schema';
import { Field } from '../../components/field';
import { usePageTitle } from '../../components/use-page-title';
import { api, ApiError } from '../../lib/api';

const ACTION_LABEL: Record<AuditAction, string> = {
  'auth.sign_in': 'Signed in',
  'auth.sign_in_failed': 'Sign-in failed',
  'auth.sign_out': 'Signed out',
  'staff.created': 'Staff account created',
  'staff.updated': 'Staff account changed',
  'staff.password_reset': 'Staff password reset',
  'patient.created': 'Patient created',
  'patient.read': 'Patient viewed',
  'patient.updated': 'Patient changed',
  'visit.created': 'Visit created',
  'visit.updated': 'Visit changed',
  'visit.cancelled': 'Visit cancelled',
  'visit.read': 'Visit viewed',
  'visit.ended': 'Visit ended',
  'link.issued': 'Join link issued',
  'link.revoked': 'Join link revoked',
  'link.used': 'Join link used',
  'dob.failed': 'Date of birth check failed',
  'consent.recorded': 'Consent recorded',
  'participant.admitted': 'Participant admitted',
  'participant.denied': 'Participant denied',
  'participant.returned': 'Participant returned to waiting room',
  'participant.removed': 'Participant removed',
  'participant.presence_expired': 'Left the waiting room (connection lost)',
  'video.token_issued': 'Video token issued',
  'checkin.sent': 'Check-in sent',
  'checkin.shared': 'Check-in shared',
  'checkin.read': 'Check-in viewed',
  'safety.alert_raised': 'Safety alert raised',
  'safety.alert_acknowledged': 'Safety alert acknowledged',
  'fhir.exported': 'FHIR export',
  'audit.read': 'Audit trail viewed',
  'audit.exported': 'Audit trail exported',
  'audit.verified': 'Audit chain verified',
};

const ACTOR_LABEL = { staff: 'Staff', patient: 'Patient', system: 'System', anonymous: 'Anonymous' } as const;

const TARGETS = [
  ['patientId', 'Patient'],
  ['visitId', 'Visit'],
  ['staffId', 'Staff'],
  ['participantId', 'Participant'],
  ['checkinId', 'Check-in'],
  ['linkId', 'Link'],
] as const;

interface Filters {
  from: string;
  to: string;
  actorId: string;
  patientId: string;
  action: '' | AuditAction;
}

const EMPTY: Filters = { from: '', to: '', actorId: '', patientId: '', action: '' };

/** The filters as query parameters, leaving out empty ones (the server rejects empty values). */
function toQuery(f: Filters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v.trim()) p.set(k, v.trim());
  const s = p.toString();
  return s ? `?${s}` : '';
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** Admin: search the audit trail, check that nobody has edited it, and download it as CSV. */
export function AuditPage() {
  usePageTitle('Audit trail');
  const id = useId();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | undefined>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  // Fetches a page; every state change happens in the promise callbacks, so the first load can run in an effect.
  const fetchPage = useCallback((filters: Filters, cursor?: string) => {
    api<AuditListResponse>('GET', `/api/audit${toQuery(filters, cursor ? { cursor } : {})}`)
      .then((r) => {
        setEntries((prev) => (cursor && prev ? [...prev, ...r.entries] : r.entries));
        setNextCursor(r.nextCursor);
        setApplied(filters);
        setFieldErrors({});
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.code === 'validation_failed') setFieldErrors(err.fieldErrors());
        else setLoadError(err instanceof Error ? err.message : 'Could not load the audit trail');
      })
      .finally(() => setLoading(false));
  }, []);

  function load(filters: Filters, cursor?: string) {
    setLoading(true);
    setLoadError(null);
    fetchPage(filters, cursor);
  }

  useEffect(() => fetchPage(EMPTY), [fetchPage]);

  function handleSubmit(e: FormEvent) {
    e.preventDefault();
    load(draft);
  }

  function handleClear() {
    setDraft(EMPTY);
    load(EMPTY);
  }

  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));
  const invalid = (key: keyof Filters) =>
    fieldErrors[key] ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${key}-err` } : { 'aria-invalid': false as const };

  return (
    <div className="page">
      <h1>Audit trail</h1>
      <p className="muted">Every sign-in, change and view of patient information. Entries hold ids only, never names or answers.</p>

      <VerifyChain />

      <section aria-labelledby={`${id}-filters`} className="card">
        <h2 id={`${id}-filters`}>Filter</h2>
        <form onSubmit={handleSubmit} noValidate className="form-grid audit-filters">
          <Field id={`${id}-from`} label="From (date)" error={fieldErrors.from}>
            <input id={`${id}-from`} type="date" value={draft.from} onChange={set('from')} {...invalid('from')} />
          </Field>
          <Field id={`${id}-to`} label="To (date, inclusive)" error={fieldErrors.to}>
            <input id={`${id}-to`} type="date" value={draft.to} onChange={set('to')} {...invalid('to')} />
          </Field>
          <Field id={`${id}-actorId`} label="Actor id" error={fieldErrors.actorId}>
            <input
              id={`${id}-actorId`}
              value={draft.actorId}
              onChange={set('actorId')}
              autoComplete="off"
              spellCheck={false}
              {...invalid('actorId')}
            />
          </Field>
          <Field id={`${id}-patientId`} label="Patient id" error={fieldErrors.patientId}>
            <input
              id={`${id}-patientId`}
              value={draft.patientId}
              onChange={set('patientId')}
              autoComplete="off"
              spellCheck={false}
              {...invalid('patientId')}
            />
          </Field>
          <Field id={`${id}-action`} label="Action" error={fieldErrors.action}>
            <select id={`${id}-action`} value={draft.action} onChange={set('action')} {...invalid('action')}>
              <option value="">Any action</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {ACTION_LABEL[a]}
                </option>
              ))}
            </select>
          </Field>
          <div className="audit-filter-buttons">
            <button type="submit" className="btn btn-primary" disabled={loading}>
              Apply filters
            </button>{' '}
            <button type="button" className="btn btn-quiet" onClick={handleClear} disabled={loading}>
              Clear
            </button>
          </div>
        </form>
      </section>

      <section aria-labelledby={`${id}-entries`} className="card">
        <div className="audit-entries-head">
          <h2 id={`${id}-entries`}>Entries</h2>
          <a className="btn btn-small" href={`/api/audit.csv${toQuery(applied)}`} download>
            Export CSV<span className="visually-hidden"> of the filtered entries</span>
          </a>
        </div>
        {loadError && (
          <p role="alert" className="alert alert-error">
            {loadError}
          </p>
        )}
        <p role="status" className="muted">
          {loading
            ? 'Loading…'
            : entries
              ? `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} shown${nextCursor ? ', more available' : ''}`
              : ''}
        </p>
        {entries && entries.length > 0 && <AuditTable entries={entries} />}
        {nextCursor && (
          <button type="button" className="btn" onClick={() => load(applied, nextCursor)} disabled={loading}>
            Load more
          </button>
        )}
      </section>
    </div>
  );
}

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <div className="table-wrap">
      <table className="stack audit-table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Targets</th>
            <th scope="col">Request</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const targets = TARGETS.filter(([key]) => e[key]);
            return (
              <tr key={e.id}>
                <td data-label="#">{e.seq}</td>
                <td data-label="Time">
                  <time dateTime={e.at}>{formatTime(e.at)}</time>
                </td>
                <td data-label="Action">
                  {ACTION_LABEL[e.action] ?? e.action}
                  {e.outcome === 'failure' && <span className="badge badge-warn">failed</span>}
                </td>
                <td data-label="Actor" className="break">
                  {ACTOR_LABEL[e.actorKind]}
                  {e.actorId && <code className="audit-id">{e.actorId}</code>}
                </td>
                <td data-label="Targets" className="break">
                  {targets.length === 0
                    ? '—'
                    : targets.map(([key, label]) => (
                        <span key={key} className="audit-target">
                          {label} <code className="audit-id">{e[key]}</code>
                        </span>
                      ))}
                </td>
                <td data-label="Request" className="break">
                  {e.ip ?? '—'}
                  {e.requestId && <code className="audit-id">{e.requestId}</code>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function VerifyChain() {
  const [result, setResult] = useState<AuditVerifyResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function handleVerify() {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api<AuditVerifyResult>('GET', '/api/audit/verify'));
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not verify the audit trail');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-label="Tamper check" className="card audit-verify">
      <p>The trail is a hash chain: editing or deleting any entry breaks it from that point on.</p>
      <button type="button" className="btn" onClick={() => void handleVerify()} disabled={busy}>
        {busy ? 'Verifying…' : 'Verify chain'}
      </button>
      <div aria-live="polite">
        {result?.ok && (
          <p role="status" className="alert alert-success">
            Chain intact: all {result.entries} entries verified.
          </p>
        )}
        {result && !result.ok && (
          <p role="alert" className="alert alert-error">
            Chain broken at entry {result.firstBrokenSeq} (id <code className="audit-id">{result.firstBrokenId}</code>): {result.reason}.{' '}
            {result.entries} earlier entries verified.
          </p>
        )}
        {error && (
          <p role="alert" className="alert alert-error">
            {error}
          </p>
        )}
      </div>
    </section>
  );
}
