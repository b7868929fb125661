import { useCallback, useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { CheckinPanel, CheckinReminder } from '../features/checkin/checkin-panel';
import { usePatientCheckins } from '../features/checkin/use-patient-checkins';
import { JoinExperience, type CallSlotProps } from '../features/join/join-experience';
import type { StageKind } from '../features/join/use-join-flow';
import { DeviceCheck } from '../features/video-visit/device-check';
import { LocalVideoPreview } from '../features/video-visit/local-video-preview';
import { useLocalMedia } from '../features/video-visit/use-local-media';
import { usePrewarm } from '../features/video-visit/use-prewarm';
import { VideoCall } from '../features/video-visit/video-call';
import { useTranslation } from 'react-i18next';
import { AppShell } from './app-shell';

const MEDIA_STAGES: StageKind[] = ['devices', 'waiting', 'call'];

/** The call with the check-in panel in its side slot, and the neutral reminder for a check-in put off. */
function PatientCall({ slot, media }: { slot: CallSlotProps; media: ReturnType<typeof useLocalMedia> }) {
  const checkins = usePatientCheckins(slot.visitId);
  return (
    <>
      <VideoCall
        visitId={slot.visitId}
        role="patient"
        media={media}
        durationMinutes={slot.durationMinutes}
        aside={checkins.active ? <CheckinPanel checkins={checkins} /> : undefined}
        asideLayout="overlay"
        onEnded={slot.onEnded}
        onNotAdmitted={slot.onNotAdmitted}
        onLeave={slot.onLeave}
      />
      <CheckinReminder checkins={checkins} />
    </>
  );
}

/**
 * The patient's visit page (`/join/:token`), outside the staff session, with its own cache and
 * socket. The join feature runs the flow; the video feature owns the camera from the device check
 * through the call, so the preview tracks are reused when the patient is admitted.
 */
export function JoinPage() {
  const { token = '' } = useParams();
  return (
    <AppShell>
      <PatientVisit token={token} />
    </AppShell>
  );
}

function PatientVisit({ token }: { token: string }) {
  const { t } = useTranslation('video');
  const media = useLocalMedia();
  const [stage, setStage] = useState<StageKind>('loading');
  usePrewarm(stage === 'waiting');

  // Back in the waiting room after a reload: get the camera again now (usually without a prompt),
  // so the call reuses it instead of asking at the moment of admission.
  const { release, request, status } = media;
  useEffect(() => {
    if (stage === 'waiting' && status === 'idle') void request();
  }, [stage, status, request]);

  const handleStageChange = useCallback(
    (kind: StageKind) => {
      setStage(kind);
      // Outside the device check, waiting room and call, the camera and microphone are switched off.
      if (!MEDIA_STAGES.includes(kind)) release();
    },
    [release],
  );

  return (
    <JoinExperience
      token={token}
      onStageChange={handleStageChange}
      renderDeviceCheck={({ onContinue, busy }) => <DeviceCheck media={media} onContinue={onContinue} busy={busy} />}
      renderSelfView={() =>
        media.videoTrack && media.choices.cameraEnabled ? (
          <LocalVideoPreview track={media.videoTrack} label={t('device.previewLabel')} />
        ) : null
      }
      renderCall={(p) => <PatientCall slot={p} media={media} />}
    />
  );
}
