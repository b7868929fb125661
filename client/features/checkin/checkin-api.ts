import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { AnswerResponse, PatientCheckin, PatientCheckinListSchema, SubmitResponse } from '@shared/api/checkins.schema';
import type { InstrumentDetail, InstrumentResponseSchema } from '@shared/api/instruments.schema';
import type { AnswerValue } from '@shared/instruments/definition.schema';
import { api } from '../../lib/api';
import { dataById } from '../../lib/query-client';

/** Every language's copy of the patient's check-ins in a visit (invalidate this to refetch them). */
export const myCheckinsKey = (visitId: string) => ['visit', visitId, 'my-checkins'] as const;

/** The patient's check-ins in this visit, with their own saved answers. */
export async function fetchMyCheckins(visitId: string, lang: string): Promise<PatientCheckin[]> {
  const r = await api<z.infer<typeof PatientCheckinListSchema>>('GET', `/api/visits/${visitId}/checkins?lang=${lang}`);
  return r.checkins;
}

/** An instrument sent to this patient, in their language when it has it. */
export async function fetchInstrument(instrumentId: string, lang: string): Promise<InstrumentDetail> {
  const r = await api<z.infer<typeof InstrumentResponseSchema>>('GET', `/api/instruments/${encodeURIComponent(instrumentId)}?lang=${lang}`);
  return r.instrument;
}

/** Saves one answer now; `null` takes it back. */
export function putAnswer(checkinId: string, linkId: string, value: AnswerValue | null): Promise<AnswerResponse> {
  const path = `/api/checkins/${checkinId}/answers/${encodeURIComponent(linkId)}`;
  return value === null ? api<AnswerResponse>('DELETE', path) : api<AnswerResponse>('PUT', path, { value });
}

export function submitCheckin(checkinId: string, lang: string): Promise<SubmitResponse> {
  return api<SubmitResponse>('POST', `/api/checkins/${checkinId}/submit?lang=${lang}`);
}

export function useMyCheckins(visitId: string, lang: string) {
  // Failures are not retried here: the socket's reconnect and the next event fetch again. A change
  // of language keeps the list on screen until it arrives in the new one.
  return useQuery({
    queryKey: [...myCheckinsKey(visitId), lang],
    queryFn: () => fetchMyCheckins(visitId, lang),
    retry: false,
    placeholderData: keepPreviousData,
  });
}

/** Definitions of the instruments sent, in the page's language; shown as "loading" and retried until they arrive. */
export function useCheckinInstruments(checkins: PatientCheckin[], lang: string): Record<string, InstrumentDetail> {
  const queryClient = useQueryClient();
  const ids = [...new Set(checkins.map((c) => c.instrumentId))].sort();
  const inLang = useQueries({
    queries: ids.map((id) => ({
      queryKey: ['instrument', id, lang],
      queryFn: () => fetchInstrument(id, lang),
      retry: true,
      retryDelay: 3000,
      meta: { resync: false },
    })),
    combine: (results) => dataById(ids, results),
  });
  // After a change of language, the other language's copy stays on screen until this one arrives.
  const out = { ...inLang };
  for (const id of ids) {
    const other = out[id] ? undefined : queryClient.getQueriesData<InstrumentDetail>({ queryKey: ['instrument', id] }).find(([, d]) => d)?.[1];
    if (other) out[id] = other;
  }
  return out;
}

/** Shares a check-in with the clinician and marks it shared in the cached list. */
export function useShareCheckin(visitId: string, lang: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (checkinId: string) => submitCheckin(checkinId, lang),
    onSuccess: (_res, checkinId) =>
      queryClient.setQueriesData<PatientCheckin[]>({ queryKey: myCheckinsKey(visitId) }, (cur) =>
        cur?.map((c) => (c.id === checkinId ? { ...c, status: 'shared', sharedAt: new Date().toISOString() } : c)),
      ),
  });
}
