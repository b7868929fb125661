import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CareTeamResponse, PutCareTeamRequest } from '@shared/api/care-team.schema';
import type { PatientChart, PatientChartResponse } from '@shared/api/patient-chart.schema';
import { api } from '../../lib/api';

export const chartKey = (patientId: string) => ['patient', patientId, 'chart'] as const;

/** The patient's chart: details, care team, visits, check-ins and alerts. */
export async function fetchChart(patientId: string): Promise<PatientChart> {
  return (await api<PatientChartResponse>('GET', `/api/patients/${encodeURIComponent(patientId)}/chart`)).chart;
}

export function usePatientChart(patientId: string) {
  return useQuery({ queryKey: chartKey(patientId), queryFn: () => fetchChart(patientId), retry: false });
}

/** Active clinicians, to add to a care team (the same list the schedule's care-team picker uses). */
export function useActiveClinicians() {
  return useQuery({
    queryKey: ['clinicians'],
    queryFn: async () => (await api<{ clinicians: { id: string; name: string }[] }>('GET', '/api/clinicians')).clinicians,
    retry: false,
  });
}

/** Replaces the patient's care team; the chart reloads (a clinician who took themselves off loses it). */
export function useSaveCareTeam(patientId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: PutCareTeamRequest) =>
      (await api<CareTeamResponse>('PUT', `/api/patients/${encodeURIComponent(patientId)}/care-team`, body)).members,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['patient', patientId] }),
  });
}
