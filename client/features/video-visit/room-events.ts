import { DisconnectReason, type RemoteTrackPublication, type Room, RoomEvent, Track } from 'livekit-client';

/** What the call hears from a connected room. */
export interface RoomEventHandlers {
  onReconnecting(): void;
  onReconnected(): void;
  /** Removed, or the room closed: the visit is over for this viewer. */
  onEnded(): void;
  /** Dropped for good (not on purpose, not a removal): the viewer may rejoin. */
  onDropped(why: 'network' | 'duplicate'): void;
  onDeviceError(device: 'camera' | 'microphone'): void;
  onEncryptionError(): void;
  /** Audio only: other people's camera video is not downloaded. */
  isAudioOnly(): boolean;
}

/** Reasons LiveKit gives that mean the visit ended for this viewer; they never lead to a rejoin. */
export function isEndReason(reason: DisconnectReason | undefined): boolean {
  return reason === DisconnectReason.PARTICIPANT_REMOVED || reason === DisconnectReason.ROOM_DELETED || reason === DisconnectReason.ROOM_CLOSED;
}

/**
 * Follows a room's reconnects, disconnect reasons, device and decryption errors; returns the
 * function that stops following. Attach before connecting, so nothing during the connect is missed.
 */
export function followRoomEvents(room: Room, h: RoomEventHandlers): () => void {
  const handleDisconnected = (reason?: DisconnectReason) => {
    if (isEndReason(reason)) h.onEnded();
    else if (reason === DisconnectReason.CLIENT_INITIATED) return; // our own leave(); the caller decides what to show
    else h.onDropped(reason === DisconnectReason.DUPLICATE_IDENTITY ? 'duplicate' : 'network');
  };
  const handleDeviceError = (_e: Error, kind?: MediaDeviceKind) => h.onDeviceError(kind === 'videoinput' ? 'camera' : 'microphone');
  const handleTrackSubscribed = (track: { kind: Track.Kind }, publication: RemoteTrackPublication) => {
    // Audio only: stop downloading other people's video at once.
    if (h.isAudioOnly() && track.kind === Track.Kind.Video && publication.source === Track.Source.Camera) publication.setSubscribed(false);
  };
  const handleReconnecting = () => h.onReconnecting();
  const handleReconnected = () => h.onReconnected();
  const handleEncryptionError = () => h.onEncryptionError();
  room
    .on(RoomEvent.Reconnecting, handleReconnecting)
    .on(RoomEvent.Reconnected, handleReconnected)
    .on(RoomEvent.Disconnected, handleDisconnected)
    .on(RoomEvent.MediaDevicesError, handleDeviceError)
    .on(RoomEvent.EncryptionError, handleEncryptionError)
    .on(RoomEvent.TrackSubscribed, handleTrackSubscribed);
  return () => {
    room
      .off(RoomEvent.Reconnecting, handleReconnecting)
      .off(RoomEvent.Reconnected, handleReconnected)
      .off(RoomEvent.Disconnected, handleDisconnected)
      .off(RoomEvent.MediaDevicesError, handleDeviceError)
      .off(RoomEvent.EncryptionError, handleEncryptionError)
      .off(RoomEvent.TrackSubscribed, handleTrackSubscribed);
  };
}
