import type { Visit } from '@shared/api/visits.schema';

/** Statuses in which a visit still occupies its clinicians' time. */
const BUSY = new Set<Visit['status']>(['scheduled', 'in_progress']);

export interface Slot {
  id?: string;
  startsAt: string;
  endsAt: string;
  clinicianIds: string[];
}

/**
 * For each busy visit, the clinicians it shares with another busy visit whose time overlaps.
 * Overlaps are allowed (a clinician may double-book on purpose); the schedule only flags them.
 */
export function findOverlaps(visits: Visit[]): Map<string, string[]> {
  const busy = visits.filter((v) => BUSY.has(v.status));
  const out = new Map<string, Set<string>>();
  for (const a of busy) {
    for (const b of busy) {
      if (a.id === b.id) continue;
      if (!(Date.parse(a.startsAt) < Date.parse(b.endsAt) && Date.parse(b.startsAt) < Date.parse(a.endsAt))) continue;
      const shared = a.clinicians.filter((c) => b.clinicians.some((o) => o.id === c.id));
      if (!shared.length) continue;
      const names = out.get(a.id) ?? new Set<string>();
      for (const c of shared) names.add(c.name);
      out.set(a.id, names);
    }
  }
  return new Map([...out].map(([id, names]) => [id, [...names]]));
}

/** The busy visits among `visits` that clash with a proposed slot for any of its clinicians. */
export function clashesWith(slot: Slot, visits: Visit[]): Visit[] {
  return visits.filter(
    (v) =>
      v.id !== slot.id &&
      BUSY.has(v.status) &&
      Date.parse(v.startsAt) < Date.parse(slot.endsAt) &&
      Date.parse(slot.startsAt) < Date.parse(v.endsAt) &&
      v.clinicians.some((c) => slot.clinicianIds.includes(c.id)),
  );
}
