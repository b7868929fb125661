import { Router } from 'express';
import type { Kysely } from 'kysely';
import { LoginRequestSchema } from '@shared/api/auth.schema';
import { auditFrom, type Auditor } from '../audit/auditor';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';
import { limiters } from '../middleware/limiters';
import type { StoreFactory } from '../middleware/rate-limit';
import { requireStaff } from './auth.middleware';
import { DUMMY_HASH_PROMISE, verifyPassword } from './password';
import { STAFF_COOKIE, type SessionManager } from './session';
import { SignInChallenges } from './totp-challenge';
import { findStaffByEmail, type StaffRow } from './staff.store';
import { requireNoBody } from '../middleware/require-no-body';

export const toStaffUser = (row: Pick<StaffRow, 'id' | 'email' | 'name' | 'role'>) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
});

export function authRoutes(deps: {
  db: Kysely<DB>;
  auditor: Auditor;
  config: Config;
  sessions: SessionManager;
  storeFor: StoreFactory;
}): Router {
  const { db, auditor, config, sessions } = deps;
  const r = Router();
  const challenges = new SignInChallenges(db, config);
  r.post('/login', ...limiters.login(config, deps.storeFor), async (req, res) => {
    if (config.ssoOnly) throw new HttpError(403, 'sso_only', 'This clinic signs in through its identity provider only: use the single sign-on button.');
    const body = LoginRequestSchema.parse(req.body);
    const staff = await findStaffByEmail(db, body.email.trim());
    // Unknown email and wrong password take the same path and the same time.
    const ok = await verifyPassword(body.password, staff?.password_hash ?? (await DUMMY_HASH_PROMISE));
    if (!staff || !ok || !staff.active) {
      // Never the email typed: only the account's id when one matched, to spot attacks on an account.
      await auditor.record(
        db,
        { ...auditFrom(req, res), actor: { kind: 'anonymous' } },
        { action: 'auth.sign_in_failed', outcome: 'failure', ...(staff ? { targets: { staffId: staff.id } } : {}) },
      );
      throw new HttpError(401, 'invalid_credentials', 'That email and password do not match an active account');
    }
    // A second factor (or its enrolment, when the clinic requires one) comes before any session: totp.routes.ts.
    const secondFactor = await challenges.beginIfNeeded(res, staff, config.twoFactorRequiredFor);
    if (secondFactor) return void res.json({ secondFactor });
    await sessions.startStaffSession(res, staff.id);
    res.locals.actorId = staff.id;
    await auditor.record(db, { ...auditFrom(req, res), actor: { kind: 'staff', id: staff.id } }, { action: 'auth.sign_in' });
    res.json({ user: toStaffUser(staff) });
  });

  r.post('/logout', async (req, res) => {
    const staff = requireStaff(res);
    requireNoBody(req.body);
    await sessions.revoke(staff.sessionId);
    await auditor.record(db, auditFrom(req, res), { action: 'auth.sign_out' });
    sessions.clearCookie(res, STAFF_COOKIE);
    res.status(204).end();
  });

  r.get('/me', (_req, res) => {
    const staff = requireStaff(res);
    res.json({ user: toStaffUser(staff) });
  });

  return r;
}
