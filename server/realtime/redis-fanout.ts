import { RedisAdapter } from '@socket.io/redis-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Namespace } from 'socket.io';
import type { RealtimeServer, SocketData } from './socket-server';

const CONNECT_TIMEOUT_MS = 2000;
/** How long a cross-process request (fetchSockets, used for presence) waits for the other processes. */
const REQUEST_TIMEOUT_MS = 2000;
/** Longest start-up wait for Redis before serving anyway (events then stay on this process until it answers). */
const FIRST_CONNECT_WAIT_MS = 2500;
/** After sending its clients to resync, a process ignores further resync requests this long. */
const RESYNC_QUIET_MS = 5000;
/**
 * After Redis answers again, lookups across processes count as partial this long: the other
 * processes reconnect on their own schedule (at most every 2 s), and until one has subscribed again
 * Redis counts it out, exactly as it counts out a dead one.
 */
const SETTLE_AFTER_OUTAGE_MS = 5000;

export interface RedisFanout {
  close: () => Promise<void>;
}

type FetchOptions = Parameters<RedisAdapter['fetchSockets']>[0];

/** What a lookup across processes found, and whether every process answered. */
export interface SocketLookup {
  /** This process's sockets, and (when `complete`) every other process's. */
  sockets: { data: SocketData }[];
  /**
   * True when every live process answered: Redis reached, this process's own link up and settled,
   * and an answer from each process subscribed to the adapter's request channel (Redis's PUBSUB
   * NUMSUB, which the adapter reads first). A process that died (SIGKILL, crash) is no longer
   * subscribed once Redis sees its connection close, so it is not waited for: the answer is still
   * complete. False when Redis is away, another process did not answer within REQUEST_TIMEOUT_MS, or
   * Redis came back less than SETTLE_AFTER_OUTAGE_MS ago; `sockets` are then only this process's.
   */
  complete: boolean;
}

/**
 * A RedisAdapter that never fails a lookup because Redis is away: it answers with this process's
 * own sockets instead (the best it knows), says so once, and tells `lookup`'s callers the answer
 * is partial.
 */
class ResilientRedisAdapter extends RedisAdapter {
  constructor(
    nsp: Namespace,
    pub: Redis,
    sub: Redis,
    opts: ConstructorParameters<typeof RedisAdapter>[3],
    private readonly onDegraded: (err: Error) => void,
    /** This process's link to Redis is up, and has been since the other processes had time to come back. */
    private readonly settled: () => boolean,
  ) {
    super(nsp, pub, sub, opts);
  }

  override async fetchSockets(opts: FetchOptions) {
    return (await this.lookup(opts)).sockets;
  }

  async lookup(opts: FetchOptions): Promise<SocketLookup> {
    const settledBefore = this.settled();
    try {
      const sockets = await super.fetchSockets(opts);
      return { sockets, complete: settledBefore && this.settled() };
    } catch (err) {
      this.onDegraded(err as Error);
      return { sockets: await super.fetchSockets({ ...opts, flags: { ...opts.flags, local: true } }), complete: false };
    }
  }
}

/**
 * The sockets in `roomNames` on every process, and whether that answer is complete (see
 * SocketLookup). Without the Redis adapter there is one process, and every answer is complete.
 * For decisions that must not be taken on a partial view (presence marking someone lost).
 */
export async function lookupSockets(io: RealtimeServer, roomNames: string[]): Promise<SocketLookup> {
  const adapter = io.of('/').adapter;
  if (adapter instanceof ResilientRedisAdapter) return adapter.lookup({ rooms: new Set(roomNames), except: new Set(), flags: {} });
  return { sockets: await io.in(roomNames).fetchSockets(), complete: true };
}

/**
 * Makes the command methods the adapter calls without awaiting safe: a rejection (Redis down,
 * client closing) is reported instead of becoming an unhandled rejection, which would end the process.
 */
function absorbRejections(client: Redis, methods: string[], onError: (err: Error) => void): void {
  const target = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of methods) {
    const original = target[name]!.bind(client);
    target[name] = (...args: unknown[]) =>
      original(...args).catch((err: Error) => {
        onError(err);
        return undefined;
      });
  }
}

