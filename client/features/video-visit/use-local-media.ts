import { useCallback, useEffect, useRef, useState } from 'react';
import {
  createLocalAudioTrack,
  createLocalTracks,
  createLocalVideoTrack,
  MediaDeviceFailure,
  Room,
  Track,
  VideoPresets,
  supportsAudioOutputSelection,
  type LocalAudioTrack,
  type LocalTrack,
  type LocalVideoTrack,
} from 'livekit-client';

export type DeviceProblem = 'PermissionDenied' | 'NotFound' | 'DeviceInUse' | 'Other';

export interface DeviceLists {
  videoinput: MediaDeviceInfo[];
  audioinput: MediaDeviceInfo[];
  audiooutput: MediaDeviceInfo[];
}

/** What the patient chose in the device check; the call starts with exactly this. */
export interface MediaChoices {
  videoDeviceId?: string;
  audioDeviceId?: string;
  audioOutputId?: string;
  cameraEnabled: boolean;
  /** No camera at all, and other people's video is not downloaded (saves data on weak connections). */
  audioOnly: boolean;
}

export interface LocalMedia {
  status: 'idle' | 'requesting' | 'ready';
  videoTrack: LocalVideoTrack | null;
  audioTrack: LocalAudioTrack | null;
  videoProblem: DeviceProblem | null;
  audioProblem: DeviceProblem | null;
  devices: DeviceLists;
  canChooseSpeaker: boolean;
  choices: MediaChoices;
  /** Asks for the camera and microphone (one prompt); safe to call again after fixing permissions. */
  request(): Promise<void>;
  selectCamera(deviceId: string): Promise<void>;
  selectMicrophone(deviceId: string): Promise<void>;
  selectSpeaker(deviceId: string): void;
  setCameraEnabled(enabled: boolean): Promise<void>;
  setAudioOnly(audioOnly: boolean): Promise<void>;
  /** Stops every preview track (camera light off). */
  release(): void;
}

const EMPTY_DEVICES: DeviceLists = { videoinput: [], audioinput: [], audiooutput: [] };

// Per tab, so a reload keeps "camera off" or "audio only" and the chosen devices (device ids only).
const CHOICES_KEY = 'alcove.media-choices';

function savedChoices(): MediaChoices {
  try {
    const saved = JSON.parse(sessionStorage.getItem(CHOICES_KEY) ?? 'null') as Partial<MediaChoices> | null;
    if (saved && typeof saved === 'object') {
      return {
        cameraEnabled: saved.cameraEnabled !== false,
        audioOnly: saved.audioOnly === true,
        ...(typeof saved.videoDeviceId === 'string' ? { videoDeviceId: saved.videoDeviceId } : {}),
        ...(typeof saved.audioDeviceId === 'string' ? { audioDeviceId: saved.audioDeviceId } : {}),
        ...(typeof saved.audioOutputId === 'string' ? { audioOutputId: saved.audioOutputId } : {}),
      };
    }
  } catch {
    /* unreadable: start fresh */
  }
  return { cameraEnabled: true, audioOnly: false };
}

function problemOf(err: unknown): DeviceProblem {
  return MediaDeviceFailure.getFailure(err) ?? 'Other';
}

function isLive(track: LocalTrack | null): boolean {
  return track !== null && track.mediaStreamTrack.readyState === 'live';
}

/**
 * Owns the preview camera and microphone tracks from the device check until the call publishes
 * them, so a phone is asked for the camera once (iOS may refuse a second capture right after the
 * first). Mount it above both the device check and the call.
 */
