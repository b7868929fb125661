import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';

/**
 * Sign-in limits a stranger cannot turn against the owner. TRUST_PROXY lets each request name its
 * own client address (X-Forwarded-For), standing in for people on different networks.
 */
describeEachDatabase('sign-in lockouts strangers cannot cause (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, {
      env: { TRUST_PROXY: 'true', LOGIN_LIMIT_PER_ACCOUNT: '5', LOGIN_LIMIT_PER_ADDRESS: '12', LOGIN_LIMIT_ACCOUNT_WIDE: '12' },
    });
  });
  afterAll(async () => t?.close());

  const from = (address: string, agent = t.agent()) => ({
    login: (email: string, password: string) => agent.post('/api/auth/login').set('X-Forwarded-For', address).send({ email, password }),
  });

  it('a stranger’s 50 wrong passwords from 41 other addresses do not stop the owner signing in from their own address and device', async () => {
    const owner = await t.createStaff('clinician');
    const ownDevice = t.agent();
    await from('198.51.100.7', ownDevice).login(owner.email, owner.password).expect(200);

    // One stranger address: slowed down after 5 failures, for this account from there only.
    const fromOne = [];
    for (let i = 0; i < 10; i++) fromOne.push((await from('203.0.113.9').login(owner.email, `guess-${i}`)).status);
    expect(fromOne.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(fromOne.slice(5)).toEqual([429, 429, 429, 429, 429]);
    // 40 more from 40 other addresses: the account-wide limit (12 failures) holds back the rest.
    const spread = [];
    for (let i = 0; i < 40; i++) spread.push((await from(`203.0.113.${100 + i}`).login(owner.email, `guess-${i}`)).status);
    expect(spread.slice(0, 7).every((s) => s === 401)).toBe(true);
    expect(spread.slice(7).every((s) => s === 429)).toBe(true);

    // The owner, from their own address, on their own device and on a fresh one: the password is still checked, and works.
    await from('198.51.100.7', ownDevice).login(owner.email, owner.password).expect(200);
    await from('198.51.100.7').login(owner.email, owner.password).expect(200);
    // A wrong password from there is still just wrong (401), never a lockout.
    expect((await from('198.51.100.7').login(owner.email, 'owner typo')).status).toBe(401);
    // A new address without the device cookie is what the account-wide limit holds back, even with the password.
    expect((await from('192.0.2.44').login(owner.email, owner.password)).status).toBe(429);
    // The owner's device cookie carries its trust to a new network.
    await from('192.0.2.45', ownDevice).login(owner.email, owner.password).expect(200);
  });

  it('failures from one address slow that address down for every account, and nobody else', async () => {
    const victims = await Promise.all(Array.from({ length: 4 }, () => t.createStaff('scheduler')));
    const statuses = [];
    for (let i = 0; i < 14; i++) statuses.push((await from('203.0.113.77').login(victims[i % 4]!.email, `guess-${i}`)).status);
    expect(statuses.slice(0, 12).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(12)).toEqual([429, 429]);
    for (const v of victims.slice(0, 2)) await from('198.51.100.20').login(v.email, v.password).expect(200);
  });

  it('the throttled answers write no audit entry and start no session', async () => {
    const staff = await t.createStaff('clinician');
    for (let i = 0; i < 5; i++) await from('203.0.113.200').login(staff.email, `guess-${i}`).expect(401);
    const before = (await t.database.db.selectFrom('audit_log').select('id').execute()).length;
    const res = await from('203.0.113.200').login(staff.email, staff.password);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await t.database.db.selectFrom('audit_log').select('id').execute()).length).toBe(before);
  });

  it('known devices and addresses are stored as keyed hashes, never raw', async () => {
    const rows = JSON.stringify(await t.database.db.selectFrom('staff_sign_in_sources').selectAll().execute());
    expect(rows).not.toContain('198.51.100.7');
    expect(rows).not.toMatch(/device:/);
  });
});
