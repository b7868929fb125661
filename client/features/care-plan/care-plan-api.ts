import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CarePlan, CarePlanResponse } from '@shared/api/care-plan.schema';
import type { CareTeamResponse } from '@shared/api/care-team.schema';
import { api } from '../../lib/api';

export const carePlanKey = (patientId: string) => ['patient', patientId, 'care-plan'] as const;

const base = (patientId: string) => `/api/patients/${encodeURIComponent(patientId)}/care-plan`;

export async function fetchCarePlan(patientId: string): Promise<CarePlan> {
  return (await api<CarePlanResponse>('GET', base(patientId))).carePlan;
}

export function useCarePlan(patientId: string) {
  return useQuery({ queryKey: carePlanKey(patientId), queryFn: () => fetchCarePlan(patientId), retry: false });
}

/** One change of the plan: `path` below /care-plan (e.g. `/goals`, `/medications/:mid/stop`). Every answer is the whole plan. */
export interface PlanChange {
  method: 'POST' | 'PATCH';
  path: string;
  body: Record<string, unknown>;
}

export function useCarePlanChange(patientId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (c: PlanChange) => (await api<CarePlanResponse>(c.method, `${base(patientId)}${c.path}`, c.body)).carePlan,
    onSuccess: (plan) => queryClient.setQueryData(carePlanKey(patientId), plan),
  });
}

/** The patient's care team: the people a goal or problem can be given to as owner. */
export function useCareTeamOwners(patientId: string) {
  return useQuery({
    queryKey: ['patient', patientId, 'care-team'] as const,
    queryFn: async () => (await api<CareTeamResponse>('GET', `/api/patients/${encodeURIComponent(patientId)}/care-team`)).members,
    retry: false,
  });
}
