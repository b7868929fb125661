import { useId, useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS, AuditFilterSchema, type AuditAction, type AuditEntry, type AuditFilter } from '@shared/api/audit.schema';
import { Field } from '../../components/field';
import { usePageTitle } from '../../components/use-page-title';
import { ApiError } from '../../lib/api';
import { auditQuery, useAuditList, useVerifyChain } from './audit-api';

const ACTION_LABEL: Record<AuditAction, string> = {
  'auth.sign_in': 'Signed in',
  'auth.sign_in_failed': 'Sign-in failed',
  'auth.sign_out': 'Signed out',
  'auth.second_factor_failed': 'Second-factor code refused',
  'auth.recovery_code_used': 'Recovery code used',
  'auth.totp_enrolled': 'Authenticator app set up',
  'auth.sso_sign_in': 'Signed in with single sign-on',
  'auth.sso_sign_in_failed': 'Single sign-on refused',
  'staff.second_factor_reset': 'Second factor reset',
  'staff.created': 'Staff account created',
  'staff.updated': 'Staff account changed',
  'staff.password_reset': 'Staff password reset',
  'staff.invitation_issued': 'Set-password link issued',
  'staff.invitation_accepted': 'Password set from a link',
  'staff.password_changed': 'Own password changed',
  'staff.renamed': 'Staff member renamed',
  'staff.role_changed': 'Staff role changed',
  'staff.deactivated': 'Staff account deactivated',
  'staff.reactivated': 'Staff account reactivated',
  'patient.created': 'Patient created',
  'patient.read': 'Patient viewed',
  'patient.updated': 'Patient changed',
  'patient.chart_read': 'Patient chart viewed',
  'care_team.read': 'Care team viewed',
  'care_team.updated': 'Care team changed',
  'visit.created': 'Visit created',
  'visit.updated': 'Visit changed',
  'visit.cancelled': 'Visit cancelled',
  'visit.read': 'Visit viewed',
  'visit.ended': 'Visit ended',
  'visit.waiting_message_set': 'Waiting-room message changed',
  'access.refused': 'Refused: not theirs',
  'link.issued': 'Join link issued',
  'link.revoked': 'Join link revoked',
  'link.used': 'Join link used',
  'dob.failed': 'Date of birth check failed',
  'link.refused': 'Join link refused',
  'dob.locked': 'Join link locked (date of birth)',
  'dob.unlocked': 'Join link unlocked',
  'consent.recorded': 'Consent recorded',
  'participant.admitted': 'Participant admitted',
  'participant.denied': 'Participant denied',
  'participant.returned': 'Participant returned to waiting room',
  'participant.removed': 'Participant removed',
  'participant.presence_expired': 'Left the waiting room (connection lost)',
  'participant.waiting': 'Entered the waiting room',
  'participant.left': 'Left the visit',
  'video.token_issued': 'Video token issued',
  'checkin.sent': 'Check-in sent',
  'checkin.shared': 'Check-in shared',
  'checkin.read': 'Check-in viewed',
  'checkin.answer_saved': 'Check-in answer saved',
  'checkin.answer_deleted': 'Check-in answer taken back',
  'safety.alert_raised': 'Safety alert raised',
  'safety.alert_acknowledged': 'Safety alert acknowledged',
  'fhir.exported': 'FHIR export',
  'visit_note.read': 'Visit notes viewed',
  'visit_note.created': 'Visit note written',
  'visit_note.updated': 'Visit note edited',
  'visit_note.amended': 'Visit note amended',
  'measurement_plan.read': 'Measurement plan viewed',
  'measurement_plan.updated': 'Measurement plan changed',
  'care_plan.read': 'Care plan viewed',
  'care_plan.updated': 'Care plan changed',
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

/**
 * The form's filters checked with the server's own schema, so a bad value is marked at once and
 * never becomes a request; empty boxes are left out.
 */
function parseFilters(f: Filters): { filter: AuditFilter } | { fieldErrors: Record<string, string> } {
  const given = Object.fromEntries(Object.entries(f).flatMap(([k, v]) => (v.trim() ? [[k, v.trim()]] : [])));
  const parsed = AuditFilterSchema.safeParse(given);
  if (parsed.success) return { filter: parsed.data };
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0])] ??= issue.message;
  return { fieldErrors };
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
  const [applied, setApplied] = useState<AuditFilter>({});
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const list = useAuditList(applied);
  const entries = list.data?.pages.flatMap((p) => p.entries) ?? null;
  const loading = list.isFetching;
  // The shared schema should catch everything first; a server refusal is still shown at its field.
  const serverRefusal = list.error instanceof ApiError && list.error.code === 'validation_failed' ? list.error : null;
  const fieldErrors = serverRefusal ? { ...serverRefusal.fieldErrors(), ...localErrors } : localErrors;
  const loadError = list.error && !serverRefusal ? list.error.message || 'Could not load the audit trail' : null;

  function apply(filters: Filters) {
    const result = parseFilters(filters);
    if ('fieldErrors' in result) {
      setLocalErrors(result.fieldErrors);
      return;
    }
    setLocalErrors({});
    setApplied(result.filter);
    // The same filters again mean "fetch them again", as a fresh search would.
    if (JSON.stringify(result.filter) === JSON.stringify(applied)) void list.refetch();
  }

  function handleSubmit(e: FormEvent) {
    e.preventDefault();
    apply(draft);
  }

  function handleClear() {
    setDraft(EMPTY);
    apply(EMPTY);
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
          <a className="btn btn-small" href={`/api/audit.csv${auditQuery(applied)}`} download>
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
              ? `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} shown${list.hasNextPage ? ', more available' : ''}`
              : ''}
        </p>
        {entries && entries.length > 0 && <AuditTable entries={entries} />}
        {list.hasNextPage && (
          <button type="button" className="btn" onClick={() => void list.fetchNextPage()} disabled={loading}>
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
  const verify = useVerifyChain();
  const result = verify.data;
  const busy = verify.isPending;
  const error = verify.error ? verify.error.message || 'Could not verify the audit trail' : null;

  return (
    <section aria-label="Tamper check" className="card audit-verify">
      <p>The trail is a hash chain: editing or deleting any entry breaks it from that point on.</p>
      <button type="button" className="btn" onClick={() => verify.mutate()} disabled={busy}>
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
