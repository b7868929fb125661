import { useEffect, useRef, useState } from 'react';
import {
  ConnectionError,
  ConnectionErrorReason,
  DisconnectReason,
  type LocalTrack,
  type ReconnectPolicy,
  Room,
  type RoomOptions,
  Track,
} from 'livekit-client';
import { followRoomEvents, type RoomEventHandlers } from './room-events';
import type { E2EESetup } from './use-e2ee-setup';
import type { MediaChoices } from './use-local-media';

export interface LocalMediaInput {
  videoTrack: LocalTrack | null;
  audioTrack: LocalTrack | null;
  choices: MediaChoices;
  /** With these, a call reloaded into asks for the camera again, so the self-view comes back. */
  status?: 'idle' | 'requesting' | 'ready';
  request?: () => Promise<void>;
}

export interface RoomConnectionHandlers extends RoomEventHandlers {
  onConnecting(): void;
  onConnected(): void;
  /** LiveKit cannot be reached; worth another attempt later. */
  onUnreachable(): void;
  /** The connection was refused for another reason. */
  onFailed(): void;
}

// Longer than the SDK's ~44 s default: patients on cellular networks often drop for a minute.
const RECONNECT_WINDOW_MS = 120_000;
const reconnectPolicy: ReconnectPolicy = {
  nextRetryDelayInMs: (ctx) => {
    if (ctx.elapsedMs > RECONNECT_WINDOW_MS) return null;
    const quick = [0, 300, 1200, 2700, 4800];
    return quick[ctx.retryCount] ?? 6000;
  },
};

const UNREACHABLE = [
  ConnectionErrorReason.ServerUnreachable,
  ConnectionErrorReason.WebSocket,
  ConnectionErrorReason.Timeout,
  ConnectionErrorReason.InternalError,
  ConnectionErrorReason.ServiceNotFound,
];

function isLive(track: LocalTrack | null | undefined): track is LocalTrack {
  return !!track && track.mediaStreamTrack.readyState === 'live';
}

function roomOptions(setup: Extract<E2EESetup, { kind: 'ready' }>, choices: MediaChoices | undefined): RoomOptions {
  return {
    dynacast: true,
    adaptiveStream: true,
    // RED and SVC codecs do not survive frame encryption; VP8 does everywhere.
    publishDefaults: { red: false, videoCodec: 'vp8' },
    reconnectPolicy,
    videoCaptureDefaults: choices?.videoDeviceId ? { deviceId: choices.videoDeviceId } : { facingMode: 'user' },
    audioCaptureDefaults: choices?.audioDeviceId ? { deviceId: choices.audioDeviceId } : {},
    ...(choices?.audioOutputId ? { audioOutput: { deviceId: choices.audioOutputId } } : {}),
    ...(setup.options ? { encryption: setup.options } : {}),
  };
}

/**
 * Connects one LiveKit room for a prepared token and publishes the device-check tracks (or asks
 * for devices itself). On cleanup it disconnects and stops only the tracks the call started; the
 * preview tracks stay with their owner (useLocalMedia).
 */
export function useRoomConnection(
  setup: E2EESetup,
  media: LocalMediaInput | null | undefined,
  handlers: RoomConnectionHandlers,
): Room | null {
  // The room of the current token only: a replaced token's room is never handed out.
  const [current, setCurrent] = useState<{ setup: E2EESetup; room: Room | null } | null>(null);
  // Read inside the connect effect without re-running it when the parent re-renders.
  const mediaRef = useRef(media);
  const handlersRef = useRef(handlers);
  useEffect(() => {
    mediaRef.current = media;
    handlersRef.current = handlers;
  });

  const ready = setup.kind === 'ready' ? setup : null;
  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    // Every report goes to the latest handlers, and none after cleanup.
    const h: RoomConnectionHandlers = {
      onConnecting: () => !cancelled && handlersRef.current.onConnecting(),
      onConnected: () => !cancelled && handlersRef.current.onConnected(),
      onUnreachable: () => !cancelled && handlersRef.current.onUnreachable(),
      onFailed: () => !cancelled && handlersRef.current.onFailed(),
      onReconnecting: () => !cancelled && handlersRef.current.onReconnecting(),
      onReconnected: () => !cancelled && handlersRef.current.onReconnected(),
      onEnded: () => !cancelled && handlersRef.current.onEnded(),
      onDropped: (why) => !cancelled && handlersRef.current.onDropped(why),
      onDeviceError: (device) => !cancelled && handlersRef.current.onDeviceError(device),
      onEncryptionError: () => !cancelled && handlersRef.current.onEncryptionError(),
      isAudioOnly: () => handlersRef.current.isAudioOnly(),
    };
    const r = new Room(roomOptions(ready, mediaRef.current?.choices));
    const stopFollowing = followRoomEvents(r, h);

    async function publishLocalMedia() {
      const m = mediaRef.current;
      const lp = r.localParticipant;
      try {
        if (isLive(m?.audioTrack)) await lp.publishTrack(m.audioTrack, { source: Track.Source.Microphone });
        else await lp.setMicrophoneEnabled(true);
      } catch {
        h.onDeviceError('microphone');
      }
      const wantCamera = (m?.choices.cameraEnabled ?? true) && !h.isAudioOnly();
      if (!wantCamera) return;
      try {
        if (isLive(m?.videoTrack)) await lp.publishTrack(m.videoTrack, { source: Track.Source.Camera });
        else await lp.setCameraEnabled(true);
      } catch {
        h.onDeviceError('camera');
      }
    }

    async function connect(prepared: Extract<E2EESetup, { kind: 'ready' }>) {
      if (prepared.options) await r.setE2EEEnabled(true);
      if (cancelled) return;
      setCurrent({ setup: prepared, room: r });
      h.onConnecting();
      try {
        await r.connect(prepared.token.serverUrl, prepared.token.token);
      } catch (err) {
        if (cancelled) return;
        if (err instanceof ConnectionError && err.reason === ConnectionErrorReason.LeaveRequest) {
          const reason = err.context as DisconnectReason;
          if (reason === DisconnectReason.PARTICIPANT_REMOVED || reason === DisconnectReason.ROOM_DELETED) return h.onEnded();
        }
        if (err instanceof ConnectionError && err.reason === ConnectionErrorReason.Cancelled) return;
        setCurrent({ setup: prepared, room: null });
        if (err instanceof ConnectionError && UNREACHABLE.includes(err.reason)) h.onUnreachable();
        else h.onFailed();
        return;
      }
      if (cancelled) return;
      h.onConnected();
      await publishLocalMedia();
    }

    void connect(ready);
    return () => {
      cancelled = true;
      stopFollowing();
      const m = mediaRef.current;
      const started = [...r.localParticipant.trackPublications.values()]
        .map((pub) => pub.track)
        .filter((t) => t !== undefined && t !== m?.videoTrack && t !== m?.audioTrack);
      void r.disconnect(false).then(() => started.forEach((t) => t?.stop()));
    };
  }, [ready]);

  return current && current.setup === setup ? current.room : null;
}
