import type { AnswerValue, Answers, InstrumentDefinition } from './definition.schema';
import { isItemEnabled, isSafetyPositive, scoreCheckin } from './scoring';

/** What a set of answers means for safety: crisis resources for the patient, alerts for the clinicians. */
export interface SafetyAssessment {
  /** Show the patient crisis resources now. */
  crisis: boolean;
  /** Codes of the critical clinician flags to raise (each raised once per check-in by the server). */
  clinicianAlerts: string[];
}

/** Codes of the clinician flags that must interrupt the clinician: critical ones. */
function criticalClinicianFlags(def: InstrumentDefinition): Set<string> {
  return new Set(def.scoring.flags.filter((f) => f.audience === 'clinician' && f.severity === 'critical').map((f) => f.code));
}

/**
 * The critical clinician flags one answer settles on its own (PHQ-9 item 9 ≥ 1 or declined). Each
 * alert rule is tested alone with isSafetyPositive, so only rules that also show the patient crisis
 * resources count while answering; every other critical flag waits for the full score at sharing.
 */
function alertsForAnswer(def: InstrumentDefinition, critical: Set<string>, linkId: string, value: AnswerValue): string[] {
  const codes: string[] = [];
  for (const rule of def.scoring.alerts) {
    const raises = rule.raise.filter((c) => critical.has(c));
    if (raises.length && isSafetyPositive({ ...def, scoring: { ...def.scoring, alerts: [rule] } }, linkId, value)) codes.push(...raises);
  }
  return codes;
}

/**
 * Safety of a check-in's answers. While answering (`sharing` false) each enabled answer is judged
 * on its own, so nothing is said about questions not reached yet; with `only`, just that one answer
 * is judged (the one being saved). At sharing the full score decides, so an unanswered safety item
 * counts too. Pure: the server stores and broadcasts, this only decides.
 */
export function assessSafety(def: InstrumentDefinition, answers: Answers, options: { sharing?: boolean; only?: string } = {}): SafetyAssessment {
  const critical = criticalClinicianFlags(def);
  if (options.sharing) {
    const result = scoreCheckin(def, answers, { lang: 'en' });
    return { crisis: result.crisisResources, clinicianAlerts: result.flags.filter((f) => critical.has(f.code)).map((f) => f.code) };
  }
  const alerts = new Set<string>();
  let crisis = false;
  for (const [linkId, value] of Object.entries(answers)) {
    if (value === undefined || (options.only !== undefined && linkId !== options.only)) continue;
    if (!isItemEnabled(def, linkId, answers) || !isSafetyPositive(def, linkId, value)) continue;
    crisis = true;
    for (const code of alertsForAnswer(def, critical, linkId, value)) alerts.add(code);
  }
  return { crisis, clinicianAlerts: [...alerts] };
}
