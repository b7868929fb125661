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
    return isInTransaction(db) ? locked(db) : db.transaction().execute(locked);
  }
  if (isInTransaction(db)) return fn(db);
  return writeTransaction(db, dialect, fn);
}

/** Connections inside an SQLite `begin immediate` we opened; Kysely does not mark them as transactions. */
const openSqliteWrites = new WeakSet<Kysely<DB>>();

/** True inside a Kysely transaction or a writeTransaction: statements then commit or roll back together. */
export function isInTransaction(db: Kysely<DB>): boolean {
  return db.isTransaction || openSqliteWrites.has(db);
}

/**
 * Runs `fn` in one transaction that is a writer from its first statement: `begin immediate` on
 * SQLite (so a read inside cannot go stale before the write, even across processes), an ordinary
 * transaction on PostgreSQL (whose row locks and advisory locks already do that job). Everything
 * in `fn` must use the `trx` it is given; see the CAUTION above.
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
