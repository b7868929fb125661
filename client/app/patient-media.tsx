import { memo, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { StageKind } from '../features/join/use-join-flow';
import { LocalVideoPreview } from '../features/video-visit/local-video-preview';
import { useLocalMedia, type LocalMedia } from '../features/video-visit/use-local-media';
import { usePrewarm } from '../features/video-visit/use-prewarm';

export { DeviceCheck } from '../features/video-visit/device-check';

const MEDIA_STAGES: StageKind[] = ['devices', 'waiting', 'call'];

/**
 * The patient's camera and microphone (livekit-client comes with this module, fetched once the
 * link is verified, never before the date-of-birth form). Renders nothing: it owns the preview
 * tracks from the device check through the call, so they are reused when the patient is admitted,
 * and hands the page each new state of them.
 */
export const MediaHost = memo(function MediaHost({ stage, onMedia }: { stage: StageKind; onMedia: (media: LocalMedia) => void }) {
  const media = useLocalMedia();
  usePrewarm(stage === 'waiting');
  useEffect(() => onMedia(media), [media, onMedia]);

  const { release, request, status } = media;
  // Back in the waiting room after a reload: get the camera again now (usually without a prompt),
  // so the call reuses it instead of asking at the moment of admission.
  useEffect(() => {
    if (stage === 'waiting' && status === 'idle') void request();
  }, [stage, status, request]);
  // Outside the device check, waiting room and call, the camera and microphone are switched off.
  useEffect(() => {
    if (!MEDIA_STAGES.includes(stage)) release();
  }, [stage, release]);
  return null;
});

/** The patient's own camera, small, in the waiting room. */
export function SelfView({ media }: { media: LocalMedia }) {
  const { t } = useTranslation('video');
  return media.videoTrack && media.choices.cameraEnabled ? (
    <LocalVideoPreview track={media.videoTrack} label={t('device.previewLabel')} />
  ) : null;
}
