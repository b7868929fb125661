import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';
import { parse as parseCookie } from 'cookie';
import jwt from 'jsonwebtoken';
import type { Kysely } from 'kysely';
import type { StaffRole } from '@shared/api/auth.schema';
import type { DB } from '../db/schema';

export const STAFF_COOKIE = 'alcove_staff';
export const PATIENT_COOKIE = 'alcove_patient';

/** Staff sessions never outlive this, however active. */
const STAFF_ABSOLUTE_HOURS = 12;

export interface SessionClaims {
  sid: string;
  kind: 'staff' | 'patient';
  sub: string;
  iat: number;
  exp: number;
}

export interface StaffPrincipal {
  kind: 'staff';
  sessionId: string;
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  /** A password set by someone else must be replaced before anything but signing out works. */
  mustChangePassword: boolean;
  /** When the session ends regardless of activity (ISO): open sockets are closed then too. */
  expiresAt: string;
}

export interface PatientPrincipal {
  kind: 'patient';
  sessionId: string;
  participantId: string;
  visitId: string;
  /** When the session ends (ISO): the link's own end. Open sockets are closed then too. */
  expiresAt: string;
}

/** The part of server/realtime/revocation.ts a session needs (post-commit, never throws). */
export interface LiveChannels {
  disconnectSession(sessionId: string): Promise<unknown>;
  /** Sockets everywhere, and every open visit's video room. */
  staffRevoked(staffId: string): Promise<unknown>;
}

/**
 * Issues and checks session JWTs. Tokens are signed with a KeyObject (jsonwebtoken is ~15x slower
 * with a string secret) and point at a row in `sessions`, so logout and password resets revoke
 * them at once instead of waiting for expiry.
 */
export class SessionManager {
  private readonly key: KeyObject;
  private liveChannels: LiveChannels | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    secret: string,
    private readonly ttlMinutes: number,
    private readonly secureCookies: boolean,
    /** SSO_ONLY: nobody signs in with a password, so nobody is held to replacing one someone else set. */
    private readonly passwordsOff = false,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  cookieOptions(maxAgeMs?: number): CookieOptions {
    return {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secureCookies,
      path: '/',
      ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
    };
  }

