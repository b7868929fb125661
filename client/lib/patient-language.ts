import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { PatientLanguage, PatientResponseSchema } from '@shared/api/patients.schema';
import { api } from './api';

export const LANGUAGE_NAMES: Record<PatientLanguage, string> = { en: 'English', es: 'Spanish' };

/** The patient's preferred language (from their record; staff may read it for patients of their visits). */
export function usePatientLanguage(patientId: string | null | undefined): PatientLanguage | null {
  const q = useQuery({
    queryKey: ['patient', patientId, 'record'],
    queryFn: async () => (await api<z.infer<typeof PatientResponseSchema>>('GET', `/api/patients/${patientId}`)).patient,
    enabled: Boolean(patientId),
    meta: { resync: false },
    staleTime: 5 * 60_000,
  });
  return q.data?.preferredLanguage ?? null;
}
