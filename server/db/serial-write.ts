import { sql, type Kysely } from 'kysely';
import type { Dialect } from './database';
import type { DB } from './schema';

/** Connections inside an SQLite `begin immediate` we opened; Kysely does not mark them as transactions. */
const openSqliteWrites = new WeakSet<Kysely<DB>>();

/** True inside a Kysely transaction or a writeTransaction: statements then commit or roll back together. */
export function isInTransaction(db: Kysely<DB>): boolean {
  return db.isTransaction || openSqliteWrites.has(db);
}

/**
 * Runs `fn` in one transaction that is a writer from its first statement: `begin immediate` on
 * SQLite (so a read inside cannot go stale before the write, even across processes), an ordinary
 * transaction on PostgreSQL (whose row locks already do that job). Everything in `fn` must use the
 * `trx` it is given: on SQLite the one connection is busy until it ends, so a statement sent to the
 * root `db` meanwhile would wait for ever.
 */
export async function writeTransaction<T>(db: Kysely<DB>, dialect: Dialect, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (isInTransaction(db)) throw new Error('writeTransaction cannot be nested');
  if (dialect === 'postgres') return db.transaction().execute(fn);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    openSqliteWrites.add(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    } finally {
      openSqliteWrites.delete(conn);
    }
  });
}
