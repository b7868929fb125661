import type { CarePlan, Medication, MedicationEvent } from '@shared/api/care-plan.schema';
import type { CarePlanRows, MedicationEventRow, MedicationRow } from './care-plan.store';

const KIND_ORDER = { start: 0, dose_change: 1, stop: 2 } as const;

/** Events oldest first: by day, then start before dose changes before the stop, then as recorded. */
export function sortEvents(events: MedicationEventRow[]): MedicationEventRow[] {
  return [...events].sort(
    (a, b) =>
      a.occurred_on.localeCompare(b.occurred_on) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.recorded_at.localeCompare(b.recorded_at) || a.id.localeCompare(b.id),
  );
}

export function toMedication(m: MedicationRow, events: MedicationEventRow[]): Medication {
  return {
    id: m.id,
    name: m.name,
    dose: m.dose,
    startedOn: m.started_on,
    stoppedOn: m.stopped_on,
    prescriber: m.prescriber,
    watchSexualSideEffects: Number(m.watch_sexual_side_effects) === 1,
    events: sortEvents(events).map((e): MedicationEvent => ({ kind: e.kind, on: e.occurred_on, dose: e.dose })),
  };
}

export function toCarePlan(rows: CarePlanRows): CarePlan {
  const eventsBy = new Map<string, MedicationEventRow[]>();
  for (const e of rows.events) eventsBy.set(e.medication_id, [...(eventsBy.get(e.medication_id) ?? []), e]);
  return {
    goals: rows.goals.map((g) => ({ id: g.id, text: g.text, ownerId: g.owner_id, ownerName: g.owner_name, status: g.status, createdAt: g.created_at })),
    problems: rows.problems.map((p) => ({ id: p.id, text: p.text, ownerId: p.owner_id, ownerName: p.owner_name, status: p.status, createdAt: p.created_at })),
    medications: rows.medications.map((m) => toMedication(m, eventsBy.get(m.id) ?? [])),
    referrals: rows.referrals.map((r) => ({ id: r.id, to: r.referred_to, reason: r.reason, status: r.status, referredOn: r.referred_on, updatedOn: r.updated_on })),
    history: rows.changes.map((c) => ({ at: c.at, byId: c.by_staff_id, byName: c.by_name, entity: c.entity, entityId: c.entity_id, summary: c.summary })),
  };
}
