import { createHmac, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { MemoryStore, type Options, type Store } from 'express-rate-limit';
import type { Kysely } from 'kysely';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';
import type { StoreFactory } from '../middleware/rate-limit';
import { readCookie } from './session';
import { isKnownSignInSource, rememberSignInSource } from './staff.store';

/** A random id per browser, set at a successful sign-in; it only marks the device as seen before, it grants nothing. */
export const DEVICE_COOKIE = 'alcove_device';
const DEVICE_COOKIE_DAYS = 400;

/**
 * Failed sign-ins slow down without letting a stranger lock anyone out:
 * - per account and address pair (LOGIN_LIMIT_PER_ACCOUNT): someone guessing one account from one
 *   address is stopped, and only there;
 * - per address (LOGIN_LIMIT_PER_ADDRESS): one address guessing many accounts is stopped;
 * - per account from every address (LOGIN_LIMIT_ACCOUNT_WIDE): a spread-out guess at one account
 *   is stopped for new devices and addresses only; a device or address the account signed in from
 *   before still gets its password checked, so the owner is never shut out by someone else.
 * Only failures count; counters live in Redis when REDIS_URL is set, so every process shares them.
 */
export class SignInThrottle {
  private readonly pair: Store;
  private readonly address: Store;
  private readonly account: Store;
  private readonly windowMs: number;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: Config,
    storeFor: StoreFactory,
  ) {
    this.windowMs = Math.round(config.limits.loginWindowMinutes * 60_000);
    const open = (name: string) => {
      const store = storeFor(name) ?? new MemoryStore();
      void store.init?.({ windowMs: this.windowMs } as Options);
      return store;
    };
    this.pair = open('signin-pair');
    this.address = open('signin-address');
    this.account = open('signin-account');
  }

  /**
   * Refuses (429 with Retry-After) a sign-in attempt that is over a limit. Call before checking
   * the password; `staffId` is the account the email names, if any (a known source can only be
   * known for a real account, so an unknown email is refused exactly like a real one).
   */
  async check(req: Request, email: string, staffId: string | undefined): Promise<void> {
    const limits = this.config.limits;
    const ip = req.ip ?? '';
    await this.refuseOver(this.address, `a:${ip}`, limits.loginPerAddress);
    await this.refuseOver(this.pair, `p:${email}|${ip}`, limits.loginPerAccount);
    const wide = await this.count(this.account, `w:${email}`);
    if (wide.hits >= limits.loginAccountWide && !(staffId && (await isKnownSignInSource(this.db, staffId, this.sources(req))))) {
      throw this.limited(wide.resetTime);
    }
  }

  /** A wrong password (or an attempt at an unusable account) counts on all three counters. */
  async failed(req: Request, email: string): Promise<void> {
    const ip = req.ip ?? '';
    await Promise.all([this.hit(this.address, `a:${ip}`), this.hit(this.pair, `p:${email}|${ip}`), this.hit(this.account, `w:${email}`)]);
  }

  /** A correct password clears its pair's counter and remembers this device and address as the account's own. */
  async succeeded(req: Request, res: Response, email: string, staffId: string): Promise<void> {
    let device = readCookie(req, DEVICE_COOKIE);
    if (!device || !/^[A-Za-z0-9_-]{22,64}$/.test(device)) {
      device = randomBytes(18).toString('base64url');
      res.cookie(DEVICE_COOKIE, device, {
        httpOnly: true,
        sameSite: 'strict',
        secure: this.config.publicUrl.startsWith('https:'),
        path: '/',
        maxAge: DEVICE_COOKIE_DAYS * 86_400_000,
      });
    }
    await Promise.resolve(this.pair.resetKey(`p:${email}|${req.ip ?? ''}`)).catch(() => undefined);
    for (const source of [this.hash(`device:${device}`), this.hash(`address:${req.ip ?? ''}`)]) {
      await rememberSignInSource(this.db, staffId, source);
    }
  }

  /** The keyed hashes of this request's device cookie and address (raw addresses are never stored). */
  private sources(req: Request): string[] {
    const device = readCookie(req, DEVICE_COOKIE);
    return [...(device && device.length <= 64 ? [this.hash(`device:${device}`)] : []), this.hash(`address:${req.ip ?? ''}`)];
  }

  private hash(value: string): string {
    return createHmac('sha256', this.config.sessionSecret).update(value, 'utf8').digest('base64url');
  }

  private async refuseOver(store: Store, key: string, limit: number): Promise<void> {
    const { hits, resetTime } = await this.count(store, key);
    if (hits >= limit) throw this.limited(resetTime);
  }

  private async count(store: Store, key: string): Promise<{ hits: number; resetTime?: Date }> {
    // CAUTION: fails open like every other limit: a Redis outage must not stop staff signing in.
    const info = await Promise.resolve(store.get?.(key)).catch(() => undefined);
    return { hits: info?.totalHits ?? 0, ...(info?.resetTime ? { resetTime: info.resetTime } : {}) };
  }

  private async hit(store: Store, key: string): Promise<void> {
    await Promise.resolve(store.increment(key)).catch(() => undefined);
  }

  private limited(resetTime: Date | undefined): HttpError {
    const retryAfter = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + this.windowMs) - Date.now()) / 1000));
    return new HttpError(
      429,
      'rate_limited',
      'Too many attempts. Please wait and try again.',
      { retryAfterSeconds: retryAfter },
      {
        'Retry-After': String(retryAfter),
      },
    );
  }
}
