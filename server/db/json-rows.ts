import { PostgresAdapter, type Kysely, type RawBuilder, type SelectQueryBuilder, type Simplify } from 'kysely';
import { jsonArrayFrom as postgresJsonArrayFrom } from 'kysely/helpers/postgres';
import { jsonArrayFrom as sqliteJsonArrayFrom } from 'kysely/helpers/sqlite';
import type { DB } from './schema';

/**
 * A subquery's rows as one JSON array column, so a query can bring back a row together with its
 * children (a check-in and its answers) in one round trip. The two databases spell this
 * differently; read the column with `jsonRows`.
 */
export function jsonRowsFrom<O>(db: Kysely<DB>, subquery: SelectQueryBuilder<DB, keyof DB, O>): RawBuilder<Simplify<O>[]> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return (postgres ? postgresJsonArrayFrom(subquery) : sqliteJsonArrayFrom(subquery)) as RawBuilder<Simplify<O>[]>;
}

/** The rows of a `jsonRowsFrom` column: PostgreSQL's driver parses JSON, SQLite's hands back its text. */
export function jsonRows<T>(value: T[] | string | null | undefined): T[] {
  if (value == null) return [];
  return typeof value === 'string' ? (JSON.parse(value) as T[]) : value;
}
