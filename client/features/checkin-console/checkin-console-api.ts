import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  AcknowledgeAlertResponseSchema,
  ClinicianCheckin,
  ClinicianCheckinListSchema,
  SentCheckin,
} from '@shared/api/checkins.schema';
import type { InstrumentDetail, InstrumentListResponseSchema, InstrumentResponseSchema } from '@shared/api/instruments.schema';
import { api } from '../../lib/api';
import { dataById } from '../../lib/query-client';

type VisitCheckins = z.infer<typeof ClinicianCheckinListSchema>;

export const visitCheckinsKey = (visitId: string) => ['visit', visitId, 'checkins'] as const;

export async function fetchInstrumentList() {
  return (await api<z.infer<typeof InstrumentListResponseSchema>>('GET', '/api/instruments')).instruments;
}

export async function fetchInstrumentDetail(id: string): Promise<InstrumentDetail> {
  return (await api<z.infer<typeof InstrumentResponseSchema>>('GET', `/api/instruments/${encodeURIComponent(id)}`)).instrument;
}

/** The visit's check-ins: progress for all, results for the shared ones; and whose visit it is. */
export function fetchVisitCheckins(visitId: string): Promise<VisitCheckins> {
  return api('GET', `/api/visits/${visitId}/checkins`);
}

export function sendCheckins(visitId: string, instrumentIds: string[]): Promise<{ checkins: SentCheckin[] }> {
  return api('POST', `/api/visits/${visitId}/checkins`, { instrumentIds });
}

export function acknowledgeAlert(checkinId: string, code: string): Promise<z.infer<typeof AcknowledgeAlertResponseSchema>> {
  return api('POST', `/api/checkins/${checkinId}/alerts/${encodeURIComponent(code)}/acknowledge`);
}

/** Where the FHIR QuestionnaireResponse of a shared check-in downloads from (ids only in the URL). */
export const fhirUrl = (checkinId: string) => `/api/checkins/${checkinId}/fhir`;

/** The instruments a clinician can send (fixed while the page is open). */
export function useInstrumentList() {
  return useQuery({ queryKey: ['instruments'], queryFn: fetchInstrumentList, meta: { resync: false } });
}

/** Item wording for the result tables, one fetch per instrument. */
export function useInstrumentDetails(ids: string[]): Record<string, InstrumentDetail> {
  return useQueries({
    queries: ids.map((id) => ({ queryKey: ['instrument', id], queryFn: () => fetchInstrumentDetail(id), meta: { resync: false } })),
    combine: (results) => dataById(ids, results),
  });
}

export function useVisitCheckins(visitId: string) {
  return useQuery({ queryKey: visitCheckinsKey(visitId), queryFn: () => fetchVisitCheckins(visitId) });
}

/** Sends instruments; resolves once the visit's check-ins include them. */
export function useSendCheckins(visitId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (instrumentIds: string[]) => sendCheckins(visitId, instrumentIds),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: visitCheckinsKey(visitId) }),
  });
}

/** Acknowledges one safety alert and puts the server's answer into the cached check-ins. */
export function useAcknowledgeAlert(visitId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (v: { checkinId: string; code: string }) => acknowledgeAlert(v.checkinId, v.code),
    onSuccess: ({ alert }, { checkinId, code }) =>
      queryClient.setQueryData<VisitCheckins>(visitCheckinsKey(visitId), (cur) =>
        cur && { ...cur, checkins: cur.checkins.map((c) => patchAlert(c, checkinId, code, alert)) },
      ),
  });
}

function patchAlert(c: ClinicianCheckin, checkinId: string, code: string, alert: ClinicianCheckin['alerts'][number]): ClinicianCheckin {
  return c.id === checkinId ? { ...c, alerts: c.alerts.map((a) => (a.code === code ? alert : a)) } : c;
}
