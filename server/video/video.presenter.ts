import type { VideoTokenResponse } from '@shared/api/waiting-room.schema';
import type { Config } from '../config';
import type { VideoService } from './livekit';
import type { IssuedToken } from './video.service';

/** The token response: the E2EE key only when encryption is on. */
export function toVideoTokenResponse(config: Pick<Config, 'e2ee'>, video: Pick<VideoService, 'serverUrl'>, t: IssuedToken): VideoTokenResponse {
  return {
    serverUrl: video.serverUrl,
    roomName: t.roomName,
    token: t.token,
    identity: t.identity,
    ...(config.e2ee.enabled ? { e2eeKey: t.e2eeKey } : {}),
    e2eeRequired: config.e2ee.enabled && !config.e2ee.allowUnencryptedFallback,
  };
}
