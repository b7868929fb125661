import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageToggle } from '../../components/language-toggle';
import { usePageTitle } from '../../components/use-page-title';
import { formatDateTime } from '../../lib/i18n';
import { ConsentStep } from './consent-step';
import { DobForm } from './dob-form';
import './i18n/register';
import './join.css';
import { useJoinFlow, type JoinFlow, type StageKind } from './use-join-flow';
import { WaitingRoom } from './waiting-room';

/** What the call slot gets from the join flow. */
export interface CallSlotProps {
  visitId: string;
  durationMinutes: number;
  onEnded: () => void;
  onNotAdmitted: () => void;
  onLeave: () => void;
}

export interface JoinExperienceProps {
  token: string;
  /** The device check (media lives outside this feature). */
  renderDeviceCheck: (p: { onContinue: () => void; busy: boolean }) => ReactNode;
  /** The patient's own camera, small, in the waiting room. */
  renderSelfView?: () => ReactNode;
  /** The check-ins to answer while waiting (the check-in feature lives outside this one). */
  renderWaitingCheckins?: (visitId: string) => ReactNode;
  renderCall: (p: CallSlotProps) => ReactNode;
  onStageChange?: (stage: StageKind) => void;
}

const TITLE_KEY: Record<StageKind, string> = {
  loading: 'titles.join',
  dob: 'titles.join',
  too_early: 'titles.join',
  closed: 'titles.join',
  consent: 'titles.join',
  devices: 'titles.devices',
  waiting: 'titles.waiting',
  call: 'titles.call',
  left: 'titles.join',
  denied: 'titles.join',
  ended: 'titles.ended',
  moved: 'titles.ended',
};

function Message({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <section className="card join-card" aria-labelledby="message-title" data-testid={testId}>
      <h1 id="message-title">{title}</h1>
      {children}
    </section>
  );
}

function StageView({ flow, props }: { flow: JoinFlow; props: JoinExperienceProps }) {
  const { t } = useTranslation('join');
  const { stage, join, lang } = flow;
  switch (stage.kind) {
    case 'loading':
      return (
        <p className="loading" role="status">
          {t('loading')}
        </p>
      );
    case 'dob':
      return (
        <DobForm
          clinicName={stage.clinicName}
          lang={lang}
          error={stage.error}
          retryAfterSeconds={stage.retryAfterSeconds}
          attemptsLeft={stage.attemptsLeft}
          busy={flow.busy}
          onSubmit={(d) => void flow.submitDob(d)}
        />
      );
    case 'too_early':
      return (
        <Message title={t('closed.tooEarlyTitle')} testId="too-early">
          <p>{stage.opensAt ? t('closed.tooEarlyAt', { when: formatDateTime(stage.opensAt, lang) }) : t('closed.tooEarly')}</p>
          <p className="muted">{t('closed.tooEarlyHint')}</p>
        </Message>
      );
    case 'closed':
      return (
        <Message title={t(`closed.${stage.reason}Title`)} testId="link-closed">
          <p>{t(`closed.${stage.reason}`)}</p>
          {(stage.reason === 'network' || stage.reason === 'error') && (
            <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
              {t('closed.reload')}
            </button>
          )}
        </Message>
      );
    case 'consent':
      return (
        <ConsentStep
          greetingName={join?.patient.preferredName ?? null}
          busy={flow.busy}
          error={flow.actionError !== null}
          onAccept={() => void flow.acceptConsent()}
        />
      );
    case 'devices':
      return (
        <div className="card join-card join-card-wide">
          {flow.actionError && (
            <div className="alert alert-error" role="alert">
              {t('errors.action')}
            </div>
          )}
          {props.renderDeviceCheck({ onContinue: () => void flow.enterWaitingRoom(), busy: flow.busy })}
        </div>
      );
    case 'waiting':
      return join ? (
        <WaitingRoom
          join={join}
          lang={lang}
          waitingMessage={flow.waitingMessage}
          clinicianOnline={flow.clinicianOnline}
          socketConnected={flow.socketConnected}
          selfView={props.renderSelfView?.()}
          checkins={props.renderWaitingCheckins?.(join.visit.id)}
          busy={flow.busy}
          error={flow.actionError !== null}
          onCheckDevices={flow.backToDevices}
          onLeave={() => void flow.leave('waiting')}
        />
      ) : null;
    case 'call':
      return join ? (
        <>
          {props.renderCall({
            visitId: join.visit.id,
            durationMinutes: join.visit.durationMinutes,
            onEnded: flow.markEnded,
            onNotAdmitted: flow.markNotAdmitted,
            onLeave: () => void flow.leave('call'),
          })}
        </>
      ) : null;
    case 'left':
      return (
        <Message title={stage.from === 'call' ? t('left.titleCall') : t('left.title')} testId="left">
          <p>{t('left.body')}</p>
          {flow.actionError && (
            <div className="alert alert-error" role="alert">
              {t('errors.action')}
            </div>
          )}
          <button type="button" className="btn btn-primary" onClick={() => void flow.rejoin()} disabled={flow.busy}>
            {t('left.rejoin')}
          </button>
        </Message>
      );
    case 'denied':
      return (
        <Message title={t('denied.title')} testId="denied">
          <p>{t('denied.body')}</p>
          <p className="muted">{t('denied.live')}</p>
        </Message>
      );
    case 'ended':
      return (
        <Message title={t('ended.title')} testId="visit-ended">
          <p>{t('ended.body')}</p>
        </Message>
      );
    case 'moved':
      return (
        <Message title={t('moved.title')} testId="visit-moved">
          <p>{t('moved.body')}</p>
        </Message>
      );
  }
}

