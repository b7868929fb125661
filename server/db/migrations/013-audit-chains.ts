import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The audit trail becomes several independent hash chains (see recordAuditEntries), so audit
 * appends of unrelated visits no longer queue behind one lock on PostgreSQL.
 *
 * - `chain`: which chain an entry belongs to (0 for every entry written before this migration).
 * - `chain_seq`: the entry's 1-based, gapless position in its chain. NULL on the entries written
 *   before: they keep their original hash (whose content has no chain columns) and their position
 *   is their `seq`; chain 0 continues from the last of them.
 * - `seq` stays the trail's global order for listing (newest first) and for the API's cursor; on
 *   PostgreSQL it now comes from a sequence, so it is unique and increasing but may skip a number
 *   (a rolled-back change), and entries of different chains may commit out of `seq` order.
 *
 * No existing row is changed: the columns are added with their defaults, so the append-only
 * triggers never fire and every old entry verifies exactly as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('audit_log')
    .addColumn('chain', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('audit_log').addColumn('chain_seq', 'integer').execute();
  // One entry per position per chain (NULLs, the older entries, are distinct in a unique index).
  await db.schema.createIndex('audit_log_chain_pos_idx').on('audit_log').columns(['chain', 'chain_seq']).unique().execute();
  // Finds the last of the older entries (where chain 0 continues) without walking the newer ones.
  await db.schema.createIndex('audit_log_legacy_seq_idx').on('audit_log').column('seq').where(sql.ref('chain_seq'), 'is', null).execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create sequence audit_log_seq as integer`.execute(db);
    await sql`select setval('audit_log_seq', coalesce((select max(seq) from audit_log), 0) + 1, false)`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`drop sequence if exists audit_log_seq`.execute(db);
  await db.schema.dropIndex('audit_log_legacy_seq_idx').execute();
  await db.schema.dropIndex('audit_log_chain_pos_idx').execute();
  await db.schema.alterTable('audit_log').dropColumn('chain_seq').execute();
  await db.schema.alterTable('audit_log').dropColumn('chain').execute();
}
