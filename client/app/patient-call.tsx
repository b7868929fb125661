import { lazy, Suspense, useEffect } from 'react';
import { usePatientCheckins } from '../features/checkin/use-patient-checkins';
import type { CallSlotProps } from '../features/join/join-experience';
import type { LocalMedia } from '../features/video-visit/use-local-media';
import { prefetchE2EEWorker } from '../features/video-visit/prefetch-e2ee-worker';
import { VideoCall } from '../features/video-visit/video-call';

/** Called while the patient waits, once this module (the call's code) has arrived. */
export function prefetchCallWorker(): void {
  prefetchE2EEWorker();
}

// The check-in panel (questions, their rules, crisis resources) is fetched as the call starts, so it
// is there when a check-in arrives without weighing on the way in.
const loadCheckinPanel = () => import('../features/checkin/checkin-panel');
const CheckinPanel = lazy(() => loadCheckinPanel().then((m) => ({ default: m.CheckinPanel })));
const CheckinReminder = lazy(() => loadCheckinPanel().then((m) => ({ default: m.CheckinReminder })));

/** The call with the check-in panel in its side slot, and the neutral reminder for a check-in put off. */
export function PatientCall({ slot, media }: { slot: CallSlotProps; media: LocalMedia }) {
  const checkins = usePatientCheckins(slot.visitId);
  useEffect(() => {
    void loadCheckinPanel();
  }, []);
  return (
    <>
      <VideoCall
        visitId={slot.visitId}
        role="patient"
        media={media}
        durationMinutes={slot.durationMinutes}
        aside={
          checkins.active ? (
            <Suspense fallback={<p className="loading" role="status" aria-busy="true" />}>
              <CheckinPanel checkins={checkins} />
            </Suspense>
          ) : undefined
        }
        asideLayout="overlay"
        onEnded={slot.onEnded}
        onNotAdmitted={slot.onNotAdmitted}
        onLeave={slot.onLeave}
      />
      <Suspense fallback={null}>
        <CheckinReminder checkins={checkins} />
      </Suspense>
    </>
  );
}
