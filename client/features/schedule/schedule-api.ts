import type { CreateVisitResponse, Clinician, PatientLinkResponse, Visit } from '@shared/api/visits.schema';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, errorFromResponse } from '../../lib/api';

/** Visits starting in [from, to), optionally only one clinician's. */
export async function fetchVisits(from: Date, to: Date, clinicianId?: string): Promise<Visit[]> {
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  if (clinicianId) q.set('clinicianId', clinicianId);
  return (await api<{ visits: Visit[] }>('GET', `/api/visits?${q.toString()}`)).visits;
}

export async function fetchClinicians(): Promise<Clinician[]> {
  return (await api<{ clinicians: Clinician[] }>('GET', '/api/clinicians')).clinicians;
}

/** The clinicians to filter by and to choose from; an empty list when they cannot be loaded. */
export function useClinicians() {
  return useQuery({ queryKey: ['clinicians'], queryFn: fetchClinicians, retry: false });
}

/** Visits in [fromMs, toMs); the previous range stays on screen while the next one loads. */
export function useScheduleVisits(fromMs: number, toMs: number, clinicianId: string | undefined) {
  return useQuery({
    queryKey: ['visits', 'range', fromMs, toMs, clinicianId ?? null],
    queryFn: () => fetchVisits(new Date(fromMs), new Date(toMs), clinicianId),
    placeholderData: keepPreviousData,
  });
}

export interface VisitInput {
  patientId?: string;
  clinicianIds: string[];
  startsAt: string;
  durationMinutes: number;
  reason: string | null;
}

export function createVisit(input: Required<VisitInput>): Promise<CreateVisitResponse> {
  return api<CreateVisitResponse>('POST', '/api/visits', input);
}

export async function updateVisit(id: string, input: Omit<VisitInput, 'patientId'>): Promise<Visit> {
  return (await api<{ visit: Visit }>('PATCH', `/api/visits/${id}`, input)).visit;
}

export async function cancelVisit(id: string): Promise<Visit> {
  return (await api<{ visit: Visit }>('POST', `/api/visits/${id}/cancel`)).visit;
}

export function reissueLink(id: string): Promise<PatientLinkResponse> {
  return api<PatientLinkResponse>('POST', `/api/visits/${id}/patient-link`);
}

/** The token is the last path segment of a join URL; it exists only in the URL shown once. */
export const tokenFromUrl = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

/** Fetches the patient's calendar invite (it needs the fresh token) and saves it as a file. */
export async function downloadPatientInvite(visitId: string, linkUrl: string): Promise<void> {
  const res = await fetch(`/api/visits/${visitId}/patient-invite.ics`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: tokenFromUrl(linkUrl) }),
  });
  if (!res.ok) throw errorFromResponse(res, await res.json().catch(() => undefined));
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = 'appointment.ics';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
