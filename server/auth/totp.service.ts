import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { StaffRole } from '@shared/api/auth.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';
import { revokeStaffSessions } from './session';
import { findStaffById } from './staff.store';

/** RFC 6238 defaults, which every authenticator app understands. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side: a phone clock a little off, or a code typed as it rolls over. */
const WINDOW = 1;
const RECOVERY_CODE_COUNT = 10;
/** No look-alike characters (0/o, 1/l/i): codes are read off paper. 10 of 31 symbols ≈ 50 bits, behind rate limits. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/** A half-finished sign-in (password given, code not yet) lasts this long and allows this many wrong codes. */
export const CHALLENGE_MINUTES = 5;
export const CHALLENGE_MAX_FAILURES = 3;

export interface TotpDeps {
  db: Kysely<DB>;
  auditor: Auditor;
}

function totpFor(secretBase32: string, label = 'staff', issuer = 'Alcove'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

const hashRecoveryCode = (code: string) => createHash('sha256').update(normaliseRecoveryCode(code)).digest('hex');
const normaliseRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');
const isTotpCode = (code: string) => /^\d{6}$/.test(code.replace(/\s/g, ''));

function generateRecoveryCode(): string {
  let out = '';
  for (let i = 0; i < 10; i++) out += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

/** The TOTP step a code is valid for right now, or undefined when it matches no step in the window. */
function matchingStep(secretBase32: string, code: string, now = Date.now()): number | undefined {
  const totp = totpFor(secretBase32);
  const current = Math.floor(now / 1000 / PERIOD_SECONDS);
  const delta = totp.validate({ token: code.replace(/\s/g, ''), timestamp: now, window: WINDOW });
  return delta === null ? undefined : current + delta;
}

/** Whether the clinic requires a second factor for this role (REQUIRE_2FA_FOR). */
export function isSecondFactorRequired(requiredFor: readonly StaffRole[], role: StaffRole): boolean {
  return requiredFor.includes(role);
}

/** Whether the account has a confirmed second factor, and how many unused recovery codes it has left. */
export async function secondFactorStatus(db: Kysely<DB>, staffId: string): Promise<{ enabled: boolean; recoveryCodesLeft: number }> {
  const totp = await db.selectFrom('staff_totp').select('confirmed_at').where('staff_id', '=', staffId).executeTakeFirst();
  if (!totp?.confirmed_at) return { enabled: false, recoveryCodesLeft: 0 };
  const row = await db
    .selectFrom('staff_recovery_codes')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('staff_id', '=', staffId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { enabled: true, recoveryCodesLeft: Number(row.n) };
}

/** Whether the account signs in with a confirmed TOTP. */
export async function hasSecondFactor(db: Kysely<DB>, staffId: string): Promise<boolean> {
  const row = await db.selectFrom('staff_totp').select('confirmed_at').where('staff_id', '=', staffId).executeTakeFirst();
  return Boolean(row?.confirmed_at);
}

/**
 * Starts (or restarts) enrolment: a fresh secret, unconfirmed until a code from it is entered.
 * Returns the secret for manual entry, the otpauth URI and the same URI as an SVG QR code (data URL).
 * 409 when a second factor is already on (an admin resets it first).
 */
export async function startEnrolment(
  db: Kysely<DB>,
  staff: { id: string; email: string },
  issuer: string,
): Promise<{ secret: string; otpauthUri: string; qrCode: string }> {
  if (await hasSecondFactor(db, staff.id)) throw new HttpError(409, 'conflict', 'Two-step sign-in is already set up for this account');
  const secret = new Secret({ size: 20 }).base32;
  const now = new Date().toISOString();
  await db.deleteFrom('staff_totp').where('staff_id', '=', staff.id).where('confirmed_at', 'is', null).execute();
  await db
    .insertInto('staff_totp')
    .values({ staff_id: staff.id, secret, confirmed_at: null, last_used_step: null, created_at: now })
    .execute();
  const otpauthUri = totpFor(secret, staff.email, issuer).toString();
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauthUri, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/**
 * Finishes enrolment with a code from the new secret: the factor is on, that code's step is used,
 * and ten single-use recovery codes are returned (shown once; stored hashed). Audited with the change.
 * 400 `invalid_code` for a wrong code, 409 when there is no enrolment in progress.
 */
export async function confirmEnrolment(deps: TotpDeps, ctx: AuditContext, staffId: string, code: string): Promise<string[]> {
  const pending = await deps.db.selectFrom('staff_totp').selectAll().where('staff_id', '=', staffId).executeTakeFirst();
  if (!pending || pending.confirmed_at) throw new HttpError(409, 'conflict', 'Start setting up two-step sign-in first');
  const step = isTotpCode(code) ? matchingStep(pending.secret, code) : undefined;
  if (step === undefined) throw new HttpError(400, 'invalid_code', 'That code is not right. Enter the 6-digit code your app shows now.');
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  const now = new Date().toISOString();
  await deps.auditor.transaction(async (trx) => {
    const confirmed = await trx
      .updateTable('staff_totp')
      .set({ confirmed_at: now, last_used_step: step })
      .where('staff_id', '=', staffId)
      .where('secret', '=', pending.secret)
      .where('confirmed_at', 'is', null)
      .executeTakeFirst();
    if (Number(confirmed.numUpdatedRows) !== 1) throw new HttpError(409, 'conflict', 'Two-step sign-in changed meanwhile; start again');
    await trx.deleteFrom('staff_recovery_codes').where('staff_id', '=', staffId).execute();
    await trx
      .insertInto('staff_recovery_codes')
      .values(codes.map((c) => ({ id: randomUUID(), staff_id: staffId, code_hash: hashRecoveryCode(c), created_at: now, used_at: null })))
      .execute();
    await deps.auditor.record(trx, ctx, { action: 'auth.totp_enrolled', targets: { staffId } });
  });
  return codes;
}

/**
 * Checks a sign-in code inside the caller's transaction and uses it up: a TOTP code must belong to
 * a later step than the last accepted one (a replayed code is refused, even within its 30 s), a
 * recovery code must be unused. Both are guarded updates, so two requests racing with the same
 * code cannot both win. Returns which kind matched, or undefined.
 */
export async function useSecondFactorCode(trx: Kysely<DB>, staffId: string, code: string): Promise<'totp' | 'recovery' | undefined> {
  const totp = await trx.selectFrom('staff_totp').selectAll().where('staff_id', '=', staffId).executeTakeFirst();
  if (!totp?.confirmed_at) return undefined;
  if (isTotpCode(code)) {
    const step = matchingStep(totp.secret, code);
    if (step === undefined) return undefined;
    const used = await trx
      .updateTable('staff_totp')
      .set({ last_used_step: step })
      .where('staff_id', '=', staffId)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return Number(used.numUpdatedRows) === 1 ? 'totp' : undefined;
  }
  const normalised = normaliseRecoveryCode(code);
  if (!/^[a-z0-9]{10}$/.test(normalised)) return undefined;
  const used = await trx
    .updateTable('staff_recovery_codes')
    .set({ used_at: new Date().toISOString() })
    .where('staff_id', '=', staffId)
    .where('code_hash', '=', hashRecoveryCode(normalised))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1 ? 'recovery' : undefined;
}

/**
 * Removes an account's second factor and recovery codes and ends its sessions, audited in the same
 * transaction (for the admin screen and `staff reset-2fa`). If the clinic requires a second factor
 * for the role, the person is sent to enrol again at their next sign-in. False when there is no
 * such account.
 */
export async function resetSecondFactor(deps: TotpDeps, ctx: AuditContext, staffId: string): Promise<boolean> {
  if (!(await findStaffById(deps.db, staffId))) return false;
  await deps.auditor.transaction(async (trx) => {
    await trx.deleteFrom('staff_recovery_codes').where('staff_id', '=', staffId).execute();
    await trx.deleteFrom('staff_totp').where('staff_id', '=', staffId).execute();
    await trx.deleteFrom('sign_in_challenges').where('staff_id', '=', staffId).execute();
    await revokeStaffSessions(trx, staffId);
    await deps.auditor.record(trx, ctx, { action: 'staff.second_factor_reset', targets: { staffId } });
  });
  return true;
}
