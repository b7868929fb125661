import { randomUUID } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const REDIRECT = `${PUBLIC_URL}/signin/sso`;

/** Row counts of what a refused sign-in must not touch, and the audit trail's length. */
async function state(t: TestApp) {
  const n = async (table: 'sessions' | 'staff' | 'staff_totp') =>
    Number(
      (
        await t.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const last = await t.database.db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return { sessions: await n('sessions'), staff: await n('staff'), totp: await n('staff_totp'), auditSeq: Number(last?.seq ?? 0) };
}

const auditSince = (t: TestApp, seq: number) =>
  t.database.db
    .selectFrom('audit_log')
    .select(['action', 'outcome', 'actor_kind', 'actor_id', 'staff_id', 'patient_id', 'visit_id'])
    .where('seq', '>', seq)
    .orderBy('seq')
    .execute();

describeEachDatabase('single sign-on with OpenID Connect against a real provider (%s)', (dialect) => {
  let t: TestApp;
  let idp: TestOidcProvider;

  beforeAll(async () => {
    idp = await startOidcProvider(REDIRECT);
    t = await startTestApp(dialect, {
      env: { PUBLIC_URL, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret },
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  /** Starts a sign-in in a fresh browser (agent) and goes through the provider as `account`. */
  async function throughProvider(account: { email: string; emailVerified?: boolean }, rewrite?: (url: URL) => void) {
    const agent = t.agent();
    const start = await agent.post('/api/auth/sso/start').expect(200);
    expectRouteContract(start, 'POST /api/auth/sso/start');
    const url = new URL(start.body.url);
    rewrite?.(url);
    idp.signInAs({ sub: randomUUID(), email: account.email, emailVerified: account.emailVerified ?? true });
    const back = await idp.authorize(url.href);
    return { agent, back: back as { code: string; state: string; iss?: string } };
  }

  const callback = (agent: TestAgent, back: { code: string; state: string; iss?: string }) =>
    agent.post('/api/auth/sso/callback').send(back);

  it('offers single sign-on on the sign-in page', async () => {
    const res = await t.agent().get('/api/auth/sso').expect(200);
    expectRouteContract(res, 'GET /api/auth/sso');
    expect(res.body).toEqual({ enabled: true, ssoOnly: false, label: 'Sign in with your clinic account' });
  });

  it('signs an existing active clinician in by their verified email, with PKCE, state and nonce', async () => {
    const staff = await t.createStaff('clinician');
    const agent = t.agent();
    const start = await agent.post('/api/auth/sso/start').expect(200);
    const url = new URL(start.body.url);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    for (const p of ['state', 'nonce', 'code_challenge']) expect(url.searchParams.get(p)).toBeTruthy();
    expect(String(start.headers['set-cookie'])).toMatch(/alcove_sso=.*HttpOnly.*SameSite=Strict/i);

    idp.signInAs({ sub: 'idp-user-1', email: staff.email.toUpperCase(), emailVerified: true });
    const back = await idp.authorize(url.href);
    const before = await state(t);
    const res = await callback(agent, back as { code: string; state: string }).expect(200);
    expectRouteContract(res, 'POST /api/auth/sso/callback');
    expect(res.body.user).toEqual({ id: staff.id, email: staff.email, name: staff.name, role: 'clinician' });
    await agent.get('/api/auth/me').expect(200);
    expect((await auditSince(t, before.auditSeq)).map((e) => [e.action, e.actor_id, e.staff_id])).toEqual([
      ['auth.sso_sign_in', staff.id, staff.id],
    ]);
    expect((await state(t)).staff).toBe(before.staff);
  });

  it('refuses a replayed code: the provider will not exchange it twice, and nothing but the refusal is written', async () => {
    const staff = await t.createStaff('clinician');
    const { agent, back } = await throughProvider({ email: staff.email });
    // The browser's pending cookie, kept by whoever replays the return address.
    const pending = (agent as unknown as { jar: { getCookies(a: unknown): { toValueString(): string }[] } }).jar
      .getCookies({ domain: '127.0.0.1', path: '/api/auth/sso/callback', secure: false, script: false })
      .map((c) => c.toValueString())
      .join('; ');
    expect(pending).toContain('alcove_sso=');
    await callback(agent, back).expect(200);
    const before = await state(t);
    const replay = await t.agent().post('/api/auth/sso/callback').set('Cookie', pending).send(back);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('sso_rejected');
    expect(replay.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/alcove_staff=[^;]/)]));
    const after = await state(t);
    expect({ ...after, auditSeq: 0 }).toEqual({ ...before, auditSeq: 0 });
    expect((await auditSince(t, before.auditSeq)).map((e) => [e.action, e.outcome, e.actor_kind])).toEqual([
      ['auth.sso_sign_in_failed', 'failure', 'anonymous'],
    ]);
  });

  it('refuses an ID token issued for another client (wrong audience)', async () => {
    const staff = await t.createStaff('clinician');
    const { agent, back } = await throughProvider({ email: staff.email });
    idp.tamper({ audience: 'some-other-app' });
    const before = await state(t);
    try {
      const res = await callback(agent, back);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('sso_invalid_token');
      expect(res.body.error.details).toEqual({ claim: 'aud' });
    } finally {
      idp.tamper({});
    }
    await agent.get('/api/auth/me').expect(401);
    expect({ ...(await state(t)), auditSeq: 0 }).toEqual({ ...before, auditSeq: 0 });
    expect((await auditSince(t, before.auditSeq)).map((e) => e.action)).toEqual(['auth.sso_sign_in_failed']);
  });

  it("refuses an ID token carrying another nonce than this browser's", async () => {
    const staff = await t.createStaff('clinician');
    // Someone swapped the nonce on the way to the provider: the ID token comes back with theirs.
    const { agent, back } = await throughProvider({ email: staff.email }, (url) => url.searchParams.set('nonce', 'an-attackers-nonce'));
    const before = await state(t);
    const res = await callback(agent, back);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('sso_invalid_token');
    expect(res.body.error.details).toEqual({ claim: 'nonce' });
    await agent.get('/api/auth/me').expect(401);
    expect({ ...(await state(t)), auditSeq: 0 }).toEqual({ ...before, auditSeq: 0 });
    expect((await auditSince(t, before.auditSeq)).map((e) => e.action)).toEqual(['auth.sso_sign_in_failed']);
  });

  it('refuses an email the provider has not verified, even when it names an active account', async () => {
    const staff = await t.createStaff('admin');
    const { agent, back } = await throughProvider({ email: staff.email, emailVerified: false });
    const before = await state(t);
    const res = await callback(agent, back);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('sso_email_unverified');
    await agent.get('/api/auth/me').expect(401);
    expect({ ...(await state(t)), auditSeq: 0 }).toEqual({ ...before, auditSeq: 0 });
    const entries = await auditSince(t, before.auditSeq);
    expect(entries).toEqual([
      {
        action: 'auth.sso_sign_in_failed',
        outcome: 'failure',
        actor_kind: 'anonymous',
        actor_id: null,
        staff_id: staff.id,
        patient_id: null,
        visit_id: null,
      },
    ]);
  });

  it('creates no account: an unknown or deactivated email is refused', async () => {
    const before = await state(t);
    const unknown = await throughProvider({ email: `nobody-${randomUUID()}@clinic.test` });
    const res = await callback(unknown.agent, unknown.back);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('sso_no_account');

    const { agent: admin } = await t.signedIn('admin');
    const staff = await t.createStaff('clinician');
    await admin.patch(`/api/staff/${staff.id}`).send({ active: false }).expect(200);
    const gone = await throughProvider({ email: staff.email });
    expect((await callback(gone.agent, gone.back)).body.error.code).toBe('sso_no_account');
    expect((await state(t)).staff).toBe(before.staff + 2); // the admin and the clinician made above, nothing from sign-in
  });

  it("refuses a return without this browser's pending sign-in, or with another state, before asking the provider", async () => {
    const staff = await t.createStaff('clinician');
    const { agent, back } = await throughProvider({ email: staff.email });
    const before = await state(t);
    const stranger = await t.agent().post('/api/auth/sso/callback').send(back);
    expect(stranger.status).toBe(400);
    expect(stranger.body.error.code).toBe('sso_invalid_state');
    const otherState = await callback(agent, { ...back, state: 'not-the-state' });
    expect(otherState.status).toBe(400);
    expect(otherState.body.error.code).toBe('sso_invalid_state');
    for (const body of [
      {},
      { code: '', state: 'x' },
      { code: 'x', state: 'y', extra: 1 },
      { code: ['x'], state: 'y' },
      { code: 'x'.repeat(5000), state: 'y' },
    ]) {
      expect((await t.agent().post('/api/auth/sso/callback').send(body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await t.agent().post('/api/auth/sso/start').send({ x: 1 })).status).toBe(400);
    expect({ ...(await state(t)), auditSeq: 0 }).toEqual({ ...before, auditSeq: 0 });
    await t.agent().get('/healthz').expect(200);
  });
});

describeEachDatabase('single sign-on settings (%s)', (dialect) => {
  it('without a provider configured, the routes say so and the sign-in page offers passwords only', async () => {
    const t = await startTestApp(dialect);
    try {
      expect((await t.agent().get('/api/auth/sso').expect(200)).body).toEqual({ enabled: false, ssoOnly: false });
      const start = await t.agent().post('/api/auth/sso/start');
      expect(start.status).toBe(404);
      expect((await t.agent().post('/api/auth/sso/callback').send({ code: 'x', state: 'y' })).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('SSO_ONLY turns password sign-in off', async () => {
    const idp = await startOidcProvider(REDIRECT);
    const t = await startTestApp(dialect, {
      env: { PUBLIC_URL, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret, SSO_ONLY: 'true' },
    });
    try {
      const staff = await t.createStaff('admin');
      const res = await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('sso_only');
      expect((await t.agent().get('/api/auth/sso')).body).toMatchObject({ enabled: true, ssoOnly: true });
    } finally {
      await t.close();
      await idp.close();
    }
  });
});
