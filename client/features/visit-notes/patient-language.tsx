import type { PatientLanguage } from '@shared/api/patients.schema';
import { LANGUAGE_NAMES, usePatientLanguage } from '../../lib/patient-language';

/** "Prefers Spanish": the patient's preferred language, for the visit page's header. */
export function PatientLanguageNote({ patientId, language }: { patientId: string; language?: PatientLanguage }) {
  const fetched = usePatientLanguage(language ? null : patientId);
  const lang = language ?? fetched;
  if (!lang) return null;
  return (
    <span className="badge patient-language" data-testid="patient-language" lang="en">
      Language: {LANGUAGE_NAMES[lang]}
    </span>
  );
}
