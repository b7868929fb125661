import { useQueries, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { CarePlanResponse, Medication } from '@shared/api/care-plan.schema';
import type { HistoryResponseSchema } from '@shared/api/checkins.schema';
import type { InstrumentDetail, InstrumentResponseSchema } from '@shared/api/instruments.schema';
import { api } from '../../lib/api';
import { dataById } from '../../lib/query-client';

type HistoryEntry = z.infer<typeof HistoryResponseSchema>['checkins'][number];

/** Every shared check-in of the patient across visits, oldest first. */
export async function fetchHistory(patientId: string): Promise<HistoryEntry[]> {
  return (await api<z.infer<typeof HistoryResponseSchema>>('GET', `/api/patients/${patientId}/checkins`)).checkins;
}

export async function fetchInstrument(id: string): Promise<InstrumentDetail> {
  return (await api<z.infer<typeof InstrumentResponseSchema>>('GET', `/api/instruments/${encodeURIComponent(id)}`)).instrument;
}

/** Every shared check-in of the patient across visits, oldest first (the trends section's data). */
export function useCheckinHistory(patientId: string) {
  return useQuery({ queryKey: ['patient', patientId, 'checkins'], queryFn: () => fetchHistory(patientId) });
}

/** Item wording per instrument in the history (missing ones simply show no wording). */
export function useHistoryInstruments(ids: string[]): Record<string, InstrumentDetail> {
  return useQueries({
    queries: ids.map((id) => ({ queryKey: ['instrument', id], queryFn: () => fetchInstrument(id), retry: false, meta: { resync: false } })),
    combine: (results) => dataById(ids, results),
  });
}

/**
 * The patient's medications from the care plan, for the markers on the trend charts. `null` when the
 * plan cannot be read (the trends still show, without markers). Its own key under the care plan's, so
 * a change to the plan that refreshes `['patient', id, 'care-plan']` refreshes the markers too.
 */
export function useMedications(patientId: string) {
  return useQuery({
    queryKey: ['patient', patientId, 'care-plan', 'medications'],
    queryFn: async (): Promise<Medication[]> =>
      (await api<CarePlanResponse>('GET', `/api/patients/${patientId}/care-plan`)).carePlan.medications,
  });
}
