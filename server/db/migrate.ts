import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database';
import * as m001 from './migrations/001-staff-and-sessions';
import * as m002 from './migrations/002-patients-visits';
import * as m003 from './migrations/003-video-attendance';
import * as m004 from './migrations/004-checkins';
import * as m005 from './migrations/005-audit';
import * as m006 from './migrations/006-participant-presence';
import * as m007 from './migrations/007-alert-push-record';
import * as m008 from './migrations/008-device-participants';
import * as m011 from './migrations/011-staff-invitations';
import * as m012 from './migrations/012-two-factor';
import * as m013 from './migrations/013-audit-chains';
import * as m014 from './migrations/014-patient-care-team';
import * as m015 from './migrations/015-care-plan';
import * as m016 from './migrations/016-measurement-plan';
import * as m017 from './migrations/017-visit-notes';
import * as m018 from './migrations/018-audit-chain-heads';
import * as m019 from './migrations/019-checkin-revision';

/**
 * Every migration, in order. Files are numbered and never edited once landed; add new ones at
 * the end. A static list (rather than a folder scan) works the same under tsx, vitest and bundlers.
 */
const MIGRATIONS: Record<string, Migration> = {
  '001-staff-and-sessions': m001,
  '002-patients-visits': m002,
  '003-video-attendance': m003,
  '004-checkins': m004,
  '005-audit': m005,
  '006-participant-presence': m006,
  '007-alert-push-record': m007,
  '008-device-participants': m008,
  '011-staff-invitations': m011,
  '012-two-factor': m012,
  '013-audit-chains': m013,
  '014-patient-care-team': m014,
  '015-care-plan': m015,
  '016-measurement-plan': m016,
  '017-visit-notes': m017,
  '018-audit-chain-heads': m018,
  '019-checkin-revision': m019,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date; returns the names of the migrations it applied. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  return migrate(database);
}

/** Brings the schema up to the named migration and no further: for tests of a migration over rows written before it. */
export async function migrateUpTo(database: Database, name: string): Promise<string[]> {
  return migrate(database, name);
}

async function migrate(database: Database, upTo?: string): Promise<string[]> {
  await database.ping();
  // Kysely looks for its bookkeeping tables in every PostgreSQL schema; pin it to ours, or a
  // kysely_migration_lock in another schema (parallel test schemas) is taken for our own.
  const migrationTableSchema =
    database.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]?.s : undefined;
  const migrator = new Migrator({ db: database.db, provider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration failed${failed ? ` at ${failed}` : ''}: ${String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
