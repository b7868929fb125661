import { sql, type Kysely } from 'kysely';
import type { Dialect } from './database';
import type { DB } from './schema';

/**
 * Runs `fn` in a transaction that no other writer of the same `lockKey` can interleave with,
 * across every process sharing the database. Used where each row depends on the one before
 * (the audit hash chain), so "read the last row, then insert the next" can never fork.
 *
 * - PostgreSQL: `pg_advisory_xact_lock(lockKey)` inside the transaction; released at commit.
 * - SQLite: `BEGIN IMMEDIATE` takes the database write lock before the read, so a second
 *   process waits (busy_timeout) instead of reading a stale last row; inside one process
 *   Kysely's single connection already serializes everything.
 *
 * When `db` is already a transaction the work joins it (the lock is then held until the caller
 * commits). CAUTION: on SQLite never pass the root `db` while your own transaction is open:
 * the single connection is busy and the call would wait forever; pass the transaction.
 */
export async function serialWrite<T>(db: Kysely<DB>, dialect: Dialect, lockKey: number, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (dialect === 'postgres') {
    const locked = async (trx: Kysely<DB>) => {
      await sql`select pg_advisory_xact_lock(cast(${lockKey} as bigint))`.execute(trx);
      return fn(trx);
    };
    return db.isTransaction ? locked(db) : db.transaction().execute(locked);
  }
  if (db.isTransaction) return fn(db);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}
