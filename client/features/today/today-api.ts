import { useQuery } from '@tanstack/react-query';
import type { VisitListResponseSchema } from '@shared/api/visits.schema';
import type { z } from 'zod';
import { api } from '../../lib/api';

type VisitListResponse = z.infer<typeof VisitListResponseSchema>;

/** The visits starting today in the viewer's time zone. */
export async function fetchToday(): Promise<VisitListResponse['visits']> {
  const now = new Date();
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const to = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  return (await api<VisitListResponse>('GET', `/api/visits?${q.toString()}`)).visits;
}

/** Today's visits; statuses settle on the server (no-shows at a visit's end), so a slow refresh picks them up. */
export function useTodayVisits() {
  return useQuery({ queryKey: ['visits', 'today'], queryFn: fetchToday, refetchInterval: 60_000 });
}
