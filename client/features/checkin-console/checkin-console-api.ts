import type { ClinicianCheckin, SafetyAlert, SentCheckin } from '@shared/api/checkins.schema';
import type { InstrumentDetail, InstrumentSummary } from '@shared/api/instruments.schema';
import { api } from '../../lib/api';

export function fetchInstrumentList(): Promise<InstrumentSummary[]> {
  return api<{ instruments: InstrumentSummary[] }>('GET', '/api/instruments').then((r) => r.instruments);
}

export function fetchInstrumentDetail(id: string): Promise<InstrumentDetail> {
  return api<{ instrument: InstrumentDetail }>('GET', `/api/instruments/${encodeURIComponent(id)}`).then((r) => r.instrument);
}

/** The visit's check-ins: progress for all, results for the shared ones; and whose visit it is. */
export function fetchVisitCheckins(visitId: string): Promise<{ patientId: string; checkins: ClinicianCheckin[] }> {
  return api('GET', `/api/visits/${visitId}/checkins`);
}

export function sendCheckins(visitId: string, instrumentIds: string[]): Promise<{ checkins: SentCheckin[] }> {
  return api('POST', `/api/visits/${visitId}/checkins`, { instrumentIds });
}

export function acknowledgeAlert(checkinId: string, code: string): Promise<{ alert: SafetyAlert }> {
  return api('POST', `/api/checkins/${checkinId}/alerts/${encodeURIComponent(code)}/acknowledge`);
}

/** Where the FHIR QuestionnaireResponse of a shared check-in downloads from (ids only in the URL). */
export const fhirUrl = (checkinId: string) => `/api/checkins/${checkinId}/fhir`;
