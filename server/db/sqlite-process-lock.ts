import path from 'node:path';
import SQLite from 'better-sqlite3';
import { DatabaseOpenError } from './database';

/**
 * Makes this process the only server on a SQLite database: an exclusive SQLite lock on
 * `<file>.lock`, held until the process ends. The kernel drops the lock when the process dies,
 * however it dies, so a crash never leaves a stale lock behind (unlike a pid file).
 *
 * The database file itself is not locked: the staff and audit CLIs may still open it while the
 * server runs. Throws DatabaseOpenError when another process holds the lock.
 */
export function lockSqliteForThisProcess(file: string): { release: () => void } {
  const lockFile = `${path.resolve(file)}.lock`;
  const lock = new SQLite(lockFile, { timeout: 0 });
  try {
    // In exclusive locking mode SQLite keeps the write lock from the first write until the connection closes.
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('create table if not exists holder (pid integer not null); delete from holder;');
    lock.prepare('insert into holder (pid) values (?)').run(process.pid);
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new DatabaseOpenError(
        `The SQLite database ${path.resolve(file)} is already served by another Alcove process. ` +
          'SQLite is for one process on one machine: stop the other process, or run several processes on PostgreSQL (DATABASE_URL=postgres://…) with REDIS_URL.',
      );
    }
    throw new DatabaseOpenError(`Cannot lock the SQLite database ${path.resolve(file)}: ${(err as Error).message}`);
  }
  return { release: () => lock.close() };
}
