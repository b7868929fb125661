import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from 'pino';
import type { StoreFactory } from './rate-limit';

const CONNECT_TIMEOUT_MS = 2000;

export interface RedisStores {
  /** One RedisStore per limiter name, all over one connection; keys are `<prefix><name>:<key>`. */
  storeFor: StoreFactory;
  close: () => Promise<void>;
}

export interface RedisStoreOptions {
  prefix: string;
  /** A command that has not answered by then has failed (and the request is not limited). */
  commandTimeoutMs: number;
  /** Consecutive failures that open the circuit. */
  failuresToOpen?: number;
  /** How long an open circuit refuses commands before letting one through to try again. */
  openMs?: number;
}

/**
 * Rate-limit counters in Redis, so several server processes enforce one limit together.
 * The connection is shared; each limiter gets its own store (express-rate-limit refuses one
 * store in two limiters) under its own key prefix.
 *
 * CAUTION: the limits fail open. A Redis that is down or partitioned must cost each request
 * milliseconds, never seconds: commands time out quickly, nothing is queued while disconnected, and
 * after a few failures a circuit breaker refuses commands at once for a moment. The outage is logged
 * once when it starts and once when Redis answers again.
 */
export function createRedisStores(redisUrl: string, opts: RedisStoreOptions, logger?: Logger): RedisStores {
  const client = new Redis(redisUrl, {
    commandTimeout: opts.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Keep reconnecting for ever, at most every 2 s, so recovery needs nobody.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // Connection problems are logged at debug level (without the URL, which may carry a password):
  // the breaker below reports the outage itself, once.
  client.on('error', (err: Error) => logger?.debug({ err: { name: err.name, message: err.message } }, 'redis connection problem'));
  // Until the first connection attempt has an outcome, commands wait for it (at most the connect
  // timeout) instead of failing: the limiters load their scripts at boot, before Redis is connected.
  let firstAttemptDone = false;
  const firstAttempt = new Promise<void>((resolve) => {
    const done = () => {
      firstAttemptDone = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
    timer.unref();
    client.once('ready', done);
    client.once('error', done);
    client.once('end', done);
  });
  const breaker = new CircuitBreaker(opts.failuresToOpen ?? 3, opts.openMs ?? 1000, {
    onOpen: (reason) => logger?.warn({ reason }, 'Redis unreachable: rate limits are NOT enforced until it answers again'),
    onClose: () => logger?.info('Redis answers again: rate limits are enforced'),
  });

  const sendCommand = async (command: string, ...args: string[]): Promise<RedisReply> => {
    if (!firstAttemptDone) await firstAttempt;
    return breaker.run(() => client.call(command, ...args) as Promise<RedisReply>);
  };
  return {
    storeFor(name) {
      const store = new RedisStore({
        prefix: `${opts.prefix}${name}:`,
        sendCommand: (...args: string[]) => sendCommand(args[0] ?? '', ...args.slice(1)),
      });
      // The store loads its Lua scripts eagerly; if Redis is down now, it reloads them on first use.
      // Without these handlers a failed load would be an unhandled rejection and end the process.
      store.incrementScriptSha.catch(() => undefined);
      store.getScriptSha.catch(() => undefined);
      return new FailOpenStore(store);
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/**
 * Consecutive failures open the circuit: commands are then refused at once for `openMs`, after
 * which one command is let through; its success closes the circuit, its failure opens it again.
 */
class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trialRunning = false;
  private down = false;

  constructor(
    private readonly failuresToOpen: number,
    private readonly openMs: number,
    private readonly events: { onOpen: (reason: string) => void; onClose: () => void },
  ) {}

  async run<T>(command: () => Promise<T>): Promise<T> {
    const open = this.failures >= this.failuresToOpen;
    if (open && (Date.now() < this.openUntil || this.trialRunning)) throw new Error('redis circuit open');
    if (open) this.trialRunning = true;
    try {
      const result = await command();
      this.failures = 0;
      if (this.down) {
        this.down = false;
        this.events.onClose();
      }
      return result;
    } catch (err) {
      this.failures++;
      if (this.failures >= this.failuresToOpen) {
        this.openUntil = Date.now() + this.openMs;
        if (!this.down) {
          this.down = true;
          this.events.onOpen((err as Error).message);
        }
      }
      throw err;
    } finally {
      if (open) this.trialRunning = false;
    }
  }
}

/**
 * Lets a request through, counted as its client's first, when the shared counter cannot be reached,
 * instead of handing express-rate-limit an error (which it would log once per request).
 */
class FailOpenStore implements Store {
  constructor(private readonly inner: RedisStore) {}

  get prefix() {
    return this.inner.prefix;
  }

  init(options: Options) {
    this.inner.init(options);
  }

  async increment(key: string): Promise<IncrementResponse> {
    try {
      return await this.inner.increment(key);
    } catch {
      return { totalHits: 1, resetTime: undefined };
    }
  }

  async decrement(key: string): Promise<void> {
    await this.inner.decrement(key).catch(() => undefined);
  }

  async resetKey(key: string): Promise<void> {
    await this.inner.resetKey(key).catch(() => undefined);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.inner.get(key).catch(() => undefined);
  }
}
