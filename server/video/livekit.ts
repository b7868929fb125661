import {
  AccessToken,
  RoomConfiguration,
  RoomServiceClient,
  TrackSource,
  WebhookReceiver,
  type WebhookEvent,
} from 'livekit-server-sdk';
import type { Config } from '../config';

export type VideoRole = 'patient' | 'clinician';

/** Join tokens only gate the first connect; LiveKit refreshes them for reconnects. */
export const JOIN_TOKEN_TTL_SECONDS = 10 * 60;

export interface TokenRequest {
  roomName: string;
  /** Our participant id: never a name or anything the client chose. */
  identity: string;
  /** Preferred name (patient) or the clinician's name: what the other side sees on the tile. */
  displayName: string;
  role: VideoRole;
  /** Care team size + 1 patient (+ guests later). */
  maxParticipants: number;
}

/**
 * Everything Alcove asks of LiveKit: join tokens with least-privilege grants, the two admin
 * calls made from the server (remove a participant, close a room), and webhook verification.
 * This is the only module that imports livekit-server-sdk.
 */
export class VideoService {
  private readonly rooms: RoomServiceClient;
  private readonly receiver: WebhookReceiver;

  constructor(private readonly config: Pick<Config, 'livekit'>) {
    const { url, apiKey, apiSecret } = config.livekit;
    this.rooms = new RoomServiceClient(url, apiKey, apiSecret, { requestTimeout: 5 });
    this.receiver = new WebhookReceiver(apiKey, apiSecret);
  }

  get serverUrl(): string {
    return this.config.livekit.url;
  }

  async mintToken(req: TokenRequest): Promise<string> {
    const at = new AccessToken(this.config.livekit.apiKey, this.config.livekit.apiSecret, {
      identity: req.identity,
      name: req.displayName,
      ttl: JOIN_TOKEN_TTL_SECONDS,
      // The role is not PHI and lets clients label tiles; nothing else goes to LiveKit.
      attributes: { role: req.role },
    });
    const sources =
      req.role === 'clinician'
        ? [TrackSource.CAMERA, TrackSource.MICROPHONE, TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO]
        : [TrackSource.CAMERA, TrackSource.MICROPHONE];
    at.addGrant({
      room: req.roomName,
      roomJoin: true,
      canPublish: true,
      canPublishSources: sources,
      canSubscribe: true,
      // Check-ins and chat travel over our own socket and database, never LiveKit data packets.
      canPublishData: false,
      canUpdateOwnMetadata: false,
    });
    at.roomConfig = new RoomConfiguration({
      name: req.roomName,
      maxParticipants: req.maxParticipants,
      emptyTimeout: 5 * 60,
      departureTimeout: 30,
    });
    return at.toJwt();
  }

  /** Disconnects one participant. Admission must also be revoked in our database by the caller. */
  async removeParticipant(roomName: string, identity: string): Promise<void> {
    await this.rooms.removeParticipant(roomName, identity);
  }

  /** Closes the room for everyone. */
  async deleteRoom(roomName: string): Promise<void> {
    await this.rooms.deleteRoom(roomName);
  }

  /** Verifies a webhook's signature and body checksum; throws on anything forged or tampered. */
  async receiveWebhook(rawBody: string, authorization: string | undefined): Promise<WebhookEvent> {
    return this.receiver.receive(rawBody, authorization);
  }
}

/** True when a RoomService error means "nothing to do" (the room or participant is already gone). */
export function isAlreadyGone(err: unknown): boolean {
  const e = err as { status?: number; code?: string } | null;
  return e?.status === 404 || e?.code === 'not_found';
}
