import { sql, type Kysely } from 'kysely';
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

/**
 * In one statement: the last entry of `chain` (its position and hash; chain 0 continues from the
 * last entry written before migration 013) and the largest `seq` of the whole trail (0 when empty).
 */
export async function chainEnd(db: Kysely<DB>, chain: number): Promise<{ last?: { position: number; hash: string }; maxSeq: number }> {
  const c = sql`cast(${chain} as integer)`;
  const { rows } = await sql<{ max_seq: number | string | null; pos: number | string | null; hash: string | null }>`
    select m.max_seq, e.pos, e.hash
    from (select max(seq) as max_seq from audit_log) m
    left join (
      select pos, hash from (
        select * from (select chain_seq as pos, hash from audit_log where chain = ${c} and chain_seq is not null order by chain_seq desc limit 1) a
        union all
        select * from (select seq as pos, hash from audit_log where ${c} = 0 and chain_seq is null order by seq desc limit 1) b
      ) ends order by pos desc limit 1
    ) e on 1 = 1`.execute(db);
  const row = rows[0];
  return {
    maxSeq: Number(row?.max_seq ?? 0),
    ...(row?.pos != null && row.hash ? { last: { position: Number(row.pos), hash: row.hash } } : {}),
  };
}

/** Appends rows in one statement. Callers hold the chain's lock (see recordAuditEntries). */
export async function insertAuditRows(db: Kysely<DB>, rows: AuditRow[]): Promise<void> {
  // 18 columns a row: 500 rows stay far below SQLite's limit of bound values per statement.
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

/** Entries written before migration 013, oldest first: the next `limit` after position (seq) `afterSeq`. */
export function legacyRowsAfter(db: Kysely<DB>, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('chain_seq', 'is', null)
    .where('seq', '>', afterSeq)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
}

/** Entries of `chain` written since migration 013, oldest first: the next `limit` after position `after`. */
export function chainRowsAfter(db: Kysely<DB>, chain: number, after: number, limit: number): Promise<AuditRow[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('chain', '=', chain)
    .where('chain_seq', '>', after)
    .orderBy('chain_seq', 'asc')
    .limit(limit)
    .execute();
}

/** Every chain that holds an entry written since migration 013, in order. */
export async function auditChains(db: Kysely<DB>): Promise<number[]> {
  const rows = await db.selectFrom('audit_log').select('chain').distinct().where('chain_seq', 'is not', null).orderBy('chain').execute();
  return rows.map((r) => Number(r.chain));
}
