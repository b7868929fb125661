import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { AcceptInvitationRequestSchema, ChangePasswordRequestSchema, InvitationLookupRequestSchema } from '@shared/api/account.schema';
import { LoginRequestSchema } from '@shared/api/auth.schema';
import { auditFrom, type Auditor } from '../audit/auditor';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';
import type { StoreFactory } from '../middleware/rate-limit';
import { acceptInvitation, changeOwnPassword, lookupInvitation, type StaffDeps } from '../staff/staff.service';
import { signedInStaff } from './auth.middleware';
import { DUMMY_HASH_PROMISE, verifyPassword } from './password';
import { STAFF_COOKIE, type SessionManager } from './session';
import { SignInChallenges } from './totp-challenge';
import { SignInThrottle } from './sign-in-throttle';
import { NO_PASSWORD, findStaffByEmail, recordSignIn, type StaffRow } from './staff.store';
import { requireNoBody } from '../middleware/require-no-body';

export const toStaffUser = (row: Pick<StaffRow, 'id' | 'email' | 'name' | 'role'> & { mustChangePassword?: boolean }) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  ...(row.mustChangePassword ? { mustChangePassword: true as const } : {}),
});

const invalidCredentials = () => new HttpError(401, 'invalid_credentials', 'That email and password do not match an active account');

/**
 * SSO_ONLY: no route takes a password, so none signs anyone in with one or sets one (the sign-in
 * form, one-time links from an invitation, a reset or the first-start setup, and a change of one's
 * own password). Checked before anything is read or written.
 */
const ssoOnly = () =>
  new HttpError(
    403,
    'sso_only',
    'This clinic signs in through its identity provider only, so passwords are not used here: use the single sign-on button on the sign-in page.',
  );

export function authRoutes(deps: {
  db: Kysely<DB>;
  auditor: Auditor;
  config: Config;
  sessions: SessionManager;
  storeFor: StoreFactory;
}): Router {
  const { db, auditor, config, sessions } = deps;
  const throttle = new SignInThrottle(db, config, deps.storeFor);
  const staffDeps: StaffDeps = { db, auditor, publicUrl: config.publicUrl, inviteHours: config.staffInviteHours, signOut: sessions };
  const r = Router();
  const challenges = new SignInChallenges(db, config);

  /**
   * Checks an email and password. Resolves the account only when both match an active account
   * that has a password; every refusal is counted by the throttle and audited (ids only).
   */
  async function checkPassword(req: Request, res: Response, emailTyped: string, password: string): Promise<StaffRow> {
    const email = emailTyped.trim().toLowerCase();
    const staff = await findStaffByEmail(db, email);
    await throttle.check(req, email, staff?.id);
    // Unknown email, an account still waiting for its invitation and a wrong password take the same path and the same time.
    const usable = staff && staff.password_hash !== NO_PASSWORD ? staff.password_hash : await DUMMY_HASH_PROMISE;
    const ok = await verifyPassword(password, usable);
    if (!staff || !ok || !staff.active || staff.password_hash === NO_PASSWORD) {
      await throttle.failed(req, email);
      // Never the email typed: only the account's id when one matched, to spot attacks on an account.
      await auditor.record(
        db,
        { ...auditFrom(req, res), actor: { kind: 'anonymous' } },
        { action: 'auth.sign_in_failed', outcome: 'failure', ...(staff ? { targets: { staffId: staff.id } } : {}) },
      );
      throw invalidCredentials();
    }
    return staff;
  }

  /** Opens a session for an account whose sign-in is complete, records when, and audits it. */
  async function completeSignIn(req: Request, res: Response, staff: StaffRow): Promise<void> {
    await sessions.startStaffSession(res, staff.id);
    res.locals.actorId = staff.id;
    await recordSignIn(db, staff.id);
    await auditor.record(db, { ...auditFrom(req, res), actor: { kind: 'staff', id: staff.id } }, { action: 'auth.sign_in' });
  }

  r.post('/login', async (req, res) => {
    if (config.ssoOnly) throw ssoOnly();
    const body = LoginRequestSchema.parse(req.body);
    const staff = await checkPassword(req, res, body.email, body.password);
    // A second factor (or its enrolment, when the clinic requires one) comes before any session: totp.routes.ts.
    const secondFactor = await challenges.beginIfNeeded(res, staff, config.twoFactorRequiredFor);
    await throttle.passed(req, staff.email);
    // The password alone makes no device known while a second factor must follow (totp.routes.ts remembers it then).
    if (secondFactor) return void res.json({ secondFactor });
    await completeSignIn(req, res, staff);
    await throttle.remember(req, res, staff.id);
    res.json({ user: toStaffUser({ ...staff, mustChangePassword: staff.must_change_password === 1 }) });
  });

  r.post('/logout', async (req, res) => {
    const staff = signedInStaff(res);
    requireNoBody(req.body);
    await sessions.revoke(staff.sessionId);
    await auditor.record(db, auditFrom(req, res), { action: 'auth.sign_out' });
    sessions.clearCookie(res, STAFF_COOKIE);
    res.status(204).end();
  });

  r.get('/me', (_req, res) => {
    const staff = signedInStaff(res);
    res.json({ user: toStaffUser(staff) });
  });

  /** What a one-time link is for (the set-password page asks before showing its form). */
  r.post('/invitation', async (req, res) => {
    const { token } = InvitationLookupRequestSchema.parse(req.body);
    const { invitation, staff } = await lookupInvitation(db, token);
    res.json({
      invitation: { purpose: invitation.purpose, email: staff?.email ?? null, name: staff?.name ?? null, expiresAt: invitation.expires_at },
    });
  });

  /** Sets one's own password through a one-time link, then signs in (any other session of the account ends). */
  r.post('/invitation/accept', async (req, res) => {
    // The link stays unused: it works again only if the clinic turns passwords back on.
    if (config.ssoOnly) throw ssoOnly();
    const body = AcceptInvitationRequestSchema.parse(req.body);
    const staff = await acceptInvitation(staffDeps, { ...auditFrom(req, res), actor: { kind: 'anonymous' } }, body);
    // A new password is no way around the second factor (nor around enrolling one where the clinic requires it).
    const next = await challenges.beginIfNeeded(res, staff, config.twoFactorRequiredFor);
    if (next) return void res.json({ secondFactor: next });
    await completeSignIn(req, res, staff);
    res.json({ user: toStaffUser(staff) });
  });

  /** Changes one's own password (the current one required); the other sessions end, this one stays. */
  r.post('/password', async (req, res) => {
    const me = signedInStaff(res);
    // Before the current password is checked: under SSO_ONLY this route tests no password either.
    if (config.ssoOnly) throw ssoOnly();
    const body = ChangePasswordRequestSchema.parse(req.body);
    // A stolen session must not become a way to guess the password: wrong current passwords count like failed sign-ins.
    await throttle.check(req, me.email, me.id);
    const result = await changeOwnPassword(staffDeps, auditFrom(req, res), { staffId: me.id, sessionId: me.sessionId }, body);
    if (result.wrongCurrent) {
      await throttle.failed(req, me.email);
      throw new HttpError(400, 'invalid_credentials', 'Your current password is not right', [
        { field: 'currentPassword', message: 'Not your current password' },
      ]);
    }
    res.json({ user: toStaffUser(result.staff) });
  });

  return r;
}
