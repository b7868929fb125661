import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Cheap round trip used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL time limits, in milliseconds; a partition or a stuck query fails a request instead of hanging it. */
export interface PgTimeouts {
  /** Establishing a new connection. */
  connectMs: number;
  /** Server side: one statement (PostgreSQL cancels it). */
  statementMs: number;
  /** Client side: waiting for a query's answer; the connection is then discarded. */
  queryMs: number;
  /** Server side: a transaction left open with nothing running. */
  idleInTransactionMs: number;
}

export const DEFAULT_PG_TIMEOUTS: PgTimeouts = { connectMs: 5000, statementMs: 10_000, queryMs: 15_000, idleInTransactionMs: 10_000 };

/**
 * When an SQLite commit reaches the disk. `full` (the default) syncs the write-ahead log at every
 * commit, so an answer or audit entry the server has acknowledged survives a power cut or an
 * operating-system crash, as a PostgreSQL commit does (`synchronous_commit=on`). `normal` syncs
 * only at checkpoints: faster, never corrupt, but the last commits can be lost in such a crash.
 */
export type SqliteSynchronous = 'full' | 'normal';

export interface DatabaseOptions {
  /** PostgreSQL only: use (and create) this schema instead of `public`; tests get one each. */
  pgSchema?: string;
  /** SQLite only; see SqliteSynchronous. */
  sqliteSynchronous?: SqliteSynchronous;
  /** PostgreSQL only. */
  timeouts?: PgTimeouts;
}

/** A database that cannot be opened for a reason retrying will not fix; the message is meant for the operator. */
export class DatabaseOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseOpenError';
  }
}

/** Opens the database named by a DATABASE_URL (`sqlite:PATH` or `postgres://…`). */
export function openDatabase(url: string, options: DatabaseOptions = {}): Database {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options.sqliteSynchronous ?? 'full');
  return openPostgres(url, options.pgSchema, options.timeouts ?? DEFAULT_PG_TIMEOUTS);
}

/** Pseudo-filesystems where a database file can never live (and where mkdir may not even return). */
const NOT_A_DISK = ['/proc', '/sys', '/dev'];

/** Checks a SQLite path before opening it, so a bad one gives one clear sentence instead of a stack trace. */
function prepareSqlitePath(file: string): void {
  const full = path.resolve(file);
  const problem = (why: string) => new DatabaseOpenError(`Cannot open the SQLite database ${full}: ${why}`);
  if (NOT_A_DISK.some((dir) => full === dir || full.startsWith(`${dir}/`))) throw problem('that is not a place for files');
  if (fs.existsSync(full) && !fs.statSync(full).isFile()) throw problem('it is a directory or a device, not a file');
  // The nearest existing folder must be a folder we may write into (SQLite adds -wal and -shm files).
  let dir = path.dirname(full);
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  if (!fs.statSync(dir).isDirectory()) throw problem(`${dir} is not a folder`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw problem(`the folder ${dir} is not writable`);
  }
  fs.mkdirSync(path.dirname(full), { recursive: true });
}

function openSqlite(file: string, synchronous: SqliteSynchronous): Database {
  let handle: SQLite.Database;
  try {
    if (file !== ':memory:') prepareSqlitePath(file);
    handle = new SQLite(file);
  } catch (err) {
    if (err instanceof DatabaseOpenError) throw err;
    throw new DatabaseOpenError(`Cannot open the SQLite database ${path.resolve(file)}: ${(err as Error).message}`);
  }
  handle.pragma('journal_mode = WAL');
  handle.pragma('foreign_keys = ON');
  handle.pragma('busy_timeout = 5000');
  handle.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: handle }) });
  return {
    db,
    dialect: 'sqlite',
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

function openPostgres(url: string, pgSchema: string | undefined, timeouts: PgTimeouts): Database {
  if (pgSchema && !/^[a-z_][a-z0-9_]{0,62}$/.test(pgSchema)) throw new Error('invalid schema name');
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: 10,
      application_name: 'alcove',
      connectionTimeoutMillis: timeouts.connectMs,
      statement_timeout: timeouts.statementMs,
      query_timeout: timeouts.queryMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
      // Notices a peer that vanished (failover, partition) on idle connections too.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(pgSchema ? { options: `-c search_path=${pgSchema}` } : {}),
    });
  } catch (err) {
    throw new DatabaseOpenError(`DATABASE_URL is not a usable PostgreSQL address: ${(err as Error).message}`);
  }
  // CAUTION: a connection can fail while idle in the pool or while checked out by a request. pg
  // emits 'error' on the client in both cases, and an 'error' without a listener ends the process.
  // The request that owned it fails on its own (and gets a 503); here the error is only absorbed.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    prepareStatements(client);
    sendInOneWrite(client);
    discardBrokenConnections(client);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let schemaReady: Promise<void> | undefined;
  const database: Database = {
    db,
    dialect: 'postgres',
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
  if (pgSchema) {
    schemaReady = sql`create schema if not exists ${sql.id(pgSchema)}`.execute(db).then(() => undefined);
    const ping = database.ping;
    database.ping = async () => {
      await schemaReady;
      await ping();
    };
  }
  return database;
}

