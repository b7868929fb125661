import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LocalVideoPreview } from './local-video-preview';
import './i18n/register';
import '@livekit/components-styles';
import './video-visit.css';
import { MicLevel } from './mic-level';
import { detectPlatform } from './platform';
import { playTestSound } from './test-sound';
import type { DeviceProblem, LocalMedia, MediaChoices } from './use-local-media';

function DeviceSelect({
  label,
  devices,
  value,
  fallbackName,
  onChange,
}: {
  label: string;
  devices: MediaDeviceInfo[];
  value: string | undefined;
  fallbackName: (n: number) => string;
  onChange: (deviceId: string) => void;
}) {
  const id = useId();
  if (devices.length === 0) return null;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? devices[0]?.deviceId ?? ''} onChange={(e) => onChange(e.target.value)}>
        {devices.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || fallbackName(i + 1)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** What went wrong with one device, and the steps that fix it on this kind of phone or computer. */
function DeviceHelp({
  device,
  problem,
  onRetry,
}: {
  device: 'camera' | 'microphone' | 'both';
  problem: DeviceProblem;
  onRetry: () => void;
}) {
  const { t } = useTranslation('video');
  const platform = detectPlatform();
  const key =
    problem === 'PermissionDenied' ? 'denied' : problem === 'NotFound' ? 'notFound' : problem === 'DeviceInUse' ? 'inUse' : 'other';
  const steps = t(`help.${platform}.${key}`, { returnObjects: true, device: t(`device.${device}Word`) }) as unknown;
  return (
    <div className="alert alert-warn device-help" role="alert">
      <p>
        <strong>{t(`problem.${device}.${key}`)}</strong>
      </p>
      {Array.isArray(steps) && (
        <ol>
          {(steps as string[]).map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ol>
      )}
      <button type="button" className="btn btn-small" onClick={onRetry}>
        {t('device.tryAgain')}
      </button>
    </div>
  );
}

// On this device (not per tab): the camera and microphone worked here before. A flag, nothing else.
const CHECKED_KEY = 'alcove.devices-checked';

function checkedBefore(): boolean {
  try {
    return localStorage.getItem(CHECKED_KEY) === '1';
  } catch {
    return false;
  }
}

function rememberChecked(ok: boolean): void {
  try {
    if (ok) localStorage.setItem(CHECKED_KEY, '1');
    else localStorage.removeItem(CHECKED_KEY);
  } catch {
    /* private mode: the full check shows next time */
  }
}

/** Everything the patient chose works right now: the microphone, and the camera unless it is off. */
function devicesWork(media: LocalMedia, cameraOn: boolean): boolean {
  if (media.status !== 'ready' || media.audioProblem || !media.audioTrack) return false;
  return !cameraOn || (!media.videoProblem && media.videoTrack !== null);
}

/**
 * The device check: a live camera preview, a microphone level meter, device choices, and plain
 * help when the browser refuses the camera or microphone. The patient can always go on, with the
 * camera off or by audio only. When the devices already worked on this device and work now, it is
 * one tap ("Looks good"), with the choices one more tap away.
 */
export function DeviceCheck({ media, onContinue, busy = false }: { media: LocalMedia; onContinue: () => void; busy?: boolean }) {
  const { t } = useTranslation('video');
  const [soundError, setSoundError] = useState(false);
  const [showChoices, setShowChoices] = useState(() => !checkedBefore());
  const { request, status } = media;

  useEffect(() => {
    if (status === 'idle') void request();
  }, [request, status]);

  // The choices as this screen shows them. `media` reaches this component a render later than the
  // tap that changed it (through the page that hosts the media code), so a tap updates this copy at
  // once — otherwise the radio springs back until then, and on a busy phone that is a visible while.
  const [tapped, setTapped] = useState<{ over: MediaChoices; change: Partial<MediaChoices> } | null>(null);
  const choices = tapped && tapped.over === media.choices ? { ...media.choices, ...tapped.change } : media.choices;
  const choose = (change: Partial<MediaChoices>) =>
    setTapped({ over: media.choices, change: { ...(tapped?.over === media.choices ? tapped.change : {}), ...change } });
  const cameraOn = choices.cameraEnabled && !choices.audioOnly;
  const requesting = media.status !== 'ready';
  const working = devicesWork(media, cameraOn);
  const quick = !showChoices && working;

  function handleContinue() {
    rememberChecked(working);
    onContinue();
  }

  if (!showChoices && (requesting || working)) {
    return (
      <section className="device-check device-check-quick" aria-labelledby="device-check-title">
        <h1 id="device-check-title">{t('device.title')}</h1>
        <p className="muted">{quick ? t('device.quickIntro') : t('device.requesting')}</p>
        <div className="device-preview device-preview-quick">
          {media.videoTrack && cameraOn ? (
            <LocalVideoPreview track={media.videoTrack} label={t('device.previewLabel')} />
          ) : (
            <div className="preview-off" data-testid="camera-off">
              <span>{choices.audioOnly ? t('device.audioOnlyOn') : t('device.cameraIsOff')}</span>
            </div>
          )}
        </div>
        {media.audioTrack && <MicLevel track={media.audioTrack} />}
        <button type="button" className="btn btn-primary btn-block device-looks-good" onClick={handleContinue} disabled={busy || !quick}>
          {t('device.looksGood')}
        </button>
        <button type="button" className="btn btn-quiet btn-block device-change" onClick={() => setShowChoices(true)}>
          {t('device.change')}
        </button>
      </section>
    );
  }

  async function handleTestSound() {
    setSoundError(false);
    try {
      await playTestSound(choices.audioOutputId);
    } catch {
      setSoundError(true);
    }
  }

  return (
    <section className="device-check" aria-labelledby="device-check-title">
      <h1 id="device-check-title">{t('device.title')}</h1>
      <p className="muted">{t('device.intro')}</p>
      {/* Always there (empty once answered), so nothing below it moves when the browser answers. */}
      <p role="status" className="muted device-status">
        {requesting ? t('device.requesting') : ''}
      </p>
      <div className="device-check-grid">
        <div className="device-preview">
          {media.videoTrack && cameraOn ? (
            <LocalVideoPreview track={media.videoTrack} label={t('device.previewLabel')} />
          ) : (
            <div className="preview-off" data-testid="camera-off">
              <span aria-hidden="true" className="preview-off-icon">
                ◌
              </span>
              <span>{choices.audioOnly ? t('device.audioOnlyOn') : t('device.cameraIsOff')}</span>
            </div>
          )}
        </div>
        <div className="device-controls">
          {/* The choice comes first: what the browser reports later appears below it, so it never moves under the thumb. */}
          <fieldset className="device-mode">
            <legend>{t('device.howToJoin')}</legend>
            <label className="choice">
              <input
                type="radio"
                name="join-mode"
                checked={cameraOn}
                onChange={() => {
                  choose({ cameraEnabled: true, audioOnly: false });
                  void media.setCameraEnabled(true);
                }}
              />
              {t('device.modeVideo')}
            </label>
            <label className="choice">
              <input
                type="radio"
                name="join-mode"
                checked={!cameraOn && !choices.audioOnly}
                onChange={() => {
                  choose({ cameraEnabled: false, audioOnly: false });
                  void media.setCameraEnabled(false);
                }}
              />
              {t('device.modeCameraOff')}
            </label>
            <label className="choice">
              <input
                type="radio"
                name="join-mode"
                checked={choices.audioOnly}
                onChange={() => {
                  choose({ audioOnly: true, cameraEnabled: false });
                  void media.setAudioOnly(true);
                }}
              />
              {t('device.modeAudioOnly')}
            </label>
          </fieldset>
          {/* Both refused the same way: one box, so the same steps are not read twice. */}
          {cameraOn && media.videoProblem && media.videoProblem === media.audioProblem ? (
            <DeviceHelp device="both" problem={media.videoProblem} onRetry={() => void request()} />
          ) : (
            <>
              {media.videoProblem && cameraOn && <DeviceHelp device="camera" problem={media.videoProblem} onRetry={() => void request()} />}
              {media.audioProblem && <DeviceHelp device="microphone" problem={media.audioProblem} onRetry={() => void request()} />}
            </>
          )}

          {media.audioTrack && <MicLevel track={media.audioTrack} />}

          {cameraOn && (
            <DeviceSelect
              label={t('device.camera')}
              devices={media.devices.videoinput}
              value={choices.videoDeviceId}
              fallbackName={(n) => t('device.cameraN', { n })}
              onChange={(id) => {
                choose({ videoDeviceId: id });
                void media.selectCamera(id);
              }}
            />
          )}
          <DeviceSelect
            label={t('device.microphone')}
            devices={media.devices.audioinput}
            value={choices.audioDeviceId}
            fallbackName={(n) => t('device.microphoneN', { n })}
            onChange={(id) => {
              choose({ audioDeviceId: id });
              void media.selectMicrophone(id);
            }}
          />
          {media.canChooseSpeaker && (
            <DeviceSelect
              label={t('device.speaker')}
              devices={media.devices.audiooutput}
              value={choices.audioOutputId}
              fallbackName={(n) => t('device.speakerN', { n })}
              onChange={(id) => {
                choose({ audioOutputId: id });
                media.selectSpeaker(id);
              }}
            />
          )}
          <p>
            <button type="button" className="btn" onClick={() => void handleTestSound()}>
              {t('device.testSound')}
            </button>
          </p>
          {soundError && (
            <p className="field-error" role="alert">
              {t('device.testSoundFailed')}
            </p>
          )}

          <button type="button" className="btn btn-primary btn-block device-continue" onClick={handleContinue} disabled={busy}>
            {t('device.continue')}
          </button>
        </div>
      </div>
    </section>
  );
}
