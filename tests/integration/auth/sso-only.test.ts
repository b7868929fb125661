import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Auditor } from '../../../server/audit/auditor';
import { insertInvitation } from '../../../server/auth/staff.store';
import { resetStaffPassword } from '../../../server/staff/staff.service';
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider';
import { connects, describeEachDatabase, startTestApp, type TestApp, type TestStaff } from '../../helpers/test-app';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const REDIRECT = `${PUBLIC_URL}/signin/sso`;
const STRONG = 'juniper lantern orbit canvas';

/**
 * SSO_ONLY leaves no way to sign in with a password: not the sign-in form, not a one-time link
 * (invitation, reset, first-start setup), not a change of one's own password.
 */
describeEachDatabase('SSO_ONLY leaves no password way in (%s)', (dialect) => {
  let t: TestApp;
  let idp: TestOidcProvider;

  beforeAll(async () => {
    idp = await startOidcProvider(REDIRECT);
    t = await startTestApp(dialect, {
      env: { PUBLIC_URL, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret, SSO_ONLY: 'true' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  /** A browser signed in as `staff` through the provider (the only way in under SSO_ONLY). */
  async function throughSso(staff: TestStaff) {
    const agent = t.agent();
    const start = await agent.post('/api/auth/sso/start').expect(200);
    idp.signInAs({ sub: randomUUID(), email: staff.email, emailVerified: true });
    const back = await idp.authorize(start.body.url as string);
    const res = await agent.post('/api/auth/sso/callback').send(back).expect(200);
    return { agent, user: res.body.user as Record<string, unknown> };
  }

  /** Everything a refused request must leave as it was. */
  async function snapshot() {
    const db = t.database.db;
    const last = await db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return {
      auditSeq: Number(last?.seq ?? 0),
      staff: await db.selectFrom('staff').select(['id', 'password_hash', 'must_change_password']).orderBy('id').execute(),
      sessions: await db.selectFrom('sessions').select(['id', 'revoked_at']).orderBy('id').execute(),
      invitations: await db.selectFrom('staff_invitations').select(['id', 'used_at', 'revoked_at']).orderBy('id').execute(),
      challenges: (await db.selectFrom('sign_in_challenges').select('id').execute()).length,
      sources: (await db.selectFrom('staff_sign_in_sources').select('source_hash').execute()).length,
    };
  }

  const staffDeps = () => ({
    db: t.database.db,
    auditor: new Auditor(t.database.db, t.dialect),
    publicUrl: PUBLIC_URL,
    inviteHours: 72,
    signOut: { revokeAllForStaff: async () => undefined, revoke: async () => undefined },
  });
  const tokenOf = (url: string) => url.split('/invite/')[1] as string;

  function expectSsoOnly(res: { status: number; body: { error?: { code: string; message: string } }; headers: Record<string, unknown> }) {
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('sso_only');
    expect(res.body.error?.message).toMatch(/single sign-on/i);
    // No session, no half-finished sign-in, no device remembered.
    expect(String(res.headers['set-cookie'] ?? '')).not.toMatch(/alcove_(staff|pending|device)=[^;]/);
  }

  it('an invitation link neither sets a password nor signs in: 403 sso_only, nothing written, and the invited person signs in through the provider', async () => {
    const admin = await t.createStaff('admin');
    const { agent: adminAgent } = await throughSso(admin);
    const email = `invited-${randomUUID().slice(0, 8)}@clinic.test`;
    const invited = await adminAgent.post('/api/staff').send({ email, name: 'Robin Okafor', role: 'clinician' }).expect(201);
    const token = tokenOf(invited.body.invitation.url);

    const before = await snapshot();
    const browser = t.agent();
    expectSsoOnly(await browser.post('/api/auth/invitation/accept').send({ token, password: STRONG }));
    expect(await snapshot()).toEqual(before);
    await browser.get('/api/auth/me').expect(401);

    // Their account is theirs through the provider, without ever having a password.
    const { agent } = await throughSso({ id: invited.body.staff.id, email, name: 'Robin Okafor', role: 'clinician', password: '' });
    expect((await agent.get('/api/auth/me').expect(200)).body.user.id).toBe(invited.body.staff.id);
  });

  it('a reset link from the CLI (or the admin screen) neither sets a password nor signs in', async () => {
    const staff = await t.createStaff('clinician');
    // What `npm run staff -- reset-password` does.
    const reset = await resetStaffPassword(staffDeps(), { actor: { kind: 'system' } }, staff.id);
    const before = await snapshot();
    expectSsoOnly(
      await t
        .agent()
        .post('/api/auth/invitation/accept')
        .send({ token: tokenOf(reset!.invitation.url), password: STRONG }),
    );
    expect(await snapshot()).toEqual(before);
    // Nor does the old password work anywhere.
    expectSsoOnly(await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }));
  });

  it('the first-start setup link creates no administrator with a password', async () => {
    const { token } = await insertInvitation(t.database.db, {
      staffId: null,
      purpose: 'setup',
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const before = await snapshot();
    const res = await t
      .agent()
      .post('/api/auth/invitation/accept')
      .send({ token, password: STRONG, email: `setup-${randomUUID().slice(0, 8)}@clinic.test`, name: 'Setup Admin' });
    expectSsoOnly(res);
    expect(await snapshot()).toEqual(before);
  });

  it('a signed-in person cannot set a password either: 403 sso_only, the password and the other sessions untouched, nothing audited', async () => {
    const staff = await t.createStaff('clinician');
    const { agent } = await throughSso(staff);
    const { agent: elsewhere } = await throughSso(staff);
    const before = await snapshot();
    expectSsoOnly(await agent.post('/api/auth/password').send({ currentPassword: staff.password, newPassword: STRONG }));
    // A wrong current password gets the same answer: the route is no way to test passwords.
    expectSsoOnly(await agent.post('/api/auth/password').send({ currentPassword: 'not it', newPassword: STRONG }));
    expect(await snapshot()).toEqual(before);
    await elsewhere.get('/api/auth/me').expect(200);
    await agent.get('/api/auth/me').expect(200);
  });

  it('an account whose password someone else set is not stuck on changing it: with passwords off, the change is not asked for', async () => {
    const staff = await t.createStaff('scheduler', { password: 'set by the it department' });
    await t.database.db.updateTable('staff').set({ must_change_password: 1 }).where('id', '=', staff.id).execute();
    const { agent, user } = await throughSso(staff);
    expect(user.mustChangePassword).toBeUndefined();
    expect((await agent.get('/api/auth/me').expect(200)).body.user.mustChangePassword).toBeUndefined();
    await agent.get('/api/patients?q=a').expect(200);
    const socket = t.socket(agent);
    expect(await connects(socket)).toBe(true);
    socket.close();
  });
});
