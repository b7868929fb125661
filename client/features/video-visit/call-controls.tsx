import { useId, useState } from 'react';
import { TrackToggle, useMediaDeviceSelect } from '@livekit/components-react';
import { supportsAudioOutputSelection, Track } from 'livekit-client';
import { useTranslation } from 'react-i18next';

function InCallDeviceSelect({ kind, label }: { kind: MediaDeviceKind; label: string }) {
  const id = useId();
  const { devices, activeDeviceId, setActiveMediaDevice } = useMediaDeviceSelect({ kind });
  if (devices.length === 0) return null;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={activeDeviceId} onChange={(e) => void setActiveMediaDevice(e.target.value).catch(() => undefined)}>
        {devices.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The call's control bar: big thumb-reachable buttons for microphone, camera, screen share
 * (clinicians only), device switching and leaving.
 */
export function CallControls({
  canShareScreen,
  audioOnly,
  onAudioOnlyChange,
  onLeave,
  leaveLabel,
}: {
  canShareScreen: boolean;
  audioOnly: boolean;
  onAudioOnlyChange: (audioOnly: boolean) => void;
  onLeave: () => void;
  leaveLabel: string;
}) {
  const { t } = useTranslation('video');
  const [showDevices, setShowDevices] = useState(false);
  const panelId = useId();
  return (
    <div className="call-controls-wrap">
      {showDevices && (
        <div className="call-devices" id={panelId} role="group" aria-label={t('call.deviceSettings')}>
          <InCallDeviceSelect kind="audioinput" label={t('device.microphone')} />
          {!audioOnly && <InCallDeviceSelect kind="videoinput" label={t('device.camera')} />}
          {supportsAudioOutputSelection() && <InCallDeviceSelect kind="audiooutput" label={t('device.speaker')} />}
        </div>
      )}
      <div className="call-controls" role="toolbar" aria-label={t('call.controls')}>
        <TrackToggle source={Track.Source.Microphone} className="call-btn">
          <span className="call-btn-label">{t('call.microphone')}</span>
        </TrackToggle>
        {audioOnly ? (
          <button type="button" className="call-btn lk-button" onClick={() => onAudioOnlyChange(false)}>
            <span className="call-btn-label">{t('call.showVideo')}</span>
          </button>
        ) : (
          <TrackToggle source={Track.Source.Camera} className="call-btn">
            <span className="call-btn-label">{t('call.camera')}</span>
          </TrackToggle>
        )}
        {canShareScreen && typeof navigator.mediaDevices?.getDisplayMedia === 'function' && (
          <TrackToggle source={Track.Source.ScreenShare} className="call-btn call-btn-wide-only" captureOptions={{ audio: false }}>
            <span className="call-btn-label">{t('call.shareScreen')}</span>
          </TrackToggle>
        )}
        <button
          type="button"
          className="call-btn lk-button"
          aria-expanded={showDevices}
          aria-controls={showDevices ? panelId : undefined}
          onClick={() => setShowDevices((v) => !v)}
        >
          <span aria-hidden="true">⚙</span>
          <span className="call-btn-label">{t('call.devices')}</span>
        </button>
        <button type="button" className="call-btn call-btn-leave lk-button" onClick={onLeave}>
          <span className="call-btn-label">{leaveLabel}</span>
        </button>
      </div>
    </div>
  );
}
