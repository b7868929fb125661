import { useTranslation } from 'react-i18next';

const POINTS = ['telehealth', 'recording', 'encryption', 'answers', 'leave', 'emergency'] as const;

/** Plain-language consent before anything else happens; the server records its version and time. */
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
    <section className="card join-card" aria-labelledby="consent-title">
      <p className="greeting">{greetingName ? t('consent.greetingNamed', { name: greetingName }) : t('consent.greeting')}</p>
      <h1 id="consent-title">{t('consent.title')}</h1>
      <ul className="consent-points">
        {POINTS.map((p) => (
          <li key={p}>
            <strong>{t(`consent.${p}.title`)}</strong> {t(`consent.${p}.body`)}
          </li>
        ))}
      </ul>
      {error && (
        <div className="alert alert-error" role="alert">
          {t('errors.action')}
        </div>
      )}
      <button type="button" className="btn btn-primary btn-block" onClick={onAccept} disabled={busy}>
        {t('consent.accept')}
      </button>
      <p className="muted consent-decline">{t('consent.decline')}</p>
    </section>
  );
}
