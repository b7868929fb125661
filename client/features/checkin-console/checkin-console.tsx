import './checkin-console.css';
import { useId, useState, type FormEvent } from 'react';
import type { ClinicianCheckin } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import { BandBadge } from '../../components/band-badge';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { LANGUAGE_NAMES, usePatientLanguage } from '../../lib/patient-language';
import { CheckinItemTable } from '../../components/checkin-item-table';
import { fhirUrl } from './checkin-console-api';
import { SafetyAlertDialog } from './safety-alert-dialog';
import { useCheckinConsole, type CheckinConsoleState } from './use-checkin-console';

/** "PHQ-9", "PHQ-9 and GAD-7", "PHQ-9, GAD-7 and PHQ-2". */
const listOf = (titles: string[]) => (titles.length < 2 ? (titles[0] ?? '') : `${titles.slice(0, -1).join(', ')} and ${titles[titles.length - 1]}`);

/** "3 of 10 answered": the one way a count of questions is written on this panel. */
const answeredOf = (answered: number, total: number) => `${answered} of ${total} answered`;

const time = (iso: string) => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));

function SendForm({ c }: { c: CheckinConsoleState }) {
  const [chosen, setChosen] = useState<string[]>([]);
  const [sent, setSent] = useState<string | null>(null);
  // Instruments chosen that have no text in the patient's preferred language: asked about before sending.
  const [untranslated, setUntranslated] = useState<string[] | null>(null);
  const legendId = useId();
  const waiting = new Set(c.checkins.filter((x) => x.status !== 'shared').map((x) => x.instrumentId));
  const lang = usePatientLanguage(c.patientId);
  const lacksLanguage = (i: { languages: string[] }) => lang !== null && lang !== 'en' && !i.languages.includes(lang);

  function handleSubmit(e: FormEvent) {
    e.preventDefault();
    if (chosen.length === 0) return;
    const missing = c.instruments.filter((i) => chosen.includes(i.id) && lacksLanguage(i)).map((i) => i.title);
    if (missing.length > 0) setUntranslated(missing);
    else void send();
  }

  async function send() {
    setUntranslated(null);
    const titles = c.instruments.filter((i) => chosen.includes(i.id)).map((i) => i.title);
    if (await c.send(chosen)) {
      setChosen([]);
      setSent(`Sent: ${titles.join(', ')}.`);
    } else {
      setSent(null);
    }
  }

  return (
    <form onSubmit={handleSubmit} className="checkin-send" aria-labelledby={legendId}>
      <fieldset>
        <legend id={legendId}>Send to the patient</legend>
        <div className="checkin-send-options">
          {c.instruments.map((i) => {
            const busy = waiting.has(i.id);
            return (
              <label key={i.id} className="checkbox checkin-send-option">
                <input
                  type="checkbox"
                  checked={chosen.includes(i.id)}
                  disabled={busy}
                  onChange={(e) => setChosen((cur) => (e.target.checked ? [...cur, i.id] : cur.filter((x) => x !== i.id)))}
                />
                <span>
                  {i.title}
                  <span className="muted checkin-send-meta">
                    {' '}
                    · {i.itemCount} questions{i.labelledAs ? ` · ${i.labelledAs}` : ''}
                    {busy ? ' · already sent, not shared yet' : ''}
                    {lacksLanguage(i) ? ' · English only' : ''}
                  </span>
                </span>
              </label>
            );
          })}
        </div>
      </fieldset>
      {c.sendError && (
        <p className="alert alert-error" role="alert">
          {c.sendError}
        </p>
      )}
      <div className="checkin-send-row">
        <button type="submit" className="btn btn-primary" disabled={chosen.length === 0 || c.sending}>
          {c.sending ? 'Sending…' : chosen.length > 1 ? `Send ${chosen.length} check-ins` : 'Send'}
        </button>
        <p role="status" className="checkin-send-status">
          {sent}
        </p>
      </div>
      {untranslated && lang && (
        <ConfirmDialog
          title={`Send in English?`}
          confirmLabel="Send anyway"
          busy={c.sending}
          onConfirm={() => void send()}
          onCancel={() => setUntranslated(null)}
        >
          <p data-testid="language-warning">
            {listOf(untranslated)} {untranslated.length > 1 ? 'have' : 'has'} no {LANGUAGE_NAMES[lang]} text in Alcove; the patient
            will see {untranslated.length > 1 ? 'them' : 'it'} in English. Send anyway?
          </p>
          <p className="muted">The patient’s preferred language is {LANGUAGE_NAMES[lang]}. Alcove never translates a scored instrument itself.</p>
        </ConfirmDialog>
      )}
    </form>
  );
}

