import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { MyPatientsResponse } from '@shared/api/patient-chart.schema';
import type { CreatePatientRequest, PatientListResponse, PatientResponseSchema } from '@shared/api/patients.schema';
import type { z } from 'zod';
import { api } from '../../lib/api';

type PatientResponse = z.infer<typeof PatientResponseSchema>;

export const patientSearchKey = (q: string) => ['patients', 'search', q] as const;

/** Patients whose name or record number matches `q`. */
export async function searchPatients(q: string) {
  return (await api<PatientListResponse>('GET', `/api/patients?q=${encodeURIComponent(q)}`)).patients;
}

/** Search results for `q` (nothing is asked for an empty `q`); the last results stay while the next arrive. */
export function usePatientSearch(q: string) {
  return useQuery({
    queryKey: patientSearchKey(q),
    queryFn: () => searchPatients(q),
    enabled: q !== '',
    placeholderData: keepPreviousData,
  });
}

/**
 * Creates a patient. The form sends its empty optional boxes as empty strings, which the server
 * reads as "not given".
 */
export function useCreatePatient() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: Record<keyof CreatePatientRequest, string>) =>
      (await api<PatientResponse>('POST', '/api/patients', input)).patient,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['patients', 'search'] }),
  });
}

/** The clinician's own patients matching `q` (all of them for an empty `q`), with next visit, last check-in and open alerts. */
export function useMyPatients(q: string) {
  return useQuery({
    queryKey: ['patients', 'mine', q],
    queryFn: async () => (await api<MyPatientsResponse>('GET', `/api/patients/mine${q ? `?q=${encodeURIComponent(q)}` : ''}`)).patients,
    placeholderData: keepPreviousData,
  });
}
