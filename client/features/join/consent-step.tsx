import { useTranslation } from 'react-i18next';

/** The points a patient must see before going on, each one short line. */
const KEY_POINTS = ['recording', 'privacy', 'leave'] as const;
/** The longer explanations, behind "more". */
const MORE = ['telehealth', 'recording', 'encryption', 'answers', 'leave'] as const;
/** Emergency numbers, as links a phone dials or texts with one tap. */
const EMERGENCY_LINKS = [
  { key: 'call911', href: 'tel:911' },
  { key: 'call988', href: 'tel:988' },
  { key: 'text988', href: 'sms:988' },
] as const;

/**
 * Plain-language consent before anything else happens; the server records its version and time.
 * The key points and Continue fit on a small phone's first screen; the rest is one tap away.
 */
export function ConsentStep({
  greetingName,
  busy,
  error,
  onAccept,
}: {
  greetingName: string | null;
  busy: boolean;
  error: boolean;
  onAccept: () => void;
}) {
  const { t } = useTranslation('join');
  return (
    <section className="card join-card consent" aria-labelledby="consent-title">
      <p className="greeting">{greetingName ? t('consent.greetingNamed', { name: greetingName }) : t('consent.greeting')}</p>
      <h1 id="consent-title">{t('consent.title')}</h1>
      <ul className="consent-key-points">
        {KEY_POINTS.map((p) => (
          <li key={p}>{t(`consent.short.${p}`)}</li>
        ))}
      </ul>
      <div className="consent-emergency">
        <p>
          <strong>{t('consent.emergency.title')}</strong> {t('consent.short.emergency')}
        </p>
        <p className="emergency-links">
          {EMERGENCY_LINKS.map((l) => (
            <a key={l.key} className="btn emergency-link" href={l.href}>
              {t(`consent.short.${l.key}`)}
            </a>
          ))}
        </p>
      </div>
      {error && (
        <div className="alert alert-error" role="alert">
          {t('errors.action')}
        </div>
      )}
      <button type="button" className="btn btn-primary btn-block consent-accept" onClick={onAccept} disabled={busy}>
        {t('consent.accept')}
      </button>
      <details className="consent-more">
        <summary>{t('consent.more')}</summary>
        <ul className="consent-points">
          {MORE.map((p) => (
            <li key={p}>
              <strong>{t(`consent.${p}.title`)}</strong> {t(`consent.${p}.body`)}
            </li>
          ))}
        </ul>
        <p className="muted consent-decline">{t('consent.decline')}</p>
      </details>
    </section>
  );
}