export function useLocalMedia(): LocalMedia {
  const [status, setStatus] = useState<LocalMedia['status']>('idle');
  const [videoTrack, setVideoTrack] = useState<LocalVideoTrack | null>(null);
  const [audioTrack, setAudioTrack] = useState<LocalAudioTrack | null>(null);
  const [videoProblem, setVideoProblem] = useState<DeviceProblem | null>(null);
  const [audioProblem, setAudioProblem] = useState<DeviceProblem | null>(null);
  const [devices, setDevices] = useState<DeviceLists>(EMPTY_DEVICES);
  const [choices, setChoices] = useState<MediaChoices>(savedChoices);
  const tracks = useRef<{ video: LocalVideoTrack | null; audio: LocalAudioTrack | null }>({ video: null, audio: null });
  const choicesRef = useRef(choices);
  // The ref is the source of truth inside async callbacks; state mirrors it for rendering.
  const updateChoices = useCallback((change: Partial<MediaChoices>) => {
    choicesRef.current = { ...choicesRef.current, ...change };
    sessionStorage.setItem(CHOICES_KEY, JSON.stringify(choicesRef.current));
    setChoices(choicesRef.current);
  }, []);
  const busy = useRef(false);

  const refreshDevices = useCallback(async () => {
    try {
      const [videoinput, audioinput, audiooutput] = await Promise.all([
        Room.getLocalDevices('videoinput', false),
        Room.getLocalDevices('audioinput', false),
        supportsAudioOutputSelection() ? Room.getLocalDevices('audiooutput', false) : Promise.resolve([]),
      ]);
      setDevices({ videoinput, audioinput, audiooutput });
    } catch {
      setDevices(EMPTY_DEVICES);
    }
  }, []);

  const keepVideo = useCallback((track: LocalVideoTrack | null) => {
    tracks.current.video = track;
    setVideoTrack(track);
  }, []);
  const keepAudio = useCallback((track: LocalAudioTrack | null) => {
    tracks.current.audio = track;
    setAudioTrack(track);
  }, []);

  const videoOptions = useCallback(
    (deviceId = choicesRef.current.videoDeviceId) => ({
      resolution: VideoPresets.h720.resolution,
      ...(deviceId ? { deviceId } : { facingMode: 'user' as const }),
    }),
    [],
  );
  const audioOptions = useCallback(
    (deviceId = choicesRef.current.audioDeviceId) => ({
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
      ...(deviceId ? { deviceId } : {}),
    }),
    [],
  );

  // The patient may turn the camera off while the browser is still asking: a camera that arrives
  // after that is stopped at once (its light goes off), not kept.
  const keepVideoIfWanted = useCallback(
    (track: LocalVideoTrack) => {
      if (choicesRef.current.cameraEnabled && !choicesRef.current.audioOnly) keepVideo(track);
      else track.stop();
    },
    [keepVideo],
  );

  const request = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    setStatus('requesting');
    const wantVideo = choicesRef.current.cameraEnabled && !choicesRef.current.audioOnly && !isLive(tracks.current.video);
    const wantAudio = !isLive(tracks.current.audio);
    try {
      if (wantVideo && wantAudio) {
        try {
          // One call, one permission prompt for both devices.
          const created = await createLocalTracks({ video: videoOptions(), audio: audioOptions() });
          for (const t of created) {
            if (t.kind === Track.Kind.Video) keepVideoIfWanted(t as LocalVideoTrack);
            else keepAudio(t as LocalAudioTrack);
          }
          setVideoProblem(null);
          setAudioProblem(null);
          return;
        } catch {
          // Fall through: try each device alone to learn which one is the problem.
        }
      }
      if (wantVideo) {
        try {
          keepVideoIfWanted(await createLocalVideoTrack(videoOptions()));
          setVideoProblem(null);
        } catch (err) {
          setVideoProblem(problemOf(err));
        }
      }
      if (wantAudio) {
        try {
          keepAudio(await createLocalAudioTrack(audioOptions()));
          setAudioProblem(null);
        } catch (err) {
          setAudioProblem(problemOf(err));
        }
      }
    } finally {
      busy.current = false;
      setStatus('ready');
      await refreshDevices();
    }
  }, [audioOptions, keepAudio, keepVideoIfWanted, refreshDevices, videoOptions]);

  const selectCamera = useCallback(
    async (deviceId: string) => {
      updateChoices({ videoDeviceId: deviceId });
      const track = tracks.current.video;
      if (track && isLive(track)) {
        await track.setDeviceId({ exact: deviceId });
      }
    },
    [updateChoices],
  );

  const selectMicrophone = useCallback(
    async (deviceId: string) => {
      updateChoices({ audioDeviceId: deviceId });
      const track = tracks.current.audio;
      if (track && isLive(track)) await track.setDeviceId({ exact: deviceId });
    },
    [updateChoices],
  );

  const selectSpeaker = useCallback((deviceId: string) => updateChoices({ audioOutputId: deviceId }), [updateChoices]);

  const setCameraEnabled = useCallback(
    async (enabled: boolean) => {
      // Either way the patient leaves audio-only: "camera off" still receives video.
      updateChoices({ cameraEnabled: enabled, audioOnly: false });
      if (!enabled) {
        // Release the camera for real: the light goes off while the patient is not on video.
        tracks.current.video?.stop();
        keepVideo(null);
        return;
      }
      if (!isLive(tracks.current.video)) {
        try {
          keepVideo(await createLocalVideoTrack(videoOptions()));
          setVideoProblem(null);
        } catch (err) {
          setVideoProblem(problemOf(err));
        }
        await refreshDevices();
      }
    },
    [keepVideo, refreshDevices, updateChoices, videoOptions],
  );

  const setAudioOnly = useCallback(
    async (audioOnly: boolean) => {
      if (audioOnly) {
        updateChoices({ audioOnly: true, cameraEnabled: false });
        tracks.current.video?.stop();
        keepVideo(null);
      } else {
        await setCameraEnabled(true);
      }
    },
    [keepVideo, setCameraEnabled, updateChoices],
  );

  const release = useCallback(() => {
    tracks.current.video?.stop();
    tracks.current.audio?.stop();
    keepVideo(null);
    keepAudio(null);
    setStatus('idle');
  }, [keepAudio, keepVideo]);

  // Devices plugged in or out while the page is open show up in the lists at once.
  useEffect(() => {
    const md = navigator.mediaDevices;
    if (!md) return;
    const handler = () => void refreshDevices();
    md.addEventListener('devicechange', handler);
    return () => md.removeEventListener('devicechange', handler);
  }, [refreshDevices]);

  // Leaving the page never leaves the camera on.
  useEffect(() => {
    const current = tracks.current;
    return () => {
      current.video?.stop();
      current.audio?.stop();
    };
  }, []);

  return {
    status,
    videoTrack,
    audioTrack,
    videoProblem,
    audioProblem,
    devices,
    canChooseSpeaker: supportsAudioOutputSelection(),
    choices,
    request,
    selectCamera,
    selectMicrophone,
    selectSpeaker,
    setCameraEnabled,
    setAudioOnly,
    release,
  };
}
