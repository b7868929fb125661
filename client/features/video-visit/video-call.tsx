import { useEffect, useState, type ReactNode } from 'react';
import {
  ConnectionQualityIndicator,
  LockLockedIcon,
  RoomAudioRenderer,
  RoomContext,
  StartAudio,
  useConnectionQualityIndicator,
} from '@livekit/components-react';
import type { LocalVideoTrack, Participant } from 'livekit-client';
import { useTranslation } from 'react-i18next';
import { CallControls } from './call-controls';
import { CallStage } from './call-stage';
import { CallTimer } from './call-timer';
import { LocalVideoPreview } from './local-video-preview';
import './i18n/register';
import '@livekit/components-styles';
import './video-visit.css';
import { useVideoRoom, type CallStatus, type LocalMediaInput, type VideoRoom } from './use-video-room';

function RetryCountdown({ retryAt }: { retryAt: number }) {
  const { t } = useTranslation('video');
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000));
  return <span className="muted">{t('call.retryIn', { seconds })}</span>;
}

/** Banners for every state other than "in the call and fine". */
function CallStatusPanel({ call, status }: { call: VideoRoom; status: CallStatus }) {
  const { t } = useTranslation('video');
  switch (status.kind) {
    case 'fetching':
    case 'connecting':
      return (
        <p className="call-banner" role="status">
          {t('call.connecting')}
        </p>
      );
    case 'connected':
    case 'not_admitted':
      return null;
    case 'unavailable':
      return (
        <div className="call-banner call-banner-warn" role="status" data-testid="video-unavailable">
          <p>{t('call.unavailable')}</p>
          <p>
            <RetryCountdown retryAt={status.retryAt} />{' '}
            <button type="button" className="btn btn-small" onClick={call.rejoin}>
              {t('call.tryNow')}
            </button>
          </p>
        </div>
      );
    case 'unsupported':
      return (
        <div className="call-banner call-banner-error" role="alert" data-testid="e2ee-unsupported">
          <p>
            <strong>{t('call.unsupportedTitle')}</strong>
          </p>
          <p>{t('call.unsupportedBody')}</p>
        </div>
      );
    case 'reconnecting':
      return (
        <p className="call-banner call-banner-warn" role="status" data-testid="reconnecting">
          {t('call.reconnecting')}
        </p>
      );
    case 'disconnected':
      return (
        <div className="call-banner call-banner-warn" role="alert" data-testid="disconnected">
          <p>{status.why === 'duplicate' ? t('call.duplicate') : t('call.dropped')}</p>
          <button type="button" className="btn btn-primary" onClick={call.rejoin}>
            {t('call.rejoin')}
          </button>
        </div>
      );
    case 'ended':
      return (
        <div className="call-banner" role="status" data-testid="call-ended">
          <p>
            <strong>{t('call.ended')}</strong>
          </p>
        </div>
      );
    case 'error':
      return (
        <div className="call-banner call-banner-error" role="alert">
          <p>{t('call.error')}</p>
          <button type="button" className="btn" onClick={call.rejoin}>
            {t('call.rejoin')}
          </button>
        </div>
      );
  }
}

/** The local connection quality as an icon, with the same information as text for screen readers. */
function QualityIndicator({ participant }: { participant: Participant }) {
  const { t } = useTranslation('video');
  const { quality } = useConnectionQualityIndicator({ participant });
  return (
    <span className="call-quality">
      <ConnectionQualityIndicator participant={participant} aria-hidden="true" />
      <span className="visually-hidden">{t(`call.quality.${quality}`)}</span>
    </span>
  );
}

function EncryptionBadge({ state }: { state: VideoRoom['encryption'] }) {
  const { t } = useTranslation('video');
  if (state === 'on')
    return (
      <span className="badge badge-live" data-testid="e2ee-badge">
        <LockLockedIcon aria-hidden="true" /> {t('call.e2eeOn')}
      </span>
    );
  if (state === 'off_browser' || state === 'off_clinic')
    return (
      <span className="badge badge-warn" data-testid="e2ee-off">
        {t('call.e2eeOff')}
      </span>
    );
  return null;
}

