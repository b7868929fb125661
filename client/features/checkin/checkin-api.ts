import type { AnswerResponse, PatientCheckin, SubmitResponse } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import type { AnswerValue } from '@shared/instruments/definition.schema';
import { api } from '../../lib/api';

/** The patient's check-ins in this visit, with their own saved answers. */
export async function fetchMyCheckins(visitId: string, lang: string): Promise<PatientCheckin[]> {
  const r = await api<{ checkins: PatientCheckin[] }>('GET', `/api/visits/${visitId}/checkins?lang=${lang}`);
  return r.checkins;
}

/** An instrument sent to this patient, in their language when it has it. */
export async function fetchInstrument(instrumentId: string, lang: string): Promise<InstrumentDetail> {
  const r = await api<{ instrument: InstrumentDetail }>('GET', `/api/instruments/${encodeURIComponent(instrumentId)}?lang=${lang}`);
  return r.instrument;
}

/** Saves one answer now; `null` takes it back. */
export function putAnswer(checkinId: string, linkId: string, value: AnswerValue | null): Promise<AnswerResponse> {
  const path = `/api/checkins/${checkinId}/answers/${encodeURIComponent(linkId)}`;
  return value === null ? api<AnswerResponse>('DELETE', path) : api<AnswerResponse>('PUT', path, { value });
}

export function submitCheckin(checkinId: string, lang: string): Promise<SubmitResponse> {
  return api<SubmitResponse>('POST', `/api/checkins/${checkinId}/submit?lang=${lang}`);
}
