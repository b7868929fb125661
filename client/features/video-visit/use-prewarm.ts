import { useEffect } from 'react';
import { Room } from 'livekit-client';
import { fetchVideoConfig } from './video-api';

/**
 * While the patient waits, opens DNS/TLS to the video server so admission connects faster.
 * Best effort: any failure is ignored (the call itself reports an unreachable video service).
 */
export function usePrewarm(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    fetchVideoConfig()
      .then(({ serverUrl }) => {
        if (!cancelled) return new Room().prepareConnection(serverUrl);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [enabled]);
}
