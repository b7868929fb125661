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

/** A random id per browser, set at a completed sign-in; it only marks the device as seen before, it grants nothing. */
export const DEVICE_COOKIE = 'alcove_device';
const DEVICE_COOKIE_DAYS = 400;

/**
 * Failed sign-ins slow down without letting a stranger lock anyone out:
 * - per account and address pair (LOGIN_LIMIT_PER_ACCOUNT): someone guessing one account from one
 *   address is stopped, and only there;
 * - per address (LOGIN_LIMIT_PER_ADDRESS): one address guessing many accounts is stopped;
 * - per account from every address (LOGIN_LIMIT_ACCOUNT_WIDE): a spread-out guess at one account
 *   is stopped for new devices and addresses only; a device or address the account completed a
 *   sign-in from before still gets its password (or code) checked, so the owner is never shut out by
 *   someone else.
 * One throttle per step, each with its own counters (`name`): the password step ('signin') and the
 * second-factor code step ('second-factor'), which someone holding the password could otherwise
 * spend for the owner. Known devices and addresses are shared: they are remembered only once a
 * sign-in is complete (`remember`), never after a password that a second factor must follow.
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
    name = 'signin',
  ) {
    this.windowMs = Math.round(config.limits.loginWindowMinutes * 60_000);
    const open = (name: string) => {
      const store = storeFor(name) ?? new MemoryStore();
      void store.init?.({ windowMs: this.windowMs } as Options);
      return store;
    };
    this.pair = open(`${name}-pair`);
    this.address = open(`${name}-address`);
    this.account = open(`${name}-account`);
  }

  /**
   * Refuses (429 with Retry-After) a sign-in attempt that is over a limit. Call before checking
   * the password or code; `account` keys the counters (the email typed, or the account's id),
   * `staffId` is the account it names, if any (a known source can only be known for a real
   * account, so an unknown email is refused exactly like a real one).
   */
  async check(req: Request, account: string, staffId: string | undefined): Promise<void> {
    const limits = this.config.limits;
    const ip = req.ip ?? '';
    await this.refuseOver(this.address, `a:${ip}`, limits.loginPerAddress);
    await this.refuseOver(this.pair, `p:${account}|${ip}`, limits.loginPerAccount);
    const wide = await this.count(this.account, `w:${account}`);
    if (wide.hits >= limits.loginAccountWide && !(staffId && (await isKnownSignInSource(this.db, staffId, this.sources(req))))) {
      throw this.limited(wide.resetTime);
    }
  }

  /** A wrong password or code (or an attempt at an unusable account) counts on all three counters. */
  async failed(req: Request, account: string): Promise<void> {
    const ip = req.ip ?? '';
    await Promise.all([
      this.hit(this.address, `a:${ip}`),
      this.hit(this.pair, `p:${account}|${ip}`),
      this.hit(this.account, `w:${account}`),
    ]);
  }

  /** A right password or code clears its pair's counter (nothing more: a second factor may still follow). */
  async passed(req: Request, account: string): Promise<void> {
    await Promise.resolve(this.pair.resetKey(`p:${account}|${req.ip ?? ''}`)).catch(() => undefined);
  }

  /**
   * A completed sign-in (the password, and the second factor where one applies): this device and
   * address become the account's own. Call after the session's cookie is set, so a client that
   * keeps only the first Set-Cookie still keeps the session.
   */
  async remember(req: Request, res: Response, staffId: string): Promise<void> {
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
