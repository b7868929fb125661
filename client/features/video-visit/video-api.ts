import type { z } from 'zod';
import type { VideoConfigResponseSchema, VideoTokenResponse } from '@shared/api/waiting-room.schema';
import { api, ApiError } from '../../lib/api';

/** What a refused token means for the call. */
export type TokenRefusal = 'unavailable' | 'not_admitted' | 'error';

/** A short-lived LiveKit token for this visit; the server issues it only to an admitted patient or the visit's clinicians. */
export function fetchVideoToken(visitId: string): Promise<VideoTokenResponse> {
  return api<VideoTokenResponse>('POST', `/api/visits/${visitId}/video-token`);
}

/** Where the browser may pre-warm its connection to the video server. */
export function fetchVideoConfig(): Promise<z.infer<typeof VideoConfigResponseSchema>> {
  return api('GET', '/api/video/config');
}

/** Unreachable (ours or LiveKit) is tried again later; "not admitted" sends the patient back to the waiting room. */
export function tokenRefusal(err: unknown): TokenRefusal {
  if (!(err instanceof ApiError)) return 'error';
  if (err.code === 'video_unavailable' || err.status === 503 || err.status === 0) return 'unavailable';
  if (err.code === 'not_admitted') return 'not_admitted';
  return 'error';
}
