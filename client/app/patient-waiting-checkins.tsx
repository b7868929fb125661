import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import '../features/checkin/i18n/register';
import { usePatientCheckins } from '../features/checkin/use-patient-checkins';

// The panel's code is fetched only when a check-in is here to answer: a wait without one loads none of it.
const CheckinPanel = lazy(() => import('../features/checkin/checkin-panel').then((m) => ({ default: m.CheckinPanel })));

/**
 * The check-ins sent for this visit (by the measurement plan as the patient entered the waiting
 * room, or by a clinician), answered before admission with the call's own panel. "Not now" sets one
 * aside: it stays available, here behind a button and in the call behind the reminder.
 */
export function WaitingCheckins({ visitId }: { visitId: string }) {
  const { t } = useTranslation('checkin');
  const checkins = usePatientCheckins(visitId);
  if (checkins.active) {
    return (
      <>
        <p className="muted">{t('waiting.intro')}</p>
        <Suspense fallback={<p className="loading" role="status" aria-busy="true" />}>
          <CheckinPanel checkins={checkins} notNow />
        </Suspense>
      </>
    );
  }
  if (checkins.reminder) {
    return (
      <button type="button" className="btn" onClick={checkins.resume} data-testid="waiting-checkin-resume">
        {t('waiting.resume')}
      </button>
    );
  }
  return null;
}
