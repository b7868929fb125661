import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from 'pino';
import type { StoreFactory } from './rate-limit';

export interface RedisStores {
  /** One RedisStore per limiter name, all over one connection; keys are `<prefix><name>:<key>`. */
  storeFor: StoreFactory;
  close: () => Promise<void>;
}

/**
 * Rate-limit counters in Redis, so several server processes enforce one limit together.
 * The connection is shared; each limiter gets its own store (express-rate-limit refuses one
 * store in two limiters) under its own key prefix.
 */
export function createRedisStores(redisUrl: string, prefix: string, logger?: Logger): RedisStores {
  // A short retry budget: a request waits at most one reconnect attempt rather than hanging.
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5000 });
  // Connection problems are logged (without the URL, which may carry a password), never thrown.
  client.on('error', (err: Error) => logger?.warn({ err: { name: err.name, message: err.message } }, 'redis connection problem'));
  const sendCommand = (command: string, ...args: string[]) => client.call(command, ...args) as Promise<RedisReply>;
  return {
    storeFor(name) {
      const store = new RedisStore({
        prefix: `${prefix}${name}:`,
        sendCommand: (...args: string[]) => sendCommand(args[0] ?? '', ...args.slice(1)),
      });
      // The store loads its Lua scripts eagerly; if Redis is down now, it reloads them on first use.
      // Without these handlers a failed load would be an unhandled rejection and end the process.
      store.incrementScriptSha.catch(() => undefined);
      store.getScriptSha.catch(() => undefined);
      return store;
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
