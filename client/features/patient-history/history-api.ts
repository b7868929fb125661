import { useQueries, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { HistoryResponseSchema } from '@shared/api/checkins.schema';
import type { InstrumentDetail, InstrumentResponseSchema } from '@shared/api/instruments.schema';
import type { Patient, PatientResponseSchema } from '@shared/api/patients.schema';
import { api } from '../../lib/api';
import { dataById } from '../../lib/query-client';

type HistoryEntry = z.infer<typeof HistoryResponseSchema>['checkins'][number];

/** Every shared check-in of the patient across visits, oldest first. */
export async function fetchHistory(patientId: string): Promise<HistoryEntry[]> {
  return (await api<z.infer<typeof HistoryResponseSchema>>('GET', `/api/patients/${patientId}/checkins`)).checkins;
}

export async function fetchPatient(patientId: string): Promise<Patient> {
  return (await api<z.infer<typeof PatientResponseSchema>>('GET', `/api/patients/${patientId}`)).patient;
}

export async function fetchInstrument(id: string): Promise<InstrumentDetail> {
  return (await api<z.infer<typeof InstrumentResponseSchema>>('GET', `/api/instruments/${encodeURIComponent(id)}`)).instrument;
}

/** The patient and their check-in history, loaded together. */
export function usePatientHistory(patientId: string) {
  return useQuery({
    queryKey: ['patient', patientId, 'history'],
    queryFn: async () => {
      const [patient, entries] = await Promise.all([fetchPatient(patientId), fetchHistory(patientId)]);
      return { patient, entries };
    },
  });
}

/** Item wording per instrument in the history (missing ones simply show no wording). */
export function useHistoryInstruments(ids: string[]): Record<string, InstrumentDetail> {
  return useQueries({
    queries: ids.map((id) => ({ queryKey: ['instrument', id], queryFn: () => fetchInstrument(id), retry: false, meta: { resync: false } })),
    combine: (results) => dataById(ids, results),
  });
}
