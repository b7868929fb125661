import { useCallback, useEffect, useRef, useState } from 'react';
import { LogLevel, type Room, setLogLevel, Track } from 'livekit-client';
import type { VideoTokenResponse } from '@shared/api/waiting-room.schema';
import { useE2EERekey } from './use-e2ee-rekey';
import { useE2EESetup, type EncryptionState } from './use-e2ee-setup';
import { useRoomConnection, type LocalMediaInput, type RoomConnectionHandlers } from './use-room-connection';
import { fetchVideoToken, tokenRefusal } from './video-api';

export type { EncryptionState } from './use-e2ee-setup';
export type { LocalMediaInput } from './use-room-connection';

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

const RETRY_DELAYS_MS = [2000, 4000, 8000, 15000, 30000];

/**
 * One LiveKit visit call, one concern per effect: a short-lived token per attempt (only issued
 * after admission), end-to-end encryption with the per-visit key (useE2EESetup), the room's
 * connection and its events (useRoomConnection), and a later attempt while the video service is
 * unreachable. Removal and "visit ended" never lead to a rejoin.
 */
export function useVideoRoom({ visitId, media, onEnded, onNotAdmitted }: VideoRoomOptions): VideoRoom {
  const [status, setStatus] = useState<CallStatus>({ kind: 'fetching' });
  const [deviceWarning, setDeviceWarning] = useState<VideoRoom['deviceWarning']>(null);
  const [encryptionWarning, setEncryptionWarning] = useState(false);
  const [audioOnly, setAudioOnlyState] = useState(media?.choices.audioOnly ?? false);
  const [attempt, setAttempt] = useState(0);
  const [fetched, setFetched] = useState<{ attempt: number; token: VideoTokenResponse } | null>(null);

  const callbacks = useRef({ onEnded, onNotAdmitted });
  const audioOnlyRef = useRef(audioOnly);
  const failures = useRef(0);
  const endedRef = useRef(false);
  useEffect(() => {
    callbacks.current = { onEnded, onNotAdmitted };
  });

  const markEnded = useCallback(() => {
    endedRef.current = true;
    setStatus({ kind: 'ended' });
    callbacks.current.onEnded?.();
  }, []);

  const scheduleRetry = useCallback(() => {
    const delay = RETRY_DELAYS_MS[Math.min(failures.current, RETRY_DELAYS_MS.length - 1)] ?? 30000;
    failures.current += 1;
    setStatus({ kind: 'unavailable', retryAt: Date.now() + delay });
  }, []);

  // Token: one per attempt.
  useEffect(() => {
    if (endedRef.current) return;
    let cancelled = false;
    async function fetchToken() {
      setStatus({ kind: 'fetching' });
      try {
        const token = await fetchVideoToken(visitId);
        if (!cancelled) setFetched({ attempt, token });
      } catch (err) {
        if (cancelled) return;
        const refusal = tokenRefusal(err);
        if (refusal === 'unavailable') scheduleRetry();
        else if (refusal === 'not_admitted') {
          setStatus({ kind: 'not_admitted' });
          callbacks.current.onNotAdmitted?.();
        } else setStatus({ kind: 'error' });
      }
    }
    void fetchToken();
    return () => {
      cancelled = true;
    };
  }, [visitId, attempt, scheduleRetry]);

  // Reconnection: while the video service is unreachable, a new attempt when the wait is over.
  const retryAt = status.kind === 'unavailable' ? status.retryAt : null;
  useEffect(() => {
    if (retryAt === null) return;
    const timer = setTimeout(() => setAttempt((a) => a + 1), Math.max(0, retryAt - Date.now()));
    return () => clearTimeout(timer);
  }, [retryAt]);

  // E2EE for this attempt's token; a browser that must encrypt and cannot never connects.
  const token = fetched && fetched.attempt === attempt ? fetched.token : null;
  const { setup, encryption } = useE2EESetup(token);
  const unsupported = setup.kind === 'unsupported';
  useE2EERekey(visitId, setup);

  const handlers: RoomConnectionHandlers = {
    onConnecting: () => setStatus({ kind: 'connecting' }),
    onConnected: () => {
      failures.current = 0;
      setStatus({ kind: 'connected' });
    },
    onUnreachable: scheduleRetry,
    onFailed: () => setStatus({ kind: 'disconnected', why: 'failed' }),
    onReconnecting: () => setStatus({ kind: 'reconnecting' }),
    onReconnected: () => setStatus({ kind: 'connected' }),
    onEnded: markEnded,
    onDropped: (why) => setStatus({ kind: 'disconnected', why }),
    onDeviceError: setDeviceWarning,
    onEncryptionError: () => setEncryptionWarning(true),
    isAudioOnly: () => audioOnlyRef.current,
  };
  const room = useRoomConnection(setup, media, handlers);

  const rejoin = useCallback(() => {
    if (endedRef.current) return;
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

  return {
    status: unsupported ? { kind: 'unsupported' } : status,
    room,
    encryption,
    deviceWarning,
    encryptionWarning,
    audioOnly,
    setAudioOnly,
    rejoin,
    leave,
  };
}
