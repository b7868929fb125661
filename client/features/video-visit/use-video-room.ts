import { useCallback, useEffect, useRef, useState } from 'react';
import {
  ConnectionError,
  ConnectionErrorReason,
  DisconnectReason,
  ExternalE2EEKeyProvider,
  isE2EESupported,
  LogLevel,
  Room,
  RoomEvent,
  Track,
  type LocalTrack,
  type ReconnectPolicy,
  type RemoteTrackPublication,
  type RoomOptions,
  setLogLevel,
} from 'livekit-client';
import type { VideoTokenResponse } from '@shared/api/waiting-room.schema';
import { api, ApiError } from '../../lib/api';
import type { MediaChoices } from './use-local-media';

/** Where the call is, from the viewer's side. */
export type CallStatus =
  | { kind: 'fetching' }
  /** LiveKit (or our token route) cannot be reached; another attempt is scheduled. */
  | { kind: 'unavailable'; retryAt: number }
  /** End-to-end encryption is required and this browser cannot do it. */
  | { kind: 'unsupported' }
  | { kind: 'not_admitted' }
  | { kind: 'connecting' }
  | { kind: 'connected' }
  | { kind: 'reconnecting' }
  /** The connection dropped for good (not a removal): the viewer may rejoin with a fresh token. */
  | { kind: 'disconnected'; why: 'network' | 'duplicate' | 'failed' }
  /** Removed, or the visit ended: never rejoin automatically. */
  | { kind: 'ended' }
  | { kind: 'error' };

/** 'on' = end-to-end encrypted; 'off_browser' = allowed without it because the browser cannot. */
export type EncryptionState = 'pending' | 'on' | 'off_browser' | 'off_clinic';

export interface LocalMediaInput {
  videoTrack: LocalTrack | null;
  audioTrack: LocalTrack | null;
  choices: MediaChoices;
}

export interface VideoRoomOptions {
  visitId: string;
  /** Preview tracks and choices from the device check; without them the call asks for devices itself. */
  media?: LocalMediaInput | null;
  onEnded?: () => void;
  onNotAdmitted?: () => void;
}

export interface VideoRoom {
  status: CallStatus;
  room: Room | null;
  encryption: EncryptionState;
  /** A device could not be started in the call (the call goes on without it). */
  deviceWarning: 'camera' | 'microphone' | null;
  /** Some media could not be decrypted (usually transient). */
  encryptionWarning: boolean;
  audioOnly: boolean;
  setAudioOnly(audioOnly: boolean): void;
  /** Connects again with a fresh token (after a drop, or to skip the retry wait). */
  rejoin(): void;
  /** Disconnects on purpose (the viewer left). */
  leave(): Promise<void>;
}

// The SDK's info logs are for its developers; keep the console to warnings and errors.
setLogLevel(LogLevel.warn);

// Longer than the SDK's ~44 s default: patients on cellular networks often drop for a minute.
const RECONNECT_WINDOW_MS = 120_000;
const reconnectPolicy: ReconnectPolicy = {
  nextRetryDelayInMs: (ctx) => {
    if (ctx.elapsedMs > RECONNECT_WINDOW_MS) return null;
    const quick = [0, 300, 1200, 2700, 4800];
    return quick[ctx.retryCount] ?? 6000;
  },
};

const RETRY_DELAYS_MS = [2000, 4000, 8000, 15000, 30000];

function isLive(track: LocalTrack | null | undefined): track is LocalTrack {
  return !!track && track.mediaStreamTrack.readyState === 'live';
}

function isUnreachable(err: unknown): boolean {
  if (err instanceof ConnectionError) {
    return [
      ConnectionErrorReason.ServerUnreachable,
      ConnectionErrorReason.WebSocket,
      ConnectionErrorReason.Timeout,
      ConnectionErrorReason.InternalError,
      ConnectionErrorReason.ServiceNotFound,
    ].includes(err.reason);
  }
  return false;
}

/**
 * One LiveKit visit call: fetches a short-lived token (only issued after admission), sets up
 * end-to-end encryption with the per-visit key, connects, publishes the device-check tracks, and
 * follows reconnects and disconnect reasons. Removal and "visit ended" never lead to a rejoin.
 */
