import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

/**
 * Patients waiting or in the call who are recorded as connected and whose state has not changed
 * since `settledBefore`: the ones the backstop sweep checks for a socket on some process.
 */
export function listRecordedConnected(db: Kysely<DB>, settledBefore: string): Promise<{ id: string; visit_id: string }[]> {
  return db
    .selectFrom('participants')
    .select(['id', 'visit_id'])
    .where('kind', '=', 'patient')
    .where('state', 'in', ['waiting', 'admitted'])
    .where('disconnected_at', 'is', null)
    .where('updated_at', '<=', settledBefore)
    .execute();
}
