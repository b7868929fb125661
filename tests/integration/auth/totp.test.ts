import { Secret, TOTP } from 'otpauth';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resetSecondFactor } from '../../../server/auth/totp.service';
import { Auditor } from '../../../server/audit/auditor';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp, type TestStaff } from '../../helpers/test-app';

/** The code an authenticator app shows `stepsAhead` 30-second steps from now. */
const codeAt = (secret: string, stepsAhead = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: Date.now() + stepsAhead * 30_000 });

async function auditActions(t: TestApp, staffId: string): Promise<{ action: string; outcome: string; actor_id: string | null }[]> {
  return t.database.db
    .selectFrom('audit_log')
    .select(['action', 'outcome', 'actor_id'])
    .where((eb) => eb.or([eb('staff_id', '=', staffId), eb('actor_id', '=', staffId)]))
    .orderBy('seq')
    .execute();
}

const count = async (t: TestApp, table: 'sessions' | 'staff_recovery_codes' | 'staff_totp', staffId: string) =>
  Number(
    (
      await t.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('staff_id', '=', staffId)
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Signs in with the password only and sets up an authenticator app; returns its secret and recovery codes. */
async function enrol(t: TestApp, staff: TestStaff): Promise<{ secret: string; recoveryCodes: string[]; agent: TestAgent }> {
  const agent = t.agent();
  await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
  const enrolment = await agent.post('/api/auth/totp/enrol').expect(200);
  expectRouteContract(enrolment, 'POST /api/auth/totp/enrol');
  const confirm = await agent
    .post('/api/auth/totp/confirm')
    .send({ code: codeAt(enrolment.body.secret) })
    .expect(200);
  expectRouteContract(confirm, 'POST /api/auth/totp/confirm');
  return { secret: enrolment.body.secret, recoveryCodes: confirm.body.recoveryCodes, agent };
}

describeEachDatabase('two-step sign-in with an authenticator app (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('enrols: a QR code and the secret for manual entry, a wrong code refused, the right one gives ten recovery codes once', async () => {
    const staff = await t.createStaff('clinician');
    const agent = t.agent();
    await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    const before = await agent.get('/api/auth/totp').expect(200);
    expectRouteContract(before, 'GET /api/auth/totp');
    expect(before.body).toEqual({ enabled: false, recoveryCodesLeft: 0, required: false });

    const enrolment = await agent.post('/api/auth/totp/enrol').expect(200);
    expect(enrolment.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    expect(enrolment.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(enrolment.body.qrCode.split(',')[1], 'base64').toString()).toContain('<svg');

    const wrong = await agent
      .post('/api/auth/totp/confirm')
      .send({ code: '000000' === codeAt(enrolment.body.secret) ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('invalid_code');
    expect(await count(t, 'staff_recovery_codes', staff.id)).toBe(0);

    const confirm = await agent
      .post('/api/auth/totp/confirm')
      .send({ code: codeAt(enrolment.body.secret) })
      .expect(200);
    expect(confirm.body.recoveryCodes).toHaveLength(10);
    expect(new Set(confirm.body.recoveryCodes).size).toBe(10);
    for (const c of confirm.body.recoveryCodes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    // Stored hashed: no recovery code and no secret appears in the audit trail or the logs.
    const stored = await t.database.db.selectFrom('staff_recovery_codes').select('code_hash').where('staff_id', '=', staff.id).execute();
    expect(stored.map((r) => r.code_hash)).not.toContain(confirm.body.recoveryCodes[0]);
    expect(t.rawLogs()).not.toContain(enrolment.body.secret);
    expect(t.rawLogs()).not.toContain(confirm.body.recoveryCodes[0]);

    const after = await agent.get('/api/auth/totp').expect(200);
    expect(after.body).toEqual({ enabled: true, recoveryCodesLeft: 10, required: false });
    expect((await auditActions(t, staff.id)).map((e) => e.action)).toContain('auth.totp_enrolled');
    // A second enrolment over a working one is refused (an administrator resets it first).
    expect((await agent.post('/api/auth/totp/enrol')).status).toBe(409);
  });

  it('signs in with password then code: no session after the password alone, a session after the code', async () => {
    const staff = await t.createStaff('clinician');
    const { secret } = await enrol(t, staff);
    const agent = t.agent();
    const first = await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    expectRouteContract(first, 'POST /api/auth/login');
    expect(first.body).toEqual({ secondFactor: 'totp' });
    expect(String(first.headers['set-cookie'])).not.toMatch(/alcove_staff=/);
    await agent.get('/api/auth/me').expect(401);
    // The half-finished sign-in's cookie is no session anywhere.
    await agent.get('/api/staff').expect(401);

    // The last sign-in is the one that finishes with the code, not the password step.
    await t.database.db.updateTable('staff').set({ last_sign_in_at: null }).where('id', '=', staff.id).execute();
    // The code the enrolment used is spent: the next step's code (an app a few seconds ahead) is fresh.
    const done = await agent
      .post('/api/auth/second-factor')
      .send({ code: codeAt(secret, 1) })
      .expect(200);
    expectRouteContract(done, 'POST /api/auth/second-factor');
    expect(done.body.user).toMatchObject({ id: staff.id, role: 'clinician' });
    await agent.get('/api/auth/me').expect(200);
    const row = await t.database.db.selectFrom('staff').select('last_sign_in_at').where('id', '=', staff.id).executeTakeFirstOrThrow();
    expect(Date.now() - Date.parse(row.last_sign_in_at!)).toBeLessThan(60_000);
    // The challenge is used up: it cannot start a second session.
    const again = await agent.post('/api/auth/second-factor').send({ code: codeAt(secret, 1) });
    expect(again.status).toBe(401);
  });

  it('refuses a wrong code with a clear error, audits it by id, and ends the attempt after three', async () => {
    const staff = await t.createStaff('admin');
    const { secret } = await enrol(t, staff);
    const agent = t.agent();
    await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    const right = codeAt(secret, 1);
    const wrongCode = right === '123456' ? '654321' : '123456';
    const wrong = await agent.post('/api/auth/second-factor').send({ code: wrongCode });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_code');
    expect(String(wrong.headers['set-cookie'] ?? '')).not.toMatch(/alcove_staff=/);
    const entries = await auditActions(t, staff.id);
    expect(entries.at(-1)).toMatchObject({ action: 'auth.second_factor_failed', outcome: 'failure', actor_id: null });
    expect(t.rawLogs()).not.toContain(wrongCode);
    for (let i = 0; i < 2; i++) await agent.post('/api/auth/second-factor').send({ code: wrongCode }).expect(401);
    // Three wrong codes: this sign-in is over, even with the right code now (the password comes first again).
    const expired = await agent.post('/api/auth/second-factor').send({ code: right });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('challenge_expired');
    expect(await count(t, 'sessions', staff.id)).toBe(1); // only enrol()'s own
  });

  it('refuses a replayed code: a code accepted once is refused for the rest of its 30 seconds', async () => {
    const staff = await t.createStaff('clinician');
    const { secret } = await enrol(t, staff);
    const code = codeAt(secret, 1);
    const a = t.agent();
    await a.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    await a.post('/api/auth/second-factor').send({ code }).expect(200);
    const b = t.agent();
    await b.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    const replay = await b.post('/api/auth/second-factor').send({ code });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('invalid_code');
    // An older step is no better than the same one.
    expect((await b.post('/api/auth/second-factor').send({ code: codeAt(secret, 0) })).status).toBe(401);
    await b.get('/api/auth/me').expect(401);
  });

  it('a recovery code signs in once, and only once', async () => {
    const staff = await t.createStaff('clinician');
    const { recoveryCodes } = await enrol(t, staff);
    const code = recoveryCodes[3]!;
    const a = t.agent();
    await a.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    // Typed in capitals with a space instead of the dash: still the same code.
    await a
      .post('/api/auth/second-factor')
      .send({ code: code.toUpperCase().replace('-', ' ') })
      .expect(200);
    await a.get('/api/auth/me').expect(200);
    expect((await a.get('/api/auth/totp')).body.recoveryCodesLeft).toBe(9);
    expect((await auditActions(t, staff.id)).map((e) => e.action)).toContain('auth.recovery_code_used');

    const b = t.agent();
    await b.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    const reuse = await b.post('/api/auth/second-factor').send({ code });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe('invalid_code');
    await b.post('/api/auth/second-factor').send({ code: recoveryCodes[4] }).expect(200);
  });

  it("an administrator resets someone's second factor: audited, their sessions end, and they sign in with the password alone", async () => {
    const staff = await t.createStaff('clinician');
    const { agent } = await enrol(t, staff);
    const admin = await t.createStaff('admin');
    const auditor = new Auditor(t.database.db, t.dialect);
    const done = await resetSecondFactor({ db: t.database.db, auditor }, { actor: { kind: 'staff', id: admin.id } }, staff.id);
    expect(done).toBe(true);
    expect(await count(t, 'staff_totp', staff.id)).toBe(0);
    expect(await count(t, 'staff_recovery_codes', staff.id)).toBe(0);
    await agent.get('/api/auth/me').expect(401);
    const entries = await auditActions(t, staff.id);
    expect(entries.at(-1)).toMatchObject({ action: 'staff.second_factor_reset', actor_id: admin.id });
    const login = await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    expect(login.body.user.id).toBe(staff.id);
    expect(
      await resetSecondFactor({ db: t.database.db, auditor }, { actor: { kind: 'system' } }, '00000000-0000-4000-8000-000000000000'),
    ).toBe(false);
  });

  it('a password reset link does not skip the second factor: setting the new password leads to the code step, not a session', async () => {
    const staff = await t.createStaff('clinician');
    const { secret } = await enrol(t, staff);
    const { agent: admin } = await t.signedIn('admin');
    const reset = await admin.post(`/api/staff/${staff.id}/reset-password`).expect(200);
    const token = String(reset.body.invitation.url).split('/invite/')[1];
    const browser = t.agent();
    const accepted = await browser
      .post('/api/auth/invitation/accept')
      .send({ token, password: 'juniper lantern orbit canvas' })
      .expect(200);
    expectRouteContract(accepted, 'POST /api/auth/invitation/accept');
    expect(accepted.body).toEqual({ secondFactor: 'totp' });
    await browser.get('/api/auth/me').expect(401);
    await browser
      .post('/api/auth/second-factor')
      .send({ code: codeAt(secret, 1) })
      .expect(200);
    await browser.get('/api/auth/me').expect(200);
  });

  it('refuses bad input and missing or forged sign-in state with 4xx, writing nothing', async () => {
    const staff = await t.createStaff('clinician');
    const { secret } = await enrol(t, staff);
    // No half-finished sign-in at all.
    const none = await t
      .agent()
      .post('/api/auth/second-factor')
      .send({ code: codeAt(secret, 1) });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('challenge_expired');
    const forged = await t
      .agent()
      .post('/api/auth/second-factor')
      .set('Cookie', 'alcove_pending=eyJhbGciOiJIUzI1NiJ9.eyJraW5kIjoicGVuZGluZyJ9.AAAA')
      .send({ code: codeAt(secret, 1) });
    expect(forged.status).toBe(401);
    // A session cookie is not a half-finished sign-in either.
    const { agent: signedIn } = await t.signedIn('clinician');
    expect((await signedIn.post('/api/auth/second-factor').send({ code: '123456' })).status).toBe(401);

    const agent = t.agent();
    await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    for (const body of [{}, { code: '' }, { code: 123456 }, { code: 'x'.repeat(100) }, { code: '123456', extra: 1 }]) {
      const res = await agent.post('/api/auth/second-factor').send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await t.agent().post('/api/auth/totp/enrol')).status).toBe(401);
    expect((await t.agent().post('/api/auth/totp/confirm').send({ code: '123456' })).status).toBe(401);
    expect((await t.agent().get('/api/auth/totp')).status).toBe(401);
    expect((await signedIn.post('/api/auth/totp/confirm').send({ code: 'abcdef' })).status).toBe(400);
    expect((await signedIn.post('/api/auth/totp/confirm').send({ code: '123456' })).status).toBe(409); // nothing to confirm
    expect((await signedIn.post('/api/auth/totp/enrol').send({ extra: 1 })).status).toBe(400);
    // Nothing was written: no session for the account besides enrol()'s own.
    expect(await count(t, 'sessions', staff.id)).toBe(1);
    expect((await agent.get('/api/auth/me')).status).toBe(401);
    await t.agent().get('/healthz').expect(200);
  });
});

describeEachDatabase('a clinic that requires a second factor (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { REQUIRE_2FA_FOR: 'clinician,admin', LOGIN_LIMIT_PER_ACCOUNT: '3' } });
  });
  afterAll(async () => t?.close());

  it('sends a clinician without one to enrol at sign-in; enrolling finishes the sign-in', async () => {
    const staff = await t.createStaff('clinician');
    const agent = t.agent();
    const login = await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    expect(login.body).toEqual({ secondFactor: 'enrol' });
    // The device is the account's own only once the sign-in is complete (here: at the enrolment's confirmation).
    expect(String(login.headers['set-cookie'])).not.toMatch(/alcove_device=/);
    await agent.get('/api/auth/me').expect(401);
    // Enrolment is all this half-finished sign-in allows.
    await agent.post('/api/auth/second-factor').send({ code: '123456' }).expect(401);
    const enrolment = await agent.post('/api/auth/totp/enrol').expect(200);
    const confirm = await agent
      .post('/api/auth/totp/confirm')
      .send({ code: codeAt(enrolment.body.secret) })
      .expect(200);
    expectRouteContract(confirm, 'POST /api/auth/totp/confirm');
    expect(confirm.body.user).toMatchObject({ id: staff.id });
    expect(String(confirm.headers['set-cookie'])).toMatch(/alcove_device=/);
    expect(confirm.body.recoveryCodes).toHaveLength(10);
    const status = await agent.get('/api/auth/totp').expect(200);
    expect(status.body).toEqual({ enabled: true, recoveryCodesLeft: 10, required: true });
    expect((await auditActions(t, staff.id)).map((e) => e.action)).toEqual(['auth.totp_enrolled', 'auth.sign_in']);

    // From now on this account signs in with a code.
    const next = await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    expect(next.body).toEqual({ secondFactor: 'totp' });
  });

  it('an invited clinician who sets their password is sent to enrol before any session', async () => {
    const adminStaff = await t.createStaff('admin');
    const adminAgent = t.agent();
    // The admin itself must enrol first: the clinic requires it for admins.
    await adminAgent.post('/api/auth/login').send({ email: adminStaff.email, password: adminStaff.password }).expect(200);
    const e = await adminAgent.post('/api/auth/totp/enrol').expect(200);
    await adminAgent
      .post('/api/auth/totp/confirm')
      .send({ code: codeAt(e.body.secret) })
      .expect(200);
    const invited = await adminAgent
      .post('/api/staff')
      .send({ email: `new-${Date.now()}@clinic.test`, name: 'New Clinician', role: 'clinician' })
      .expect(201);
    const token = String(invited.body.invitation.url).split('/invite/')[1];
    const browser = t.agent();
    const accepted = await browser
      .post('/api/auth/invitation/accept')
      .send({ token, password: 'juniper lantern orbit canvas' })
      .expect(200);
    expect(accepted.body).toEqual({ secondFactor: 'enrol' });
    await browser.get('/api/auth/me').expect(401);
    const enrolment = await browser.post('/api/auth/totp/enrol').expect(200);
    const confirm = await browser
      .post('/api/auth/totp/confirm')
      .send({ code: codeAt(enrolment.body.secret) })
      .expect(200);
    expect(confirm.body.user.id).toBe(invited.body.staff.id);
    await browser.get('/api/auth/me').expect(200);
  });

  it('an administrator too; a scheduler (not listed) signs in with the password alone', async () => {
    const admin = await t.createStaff('admin');
    expect((await t.agent().post('/api/auth/login').send({ email: admin.email, password: admin.password }).expect(200)).body).toEqual({
      secondFactor: 'enrol',
    });
    const scheduler = await t.createStaff('scheduler');
    const res = await t.agent().post('/api/auth/login').send({ email: scheduler.email, password: scheduler.password }).expect(200);
    expect(res.body.user.id).toBe(scheduler.id);
  });

  it('rate-limits the code step per account and address across fresh sign-ins', async () => {
    const staff = await t.createStaff('clinician');
    const agent = t.agent();
    await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    const enrolment = await agent.post('/api/auth/totp/enrol').expect(200);
    await agent
      .post('/api/auth/totp/confirm')
      .send({ code: codeAt(enrolment.body.secret) })
      .expect(200);
    const right = codeAt(enrolment.body.secret, 1);
    const wrongCode = right === '123456' ? '654321' : '123456';
    // Each try starts a fresh sign-in from the same address, so the account-and-address limit (3 here) stops
    // the guessing there. It is no account-wide lock: see 'second-factor limits strangers cannot turn against the owner'.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const a = t.agent();
      await a.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
      statuses.push((await a.post('/api/auth/second-factor').send({ code: wrongCode })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

/**
 * The code step follows the password step's rule (server/auth/sign-in-throttle.ts): wrong codes slow
 * down per account-and-address pair and per address; the account-wide limit holds back only devices
 * and addresses the account never completed a sign-in from. TRUST_PROXY lets each request name its
 * own client address (X-Forwarded-For), standing in for people on different networks.
 */
describeEachDatabase('second-factor limits strangers cannot turn against the owner (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, {
      env: { TRUST_PROXY: 'true', LOGIN_LIMIT_PER_ACCOUNT: '5', LOGIN_LIMIT_PER_ADDRESS: '12', LOGIN_LIMIT_ACCOUNT_WIDE: '12' },
    });
  });
  afterAll(async () => t?.close());

  const from = (address: string, agent = t.agent()) => ({
    agent,
    login: (email: string, password: string) => agent.post('/api/auth/login').set('X-Forwarded-For', address).send({ email, password }),
    code: (code: string) => agent.post('/api/auth/second-factor').set('X-Forwarded-For', address).send({ code }),
  });
  const wrongFor = (secret: string) => ['123456', '654321'].find((c) => ![-1, 0, 1, 2].some((s) => codeAt(secret, s) === c)) as string;
  const auditCount = async () => (await t.database.db.selectFrom('audit_log').select('id').execute()).length;
  const sources = async (staffId: string) =>
    (await t.database.db.selectFrom('staff_sign_in_sources').select('source_hash').where('staff_id', '=', staffId).execute()).length;

  /** The owner signs in from `address` on `device` (no second factor yet, so that is a full sign-in) and sets up an app. */
  async function ownerWithApp(address: string, device = t.agent()) {
    const staff = await t.createStaff('clinician');
    await from(address, device).login(staff.email, staff.password).expect(200);
    const enrolment = await device.post('/api/auth/totp/enrol').set('X-Forwarded-For', address).expect(200);
    const confirm = await device
      .post('/api/auth/totp/confirm')
      .set('X-Forwarded-For', address)
      .send({ code: codeAt(enrolment.body.secret) })
      .expect(200);
    return { staff, secret: enrolment.body.secret as string, recoveryCodes: confirm.body.recoveryCodes as string[], device };
  }

  it('a stranger holding the password spends wrong codes from many addresses; the owner, from their own address and device, signs in with the right code', async () => {
    const { staff, secret, recoveryCodes, device: ownDevice } = await ownerWithApp('198.51.100.7');
    const wrong = wrongFor(secret);

    // One stranger address: two fresh sign-ins (a sign-in ends after three wrong codes), stopped after 5 wrong codes there.
    const fromOne: number[] = [];
    for (let round = 0; round < 2; round++) {
      const s = from('203.0.113.9');
      await s.login(staff.email, staff.password).expect(200);
      for (let i = 0; i < 3; i++) fromOne.push((await s.code(wrong)).status);
    }
    // 10 more from 10 other addresses: the account-wide limit (12 wrong codes) holds the rest back.
    const spread: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = from(`203.0.113.${100 + i}`);
      await s.login(staff.email, staff.password).expect(200);
      spread.push((await s.code(wrong)).status);
    }

    // The owner, from the address and device they signed in from before: the right code signs in.
    const owner = from('198.51.100.7', ownDevice);
    expect((await owner.login(staff.email, staff.password).expect(200)).body).toEqual({ secondFactor: 'totp' });
    const done = await owner.code(codeAt(secret, 1));
    expect(done.status).toBe(200);
    expect(done.body.user.id).toBe(staff.id);
    await ownDevice.get('/api/auth/me').expect(200);
    // While the stranger was stopped after 5 wrong codes at one address, and after 12 across all of them.
    expect(fromOne).toEqual([401, 401, 401, 401, 401, 429]);
    expect(spread).toEqual([401, 401, 401, 401, 401, 401, 401, 429, 429, 429]);
    // Their device carries its trust to a new network (a recovery code: the app's current codes are spent).
    const travelling = from('192.0.2.45', ownDevice);
    await travelling.login(staff.email, staff.password).expect(200);
    await travelling.code(recoveryCodes[0]!).expect(200);

    // The stranger is still held back: a new address and device, even with a right code, and the first address.
    const fresh = from('192.0.2.44');
    await fresh.login(staff.email, staff.password).expect(200);
    const before = await auditCount();
    const held = await fresh.code(recoveryCodes[1]!);
    expect(held.status).toBe(429);
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    expect(String(held.headers['set-cookie'] ?? '')).not.toMatch(/alcove_staff=[^;]/);
    expect(await auditCount()).toBe(before); // a throttled answer writes nothing
    const again = from('203.0.113.9');
    await again.login(staff.email, staff.password).expect(200);
    expect((await again.code(recoveryCodes[1]!)).status).toBe(429);
    // The held-back recovery code was not spent: the owner still has it.
    expect((await ownDevice.get('/api/auth/totp').expect(200)).body.recoveryCodesLeft).toBe(9);
  });

  it('wrong codes from one address slow that address down for every account', async () => {
    const owners = await Promise.all([0, 1, 2].map((i) => ownerWithApp(`198.51.100.${20 + i}`)));
    const statuses: number[] = [];
    // 4 wrong codes at each of three accounts from one address (under the pair limit of 5), then one more.
    for (const { staff, secret } of [...owners, owners[0]!]) {
      for (let round = 0; round < 2; round++) {
        const s = from('203.0.113.77');
        await s.login(staff.email, staff.password).expect(200);
        for (let i = 0; i < (round === 0 ? 3 : 1); i++) statuses.push((await s.code(wrongFor(secret))).status);
      }
    }
    expect(statuses.slice(0, 12).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(12)).toEqual([429, 429, 429, 429]);
    // Elsewhere, the owners sign in as usual.
    const { staff, secret, device } = owners[1]!;
    const owner = from('198.51.100.21', device);
    await owner.login(staff.email, staff.password).expect(200);
    await owner.code(codeAt(secret, 1)).expect(200);
  });

  it('the password alone, with a second factor to come, makes no device or address known; the full sign-in does', async () => {
    const { staff, secret } = await ownerWithApp('198.51.100.40');
    const known = await sources(staff.id);

    // Someone with the password, who never gets past the code step.
    const stranger = from('203.0.113.50');
    const half = await stranger.login(staff.email, staff.password).expect(200);
    expect(half.body).toEqual({ secondFactor: 'totp' });
    expect(String(half.headers['set-cookie'] ?? '')).not.toMatch(/alcove_device=/);
    expect(await sources(staff.id)).toBe(known);

    // The owner on a new device and address, all the way through: that device is known from now on.
    const laptop = from('198.51.100.41');
    await laptop.login(staff.email, staff.password).expect(200);
    const full = await laptop.code(codeAt(secret, 1)).expect(200);
    expect(String(full.headers['set-cookie'])).toMatch(/alcove_device=/);
    expect(await sources(staff.id)).toBeGreaterThan(known);

    // Spread-out wrong passwords reach the account-wide limit (12).
    for (let i = 0; i < 12; i++)
      await from(`192.0.2.${150 + i}`)
        .login(staff.email, `guess-${i}`)
        .expect(401);
    // The stranger's address is held back like any other new one, password or not.
    expect((await from('203.0.113.50', stranger.agent).login(staff.email, staff.password)).status).toBe(429);
    // The owner's laptop, even on yet another network, and their first address still get their password checked.
    await from('192.0.2.200', laptop.agent).login(staff.email, staff.password).expect(200);
    await from('198.51.100.40').login(staff.email, staff.password).expect(200);
  });
});
