import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { WaitingMessage } from '@shared/api/waiting-room.schema';
import { formatDateTime, type Language } from '../../lib/i18n';
import type { JoinResponse } from './join-api';

function WaitingMessageText({ message }: { message: WaitingMessage }) {
  const { t } = useTranslation('join');
  if ('preset' in message) return <>{t(`presets.${message.preset}`)}</>;
  return <>{message.text}</>;
}

/**
 * Where the patient waits to be let in: who they are seeing and when, live news from the clinic,
 * any check-ins due before the visit, their own small preview, and a way out.
 */
export function WaitingRoom({
  join,
  lang,
  waitingMessage,
  clinicianOnline,
  socketConnected,
  selfView,
  checkins,
  busy,
  error,
  onCheckDevices,
  onLeave,
}: {
  join: JoinResponse;
  lang: Language;
  waitingMessage: WaitingMessage | null;
  clinicianOnline: boolean | null;
  socketConnected: boolean;
  selfView?: ReactNode;
  /** Check-ins the care team's measurement plan sent for this visit, to answer (or set aside) before admission. */
  checkins?: ReactNode;
  busy: boolean;
  error: boolean;
  onCheckDevices: () => void;
  onLeave: () => void;
}) {
  const { t } = useTranslation('join');
  const names = join.visit.clinicians.map((c) => c.name);
  const withWhom = new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }).format(names);
  return (
    <section className="card join-card waiting-room" aria-labelledby="waiting-title" data-testid="waiting-room">
      <h1 id="waiting-title">{t('waiting.title', { count: names.length })}</h1>
      <dl className="visit-facts">
        {names.length > 0 && (
          <>
            <dt>{t('waiting.with')}</dt>
            <dd>{withWhom}</dd>
          </>
        )}
        <dt>{t('waiting.scheduled')}</dt>
        <dd>{formatDateTime(join.visit.startsAt, lang)}</dd>
      </dl>

      <div className="waiting-status" role="status" aria-live="polite" data-testid="waiting-status">
        {!socketConnected ? (
          <p>
            <span className="badge badge-warn">{t('waiting.reconnectingBadge')}</span> {t('waiting.reconnecting')}
          </p>
        ) : clinicianOnline === true ? (
          <p>
            <span className="badge badge-live">{t('waiting.onlineBadge')}</span> {t('waiting.clinicianOnline', { count: names.length })}
          </p>
        ) : clinicianOnline === false ? (
          <p>{t('waiting.clinicianNotYet', { count: names.length })}</p>
        ) : (
          <p>{t('waiting.stayHere')}</p>
        )}
        {waitingMessage && (
          <p className="waiting-message" data-testid="waiting-message">
            <span className="waiting-message-label">{t('waiting.messageFromClinic')}</span> <WaitingMessageText message={waitingMessage} />
          </p>
        )}
      </div>

      <p className="muted">{t('waiting.keepOpen')}</p>

      {checkins && <div className="waiting-checkins">{checkins}</div>}

      {selfView && <div className="waiting-self-view">{selfView}</div>}

      {error && (
        <div className="alert alert-error" role="alert">
          {t('errors.action')}
        </div>
      )}
      <div className="waiting-actions">
        <button type="button" className="btn" onClick={onCheckDevices}>
          {t('waiting.checkDevices')}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onLeave} disabled={busy}>
          {t('waiting.leave')}
        </button>
      </div>
    </section>
  );
}
