import type { Kysely } from 'kysely';
import type { AuditAction } from '@shared/api/audit.schema';
import type { AuditLogTable, DB } from '../db/schema';

export type AuditRow = AuditLogTable;

/** Resolved query filters: `from` inclusive, `to` exclusive, both ISO instants. */
export interface AuditRowFilter {
  from?: string;
  to?: string;
  actorId?: string;
  patientId?: string;
  action?: AuditAction;
}

/** The newest entry's position and hash, or undefined for an empty trail. */
export function lastAuditLink(db: Kysely<DB>): Promise<Pick<AuditRow, 'seq' | 'hash'> | undefined> {
  return db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/** Appends rows in one statement. Callers hold the chain lock (see serialWrite). */
export async function insertAuditRows(db: Kysely<DB>, rows: AuditRow[]): Promise<void> {
  // 16 columns a row: 500 rows stay far below SQLite's limit of bound values per statement.
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('audit_log')
      .values(rows.slice(i, i + 500))
      .execute();
}

/** Newest first, `limit` rows strictly older than `beforeSeq` when given. */
export function listAuditRows(db: Kysely<DB>, filter: AuditRowFilter, page: { limit: number; beforeSeq?: number }): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (filter.from) q = q.where('at', '>=', filter.from);
  if (filter.to) q = q.where('at', '<', filter.to);
  if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
  if (filter.patientId) q = q.where('patient_id', '=', filter.patientId);
  if (filter.action) q = q.where('action', '=', filter.action);
  if (page.beforeSeq !== undefined) q = q.where('seq', '<', page.beforeSeq);
  return q.orderBy('seq', 'desc').limit(page.limit).execute();
}

/** Oldest first, the next `limit` rows after position `afterSeq`; used to walk the chain in batches. */
export function auditRowsAfter(db: Kysely<DB>, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit).execute();
}