export function useVideoRoom({ visitId, media, onEnded, onNotAdmitted }: VideoRoomOptions): VideoRoom {
  const [status, setStatus] = useState<CallStatus>({ kind: 'fetching' });
  const [room, setRoom] = useState<Room | null>(null);
  const [encryption, setEncryption] = useState<EncryptionState>('pending');
  const [deviceWarning, setDeviceWarning] = useState<VideoRoom['deviceWarning']>(null);
  const [encryptionWarning, setEncryptionWarning] = useState(false);
  const [audioOnly, setAudioOnlyState] = useState(media?.choices.audioOnly ?? false);
  const [attempt, setAttempt] = useState(0);

  // Read inside the connect effect without re-running it when the parent re-renders.
  const mediaRef = useRef(media);
  const callbacks = useRef({ onEnded, onNotAdmitted });
  const audioOnlyRef = useRef(audioOnly);
  const failures = useRef(0);
  const endedRef = useRef(false);
  useEffect(() => {
    mediaRef.current = media;
    callbacks.current = { onEnded, onNotAdmitted };
  });

  useEffect(() => {
    if (endedRef.current) return;
    let cancelled = false;
    let current: Room | null = null;
    let worker: Worker | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;

    const scheduleRetry = () => {
      const delay = RETRY_DELAYS_MS[Math.min(failures.current, RETRY_DELAYS_MS.length - 1)] ?? 30000;
      failures.current += 1;
      setStatus({ kind: 'unavailable', retryAt: Date.now() + delay });
      retryTimer = setTimeout(() => setAttempt((a) => a + 1), delay);
    };

    const markEnded = () => {
      endedRef.current = true;
      setStatus({ kind: 'ended' });
      callbacks.current.onEnded?.();
    };

    async function start() {
      setStatus({ kind: 'fetching' });
      let token: VideoTokenResponse;
      try {
        token = await api<VideoTokenResponse>('POST', `/api/visits/${visitId}/video-token`);
      } catch (err) {
        if (cancelled) return;
        if (err instanceof ApiError && (err.code === 'video_unavailable' || err.status === 503 || err.status === 0)) scheduleRetry();
        else if (err instanceof ApiError && err.code === 'not_admitted') {
          setStatus({ kind: 'not_admitted' });
          callbacks.current.onNotAdmitted?.();
        } else if (err instanceof ApiError && (err.status === 410 || err.code === 'visit_cancelled')) markEnded();
        else setStatus({ kind: 'error' });
        return;
      }
      if (cancelled) return;

      let keyProvider: ExternalE2EEKeyProvider | null = null;
      if (token.e2eeKey) {
        if (isE2EESupported()) {
          keyProvider = new ExternalE2EEKeyProvider();
          await keyProvider.setKey(token.e2eeKey);
          // Must stay in app code (not a dependency) so Vite emits the worker as its own file.
          worker = new Worker(new URL('livekit-client/e2ee-worker', import.meta.url), { type: 'module' });
          setEncryption('on');
        } else if (token.e2eeRequired) {
          setStatus({ kind: 'unsupported' });
          return;
        } else {
          setEncryption('off_browser');
        }
      } else {
        setEncryption('off_clinic');
      }
      if (cancelled) {
        worker?.terminate();
        return;
      }

      const choices = mediaRef.current?.choices;
      const options: RoomOptions = {
        dynacast: true,
        adaptiveStream: true,
        // RED and SVC codecs do not survive frame encryption; VP8 does everywhere.
        publishDefaults: { red: false, videoCodec: 'vp8' },
        reconnectPolicy,
        videoCaptureDefaults: choices?.videoDeviceId ? { deviceId: choices.videoDeviceId } : { facingMode: 'user' },
        audioCaptureDefaults: choices?.audioDeviceId ? { deviceId: choices.audioDeviceId } : {},
        ...(choices?.audioOutputId ? { audioOutput: { deviceId: choices.audioOutputId } } : {}),
        ...(keyProvider && worker ? { encryption: { keyProvider, worker } } : {}),
      };
      const r = new Room(options);
      current = r;
      if (keyProvider) await r.setE2EEEnabled(true);

      r.on(RoomEvent.Reconnecting, () => setStatus({ kind: 'reconnecting' }))
        .on(RoomEvent.Reconnected, () => setStatus({ kind: 'connected' }))
        .on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
          if (cancelled) return;
          if (
            reason === DisconnectReason.PARTICIPANT_REMOVED ||
            reason === DisconnectReason.ROOM_DELETED ||
            reason === DisconnectReason.ROOM_CLOSED
          ) {
            markEnded();
          } else if (reason === DisconnectReason.CLIENT_INITIATED) {
            // Our own leave(); the caller decides what to show.
          } else if (reason === DisconnectReason.DUPLICATE_IDENTITY) {
            setStatus({ kind: 'disconnected', why: 'duplicate' });
          } else {
            setStatus({ kind: 'disconnected', why: 'network' });
          }
        })
        .on(RoomEvent.MediaDevicesError, (_e: Error, kind?: MediaDeviceKind) => {
          setDeviceWarning(kind === 'videoinput' ? 'camera' : 'microphone');
        })
        .on(RoomEvent.EncryptionError, () => setEncryptionWarning(true))
        .on(RoomEvent.TrackSubscribed, (track, publication: RemoteTrackPublication) => {
          // Audio only: stop downloading other people's video at once.
          if (audioOnlyRef.current && track.kind === Track.Kind.Video && publication.source === Track.Source.Camera)
            publication.setSubscribed(false);
        });

      setRoom(r);
      setStatus({ kind: 'connecting' });
      try {
        await r.connect(token.serverUrl, token.token);
      } catch (err) {
        if (cancelled) return;
        if (err instanceof ConnectionError && err.reason === ConnectionErrorReason.LeaveRequest) {
          const reason = err.context as DisconnectReason;
          if (reason === DisconnectReason.PARTICIPANT_REMOVED || reason === DisconnectReason.ROOM_DELETED) return markEnded();
        }
        if (err instanceof ConnectionError && err.reason === ConnectionErrorReason.Cancelled) return;
        setRoom(null);
        if (isUnreachable(err)) scheduleRetry();
        else setStatus({ kind: 'disconnected', why: 'failed' });
        return;
      }
      if (cancelled) return;
      failures.current = 0;
      setStatus({ kind: 'connected' });
      await publishLocalMedia(r);
    }

    async function publishLocalMedia(r: Room) {
      const m = mediaRef.current;
      const lp = r.localParticipant;
      try {
        if (isLive(m?.audioTrack)) await lp.publishTrack(m.audioTrack, { source: Track.Source.Microphone });
        else await lp.setMicrophoneEnabled(true);
      } catch {
        if (!cancelled) setDeviceWarning('microphone');
      }
      const wantCamera = (m?.choices.cameraEnabled ?? true) && !audioOnlyRef.current;
      if (!wantCamera) return;
      try {
        if (isLive(m?.videoTrack)) await lp.publishTrack(m.videoTrack, { source: Track.Source.Camera });
        else await lp.setCameraEnabled(true);
      } catch {
        if (!cancelled) setDeviceWarning('camera');
      }
    }

    void start();
    return () => {
      cancelled = true;
      clearTimeout(retryTimer);
      if (current) {
        const r = current;
        // Stop what the call started itself; preview tracks stay with their owner (useLocalMedia).
        const m = mediaRef.current;
        const started = [...r.localParticipant.trackPublications.values()]
          .map((pub) => pub.track)
          .filter((t) => t !== undefined && t !== m?.videoTrack && t !== m?.audioTrack);
        void r.disconnect(false).then(() => started.forEach((t) => t?.stop()));
      }
      worker?.terminate();
    };
  }, [visitId, attempt]);

  const rejoin = useCallback(() => {
    if (endedRef.current) return;
    setRoom(null);
    setAttempt((a) => a + 1);
  }, []);

  const leave = useCallback(async () => {
    await room?.disconnect(true);
  }, [room]);

  const setAudioOnly = useCallback(
    (value: boolean) => {
      audioOnlyRef.current = value;
      setAudioOnlyState(value);
      if (!room) return;
      for (const p of room.remoteParticipants.values()) {
        const pub = p.getTrackPublication(Track.Source.Camera);
        pub?.setSubscribed(!value);
      }
      if (value) void room.localParticipant.setCameraEnabled(false);
    },
    [room],
  );

  return { status, room, encryption, deviceWarning, encryptionWarning, audioOnly, setAudioOnly, rejoin, leave };
}
