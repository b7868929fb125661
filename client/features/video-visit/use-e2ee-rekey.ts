import { useSocketEvent } from '../../lib/socket';
import type { E2EESetup } from './use-e2ee-setup';
import { fetchVideoToken } from './video-api';

/**
 * Follows the visit's E2EE key when the server replaces it (someone lost their place in the call):
 * a fresh token carries the new key, which goes into the running call's key provider, so whoever
 * was removed can no longer decrypt anything. A refused token changes nothing here: removal and
 * "visit ended" reach this call through their own events.
 */
export function useE2EERekey(visitId: string, setup: E2EESetup): void {
  const keyProvider = setup.kind === 'ready' ? setup.options?.keyProvider : undefined;
  useSocketEvent(
    'video:rekey',
    (p) => {
      if (p.visitId !== visitId || !keyProvider) return;
      void fetchVideoToken(visitId)
        .then((t) => (t.e2eeKey ? keyProvider.setKey(t.e2eeKey) : undefined))
        .catch(() => undefined);
    },
    keyProvider !== undefined,
  );
}