function StatusBadge({ checkin }: { checkin: ClinicianCheckin }) {
  if (checkin.status === 'shared') {
    return (
      <span className="badge badge-live">
        <span aria-hidden="true">✓</span> Shared {checkin.sharedAt ? time(checkin.sharedAt) : ''}
      </span>
    );
  }
  return checkin.status === 'in_progress' ? (
    <span className="badge badge-warn">
      <span aria-hidden="true">✎</span> Answering
    </span>
  ) : (
    <span className="badge">
      <span aria-hidden="true">→</span> Sent {time(checkin.sentAt)}
    </span>
  );
}

function Result({ checkin, definition }: { checkin: ClinicianCheckin; definition: InstrumentDetail | undefined }) {
  const r = checkin.result;
  if (!r) return <p className="muted">The result could not be read.</p>;
  const max = definition?.scoring.total?.max;
  // A critical flag already shown as a safety alert above is not repeated.
  const alerted = new Set(checkin.alerts.map((a) => a.code));
  const flags = r.flags.filter((f) => f.audience === 'clinician' && !alerted.has(f.code));
  // The denominator is every question of the instrument, as in the live progress and the "N questions" of
  // the send form; follow-ups the answers did not open are said so, not counted as missing.
  const notAsked = Math.max(0, (checkin.progress.total || r.itemCount) - r.itemCount);
  return (
    <div className="checkin-result" data-testid="checkin-result">
      {checkin.kind === 'scored' ? (
        <dl className="checkin-result-summary">
          <div>
            <dt>Total</dt>
            <dd data-testid="result-total">
              {r.total !== undefined ? (
                <strong className="checkin-total">
                  {r.total}
                  {max !== undefined && <span className="muted"> of {max}</span>}
                </strong>
              ) : (
                <span>
                  No total (incomplete)
                  {r.partialTotal !== undefined && <span className="muted"> · partial sum of answered items: {r.partialTotal}</span>}
                </span>
              )}
            </dd>
          </div>
          {r.band && (
            <div>
              <dt>Severity</dt>
              <dd data-testid="result-band">
                <BandBadge band={r.band} />
              </dd>
            </div>
          )}
          {r.positiveScreen !== undefined && (
            <div>
              <dt>Screen</dt>
              <dd>
                {r.positiveScreen ? (
                  <span className="badge badge-warn">▲ Positive screen</span>
                ) : (
                  <span className="badge">Negative screen</span>
                )}
              </dd>
            </div>
          )}
        </dl>
      ) : (
        <p className="muted">A conversation aid, not a validated scale: there is no score.</p>
      )}
      <p className="checkin-completeness">
        {/* Complete or not matters for a score; a conversation aid has none, so it is never "incomplete". */}
        {checkin.kind === 'scored' &&
          (r.complete ? (
            <span className="badge badge-live">
              <span aria-hidden="true">✓</span> Complete
            </span>
          ) : (
            <span className="badge badge-warn" data-testid="result-incomplete">
              <span aria-hidden="true">◐</span> Incomplete
            </span>
          ))}{' '}
        <span className="muted" data-testid="result-counts">
          {answeredOf(r.answeredCount, checkin.progress.total || r.itemCount)}
          {r.declinedCount > 0 ? ` · ${r.declinedCount} declined` : ''}
          {notAsked > 0 ? ` · ${notAsked} did not apply` : ''}
        </span>
      </p>
      {flags.length > 0 && (
        <ul className="checkin-flags" aria-label="Flags">
          {flags.map((f) => (
            <li key={f.code} className={`checkin-flag flag-${f.severity}`}>
              <span className="flag-label">
                {f.severity === 'critical' ? '⚠ Critical' : f.severity === 'warning' ? '▲ Review' : 'ℹ Note'}
              </span>{' '}
              {f.message}
            </li>
          ))}
        </ul>
      )}
      {r.flags.some((f) => f.audience === 'patient') && <p className="muted">The patient was shown crisis resources.</p>}
      <details className="checkin-answers" open>
        <summary>Answers</summary>
        <CheckinItemTable items={checkin.items ?? []} definition={definition} caption={`Answers: ${checkin.title}`} />
      </details>
      <p>
        <a href={fhirUrl(checkin.id)} download={`questionnaire-response-${checkin.id}.json`}>
          Download as FHIR (QuestionnaireResponse)
        </a>
      </p>
    </div>
  );
}

