import { useEffect, useState } from 'react';
import { ExternalE2EEKeyProvider, isE2EESupported } from 'livekit-client';
import type { VideoTokenResponse } from '@shared/api/waiting-room.schema';

/** 'on' = end-to-end encrypted; 'off_browser' = allowed without it because the browser cannot. */
export type EncryptionState = 'pending' | 'on' | 'off_browser' | 'off_clinic';

/** What the room needs to encrypt: the per-visit key and the worker that does the work. */
export interface E2EEOptions {
  keyProvider: ExternalE2EEKeyProvider;
  worker: Worker;
}

export type E2EESetup =
  | { kind: 'pending' }
  /** Encryption is required and this browser cannot do it: the call must not start. */
  | { kind: 'unsupported'; token: VideoTokenResponse }
  | { kind: 'ready'; token: VideoTokenResponse; encryption: Exclude<EncryptionState, 'pending'>; options: E2EEOptions | null };

/**
 * End-to-end encryption for one token: the per-visit key goes into a key provider and a worker is
 * started for it, or the call goes on without (the clinic turned it off, or allows browsers that
 * cannot encrypt). The worker stops when the token is replaced or the call ends.
 */
export function useE2EESetup(token: VideoTokenResponse | null): { setup: E2EESetup; encryption: EncryptionState } {
  const [setup, setSetupState] = useState<E2EESetup>({ kind: 'pending' });
  // What the viewer is told; kept from the last token while the next one is prepared.
  const [encryption, setEncryption] = useState<EncryptionState>('pending');
  useEffect(() => {
    if (!token) return;
    let cancelled = false;
    let worker: Worker | null = null;
    const setSetup = (next: E2EESetup) => {
      setSetupState(next);
      if (next.kind === 'ready') setEncryption(next.encryption);
    };
    async function prepare(t: VideoTokenResponse) {
      if (!t.e2eeKey) return setSetup({ kind: 'ready', token: t, encryption: 'off_clinic', options: null });
      if (!isE2EESupported()) {
        return setSetup(t.e2eeRequired ? { kind: 'unsupported', token: t } : { kind: 'ready', token: t, encryption: 'off_browser', options: null });
      }
      const keyProvider = new ExternalE2EEKeyProvider();
      await keyProvider.setKey(t.e2eeKey);
      if (cancelled) return;
      // Must stay in app code (not a dependency) so Vite emits the worker as its own file.
      worker = new Worker(new URL('livekit-client/e2ee-worker', import.meta.url), { type: 'module' });
      setSetup({ kind: 'ready', token: t, encryption: 'on', options: { keyProvider, worker } });
    }
    void prepare(token);
    return () => {
      cancelled = true;
      worker?.terminate();
    };
  }, [token]);
  return { setup: token && 'token' in setup && setup.token === token ? setup : { kind: 'pending' }, encryption };
}
