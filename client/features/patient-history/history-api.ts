import type { HistoryEntry } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import type { Patient } from '@shared/api/patients.schema';
import { api } from '../../lib/api';

/** Every shared check-in of the patient across visits, oldest first. */
export function fetchHistory(patientId: string): Promise<HistoryEntry[]> {
  return api<{ checkins: HistoryEntry[] }>('GET', `/api/patients/${patientId}/checkins`).then((r) => r.checkins);
}

export function fetchPatient(patientId: string): Promise<Patient> {
  return api<{ patient: Patient }>('GET', `/api/patients/${patientId}`).then((r) => r.patient);
}

export function fetchInstrument(id: string): Promise<InstrumentDetail> {
  return api<{ instrument: InstrumentDetail }>('GET', `/api/instruments/${encodeURIComponent(id)}`).then((r) => r.instrument);
}