function CheckinCard({
  checkin,
  definition,
  readOnly,
}: {
  checkin: ClinicianCheckin;
  definition: InstrumentDetail | undefined;
  readOnly: boolean;
}) {
  const headingId = useId();
  const { answered, total } = checkin.progress;
  return (
    <article className="checkin-card" aria-labelledby={headingId} data-testid="checkin-card" data-instrument={checkin.instrumentId}>
      <header className="checkin-card-head">
        <h3 id={headingId}>{checkin.title}</h3>
        <StatusBadge checkin={checkin} />
      </header>
      {checkin.status !== 'shared' && readOnly && (
        <p className="muted" data-testid="checkin-progress">
          Not shared before the visit ended ({answeredOf(answered, total)}); its answers stay with the patient.
        </p>
      )}
      {checkin.status !== 'shared' && !readOnly && (
        <div className="checkin-live-progress">
          <div
            className="checkin-bar"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={total}
            aria-valuenow={answered}
            aria-label={`${checkin.title}: ${answeredOf(answered, total)}`}
          >
            <div style={{ width: `${total ? (answered / total) * 100 : 0}%` }} />
          </div>
          <p className="muted" data-testid="checkin-progress">
            {answeredOf(answered, total)} · answers appear when the patient shares
          </p>
        </div>
      )}
      {checkin.alerts.length > 0 && (
        <ul className="checkin-alerts">
          {checkin.alerts.map((a) => (
            <li key={a.code} className={a.acknowledgedAt ? 'is-acked' : 'is-open'}>
              <span aria-hidden="true">⚠ </span>
              <strong>Safety alert</strong>: {a.message}{' '}
              {a.acknowledgedAt ? (
                <span className="muted" data-testid="alert-acknowledged">
                  Acknowledged by {a.acknowledgedBy?.name ?? 'a clinician'} at {time(a.acknowledgedAt)}.
                </span>
              ) : (
                <strong>Not acknowledged yet.</strong>
              )}
            </li>
          ))}
        </ul>
      )}
      {checkin.status === 'shared' && <Result checkin={checkin} definition={definition} />}
    </article>
  );
}

/**
 * The clinician's check-in panel for the visit page: pick instruments and send them, follow each
 * one's progress (counts only), read results once the patient shares, and acknowledge safety alerts
 * in a dialog that interrupts whatever else is on screen. `readOnly` is the ended visit's record:
 * every check-in with its result, items and alerts, nothing to send (an alert still open can still
 * be acknowledged: the server allows it, and an alert must never become unanswerable).
 */
export function CheckinConsole({ visitId, readOnly = false }: { visitId: string; readOnly?: boolean }) {
  const c = useCheckinConsole(visitId);
  const headingId = useId();
  const first = c.openAlerts[0];
  return (
    <section className="card checkin-console" aria-labelledby={headingId} data-testid="checkin-console">
      <div className="checkin-console-head">
        <h2 id={headingId}>Check-ins</h2>
        {c.patientId && (
          <a href={`/patients/${c.patientId}`} target="_blank" rel="noopener">
            Check-in history<span className="visually-hidden"> (opens in a new tab)</span>
          </a>
        )}
      </div>
      {c.loadError && (
        <p className="alert alert-warn" role="status">
          Check-ins could not be loaded. Retrying when the connection is back.
        </p>
      )}
      {/* Newest first and above the send form: during a call the results are what the clinician looks for. */}
      {c.checkins.length > 0 && (
        <ul className="checkin-list">
          {[...c.checkins].reverse().map((x) => (
            <li key={x.id}>
              <CheckinCard checkin={x} definition={c.definitions[x.instrumentId]} readOnly={readOnly} />
            </li>
          ))}
        </ul>
      )}
      {readOnly && c.loaded && c.checkins.length === 0 && <p className="muted">No check-ins were sent in this visit.</p>}
      {!readOnly && <SendForm c={c} />}
      {first && (
        <SafetyAlertDialog
          open={first}
          more={c.openAlerts.length - 1}
          busy={c.acknowledging}
          error={c.ackError}
          onAcknowledge={() => void c.acknowledge(first.checkin.id, first.alert.code)}
        />
      )}
    </section>
  );
}