  async startStaffSession(res: Response, staffId: string): Promise<void> {
    const sid = randomUUID();
    const now = new Date();
    await this.db
      .insertInto('sessions')
      .values({
        id: sid,
        kind: 'staff',
        staff_id: staffId,
        participant_id: null,
        visit_id: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + STAFF_ABSOLUTE_HOURS * 3600_000).toISOString(),
        revoked_at: null,
      })
      .execute();
    this.setCookie(res, STAFF_COOKIE, { sid, kind: 'staff', sub: staffId });
  }

  /** Starts a patient session scoped to one visit; `expiresAt` is the link's own end. */
  async startPatientSession(res: Response, participantId: string, visitId: string, expiresAt: Date): Promise<string> {
    const sid = randomUUID();
    await this.db
      .insertInto('sessions')
      .values({
        id: sid,
        kind: 'patient',
        staff_id: null,
        participant_id: participantId,
        visit_id: visitId,
        created_at: new Date().toISOString(),
        expires_at: expiresAt.toISOString(),
        revoked_at: null,
      })
      .execute();
    this.setCookie(res, PATIENT_COOKIE, { sid, kind: 'patient', sub: participantId });
    return sid;
  }

  private setCookie(res: Response, name: string, claims: Pick<SessionClaims, 'sid' | 'kind' | 'sub'>) {
    const token = jwt.sign({ sid: claims.sid, kind: claims.kind }, this.key, {
      algorithm: 'HS256',
      subject: claims.sub,
      expiresIn: this.ttlMinutes * 60,
    });
    res.cookie(name, token, this.cookieOptions(this.ttlMinutes * 60_000));
  }

  /** Verifies a cookie's JWT; undefined for anything missing, forged, expired or of the wrong kind. */
  verifyToken(token: string | undefined, kind: 'staff' | 'patient'): SessionClaims | undefined {
    if (!token || token.length > 4096) return undefined;
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as SessionClaims;
      if (claims.kind !== kind || typeof claims.sid !== 'string' || typeof claims.sub !== 'string') return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }

  /** Resolves a staff session from its token, checking the row and the account are still live. */
  async resolveStaff(token: string | undefined): Promise<StaffPrincipal | undefined> {
    const claims = this.verifyToken(token, 'staff');
    if (!claims) return undefined;
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('staff', 'staff.id', 'sessions.staff_id')
      .select([
        'sessions.id as sid',
        'sessions.expires_at',
        'sessions.revoked_at',
        'staff.id',
        'staff.email',
        'staff.name',
        'staff.role',
        'staff.active',
        'staff.must_change_password',
      ])
      .where('sessions.id', '=', claims.sid)
      .where('sessions.kind', '=', 'staff')
      .executeTakeFirst();
    if (!row || row.revoked_at || row.expires_at <= new Date().toISOString() || !row.active || row.id !== claims.sub) return undefined;
    return {
      kind: 'staff',
      sessionId: row.sid,
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      mustChangePassword: !this.passwordsOff && row.must_change_password === 1,
      expiresAt: row.expires_at,
    };
  }

  /** Resolves a patient session from its token. */
  async resolvePatient(token: string | undefined): Promise<PatientPrincipal | undefined> {
    const claims = this.verifyToken(token, 'patient');
    if (!claims) return undefined;
    const row = await this.db
      .selectFrom('sessions')
      .select(['id', 'participant_id', 'visit_id', 'expires_at', 'revoked_at'])
      .where('id', '=', claims.sid)
      .where('kind', '=', 'patient')
      .executeTakeFirst();
    if (!row || row.revoked_at || row.expires_at <= new Date().toISOString() || !row.participant_id || !row.visit_id) return undefined;
    if (row.participant_id !== claims.sub) return undefined;
    return { kind: 'patient', sessionId: row.id, participantId: row.participant_id, visitId: row.visit_id, expiresAt: row.expires_at };
  }

  /**
   * The participant a patient cookie was issued to, even when that session has since ended
   * (revoked at removal, say): only a token we signed names it. The door uses it to keep a
   * removed device out instead of treating its next visit as a new arrival.
   */
  async formerPatientDevice(token: string | undefined): Promise<{ participantId: string; visitId: string } | undefined> {
    const claims = this.verifyToken(token, 'patient');
    if (!claims) return undefined;
    const row = await this.db
      .selectFrom('sessions')
      .select(['participant_id', 'visit_id'])
      .where('id', '=', claims.sid)
      .where('kind', '=', 'patient')
      .executeTakeFirst();
    if (!row?.participant_id || !row.visit_id || row.participant_id !== claims.sub) return undefined;
    return { participantId: row.participant_id, visitId: row.visit_id };
  }

  /** Sliding renewal: once half the token's life has passed, hand out a fresh one. */
  maybeRenew(req: Request, res: Response, cookieName: string, kind: 'staff' | 'patient') {
    const claims = this.verifyToken(readCookie(req, cookieName), kind);
    if (!claims) return;
    const halfLife = (this.ttlMinutes * 60) / 2;
    if (Date.now() / 1000 - claims.iat >= halfLife) this.setCookie(res, cookieName, claims);
  }

  /**
   * Whether a session is still live (not revoked, not expired, and for staff the account still
   * active). A socket asks once more after joining its session's room, which closes the gap between
   * the handshake's check and the join: a revocation that lands in between is seen here.
   */
  async isLive(sessionId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('sessions')
      .leftJoin('staff', 'staff.id', 'sessions.staff_id')
      .select(['sessions.expires_at', 'sessions.revoked_at', 'sessions.kind', 'staff.active'])
      .where('sessions.id', '=', sessionId)
      .executeTakeFirst();
    if (!row || row.revoked_at || row.expires_at <= new Date().toISOString()) return false;
    return row.kind === 'patient' || row.active === 1;
  }

  /**
   * Of these session ids, the ones that have ended (revoked, expired, unknown, or a staff account
   * no longer active). Used by the sockets' backstop sweep, in chunks the databases accept.
   */
  async endedAmong(sessionIds: string[]): Promise<string[]> {
    const live = new Set<string>();
    const now = new Date().toISOString();
    for (let i = 0; i < sessionIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('sessions')
        .leftJoin('staff', 'staff.id', 'sessions.staff_id')
        .select(['sessions.id', 'sessions.kind', 'staff.active'])
        .where('sessions.id', 'in', sessionIds.slice(i, i + 500))
        .where('sessions.revoked_at', 'is', null)
        .where('sessions.expires_at', '>', now)
        .execute();
      for (const r of rows) if (r.kind === 'patient' || r.active === 1) live.add(r.id);
    }
    return sessionIds.filter((id) => !live.has(id));
  }

  /** Ends one session now (it is its own commit) and drops its open sockets on every process. */
  async revoke(sessionId: string): Promise<void> {
    await this.db.updateTable('sessions').set({ revoked_at: new Date().toISOString() }).where('id', '=', sessionId).execute();
    await this.liveChannels?.disconnectSession(sessionId);
  }

  /**
   * Ends every session of a staff account now, drops their open sockets on every process and takes
   * them out of every open visit's video room. Also the post-commit step after `revokeStaffSessions`
   * ran in a transaction (deactivation, role or password change): ending the rows again is harmless.
   */
  async revokeAllForStaff(staffId: string): Promise<void> {
    await revokeStaffSessions(this.db, staffId);
    await this.liveChannels?.staffRevoked(staffId);
  }

  /**
   * Where revocations reach open sockets. Set once by createApp: the socket server is built after
   * this manager (its handshake needs it), so this cannot be a constructor argument.
   */
  attachLiveChannels(channels: LiveChannels): void {
    this.liveChannels = channels;
  }

  clearCookie(res: Response, name: string) {
    res.clearCookie(name, this.cookieOptions());
  }
}

/** Ends every session of a staff account; pass a transaction to end them together with a change to the account. */
export async function revokeStaffSessions(db: Kysely<DB>, staffId: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: new Date().toISOString() })
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Reads one cookie from a raw Cookie header (the socket handshake has no Express request). */
export function readCookieHeader(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  return parseCookie(header)[name];
}

export function readCookie(req: Request, name: string): string | undefined {
  return readCookieHeader(req.headers.cookie, name);
}
