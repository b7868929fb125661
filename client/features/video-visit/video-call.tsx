import { useCallback, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import {
  ConnectionQualityIndicator,
  LockLockedIcon,
  RoomAudioRenderer,
  RoomContext,
  StartAudio,
  useConnectionQualityIndicator,
} from '@livekit/components-react';
import { RoomEvent, type LocalVideoTrack, type Participant, type Room } from 'livekit-client';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../components/confirm-dialog';
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

/** Whether anyone else is in the connected room (the call timer runs only then). */
function useSomeoneElseHere(room: Room | null): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!room) return () => undefined;
      const events = [
        RoomEvent.Connected,
        RoomEvent.ParticipantConnected,
        RoomEvent.ParticipantDisconnected,
        RoomEvent.Disconnected,
      ] as const;
      for (const e of events) room.on(e, onChange);
      return () => {
        for (const e of events) room.off(e, onChange);
      };
    },
    [room],
  );
  return useSyncExternalStore(subscribe, () => (room?.remoteParticipants.size ?? 0) > 0);
}

/** Banners for every state other than "in the call and fine". */
function CallStatusPanel({ call, status, role }: { call: VideoRoom; status: CallStatus; role: 'patient' | 'clinician' }) {
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
          {/* The patient is reassured; the clinician is told what to check. */}
          <p>{role === 'patient' ? t('call.unavailablePatient') : t('call.unavailableClinician')}</p>
          <p>
            {/* A ticking countdown would only add worry for a patient; the clinician sees when the next try is. */}
            {role === 'clinician' && <RetryCountdown retryAt={status.retryAt} />}{' '}
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
  const someoneElseHere = useSomeoneElseHere(room);
  // Reloaded straight into the call: the preview tracks are gone, so ask for them again (usually
  // without a prompt) and the self-view comes back; the call then publishes these same tracks.
  const mediaStatus = media?.status;
  const requestMedia = media?.request;
  useEffect(() => {
    if (mediaStatus === 'idle' && requestMedia) void requestMedia();
  }, [mediaStatus, requestMedia]);
  const [confirmingLeave, setConfirmingLeave] = useState(false);

  async function leaveNow() {
    setConfirmingLeave(false);
    await call.leave();
    onLeave();
  }

  // A patient's "Leave" asks once: one stray tap must not end their visit.
  function handleLeave() {
    if (role === 'patient' && status.kind !== 'ended') setConfirmingLeave(true);
    else void leaveNow();
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
        {role === 'patient' && <h1 className="visually-hidden">{t('call.region')}</h1>}
        <div className="call-topbar">
          <CallTimer visitId={visitId} durationMinutes={durationMinutes} running={status.kind === 'connected' && someoneElseHere} />
          <EncryptionBadge state={call.encryption} />
          {room && status.kind === 'connected' && (
            <RoomContext.Provider value={room}>
              <QualityIndicator participant={room.localParticipant} />
            </RoomContext.Provider>
          )}
        </div>
        <CallStatusPanel call={call} status={status} role={role} />
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
              onLeave={handleLeave}
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
                <button type="button" className="call-btn call-btn-leave lk-button" onClick={handleLeave}>
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
      {confirmingLeave && (
        <ConfirmDialog
          title={t('call.leaveConfirmTitle')}
          confirmLabel={t('call.leaveConfirm')}
          cancelLabel={t('call.leaveStay')}
          danger
          onConfirm={() => void leaveNow()}
          onCancel={() => setConfirmingLeave(false)}
        >
          <p>{t('call.leaveConfirmBody')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
