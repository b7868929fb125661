import './checkin.css';
import './i18n/register';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CrisisResources } from '@shared/api/checkins.schema';
import type { InstrumentItemView } from '@shared/api/instruments.schema';
import { DECLINED, type AnswerValue } from '@shared/instruments/definition.schema';
import type { Language } from '../../lib/i18n';
import { enabledItems, isAnswered } from './instrument-rules';
import { QuestionField } from './question-field';
import type { CheckinEntry, PatientCheckins } from './use-patient-checkins';

/** Instruments this long or shorter are shown on one screen; longer ones one question at a time. */
const ALL_AT_ONCE_MAX_ITEMS = 4;

/** Help right now, in the page language; links call or text straight from a phone. */
export function CrisisResourcesBox({ resources, lang }: { resources: CrisisResources; lang: Language }) {
  const { t } = useTranslation('checkin');
  const text = (lang === 'es' ? resources.es : undefined) ?? resources.en;
  const id = useId();
  return (
    <section
      className="checkin-crisis"
      role="alert"
      aria-labelledby={id}
      data-testid="crisis-resources"
      lang={text === resources.en ? 'en' : lang}
    >
      <h3 id={id}>{text.title}</h3>
      <p>{text.message}</p>
      <ul aria-label={t('crisis.region')}>
        {text.contacts.map((c) => (
          <li key={`${c.label}${c.href ?? ''}`}>
            {c.href ? (
              <a className="btn checkin-crisis-link" href={c.href}>
                {c.label}
              </a>
            ) : (
              c.label
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ProgressBar({ answered, total }: { answered: number; total: number }) {
  const { t } = useTranslation('checkin');
  const label = t('progress', { answered, total });
  return (
    <div className="checkin-progress">
      <div
        className="checkin-progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={answered}
        aria-valuetext={label}
        aria-label={label}
      >
        <div className="checkin-progress-fill" style={{ width: `${total ? (answered / total) * 100 : 0}%` }} />
      </div>
      <span className="checkin-progress-text" aria-hidden="true">
        {label}
      </span>
    </div>
  );
}

function SaveStatus({ state }: { state: PatientCheckins['saveState'] }) {
  const { t } = useTranslation('checkin');
  const text = state === 'saving' ? t('saving') : state === 'saved' ? t('saved') : state === 'offline' ? t('offline') : '';
  return (
    <p className={`checkin-save checkin-save-${state}`} role="status" data-testid="checkin-save">
      {state === 'closed' ? '' : text}
    </p>
  );
}

function SafetyGate({ onYes, onNotNow }: { onYes: () => void; onNotNow: () => void }) {
  const { t } = useTranslation('checkin');
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="checkin-gate">
      <h3 ref={ref} tabIndex={-1}>
        {t('safety.title')}
      </h3>
      <p>{t('safety.body')}</p>
      <div className="checkin-actions">
        <button type="button" className="btn btn-primary checkin-big" onClick={onYes}>
          {t('safety.yes')}
        </button>
        <button type="button" className="btn checkin-big" onClick={onNotNow}>
          {t('safety.notNow')}
        </button>
      </div>
    </div>
  );
}

/** An answer in the words the patient chose it by: option labels, or the text as typed. */
function answerWords(item: InstrumentItemView, value: AnswerValue): string {
  if (item.type === 'text') return value as string;
  const codes = Array.isArray(value) ? value : [value];
  return codes.map((c) => item.options?.find((o) => o.code === c)?.display ?? c).join(', ');
}

/** One check-in being answered: questions (one at a time or all together), then review and share. */
function ActiveCheckin({ entry, c }: { entry: CheckinEntry; c: PatientCheckins }) {
  const { t } = useTranslation('checkin');
  const def = entry.definition!;
  const id = entry.checkin.id;
  const items = enabledItems(def, entry.answers);
  const answered = items.filter((it) => isAnswered(entry.answers[it.linkId])).length;
  const oneAtATime = def.items.length > ALL_AT_ONCE_MAX_ITEMS;
  // Resume where the patient was: the first question still without an answer.
  const [index, setIndex] = useState(() => {
    const first = items.findIndex((it) => !isAnswered(entry.answers[it.linkId]));
    return first === -1 ? items.length : first;
  });
  const reviewing = !oneAtATime || index >= items.length;
  const questionRef = useRef<HTMLSpanElement>(null);
  const reviewRef = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);

  // Moving between questions puts focus on the new question, so screen readers read it next.
  useEffect(() => {
    if (!moved.current) return;
    if (reviewing && oneAtATime) reviewRef.current?.focus();
    else questionRef.current?.focus();
  }, [index, reviewing, oneAtATime]);

  const go = (to: number) => {
    moved.current = true;
    setIndex(Math.max(0, Math.min(to, items.length)));
  };

  const field = (item: InstrumentItemView, i: number, withRef: boolean) => (
    <QuestionField
      key={item.linkId}
      item={item}
      name={`q-${id}-${item.linkId}`}
      value={entry.answers[item.linkId]}
      error={c.itemErrors[`${id}|${item.linkId}`]}
      position={oneAtATime ? t('questionOf', { n: i + 1, total: items.length }) : undefined}
      questionRef={withRef ? questionRef : undefined}
      onChange={(v) => c.setAnswer(id, item.linkId, v)}
    />
  );

  const current = items[Math.min(index, items.length - 1)];
  const missing = items.filter((it) => !isAnswered(entry.answers[it.linkId]));
  const closed = c.saveState === 'closed';

  return (
    <div className="checkin-body" lang={def.language}>
      {def.language !== c.lang && (
        <p className="checkin-note" lang={c.lang}>
          {t('englishOnly')}
        </p>
      )}
      {def.intro && <p className="checkin-intro">{def.intro}</p>}
      <ProgressBar answered={answered} total={items.length} />
      {closed && (
        <p className="alert alert-warn" role="alert" lang={c.lang}>
          {t('closed')}
        </p>
      )}
      {oneAtATime && !reviewing && current && (
        <form
          className="checkin-step"
          onSubmit={(e) => {
            e.preventDefault();
            go(index + 1);
          }}
        >
          {field(current, index, true)}
          <div className="checkin-actions checkin-nav" lang={c.lang}>
            <button type="button" className="btn checkin-big" onClick={() => go(index - 1)} disabled={index === 0}>
              {t('back')}
            </button>
            <button type="submit" className="btn btn-primary checkin-big">
              {index === items.length - 1 ? t('review') : t('next')}
            </button>
          </div>
        </form>
      )}
      {!oneAtATime && <div className="checkin-all">{items.map((it, i) => field(it, i, i === 0))}</div>}
      {reviewing && (
        <section className="checkin-review" aria-labelledby={`review-${id}`} lang={c.lang}>
          <h3 id={`review-${id}`} ref={reviewRef} tabIndex={-1}>
            {t('reviewTitle')}
          </h3>
          <p>
            {t('reviewBody', { answered, total: items.length })}
            {missing.length > 0 && ` ${t('skipOk')}`}
          </p>
          {/* What is about to be shared, answer by answer; a tap goes back to change one. */}
          {oneAtATime && (
            <div>
              <p className="checkin-hint" id={`review-list-${id}`}>
                {t('reviewAnswers')}
              </p>
              <ol className="checkin-review-list" aria-labelledby={`review-list-${id}`} data-testid="checkin-review-list">
                {items.map((it, i) => {
                  const value = entry.answers[it.linkId];
                  const given = isAnswered(value);
                  return (
                    <li key={it.linkId}>
                      <button type="button" className="btn btn-quiet checkin-review-item" onClick={() => go(i)}>
                        <span className="checkin-review-q">
                          <span aria-hidden="true">{i + 1}. </span>
                          <span lang={def.language}>{it.text}</span>
                        </span>
                        <span className={`checkin-review-a${given ? '' : ' is-missing'}`}>
                          {given ? (
                            value === DECLINED ? (
                              t('declineText')
                            ) : (
                              <span lang={def.language}>{answerWords(it, value!)}</span>
                            )
                          ) : (
                            t('notAnswered')
                          )}
                        </span>
                        <span className="visually-hidden">{t('change')}</span>
                      </button>
                    </li>
                  );
                })}
              </ol>
            </div>
          )}
          <p className="checkin-hint">{t('shareNote')}</p>
          {c.shareError && (
            <p className="alert alert-error" role="alert">
              {c.shareError === 'unsaved' ? t('waitSaving') : t('shareError')}
            </p>
          )}
          <div className="checkin-actions">
            {oneAtATime && (
              <button type="button" className="btn checkin-big" onClick={() => go(items.length - 1)}>
                {t('back')}
              </button>
            )}
            <button type="button" className="btn btn-primary checkin-big" onClick={() => void c.share(id)} disabled={c.sharing || closed}>
              {c.sharing ? t('sharing') : t('share')}
            </button>
          </div>
        </section>
      )}
    </div>
  );
}

function Done({ entry, c }: { entry: CheckinEntry; c: PatientCheckins }) {
  const { t } = useTranslation('checkin');
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="checkin-done" data-testid="checkin-done">
      <h3 ref={ref} tabIndex={-1}>
        <span aria-hidden="true">✓ </span>
        {t('done')}
      </h3>
      {entry.crisis && <CrisisResourcesBox resources={entry.crisis} lang={c.lang} />}
      <button type="button" className="btn btn-primary checkin-big" onClick={c.closeDone}>
        {t('close')}
      </button>
    </div>
  );
}

/**
 * The patient's check-in panel, for the call page's side slot (the whole screen above a small video
 * on a phone) and the waiting room. "Hide" or Escape blanks it at once to a neutral screen; a tap or
 * Enter brings it back. `notNow` (the waiting room) adds "Not now", which sets the check-in aside
 * unanswered, as the safety question's "Not now" does; it stays available, behind the reminder.
 */
export function CheckinPanel({ checkins: c, notNow = false }: { checkins: PatientCheckins; notNow?: boolean }) {
  const { t } = useTranslation('checkin');
  const entry = c.active;
  const coverRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const titleId = useId();
  const { hidden, hide } = c;
  const wasHidden = useRef(hidden);

  useEffect(() => {
    if (hidden || !entry) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        hide();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [hidden, hide, entry]);

  useEffect(() => {
    if (hidden) coverRef.current?.focus();
    else if (wasHidden.current) headingRef.current?.focus();
    wasHidden.current = hidden;
  }, [hidden]);

  if (!entry) return null;
  if (hidden) {
    return (
      <div className="checkin-cover" data-testid="checkin-cover">
        <button type="button" ref={coverRef} className="checkin-cover-button" onClick={c.show}>
          {t('cover')}
        </button>
      </div>
    );
  }

  const def = entry.definition;
  const id = entry.checkin.id;
  const gate = def?.sensitive && !c.activeDone && !c.isSafeConfirmed(id);
  return (
    <section className="checkin-panel" aria-labelledby={titleId} data-testid="checkin-panel">
      <header className="checkin-head">
        <h2 id={titleId} ref={headingRef} tabIndex={-1} lang={gate ? c.lang : def?.language}>
          {gate || !def ? t('panelLabel') : def.title}
        </h2>
        <span className="checkin-head-actions">
          {/* Before admission (the waiting room): set it aside unanswered; it stays there for the call. */}
          {notNow && !gate && !c.activeDone && (
            <button type="button" className="btn btn-small checkin-not-now" onClick={() => c.defer(id)} title={t('waiting.notNowHint')} data-testid="checkin-not-now">
              {t('waiting.notNow')}
            </button>
          )}
          <button type="button" className="btn btn-small checkin-hide" onClick={c.hide} aria-keyshortcuts="Escape" title={t('hideHint')}>
            <span aria-hidden="true" className="checkin-hide-icon" />
            {t('hide')}
          </button>
        </span>
      </header>
      {entry.crisis && !c.activeDone && <CrisisResourcesBox resources={entry.crisis} lang={c.lang} />}
      {c.activeDone ? (
        <Done entry={entry} c={c} />
      ) : !def ? (
        <p role="status">{t('loading')}</p>
      ) : gate ? (
        <SafetyGate onYes={() => c.confirmSafe(id)} onNotNow={() => c.defer(id)} />
      ) : (
        <ActiveCheckin key={`${id}|${def.language}`} entry={entry} c={c} />
      )}
      <SaveStatus state={c.saveState} />
    </section>
  );
}

/** The neutral way back to a check-in the patient put off: no hint of what it is about. */
export function CheckinReminder({ checkins: c }: { checkins: PatientCheckins }) {
  const { t } = useTranslation('checkin');
  if (!c.reminder) return null;
  return (
    <button type="button" className="checkin-reminder btn" onClick={c.resume} data-testid="checkin-reminder">
      {t('reminder')}
    </button>
  );
}
