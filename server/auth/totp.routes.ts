import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { SecondFactorRequestSchema, TotpConfirmRequestSchema } from '@shared/api/two-factor.schema';
import { auditFrom, type AuditContext, type Auditor } from '../audit/auditor';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { HttpError, unauthenticated } from '../http-error';
import { createLimiter, type StoreFactory } from '../middleware/rate-limit';
import { requireNoBody } from '../middleware/require-no-body';
import { toStaffUser } from './auth.routes';
import type { SessionManager } from './session';
import { SignInThrottle } from './sign-in-throttle';
import { findStaffById, recordSignIn, type StaffRow } from './staff.store';
import { challengeExpired, SignInChallenges } from './totp-challenge';
import { confirmEnrolment, isSecondFactorRequired, secondFactorStatus, startEnrolment, useSecondFactorCode } from './totp.service';

/**
 * The second step of sign-in and the enrolment of an authenticator app (mounted under /api/auth):
 *
 * - `POST /second-factor {code}`: finishes a sign-in whose password was right (pending cookie) with
 *   a TOTP code or a recovery code; wrong codes are limited like wrong passwords (SignInThrottle):
 *   per account and address, per address, and account-wide for devices and addresses the account
 *   never completed a sign-in from, so someone holding the password cannot lock the owner out.
 * - `GET /totp`: the signed-in person's second-factor status.
 * - `POST /totp/enrol`, `POST /totp/confirm {code}`: set up an app, either signed in or in the
 *   middle of a sign-in that the clinic's setting sends to enrolment (the confirmation then
 *   finishes the sign-in).
 */
export function totpRoutes(deps: {
  db: Kysely<DB>;
  auditor: Auditor;
  config: Config;
  sessions: SessionManager;
  storeFor: StoreFactory;
}): Router {
  const { db, auditor, config, sessions } = deps;
  const challenges = new SignInChallenges(db, config);
  const windowMs = Math.round(config.limits.loginWindowMinutes * 60_000);
  // The code step's own counters; it also remembers the devices of completed sign-ins.
  const codeThrottle = new SignInThrottle(db, config, deps.storeFor, 'second-factor');
  // Enrolment: per account, whoever holds the password gets a handful of guesses per window, whatever challenge they start.
  const codeLimits = (name: string) => [
    createLimiter({ name: `${name}-ip`, windowMs, limit: config.limits.loginPerAddress }, deps.storeFor),
    createLimiter(
      {
        name: `${name}-account`,
        windowMs,
        limit: config.limits.loginPerAccount,
        key: (req) => challenges.peek(req)?.sub ?? req.res?.locals.staff?.id,
        onlyFailures: true,
      },
      deps.storeFor,
    ),
  ];

  const staffContext = (req: Request, res: Response, staffId: string): AuditContext => ({
    ...auditFrom(req, res),
    actor: { kind: 'staff', id: staffId },
  });

  /** Who is enrolling: the signed-in person, or the one whose sign-in was sent to enrolment. */
  async function enrolee(req: Request, res: Response): Promise<{ staff: StaffRow; challengeId?: string }> {
    const signedIn = res.locals.staff;
    if (signedIn) {
      const staff = await findStaffById(db, signedIn.id);
      if (staff) return { staff };
    }
    if (!challenges.peek(req)) throw unauthenticated();
    const challenge = await challenges.require(req, 'enrol');
    const staff = await findStaffById(db, challenge.staffId);
    if (!staff || !staff.active) throw challengeExpired();
    return { staff, challengeId: challenge.id };
  }

  const r = Router();

  r.post('/second-factor', async (req, res) => {
    const body = SecondFactorRequestSchema.parse(req.body);
    const challenge = await challenges.require(req, 'second_factor');
    const staff = await findStaffById(db, challenge.staffId);
    if (!staff || !staff.active) throw challengeExpired();
    // Before the code is looked at: a refused attempt spends no code and writes nothing.
    await codeThrottle.check(req, staff.id, staff.id);
    const ctx = staffContext(req, res, staff.id);
    const used = await auditor.transaction(async (trx) => {
      const kind = await useSecondFactorCode(trx, staff.id, body.code);
      if (!kind) return undefined;
      if (!(await challenges.complete(trx, challenge.id))) throw challengeExpired();
      if (kind === 'recovery') await auditor.record(trx, ctx, { action: 'auth.recovery_code_used', targets: { staffId: staff.id } });
      return kind;
    });
    if (!used) {
      await codeThrottle.failed(req, staff.id);
      await challenges.fail(challenge.id);
      await auditor.record(
        db,
        { ...auditFrom(req, res), actor: { kind: 'anonymous' } },
        { action: 'auth.second_factor_failed', outcome: 'failure', targets: { staffId: staff.id } },
      );
      throw new HttpError(
        401,
        'invalid_code',
        'That code is not right, or was already used. Enter the code your app shows now, or a recovery code.',
      );
    }
    await sessions.startStaffSession(res, staff.id);
    await recordSignIn(db, staff.id);
    challenges.clear(res);
    res.locals.actorId = staff.id;
    await auditor.record(db, ctx, { action: 'auth.sign_in' });
    // The sign-in is complete: this device and address become the account's own.
    await codeThrottle.passed(req, staff.id);
    await codeThrottle.remember(req, res, staff.id);
    res.json({ user: toStaffUser({ ...staff, mustChangePassword: staff.must_change_password === 1 }) });
  });

  r.get('/totp', async (_req, res) => {
    const staff = res.locals.staff;
    if (!staff) throw unauthenticated();
    const status = await secondFactorStatus(db, staff.id);
    res.json({ ...status, required: isSecondFactorRequired(config.twoFactorRequiredFor, staff.role) });
  });

  r.post('/totp/enrol', ...codeLimits('totp-enrol'), async (req, res) => {
    requireNoBody(req.body);
    const { staff } = await enrolee(req, res);
    res.json(await startEnrolment(db, staff, config.clinicName));
  });

  r.post('/totp/confirm', ...codeLimits('totp-confirm'), async (req, res) => {
    const body = TotpConfirmRequestSchema.parse(req.body);
    const { staff, challengeId } = await enrolee(req, res);
    const ctx = staffContext(req, res, staff.id);
    const recoveryCodes = await confirmEnrolment({ db, auditor }, ctx, staff.id, body.code);
    if (!challengeId) {
      res.json({ recoveryCodes });
      return;
    }
    // Enrolment was the last step of a sign-in: finish it.
    if (!(await auditor.transaction((trx) => challenges.complete(trx, challengeId)))) throw challengeExpired();
    await sessions.startStaffSession(res, staff.id);
    await recordSignIn(db, staff.id);
    challenges.clear(res);
    res.locals.actorId = staff.id;
    await auditor.record(db, ctx, { action: 'auth.sign_in' });
    await codeThrottle.remember(req, res, staff.id);
    res.json({ recoveryCodes, user: toStaffUser({ ...staff, mustChangePassword: staff.must_change_password === 1 }) });
  });

  return r;
}