/** Distinct statements one connection keeps prepared; past it, statements go unnamed (parsed each time). */
const PREPARED_PER_CONNECTION = 300;
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
/** `select *`, `"t".*`, `returning *`: their result changes when a column is added. */
const STAR = /\.\*|(?:select|returning|,)\s*\*(?!\))/i;
/** Statement text → its name, or null when it is not prepared: the app sends a few hundred distinct texts. */
const statementNames = new Map<string, string | null>();

function statementName(text: string): string | null {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = PREPARABLE.test(text) && !STAR.test(text) ? `a${createHash('sha1').update(text).digest('base64url').slice(0, 20)}` : null;
    if (statementNames.size < 10 * PREPARED_PER_CONNECTION) statementNames.set(text, name);
  }
  return name;
}

/** The connection's socket, which pg does not expose in its types. */
const socketOf = (client: pg.PoolClient) =>
  (client as unknown as { connection?: { stream?: { cork(): void; uncork(): void; destroy(): void } } }).connection?.stream;

/**
 * Sends each parameterized query as a named prepared statement, named by a hash of its text, so the
 * connection's backend parses and plans it once instead of on every request (Kysely sends text and
 * values only). pg keeps the names per connection and prepares on first use.
 *
 * CAUTION: PostgreSQL refuses to run a prepared statement whose result columns changed ("cached
 * plan must not change result type"), which a newer release adding a column during a rolling
 * deploy would cause for `select *`. Statements that expand `*` are therefore never prepared; if
 * one still fails that way, discardBrokenConnections drops its connection.
 */
function prepareStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const prepared = new Set<string>();
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    const name = typeof text === 'string' && Array.isArray(values) && args.length === 2 ? statementName(text) : null;
    if (!name) return query(...args);
    if (!prepared.has(name)) {
      if (prepared.size >= PREPARED_PER_CONNECTION) return query(text, values);
      prepared.add(name);
    }
    return query({ name, text, values });
  }) as typeof client.query;
}

/**
 * pg writes each protocol message of a query (parse, bind, describe, execute, sync) to the socket
 * separately: five system calls, and five wake-ups of the backend, per statement. Corking the
 * socket while pg submits the query sends them in one write. A query that has to queue behind
 * another is submitted later, unbatched, which is only slower.
 */
function sendInOneWrite(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const socket = socketOf(client);
    socket?.cork();
    try {
      return query(...args);
    } finally {
      socket?.uncork();
    }
  }) as typeof client.query;
}

/**
 * Cuts a connection that a failed query left unfit, so the pool drops it and the next request
 * opens a fresh one:
 * - pg's query_timeout gives up on the answer but keeps the connection, and the next query would
 *   queue behind the lost one (in a partition, for as long as it lasts);
 * - a prepared statement whose result columns changed (SQLSTATE 0A000) fails again on every use.
 */
function discardBrokenConnections(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      result.catch((err: unknown) => {
        const e = err as { message?: unknown; code?: unknown } | undefined;
        if (e?.message === 'Query read timeout' || e?.code === '0A000') socketOf(client)?.destroy();
      });
    }
    return result;
  }) as typeof client.query;
}

/** SQLSTATE classes and codes, and Node socket errors, that mean "the database cannot be reached right now". */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300', '25P03', 'SQLITE_BUSY', 'SQLITE_LOCKED']);
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end',
];

/**
 * True when `err` says the database is unreachable, restarting, overloaded or timed out, rather than
 * that the request was wrong: such a request should fail with 503 and may be retried.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return UNAVAILABLE_MESSAGES.some((m) => message.includes(m));
}

/** Where a DATABASE_URL points, without the password, for messages to the operator. */
export function describeDatabaseUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const u = new URL(url);
    return `postgres://${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'a PostgreSQL URL that cannot be parsed';
  }
}

/**
 * Waits until the database answers, retrying with backoff for up to `seconds` while it is
 * unreachable (starting, restarting, not yet routable). Errors retrying cannot fix (a wrong
 * password, a missing database) end the wait at once. Throws DatabaseOpenError when it gives up.
 */
export async function waitForDatabase(
  database: Database,
  opts: { seconds: number; url: string; onRetry?: (attempt: number, reason: string, delayMs: number) => void },
): Promise<void> {
  const deadline = Date.now() + opts.seconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await database.ping();
      return;
    } catch (err) {
      const reason = errorReason(err);
      if (!isDatabaseUnavailable(err)) {
        throw new DatabaseOpenError(`Cannot use the database at ${describeDatabaseUrl(opts.url)}: ${reason}`);
      }
      const delayMs = Math.min(250 * 2 ** (attempt - 1), 5000, Math.max(0, deadline - Date.now()));
      if (delayMs <= 0) {
        throw new DatabaseOpenError(
          `Cannot reach the database at ${describeDatabaseUrl(opts.url)} after ${opts.seconds} s (${reason}); set DB_WAIT_SECONDS to wait longer`,
        );
      }
      opts.onRetry?.(attempt, reason, delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

function errorReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message ? e.message : 'unknown error';
  return typeof e?.code === 'string' ? `${e.code}: ${message}` : message;
}
