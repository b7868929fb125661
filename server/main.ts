import type { AddressInfo } from 'node:net';
import { createApp, DEFAULT_CLIENT_DIR } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { openDatabase } from './db/database';
import { migrateToLatest } from './db/migrate';
import { createLivekitProbe } from './health/livekit-probe';
import { createLogger, createStdout } from './logger';
import { createRedisStores } from './middleware/redis-rate-store';
import { ensureFirstAdmin } from './staff/staff.service';

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
const database = openDatabase(config.databaseUrl);
try {
  const applied = await migrateToLatest(database);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');
} catch (err) {
  logger.fatal({ err: { message: (err as Error).message } }, 'could not prepare the database');
  process.exit(1);
}

const firstAdmin = await ensureFirstAdmin(database.db);
if (firstAdmin) {
  // Printed once to the terminal, deliberately outside the structured log.
  output.writeRaw(
    [
      '',
      '  First start: an administrator account was created.',
      `  Sign in at ${config.publicUrl}/ with`,
      `    email:    ${firstAdmin.email}`,
      `    password: ${firstAdmin.password}`,
      '  This password is shown only once.',
      '',
      '',
    ].join('\n'),
  );
}

const livekitReachable = createLivekitProbe(config.livekit.url);
// With REDIS_URL, rate-limit counters are shared by every server process; in memory otherwise.
const redisStores = config.redisUrl ? createRedisStores(config.redisUrl, config.limits.redisPrefix, logger) : undefined;
const { server, io } = createApp({
  config,
  database,
  logger,
  clientDir: DEFAULT_CLIENT_DIR,
  livekitReachable,
  ...(redisStores ? { storeFor: redisStores.storeFor } : {}),
});

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
  await io.close().catch(() => undefined); // closes sockets and the HTTP server, which drains requests
  server.closeIdleConnections();
  await database.close().catch(() => undefined);
  await redisStores?.close();
  logger.info({ droppedLogLines: output.dropped() }, 'stopped');
  await output.flush(1000);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
