import { createHash, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import type { Request, Response } from 'express';
import jwt from 'jsonwebtoken';
import type { Kysely } from 'kysely';
import type { StaffRole } from '@shared/api/auth.schema';
import type { Config } from '../config';
import type { DB, SignInChallengeTable } from '../db/schema';
import { HttpError } from '../http-error';
import { readCookie } from './session';
import { CHALLENGE_MAX_FAILURES, CHALLENGE_MINUTES, hasSecondFactor, isSecondFactorRequired } from './totp.service';

/** Carries a half-finished sign-in between the password and the second factor. Only /api/auth sees it. */
export const PENDING_COOKIE = 'alcove_pending';
const COOKIE_PATH = '/api/auth';

type Purpose = SignInChallengeTable['purpose'];

interface PendingClaims {
  kind: 'pending';
  purpose: Purpose;
  jti: string;
  sub: string;
}

const expired = () => new HttpError(401, 'challenge_expired', 'This sign-in has expired. Sign in again with your email and password.');

/**
 * Half-finished sign-ins. The cookie is a short JWT (its own key, derived from SESSION_SECRET, so it
 * can never pass for a session) naming a row in `sign_in_challenges`, which makes it single use and
 * counts its wrong codes. Cheap to construct: the login route and the second-factor routes each make one.
 */
export class SignInChallenges {
  private readonly key: KeyObject;
  private readonly secure: boolean;

  constructor(
    private readonly db: Kysely<DB>,
    config: Pick<Config, 'sessionSecret' | 'publicUrl'>,
  ) {
    this.key = createSecretKey(createHash('sha256').update(`alcove sign-in challenge\0${config.sessionSecret}`).digest());
    this.secure = config.publicUrl.startsWith('https:');
  }

  /**
   * After a correct password: when the account has a second factor, or its role must have one and
   * it has none yet, starts a challenge (cookie set) and returns which step comes next; otherwise
   * undefined and the caller starts the session.
   */
  async beginIfNeeded(
    res: Response,
    staff: { id: string; role: StaffRole },
    requiredFor: readonly StaffRole[],
  ): Promise<'totp' | 'enrol' | undefined> {
    const purpose: Purpose | undefined = (await hasSecondFactor(this.db, staff.id))
      ? 'second_factor'
      : isSecondFactorRequired(requiredFor, staff.role)
        ? 'enrol'
        : undefined;
    if (!purpose) return undefined;
    const id = randomUUID();
    const now = Date.now();
    await this.db
      .insertInto('sign_in_challenges')
      .values({
        id,
        staff_id: staff.id,
        purpose,
        created_at: new Date(now).toISOString(),
        expires_at: new Date(now + CHALLENGE_MINUTES * 60_000).toISOString(),
        failed_attempts: 0,
        completed_at: null,
      })
      .execute();
    const token = jwt.sign({ kind: 'pending', purpose }, this.key, {
      algorithm: 'HS256',
      subject: staff.id,
      jwtid: id,
      expiresIn: CHALLENGE_MINUTES * 60,
    });
    res.cookie(PENDING_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: COOKIE_PATH,
      maxAge: CHALLENGE_MINUTES * 60_000,
    });
    return purpose === 'second_factor' ? 'totp' : 'enrol';
  }

  /** The cookie's claims if it is ours and unexpired (no database read: rate limiters key on it). */
  peek(req: Request): PendingClaims | undefined {
    const token = readCookie(req, PENDING_COOKIE);
    if (!token || token.length > 2048) return undefined;
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as Partial<PendingClaims>;
      if (claims.kind !== 'pending' || typeof claims.jti !== 'string' || typeof claims.sub !== 'string') return undefined;
      if (claims.purpose !== 'second_factor' && claims.purpose !== 'enrol') return undefined;
      return claims as PendingClaims;
    } catch {
      return undefined;
    }
  }

  /** The live challenge of this request for `purpose`, or 401 `challenge_expired`. */
  async require(req: Request, purpose: Purpose): Promise<{ id: string; staffId: string }> {
    const claims = this.peek(req);
    if (!claims || claims.purpose !== purpose) throw expired();
    const row = await this.db.selectFrom('sign_in_challenges').selectAll().where('id', '=', claims.jti).executeTakeFirst();
    if (!row || row.staff_id !== claims.sub || row.purpose !== purpose || !isLive(row)) throw expired();
    return { id: row.id, staffId: row.staff_id };
  }

  /** Counts a wrong code; past the limit the challenge is dead and the person starts again. */
  async fail(id: string): Promise<void> {
    await this.db
      .updateTable('sign_in_challenges')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  /** Uses the challenge up (guarded: of two racing requests one wins). Pass the change's transaction. */
  async complete(trx: Kysely<DB>, id: string): Promise<boolean> {
    const res = await trx
      .updateTable('sign_in_challenges')
      .set({ completed_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('completed_at', 'is', null)
      .where('failed_attempts', '<', CHALLENGE_MAX_FAILURES)
      .where('expires_at', '>', new Date().toISOString())
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  clear(res: Response): void {
    res.clearCookie(PENDING_COOKIE, { httpOnly: true, sameSite: 'strict', secure: this.secure, path: COOKIE_PATH });
  }
}

function isLive(row: SignInChallengeTable): boolean {
  return !row.completed_at && row.failed_attempts < CHALLENGE_MAX_FAILURES && row.expires_at > new Date().toISOString();
}

export { expired as challengeExpired };
