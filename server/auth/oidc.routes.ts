import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { SsoCallbackRequestSchema } from '@shared/api/two-factor.schema';
import { auditFrom, type Auditor } from '../audit/auditor';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { createLimiter, type StoreFactory } from '../middleware/rate-limit';
import { requireNoBody } from '../middleware/require-no-body';
import { toStaffUser } from './auth.routes';
import { OIDC_COOKIE, OIDC_COOKIE_PATH, OidcSignIn } from './oidc.service';
import { readCookie, type SessionManager } from './session';
import { findStaffByEmail, recordSignIn } from './staff.store';

/**
 * Single sign-on through the clinic's OpenID provider (mounted under /api/auth):
 *
 * - `GET /sso`: whether it is offered (the sign-in page asks), and whether passwords are off.
 * - `POST /sso/start`: the provider's authorization URL; a signed, httpOnly cookie keeps state,
 *   nonce and PKCE verifier for the way back.
 * - `POST /sso/callback {code, state, iss?}`: the client page the provider returns to hands the
 *   query over; the staff member is the existing, active account with the provider's verified email
 *   (no account is ever created here). Every refusal is audited, ids only, and writes nothing else.
 */
export function oidcRoutes(deps: {
  db: Kysely<DB>;
  auditor: Auditor;
  config: Config;
  sessions: SessionManager;
  storeFor: StoreFactory;
}): Router {
  const { db, auditor, config, sessions } = deps;
  const settings = config.oidc;
  const oidc = settings ? new OidcSignIn(settings, config.sessionSecret, config.env !== 'production') : undefined;
  const secure = config.publicUrl.startsWith('https:');
  const windowMs = Math.round(config.limits.loginWindowMinutes * 60_000);
  const perAddress = createLimiter({ name: 'sso-ip', windowMs, limit: config.limits.loginPerAddress }, deps.storeFor);

  const requireOidc = (): OidcSignIn => {
    if (!oidc) throw notFound('Single sign-on is not set up for this clinic');
    return oidc;
  };
  const clearPending = (res: Response) =>
    res.clearCookie(OIDC_COOKIE, { httpOnly: true, sameSite: 'strict', secure, path: OIDC_COOKIE_PATH });

  async function refuse(req: Request, res: Response, err: HttpError, staffId?: string): Promise<never> {
    clearPending(res);
    await auditor.record(
      db,
      { ...auditFrom(req, res), actor: { kind: 'anonymous' } },
      { action: 'auth.sso_sign_in_failed', outcome: 'failure', ...(staffId ? { targets: { staffId } } : {}) },
    );
    throw err;
  }

  const r = Router();

  r.get('/sso', (_req, res) => {
    res.json({ enabled: Boolean(settings), ssoOnly: config.ssoOnly, ...(settings ? { label: settings.buttonLabel } : {}) });
  });

  r.post('/sso/start', perAddress, async (req, res) => {
    requireNoBody(req.body);
    const { url, pending } = await requireOidc().start();
    res.cookie(OIDC_COOKIE, pending, { httpOnly: true, sameSite: 'strict', secure, path: OIDC_COOKIE_PATH, maxAge: 10 * 60_000 });
    res.json({ url });
  });

  r.post('/sso/callback', perAddress, async (req, res) => {
    const body = SsoCallbackRequestSchema.parse(req.body);
    const signIn = requireOidc();
    let identity;
    try {
      identity = await signIn.finish(readCookie(req, OIDC_COOKIE), body);
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return refuse(req, res, err);
      throw err;
    }
    const staff = identity.email ? await findStaffByEmail(db, identity.email) : undefined;
    if (!identity.email || !identity.emailVerified) {
      return refuse(
        req,
        res,
        new HttpError(
          403,
          'sso_email_unverified',
          'Your identity provider has not verified your email address, so it cannot sign you in here.',
        ),
        staff?.id,
      );
    }
    if (!staff || !staff.active) {
      return refuse(
        req,
        res,
        new HttpError(403, 'sso_no_account', 'There is no active staff account for your email address. Ask your clinic’s administrator.'),
        staff?.id,
      );
    }
    clearPending(res);
    await sessions.startStaffSession(res, staff.id);
    await recordSignIn(db, staff.id);
    res.locals.actorId = staff.id;
    await auditor.record(
      db,
      { ...auditFrom(req, res), actor: { kind: 'staff', id: staff.id } },
      { action: 'auth.sso_sign_in', targets: { staffId: staff.id } },
    );
    // Under SSO_ONLY no password is ever used, so one set by someone else need not be replaced (see SessionManager).
    res.json({ user: toStaffUser({ ...staff, mustChangePassword: !config.ssoOnly && staff.must_change_password === 1 }) });
  });

  return r;
}
