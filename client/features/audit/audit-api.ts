import { keepPreviousData, useInfiniteQuery, useMutation } from '@tanstack/react-query';
import type { AuditFilter, AuditListResponse, AuditVerifyResult } from '@shared/api/audit.schema';
import { api } from '../../lib/api';

/** The filters as query parameters, leaving out empty ones (the server rejects empty values). */
export function auditQuery(filter: AuditFilter, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) if (v?.trim()) p.set(k, v.trim());
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** One page of the trail, newest first; `cursor` is the previous page's `nextCursor`. */
export function fetchAuditPage(filter: AuditFilter, cursor?: string): Promise<AuditListResponse> {
  return api<AuditListResponse>('GET', `/api/audit${auditQuery(filter, cursor ? { cursor } : {})}`);
}

export const auditListKey = (filter: AuditFilter) => ['audit', 'list', filter] as const;

/** The trail under `filter`, a page at a time (`fetchNextPage` is "load more"); the last list stays shown while a new filter loads. */
export function useAuditList(filter: AuditFilter) {
  return useInfiniteQuery({
    queryKey: auditListKey(filter),
    queryFn: ({ pageParam }) => fetchAuditPage(filter, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
}

/**
 * Checks the hash chain from the first entry to the last. A mutation, not a query: each check is
 * asked for by a click, is itself audited, and its answer is not cached.
 */
export function useVerifyChain() {
  return useMutation({ mutationFn: () => api<AuditVerifyResult>('GET', '/api/audit/verify') });
}
