import { useTranslation } from 'react-i18next';
import { CheckinPanel } from '../features/checkin/checkin-panel';
import { usePatientCheckins } from '../features/checkin/use-patient-checkins';

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
        <CheckinPanel checkins={checkins} notNow />
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
