/**
 * Answers "is the LiveKit server reachable?" with a short HTTP request to its base URL (a LiveKit
 * server answers GET / with 200 "OK"). Results are cached briefly so /readyz stays cheap.
 */
export function createLivekitProbe(livekitUrl: string, cacheMs = 5000) {
  const httpUrl = livekitUrl.replace(/^ws/, 'http');
  let last: { at: number; ok: boolean } | undefined;
  return async function isReachable(): Promise<boolean> {
    if (last && Date.now() - last.at < cacheMs) return last.ok;
    let ok = false;
    try {
      const res = await fetch(httpUrl, { signal: AbortSignal.timeout(1500) });
      ok = res.status < 500;
      await res.body?.cancel();
    } catch {
      ok = false;
    }
    last = { at: Date.now(), ok };
    return ok;
  };
}
export type LivekitProbe = ReturnType<typeof createLivekitProbe>;
