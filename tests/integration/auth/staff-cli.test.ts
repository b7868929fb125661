import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../server/db/database';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { addStaffWithCli } from '../../helpers/visit-setup';
import { createScratchDatabase } from '../platform/fault-tools';

const exec = promisify(execFile);

/** The code an authenticator app shows `stepsAhead` 30-second steps from now. */
const codeAt = (secret: string, stepsAhead = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: Date.now() + stepsAhead * 30_000 });

/** PostgreSQL too when the run has one: each gets its own scratch database shared by the server and the CLI. */
const databases = ['sqlite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];

/**
 * Every `npm run staff` command except invite/add (tested in process.test.ts), run as the real CLI
 * against the database of a running server, and checked in that database and through the server's API.
 */
describe.each(databases)('the staff CLI against a running server (%s)', (dialect) => {
  let server: ServerProcess;
  let database: Database;
  let databaseUrl: string;
  const cleanups: (() => Promise<void> | void)[] = [];
  let n = 0;

  beforeAll(async () => {
    if (dialect === 'postgres') {
      const scratch = await createScratchDatabase();
      cleanups.push(scratch.drop);
      databaseUrl = scratch.url;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-staff-cli-'));
      cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
      databaseUrl = `sqlite:${path.join(dir, 'alcove.db')}`;
    }
    server = await startServerProcess(`staff-cli-${dialect}`, { DATABASE_URL: databaseUrl });
    cleanups.push(() => server.stop());
    database = openDatabase(databaseUrl);
    cleanups.push(() => database.close());
  }, 120_000);
  afterAll(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  });

  /** Runs the CLI; never throws, so a failing command's exit code and stderr can be checked. */
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const r = await exec(process.execPath, ['--import', 'tsx', 'server/auth/staff-cli.ts', ...args], {
        env: { ...process.env, DATABASE_URL: databaseUrl, PUBLIC_URL: server.url, LOG_LEVEL: 'silent', SSO_ONLY: 'false' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  /** A fresh clinician, invited with the CLI and with a password set through its link. */
  async function newStaff(label: string) {
    const email = `${label}-${++n}@clinic.test`;
    const password = await addStaffWithCli(server, { email, name: `Staff ${label} ${n}`, role: 'clinician' });
    const row = await database.db.selectFrom('staff').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    return { email, password, id: row.id };
  }

  const signIn = (email: string, password: string) => request(server.url).post('/api/auth/login').send({ email, password });

  async function signedIn(email: string, password: string) {
    const agent = request.agent(server.url);
    await agent.post('/api/auth/login').send({ email, password }).expect(200);
    await agent.get('/api/auth/me').expect(200);
    return agent;
  }

  const auditActions = async (staffId: string) =>
    (
      await database.db
        .selectFrom('audit_log')
        .select(['action', 'actor_kind', 'outcome'])
        .where('staff_id', '=', staffId)
        .orderBy('seq')
        .execute()
    ).map((e) => `${e.actor_kind}:${e.action}:${e.outcome}`);

  const staffRow = (id: string) => database.db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('list prints every account with role, status and 2FA, and never a password hash', async () => {
    const a = await newStaff('listed');
    await cli('deactivate', '--email', a.email);
    const r = await cli('list');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const count = Number(
      (
        await database.db
          .selectFrom('staff')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(lines).toHaveLength(count);
    const adminLine = lines.find((l) => l.startsWith(`${server.admin.email} `));
    expect(adminLine).toMatch(/\badmin\b.*\bactive\b.*password set.*2FA off/);
    const line = lines.find((l) => l.startsWith(`${a.email} `));
    expect(line).toMatch(/\bclinician\b.*\bdeactivated\b.*password set.*2FA off/);
    const hashes = await database.db.selectFrom('staff').select('password_hash').execute();
    for (const { password_hash } of hashes) expect(r.stdout).not.toContain(password_hash);
    expect(r.stdout).not.toMatch(/\$argon2|\$2[aby]\$|scrypt|password_hash/i);
    expect(r.stdout).not.toContain(a.password);
  }, 120_000);

  it('deactivate refuses sign-in, ends an existing session and is audited; reactivate lets them sign in again', async () => {
    const s = await newStaff('deactivated');
    const agent = await signedIn(s.email, s.password);

    const r = await cli('deactivate', '--email', s.email);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${s.email}: deactivated, signed out everywhere`);
    expect((await staffRow(s.id)).active).toBe(0);
    await agent.get('/api/auth/me').expect(401);
    const refused = await signIn(s.email, s.password);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('invalid_credentials');
    expect(await auditActions(s.id)).toContain('system:staff.deactivated:success');
    const live = await database.db
      .selectFrom('sessions')
      .select('id')
      .where('staff_id', '=', s.id)
      .where('revoked_at', 'is', null)
      .execute();
    expect(live).toHaveLength(0);

    const back = await cli('reactivate', '--email', s.email);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain(`${s.email}: reactivated`);
    expect((await staffRow(s.id)).active).toBe(1);
    expect(await auditActions(s.id)).toContain('system:staff.reactivated:success');
    const again = await signedIn(s.email, s.password);
    expect((await again.get('/api/auth/me').expect(200)).body.user).toMatchObject({ id: s.id, email: s.email });
    // The session that deactivation ended stays ended.
    await agent.get('/api/auth/me').expect(401);
  }, 120_000);

  it('reset-password prints a one-time link that sets a new password; the old one stops working and sessions end', async () => {
    const s = await newStaff('reset');
    const agent = await signedIn(s.email, s.password);

    const r = await cli('reset-password', '--email', s.email);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${s.email}: old password removed, signed out everywhere`);
    const token = /\/invite\/([A-Za-z0-9_-]{20,})/.exec(r.stdout)?.[1];
    expect(token).toBeDefined();
    expect(r.stdout).not.toContain('SSO_ONLY');
    await agent.get('/api/auth/me').expect(401);
    expect((await signIn(s.email, s.password)).status).toBe(401);
    expect(await auditActions(s.id)).toContain('system:staff.password_reset:success');

    const newPassword = 'copper meadow lantern 4412 orbit';
    await request(server.url)
      .post('/api/auth/invitation/accept')
      .set('Origin', server.url)
      .send({ token, password: newPassword })
      .expect(200);
    await signedIn(s.email, newPassword);
    expect((await signIn(s.email, s.password)).status).toBe(401);
    // The link works once.
    const reused = await request(server.url)
      .post('/api/auth/invitation/accept')
      .set('Origin', server.url)
      .send({ token, password: 'another quite long pass phrase 77' });
    expect(reused.status).toBe(410);
  }, 120_000);

  it('reset-2fa turns the second factor off (audited, signed out), so the next sign-in needs no code', async () => {
    const s = await newStaff('twofactor');
    const agent = await signedIn(s.email, s.password);
    const enrolment = await agent.post('/api/auth/totp/enrol').expect(200);
    await agent
      .post('/api/auth/totp/confirm')
      .send({ code: codeAt(enrolment.body.secret) })
      .expect(200);
    // Enrolled: the password alone no longer signs in.
    expect((await signIn(s.email, s.password).expect(200)).body).toEqual({ secondFactor: 'totp' });
    expect((await cli('list')).stdout).toMatch(new RegExp(`^${s.email.replace(/[.]/g, '\\.')} .*2FA on`, 'm'));

    const r = await cli('reset-2fa', '--email', s.email);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${s.email}: second factor removed`);
    await agent.get('/api/auth/me').expect(401);
    expect(await auditActions(s.id)).toContain('system:staff.second_factor_reset:success');
    const totpRows = await database.db.selectFrom('staff_totp').select('staff_id').where('staff_id', '=', s.id).execute();
    expect(totpRows).toHaveLength(0);
    expect((await cli('list')).stdout).toMatch(new RegExp(`^${s.email.replace(/[.]/g, '\\.')} .*2FA off`, 'm'));

    const fresh = request.agent(server.url);
    const login = await fresh.post('/api/auth/login').send({ email: s.email, password: s.password }).expect(200);
    expect(login.body.secondFactor).toBeUndefined();
    expect(login.body.user).toMatchObject({ id: s.id });
    await fresh.get('/api/auth/me').expect(200);
  }, 120_000);

  it('an unknown email gives a clear message and a non-zero exit for every command, no stack trace, no change', async () => {
    const before = await database.db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    for (const command of ['reset-password', 'deactivate', 'reactivate', 'reset-2fa']) {
      const r = await cli(command, '--email', 'nobody-here@clinic.test');
      expect(r.code, command).not.toBe(0);
      expect(r.stderr, command).toContain('no account has the email nobody-here@clinic.test');
      expect(r.stderr, command).not.toMatch(/\n\s+at .*:\d+/);
      expect(r.stdout, command).not.toContain('/invite/');
    }
    const malformed = await cli('deactivate', '--email', 'not-an-email');
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain('error:');
    expect(malformed.stderr).not.toMatch(/\n\s+at .*:\d+/);
    const missing = await cli('deactivate');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('--email is required');
    const after = await database.db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    expect(after?.seq).toBe(before?.seq);
  }, 120_000);
});
