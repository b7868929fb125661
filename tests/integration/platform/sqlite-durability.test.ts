import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config';
import { openDatabase, type Database } from '../../../server/db/database';

/*
 * An answer the server has acknowledged as saved, and its audit entry, must survive a power cut
 * or an operating-system crash. On SQLite that takes `synchronous=FULL` in WAL mode (NORMAL syncs
 * only at checkpoints and can lose the last commits); PostgreSQL's default commit already does it.
 * Read back from the real database file's connection.
 */
describe('SQLite commits reach the disk before they are acknowledged', () => {
  const opened: Database[] = [];
  afterEach(async () => {
    for (const d of opened.splice(0)) await d.close();
  });
  const open = (sync?: 'full' | 'normal') => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-sync-')), 'alcove.db');
    const d = openDatabase(`sqlite:${file}`, sync ? { sqliteSynchronous: sync } : {});
    opened.push(d);
    return d;
  };
  const pragmas = async (d: Database) => ({
    journal: (await sql<{ journal_mode: string }>`pragma journal_mode`.execute(d.db)).rows[0]!.journal_mode,
    synchronous: (await sql<{ synchronous: number }>`pragma synchronous`.execute(d.db)).rows[0]!.synchronous,
  });

  it('by default: write-ahead log, synced at every commit (FULL = 2)', async () => {
    expect(await pragmas(open())).toEqual({ journal: 'wal', synchronous: 2 });
    expect(loadConfig({ NODE_ENV: 'test' }).database.sqliteSynchronous).toBe('full');
  });

  it('SQLITE_SYNCHRONOUS=normal opts out (NORMAL = 1); anything else is refused with the setting named', async () => {
    expect(loadConfig({ NODE_ENV: 'test', SQLITE_SYNCHRONOUS: 'normal' }).database.sqliteSynchronous).toBe('normal');
    expect(await pragmas(open('normal'))).toEqual({ journal: 'wal', synchronous: 1 });
    expect(() => loadConfig({ NODE_ENV: 'test', SQLITE_SYNCHRONOUS: 'sometimes' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', SQLITE_SYNCHRONOUS: 'sometimes' })).toThrow(/SQLITE_SYNCHRONOUS/);
  });
});
