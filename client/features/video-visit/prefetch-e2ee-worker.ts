import e2eeWorkerUrl from 'livekit-client/e2ee-worker?worker&url';

/**
 * Fetches the end-to-end encryption worker into the browser's cache ahead of the call (it is
 * large, and the call starts it only at admission). The URL is the same built file that
 * use-e2ee-setup.ts starts. Best effort: a failure only means the call fetches it itself.
 */
export function prefetchE2EEWorker(): void {
  if (document.querySelector(`link[rel="prefetch"][href="${e2eeWorkerUrl}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'prefetch';
  link.href = e2eeWorkerUrl;
  document.head.append(link);
}
