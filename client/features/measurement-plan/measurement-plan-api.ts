import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { InstrumentSummary } from '@shared/api/instruments.schema';
import type { MeasurementPlan, MeasurementPlanResponse, PutMeasurementPlanRequest } from '@shared/api/measurement.schema';
import { api } from '../../lib/api';

export const planKey = (patientId: string) => ['patient', patientId, 'measurement-plan'] as const;

/** The patient's measurement plan with what is due. */
export async function fetchPlan(patientId: string): Promise<MeasurementPlan> {
  return (await api<MeasurementPlanResponse>('GET', `/api/patients/${encodeURIComponent(patientId)}/measurement-plan`)).plan;
}

export function useMeasurementPlan(patientId: string) {
  return useQuery({ queryKey: planKey(patientId), queryFn: () => fetchPlan(patientId), retry: false });
}

/** Replaces the plan; the answer is the new plan, put straight into the cache. */
export function useSaveMeasurementPlan(patientId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: PutMeasurementPlanRequest) =>
      (await api<MeasurementPlanResponse>('PUT', `/api/patients/${encodeURIComponent(patientId)}/measurement-plan`, body)).plan,
    onSuccess: (plan) => queryClient.setQueryData(planKey(patientId), plan),
  });
}

/** The instruments this server offers (what a plan may hold). */
export function useInstrumentChoices() {
  return useQuery({
    queryKey: ['instruments'],
    queryFn: async () => (await api<{ instruments: InstrumentSummary[] }>('GET', '/api/instruments')).instruments,
    retry: false,
  });
}