/**
 * Each new step puts focus on its heading, so a screen reader reads where the patient now is and
 * the next Tab starts at the top of the step. The first screen keeps the browser's own focus. A
 * step whose code is still arriving gets focus on its heading as soon as the heading is there.
 * For the step's first moments, focus that falls back to the page itself (the control that had it
 * was removed as the screens changed over) goes back to the heading; focus the patient moved to a
 * control stays where they put it.
 */
function useFocusStepHeading(kind: StageKind) {
  const first = useRef(true);
  useEffect(() => {
    if (kind === 'loading') return;
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById('main');
    if (!main) return;
    const focusHeading = () => {
      const heading = main.querySelector<HTMLElement>('h1');
      if (!heading) return false;
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      heading.focus();
      return true;
    };
    const lost = () => document.activeElement === null || document.activeElement === document.body;
    const timers = SETTLE_CHECKS_MS.map((ms) => window.setTimeout(() => lost() && focusHeading(), ms));
    const observer = new MutationObserver(() => {
      if (focusHeading()) observer.disconnect();
    });
    if (!focusHeading()) observer.observe(main, { childList: true, subtree: true });
    return () => {
      observer.disconnect();
      timers.forEach((t) => window.clearTimeout(t));
    };
  }, [kind]);
}

/** When focus that fell back to the page is put back on a new step's heading. */
const SETTLE_CHECKS_MS = [50, 300, 1000, 2500];

/**
 * The patient's whole visit page behind a link, in English or Spanish. The device check and the
 * call are slots, filled by the page with the video feature.
 */
export function JoinExperience(props: JoinExperienceProps) {
  const { t } = useTranslation('join');
  const flow = useJoinFlow(props.token);
  const kind = flow.stage.kind;
  usePageTitle(t(TITLE_KEY[kind]));
  const { onStageChange } = props;
  useEffect(() => onStageChange?.(kind), [kind, onStageChange]);
  useFocusStepHeading(kind);

  return (
    <div className={`join-page join-stage-${kind}`}>
      <header className="join-header">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" /> Alcove
        </span>
        <LanguageToggle value={flow.lang} onChange={flow.setLang} label={t('language')} />
      </header>
      <main id="main" className={kind === 'call' ? 'join-main join-main-call' : 'join-main'}>
        <StageView flow={flow} props={props} />
      </main>
    </div>
  );
}
