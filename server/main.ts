import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createApp, DEFAULT_CLIENT_DIR } from './app';
import { Auditor } from './audit/auditor';
import { ConfigError, loadConfig, type Config } from './config';
import { DatabaseOpenError, describeDatabaseUrl, openDatabase, waitForDatabase, type Database } from './db/database';
import { migrateToLatest } from './db/migrate';
import { lockSqliteForThisProcess } from './db/sqlite-process-lock';
import { createLivekitProbe } from './health/livekit-probe';
import { createLogger, createStdout } from './logger';
import { createRedisStores } from './middleware/redis-rate-store';
import { attachRedisFanout } from './realtime/redis-fanout';
import { issueFirstAdminLink, needsFirstAdmin } from './staff/staff.service';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

// Logging never blocks: a stalled or vanished stdout reader costs log lines, never the process.
const output = createStdout();
const logger = createLogger(config.logLevel, output);
/** A start-up problem the operator must fix: one sentence on stderr, no stack trace, exit non-zero. */
async function refuseToStart(message: string): Promise<never> {
  fs.writeSync(2, `${message}\n`);
  await output.flush(1000);
  process.exit(1);
}

let database: Database;
/** Held (never collected) for the life of the process; the kernel frees it at exit. */
let sqliteLock: { release: () => void } | undefined;
try {
  database = openDatabase(config.databaseUrl, { timeouts: config.database.timeouts, sqliteSynchronous: config.database.sqliteSynchronous });
  // SQLite is the one-machine default: a second server process on the same file is refused.
  const sqliteFile = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : undefined;
  if (sqliteFile && sqliteFile !== ':memory:') sqliteLock = lockSqliteForThisProcess(sqliteFile);
  // PostgreSQL may still be starting (or failing over): wait for it rather than give up at once.
  await waitForDatabase(database, {
    seconds: config.database.waitSeconds,
    url: config.databaseUrl,
    onRetry: (attempt, reason, delayMs) =>
      logger.warn({ attempt, reason, retryInMs: delayMs, database: describeDatabaseUrl(config.databaseUrl) }, 'waiting for the database'),
  });
} catch (err) {
  if (err instanceof DatabaseOpenError) await refuseToStart(err.message);
  throw err;
}
if (database.dialect === 'postgres' && !config.redisUrl) {
  // PostgreSQL is how Alcove runs as several processes; without Redis each would count limits alone.
  logger.warn(
    'REDIS_URL is not set: rate limits are counted per process. If several Alcove processes share this database, each allows the full limit; set REDIS_URL to share them.',
  );
}
try {
  const applied = await migrateToLatest(database);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');
} catch (err) {
  logger.fatal({ err: { message: (err as Error).message } }, 'could not prepare the database');
  process.exit(1);
}

// The first administrator chooses their own password through a one-time link; no password is ever printed.
if (await needsFirstAdmin(database.db)) {
  if (config.env === 'production') {
    // CAUTION: in production the link is never printed: whoever reads the log must not be able to claim the clinic.
    logger.warn(
      'no administrator can sign in yet: run `npm run staff -- invite --role admin --email EMAIL --name "NAME"` on this server for a one-time link',
    );
  } else {
    const link = await issueFirstAdminLink(
      {
        db: database.db,
        auditor: new Auditor(database.db, database.dialect),
        publicUrl: config.publicUrl,
        inviteHours: config.staffInviteHours,
      },
      config.adminEmail,
    );
    if (link) {
      // Printed to the terminal, deliberately outside the structured log.
      output.writeRaw(
        [
          '',
          '  First start: no administrator can sign in yet.',
          `  Open this one-time link to ${link.email ? `set the password of ${link.email}` : 'create the administrator account'}:`,
          `    ${link.url}`,
          `  It works once, until ${link.expiresAt}; restarting the server replaces it.`,
          '',
          '',
        ].join('\n'),
      );
    }
  }
}

const livekitReachable = createLivekitProbe(config.livekit.url);
// With REDIS_URL, rate-limit counters are shared by every server process; in memory otherwise.
const redisStores = config.redisUrl
  ? createRedisStores(config.redisUrl, { prefix: config.limits.redisPrefix, commandTimeoutMs: config.limits.redisCommandTimeoutMs }, logger)
  : undefined;
let draining = false;
const { server, io } = createApp({
  config,
  database,
  logger,
  clientDir: DEFAULT_CLIENT_DIR,
  livekitReachable,
  draining: () => draining,
  ...(redisStores ? { storeFor: redisStores.storeFor } : {}),
});

// With REDIS_URL, socket.io events, room broadcasts and disconnects reach the sockets of every process.
const fanout = config.redisUrl ? await attachRedisFanout(io, config.redisUrl, { prefix: config.realtimeRedisPrefix, logger }) : undefined;

server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, database: database.dialect }, `Alcove is listening on ${config.publicUrl.replace(/:\d+$/, `:${port}`)}`);
  void livekitReachable().then((ok) =>
    ok
      ? logger.info({ livekit: config.livekit.url }, 'video service reachable')
      : logger.warn({ livekit: config.livekit.url }, 'video service NOT reachable: visits work, video will not connect until it is'),
  );
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  // /readyz now answers 503; the balancer gets a moment to notice before this process stops accepting.
  draining = true;
  if (config.shutdownDrainDelayMs) await new Promise((r) => setTimeout(r, config.shutdownDrainDelayMs));
  // Closes every socket's transport without a socket.io "disconnect" packet, so clients reconnect (to
  // another process) by themselves and fetch their state again; then stops accepting and lets
  // in-flight requests finish. Their events still cross processes: the Redis clients close last.
  await io.close().catch(() => undefined);
  server.closeIdleConnections();
  await database.close().catch(() => undefined);
  sqliteLock?.release();
  await fanout?.close();
  await redisStores?.close();
  logger.info({ droppedLogLines: output.dropped() }, 'stopped');
  await output.flush(1000);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