/** Resolves once the client is ready, or after `ms` (whatever happened). */
function readyWithin(client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Closes this process's socket connections at the transport level, without socket.io's
 * "disconnect" packet, so the clients reconnect by themselves and fetch their state again over HTTP.
 */
export function resyncLocalSockets(io: RealtimeServer): void {
  for (const socket of io.of('/').sockets.values()) socket.conn.close();
}

/**
 * Puts socket.io on Redis pub/sub (`@socket.io/redis-adapter`) so every emit, room broadcast,
 * `disconnectSockets` and `fetchSockets` reaches the sockets of every process sharing `redisUrl`
 * and `prefix`.
 *
 * CAUTION: pub/sub keeps nothing. An event published while Redis is away is lost, so once Redis
 * answers again after an outage every process sends its clients to reconnect, and the clients
 * fetch their state again over HTTP (the socket provider does this on every connection). While
 * Redis is away each process still serves its own sockets, commands fail at once (no queue, short
 * timeouts), lookups fall back to this process's sockets (`lookupSockets` says the answer is
 * partial, until a few seconds after Redis is back), and the outage is logged once.
 */
export async function attachRedisFanout(io: RealtimeServer, redisUrl: string, opts: { prefix: string; logger: Logger }): Promise<RedisFanout> {
  const { logger } = opts;
  const base: RedisOptions = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Keep reconnecting for ever, at most every 2 s, so recovery needs nobody.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  };
  // Publishing fails at once while disconnected instead of queueing behind a dead connection.
  const pub = new Redis(redisUrl, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000 });
  // The subscriber queues its (few) subscribe commands until connected and resubscribes after a drop.
  const sub = new Redis(redisUrl, { ...base, maxRetriesPerRequest: null, autoResubscribe: true });

  let closing = false;
  let lastResync = 0;
  // Every process recovers from the same outage and asks the others to resync: one round is enough.
  const resync = () => {
    if (Date.now() - lastResync < RESYNC_QUIET_MS) return;
    lastResync = Date.now();
    resyncLocalSockets(io);
  };
  let down = false;
  let ready = false;
  // Lookups are partial until then (see SETTLE_AFTER_OUTAGE_MS).
  let settledAt = 0;
  const settled = () => !down && pub.status === 'ready' && sub.status === 'ready' && Date.now() >= settledAt;
  const outage = (reason: string) => {
    if (closing || down) return;
    down = true;
    logger.warn({ reason }, 'Redis unreachable: live events no longer cross processes until it answers again');
  };
  const recovered = () => {
    if (!down || closing || pub.status !== 'ready' || sub.status !== 'ready') return;
    down = false;
    settledAt = Date.now() + SETTLE_AFTER_OUTAGE_MS;
    logger.info('Redis answers again: live events cross processes; clients reconnect to fetch what they missed');
    resync();
    io.serverSideEmit('realtime:resync');
  };
  for (const client of [pub, sub]) {
    // Without the URL, which may carry a password.
    client.on('error', (err: Error) => logger.debug({ err: { name: err.name, message: err.message } }, 'redis connection problem'));
    client.on('close', () => {
      if (ready) outage('connection closed');
    });
    client.on('ready', recovered);
  }
  const reportFailure = (err: Error) => {
    if (!closing) outage(err.message);
  };
  absorbRejections(pub, ['publish'], reportFailure);
  absorbRejections(sub, ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'], () => undefined);

  // Another process recovered from an outage: events it published may not have reached our sockets.
  io.on('realtime:resync', resync);

  const adapterOptions = { key: opts.prefix, requestsTimeout: REQUEST_TIMEOUT_MS };
  // socket.io calls the factory with `new`, so it must be a function, not an arrow.
  function adapterFor(nsp: Namespace) {
    return new ResilientRedisAdapter(nsp, pub, sub, adapterOptions, reportFailure, settled);
  }
  io.adapter(adapterFor as unknown as Parameters<RealtimeServer['adapter']>[0]);

  await Promise.all([readyWithin(pub, FIRST_CONNECT_WAIT_MS), readyWithin(sub, FIRST_CONNECT_WAIT_MS)]);
  ready = true;
  if (pub.status !== 'ready' || sub.status !== 'ready') outage('not reachable at start');

  return {
    async close() {
      closing = true;
      await Promise.all([pub, sub].map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
