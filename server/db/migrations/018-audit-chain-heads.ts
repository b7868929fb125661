import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** The number of audit chains when this migration was written (AUDIT_CHAINS in audit.service.ts). */
const CHAINS = 16;

/**
 * PostgreSQL only: one row per audit chain holding the chain's end (its last position, that entry's
 * hash and the hash before it). An append updates its chain's row and inserts the entry in ONE
 * statement: the row's lock serializes appends to the chain (replacing the advisory lock and its
 * extra round trip), and because PostgreSQL re-reads a row it waited for before updating it, the
 * new entry always links to the entry committed just before. SQLite's one writer needs none of this
 * and reads the chain's end from audit_log as before.
 *
 * Each head starts where its chain ends today (chain 0 after the entries written before 013), or
 * at position 0 with no hash for a chain not used yet (the append then links to its genesis).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await db.schema
    .createTable('audit_chain_heads')
    .addColumn('chain', 'integer', (c) => c.primaryKey())
    .addColumn('chain_seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text')
    .addColumn('prev_hash', 'text')
    .execute();
  await sql`
    insert into audit_chain_heads (chain, chain_seq, hash, prev_hash)
    select c.chain, coalesce(e.pos, 0), e.hash, e.prev_hash
    from generate_series(0, ${sql.lit(CHAINS - 1)}) as c(chain)
    left join lateral (
      select pos, hash, prev_hash from (
        (select chain_seq as pos, hash, prev_hash from audit_log where chain = c.chain and chain_seq is not null order by chain_seq desc limit 1)
        union all
        (select seq as pos, hash, prev_hash from audit_log where c.chain = 0 and chain_seq is null order by seq desc limit 1)
      ) ends order by pos desc limit 1
    ) e on true`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) await db.schema.dropTable('audit_chain_heads').execute();
}