export interface VideoCallProps {
  visitId: string;
  role: 'patient' | 'clinician';
  media?: LocalMediaInput | null;
  durationMinutes?: number;
  /** A panel beside the video (the check-in panel); on a phone it takes the screen and the video shrinks. */
  aside?: ReactNode;
  /** On a phone: 'overlay' gives the panel the screen with a small video; 'stack' puts it under the video. */
  asideLayout?: 'overlay' | 'stack';
  onEnded?: () => void;
  onNotAdmitted?: () => void;
  /** Called after the viewer leaves on purpose. */
  onLeave: () => void;
  leaveLabel?: string;
}

/**
 * The video visit for patients and clinicians: connection, end-to-end encryption, grid, controls,
 * timer, reconnect handling and the "ended" state. Only this feature talks to LiveKit.
 */
export function VideoCall({
  visitId,
  role,
  media,
  durationMinutes,
  aside,
  asideLayout = 'overlay',
  onEnded,
  onNotAdmitted,
  onLeave,
  leaveLabel,
}: VideoCallProps) {
  const { t } = useTranslation('video');
  const call = useVideoRoom({ visitId, media, onEnded, onNotAdmitted });
  const { status, room } = call;
  const inRoom = room !== null && (status.kind === 'connected' || status.kind === 'reconnecting' || status.kind === 'connecting');

  async function handleLeave() {
    await call.leave();
    onLeave();
  }

  return (
    <div
      className={`call${aside ? ` call-has-aside call-aside-${asideLayout}` : ''}`}
      data-lk-theme="default"
      data-testid="video-call"
      data-call-status={status.kind}
      data-e2ee={call.encryption}
    >
      <section className="call-main" aria-label={t('call.region')}>
        <div className="call-topbar">
          <CallTimer visitId={visitId} durationMinutes={durationMinutes} />
          <EncryptionBadge state={call.encryption} />
          {room && status.kind === 'connected' && (
            <RoomContext.Provider value={room}>
              <QualityIndicator participant={room.localParticipant} />
            </RoomContext.Provider>
          )}
        </div>
        <CallStatusPanel call={call} status={status} />
        {call.encryption === 'off_browser' && (
          <p className="call-banner call-banner-warn" role="status">
            {t('call.e2eeOffBrowser')}
          </p>
        )}
        {call.deviceWarning && (
          <p className="call-banner call-banner-warn" role="status">
            {call.deviceWarning === 'camera' ? t('call.cameraFailed') : t('call.microphoneFailed')}
          </p>
        )}
        {call.encryptionWarning && (
          <p className="call-banner call-banner-warn" role="status">
            {t('call.decryptProblem')}
          </p>
        )}
        {room && inRoom ? (
          <RoomContext.Provider value={room}>
            <CallStage compact={!!aside && asideLayout === 'overlay'} />
            <RoomAudioRenderer />
            <StartAudio label={t('call.startAudio')} className="btn btn-primary call-start-audio" />
            <CallControls
              canShareScreen={role === 'clinician'}
              audioOnly={call.audioOnly}
              onAudioOnlyChange={call.setAudioOnly}
              onLeave={() => void handleLeave()}
              leaveLabel={leaveLabel ?? (role === 'patient' ? t('call.leavePatient') : t('call.leaveClinician'))}
            />
          </RoomContext.Provider>
        ) : (
          status.kind !== 'ended' && (
            <>
              {/* Until the call connects, the patient keeps seeing their own camera. */}
              {media?.videoTrack && media.choices.cameraEnabled && media.videoTrack.mediaStreamTrack.readyState === 'live' && (
                <div className="call-idle-stage">
                  <LocalVideoPreview track={media.videoTrack as LocalVideoTrack} label={t('device.previewLabel')} />
                </div>
              )}
              <div className="call-controls call-controls-idle">
                <button type="button" className="call-btn call-btn-leave lk-button" onClick={() => void handleLeave()}>
                  <span className="call-btn-label">
                    {leaveLabel ?? (role === 'patient' ? t('call.leavePatient') : t('call.leaveClinician'))}
                  </span>
                </button>
              </div>
            </>
          )
        )}
      </section>
      {aside && <aside className="call-aside">{aside}</aside>}
    </div>
  );
}
