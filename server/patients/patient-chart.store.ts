import type { Kysely } from 'kysely';
import type { CheckinRow } from '../checkins/checkins.store';
import type { DB } from '../db/schema';
import { chunks, type VisitRow } from '../visits/visits.store';

type Db = Kysely<DB>;

/** Every visit of the patient, in start order. */
export function visitsOfPatient(db: Db, patientId: string): Promise<VisitRow[]> {
  return db.selectFrom('visits').selectAll().where('patient_id', '=', patientId).orderBy('starts_at').orderBy('id').execute();
}

/** Every check-in of the patient, shared or not, in sending order (alerts can be raised before sharing). */
export function checkinsOfPatient(db: Db, patientId: string): Promise<CheckinRow[]> {
  return db.selectFrom('checkins').selectAll().where('patient_id', '=', patientId).orderBy('sent_at').orderBy('id').execute();
}

/** For many patients: the soonest visit not yet ended or cancelled (whoever is on it), by patient id. */
export async function nextVisitByPatient(db: Db, patientIds: string[]): Promise<Map<string, Pick<VisitRow, 'id' | 'starts_at'>>> {
  const out = new Map<string, Pick<VisitRow, 'id' | 'starts_at'>>();
  for (const ids of chunks(patientIds)) {
    const rows = await db
      .selectFrom('visits')
      .select(['visits.id', 'visits.patient_id', 'visits.starts_at'])
      .where('visits.patient_id', 'in', ids)
      .where('visits.status', 'in', ['scheduled', 'in_progress'])
      .orderBy('visits.starts_at')
      .orderBy('visits.id')
      .execute();
    for (const r of rows) if (!out.has(r.patient_id)) out.set(r.patient_id, { id: r.id, starts_at: r.starts_at });
  }
  return out;
}

/** For many patients: their latest shared check-in, by patient id. */
export async function lastSharedCheckinByPatient(db: Db, patientIds: string[]): Promise<Map<string, Pick<CheckinRow, 'id' | 'instrument_id' | 'shared_at'>>> {
  const out = new Map<string, Pick<CheckinRow, 'id' | 'instrument_id' | 'shared_at'>>();
  for (const ids of chunks(patientIds)) {
    const rows = await db
      .selectFrom('checkins as c')
      .select(['c.id', 'c.patient_id', 'c.instrument_id', 'c.shared_at'])
      .where('c.patient_id', 'in', ids)
      .where('c.status', '=', 'shared')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('checkins as later')
              .select('later.id')
              .whereRef('later.patient_id', '=', 'c.patient_id')
              .where('later.status', '=', 'shared')
              .whereRef('later.shared_at', '>', 'c.shared_at'),
          ),
        ),
      )
      .orderBy('c.shared_at', 'desc')
      .orderBy('c.id')
      .execute();
    for (const r of rows) if (!out.has(r.patient_id)) out.set(r.patient_id, { id: r.id, instrument_id: r.instrument_id, shared_at: r.shared_at });
  }
  return out;
}

/** For many patients: how many safety alerts on their check-ins are not acknowledged yet. */
export async function openAlertCountByPatient(db: Db, patientIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const ids of chunks(patientIds)) {
    const rows = await db
      .selectFrom('safety_alerts')
      .innerJoin('checkins', 'checkins.id', 'safety_alerts.checkin_id')
      .select(['checkins.patient_id'])
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('checkins.patient_id', 'in', ids)
      .where('safety_alerts.acknowledged_at', 'is', null)
      .groupBy('checkins.patient_id')
      .execute();
    for (const r of rows) out.set(r.patient_id, Number(r.n));
  }
  return out;
}
