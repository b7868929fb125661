import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api';

/** Network failures and 5xx/429 answers are worth another try; any other refusal will not change. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  return err.status === 0 || err.status === 429 || err.status >= 500;
}

/**
 * One cache of server state per app shell. The socket provider refetches it after every
 * (re)connection, so nothing here polls or refetches on window focus.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, err) => failures < 3 && isRetryable(err),
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      },
      mutations: { retry: false },
    },
  });
}

/** The loaded results of a `useQueries` over `ids`, keyed by id (still-loading ones left out). */
export function dataById<T>(ids: readonly string[], results: readonly { data?: T }[]): Record<string, T> {
  const out: Record<string, T> = {};
  results.forEach((r, i) => {
    const id = ids[i];
    if (r.data !== undefined && id !== undefined) out[id] = r.data;
  });
  return out;
}
