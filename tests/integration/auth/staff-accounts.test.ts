import { Secret, TOTP } from 'otpauth';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connects, describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { expectRouteContract } from '../../helpers/route-contracts';

const STRONG = 'tulip orbit canvas harbour';
const STRONGER = 'maple quartz lantern violet';

/** Resolves once the server closes the socket (it does not reconnect in tests). */
const closedByServer = (s: Socket, ms = 5000) =>
  new Promise<boolean>((resolve) => {
    if (!s.connected) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    s.once('disconnect', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

describeEachDatabase('staff accounts: invitations, own passwords, lifecycle (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const tokenOf = (url: string) => url.split('/invite/')[1] as string;
  const audits = (staffId: string) =>
    t.database.db.selectFrom('audit_log').selectAll().where('staff_id', '=', staffId).orderBy('seq').execute();

  async function invite(admin: Awaited<ReturnType<TestApp['signedIn']>>['agent'], role = 'clinician') {
    const email = `invited-${Math.random().toString(36).slice(2)}@clinic.test`;
    const res = await admin.post('/api/staff').send({ email, name: 'Robin Okafor', role }).expect(201);
    expectRouteContract(res, 'POST /api/staff');
    return { email, id: res.body.staff.id as string, token: tokenOf(res.body.invitation.url), url: res.body.invitation.url as string };
  }

  it('an admin invites: no password is shown, the link works once, and the person signs in with the password they chose', async () => {
    const { agent: admin } = await t.signedIn('admin');
    const inv = await invite(admin);
    expect(inv.url).toMatch(/^http:\/\/127\.0\.0\.1:3999\/invite\/[A-Za-z0-9_-]{43}$/);
    const listed = (await admin.get('/api/staff').expect(200)).body.staff.find((s: { id: string }) => s.id === inv.id);
    expect(listed).toMatchObject({
      passwordSet: false,
      lastSignInAt: null,
      twoFactorEnabled: false,
      invitationExpiresAt: expect.any(String),
    });

    // Before the link is used, no password signs in to the account.
    await t
      .agent()
      .post('/api/auth/login')
      .send({ email: inv.email, password: '' + STRONG })
      .expect(401);

    const lookup = await t.agent().post('/api/auth/invitation').send({ token: inv.token }).expect(200);
    expectRouteContract(lookup, 'POST /api/auth/invitation');
    expect(lookup.body.invitation).toMatchObject({ purpose: 'invite', email: inv.email, name: 'Robin Okafor' });

    const person = t.agent();
    const accepted = await person.post('/api/auth/invitation/accept').send({ token: inv.token, password: STRONG }).expect(200);
    expectRouteContract(accepted, 'POST /api/auth/invitation/accept');
    expect(accepted.body.user).toEqual({ id: inv.id, email: inv.email, name: 'Robin Okafor', role: 'clinician' });
    await person.get('/api/auth/me').expect(200);

    const again = await t.agent().post('/api/auth/invitation/accept').send({ token: inv.token, password: STRONGER });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('invitation_used');
    expect((await t.agent().post('/api/auth/invitation').send({ token: inv.token })).body.error.code).toBe('invitation_used');
    await t.agent().post('/api/auth/login').send({ email: inv.email, password: STRONGER }).expect(401);
    const signIn = await t.agent().post('/api/auth/login').send({ email: inv.email, password: STRONG }).expect(200);
    expect(signIn.body.user.mustChangePassword).toBeUndefined();
    const after = (await admin.get('/api/staff').expect(200)).body.staff.find((s: { id: string }) => s.id === inv.id);
    expect(after).toMatchObject({ passwordSet: true, lastSignInAt: expect.any(String), invitationExpiresAt: null });
  });

  it('two requests with one link at once: exactly one sets the password', async () => {
    const { agent: admin } = await t.signedIn('admin');
    const inv = await invite(admin);
    const results = await Promise.all(
      [STRONG, STRONGER].map((password) => t.agent().post('/api/auth/invitation/accept').send({ token: inv.token, password })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
  });

  it('an expired link is refused and changes nothing; a reset issues a fresh one and voids the old', async () => {
    const { agent: admin } = await t.signedIn('admin');
    const inv = await invite(admin);
    await t.database.db
      .updateTable('staff_invitations')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('staff_id', '=', inv.id)
      .execute();
    const expired = await t.agent().post('/api/auth/invitation/accept').send({ token: inv.token, password: STRONG });
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('invitation_expired');
    await t.agent().post('/api/auth/login').send({ email: inv.email, password: STRONG }).expect(401);

    const reset = await admin.post(`/api/staff/${inv.id}/reset-password`).expect(200);
    expectRouteContract(reset, 'POST /api/staff/:id/reset-password');
    const second = tokenOf(reset.body.invitation.url);
    const reset2 = await admin.post(`/api/staff/${inv.id}/reset-password`).expect(200);
    expect((await t.agent().post('/api/auth/invitation').send({ token: second })).body.error.code).toBe('invitation_expired');
    await t
      .agent()
      .post('/api/auth/invitation/accept')
      .send({ token: tokenOf(reset2.body.invitation.url), password: STRONG })
      .expect(200);
  });

  it('weak and short passwords are refused with a reason, and the link stays usable', async () => {
    const { agent: admin } = await t.signedIn('admin');
    const inv = await invite(admin);
    for (const password of ['short pass', 'password1234', 'qwertyuiop123', inv.email]) {
      const res = await t.agent().post('/api/auth/invitation/accept').send({ token: inv.token, password });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('weak_password');
    }
    await t.agent().post('/api/auth/invitation/accept').send({ token: inv.token, password: STRONG }).expect(200);
  });

  it('a reset: the old password stops working, every session ends, and only the new link sets one', async () => {
    const { agent: admin } = await t.signedIn('admin');
    const { staff, agent } = await t.signedIn('clinician');
    const reset = await admin.post(`/api/staff/${staff.id}/reset-password`).expect(200);
    await agent.get('/api/auth/me').expect(401);
    await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(401);
    expect(
      (
        await t
          .agent()
          .post('/api/auth/invitation')
          .send({ token: tokenOf(reset.body.invitation.url) })
      ).body.invitation.purpose,
    ).toBe('reset');
    await t
      .agent()
      .post('/api/auth/invitation/accept')
      .send({ token: tokenOf(reset.body.invitation.url), password: STRONG })
      .expect(200);
    await t.agent().post('/api/auth/login').send({ email: staff.email, password: STRONG }).expect(200);
  });

  it('a password set by someone else must be changed at first sign-in: nothing else works until then', async () => {
    const staff = await t.createStaff('scheduler', { password: 'set by the it department' });
    await t.database.db.updateTable('staff').set({ must_change_password: 1 }).where('id', '=', staff.id).execute();
    const agent = t.agent();
    const res = await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    expect(res.body.user.mustChangePassword).toBe(true);
    expect((await agent.get('/api/auth/me').expect(200)).body.user.mustChangePassword).toBe(true);
    const refused = await agent.get('/api/patients?q=a');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('password_change_required');
    // Nor does the live channel: a socket would carry patient names and check-in events.
    const early = t.socket(agent);
    expect(await connects(early, 3000)).toBe(false);
    early.close();

    const wrong = await agent.post('/api/auth/password').send({ currentPassword: 'not it', newPassword: STRONG });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const same = await agent.post('/api/auth/password').send({ currentPassword: staff.password, newPassword: staff.password });
    expect(same.body.error.code).toBe('weak_password');
    const changed = await agent.post('/api/auth/password').send({ currentPassword: staff.password, newPassword: STRONG }).expect(200);
    expectRouteContract(changed, 'POST /api/auth/password');
    expect(changed.body.user.mustChangePassword).toBeUndefined();
    await agent.get('/api/patients?q=a').expect(200);
    const after = t.socket(agent);
    expect(await connects(after)).toBe(true);
    after.close();
  });

  it('changing one’s own password ends every other session and its sockets; this one stays', async () => {
    const staff = await t.createStaff('clinician');
    const here = t.agent();
    const there = t.agent();
    for (const a of [here, there]) await a.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    const hereSocket = t.socket(here);
    const thereSocket = t.socket(there);
    expect(await connects(hereSocket)).toBe(true);
    expect(await connects(thereSocket)).toBe(true);
    const thereClosed = closedByServer(thereSocket);

    await here.post('/api/auth/password').send({ currentPassword: staff.password, newPassword: STRONG }).expect(200);
    expect(await thereClosed).toBe(true);
    await there.get('/api/auth/me').expect(401);
    await here.get('/api/auth/me').expect(200);
    expect(hereSocket.connected).toBe(true);
    await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(401);
    await t.agent().post('/api/auth/login').send({ email: staff.email, password: STRONG }).expect(200);
    expect((await audits(staff.id)).map((a) => a.action)).toContain('staff.password_changed');
  });

  describe('lifecycle on the admin screen', () => {
    it('rename, role change, deactivation and reactivation each sign the account out everywhere (sessions and sockets) and are audited', async () => {
      const { agent: admin, staff: adminStaff } = await t.signedIn('admin');
      const staff = await t.createStaff('clinician');
      for (const [patch, action] of [
        [{ name: 'Dr. Ana Ruiz' }, 'staff.renamed'],
        [{ role: 'scheduler' }, 'staff.role_changed'],
        [{ active: false }, 'staff.deactivated'],
      ] as const) {
        const agent = t.agent();
        await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
        const socket = t.socket(agent);
        expect(await connects(socket)).toBe(true);
        const closed = closedByServer(socket);
        const res = await admin.patch(`/api/staff/${staff.id}`).send(patch).expect(200);
        expectRouteContract(res, 'PATCH /api/staff/:id');
        expect(await closed).toBe(true);
        await agent.get('/api/auth/me').expect(401);
        const last = (await audits(staff.id)).at(-1);
        expect(last).toMatchObject({ action, actor_kind: 'staff', actor_id: adminStaff.id, staff_id: staff.id });
      }
      // While deactivated nobody can sign in; reactivated, the same password works again.
      await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(401);
      await admin.patch(`/api/staff/${staff.id}`).send({ active: true }).expect(200);
      expect((await audits(staff.id)).at(-1)).toMatchObject({ action: 'staff.reactivated', actor_id: adminStaff.id });
      await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    });

    it('a deactivated account’s unused invitation stops working', async () => {
      const { agent: admin } = await t.signedIn('admin');
      const inv = await invite(admin);
      await admin.patch(`/api/staff/${inv.id}`).send({ active: false }).expect(200);
      const res = await t.agent().post('/api/auth/invitation/accept').send({ token: inv.token, password: STRONG });
      expect(res.status).toBe(410);
    });

    it('an admin removes someone’s authenticator app: shown on the list, audited, signed out everywhere; not their own, not by others', async () => {
      const { agent: admin, staff: me } = await t.signedIn('admin');
      const { agent, staff } = await t.signedIn('clinician');
      const secret = String((await agent.post('/api/auth/totp/enrol').expect(200)).body.secret);
      const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate();
      await agent.post('/api/auth/totp/confirm').send({ code }).expect(200);
      const listed = (await admin.get('/api/staff').expect(200)).body.staff.find((s: { id: string }) => s.id === staff.id);
      expect(listed.twoFactorEnabled).toBe(true);
      const socket = t.socket(agent);
      expect(await connects(socket)).toBe(true);
      const closed = closedByServer(socket);

      expect((await agent.post(`/api/staff/${staff.id}/reset-2fa`)).status).toBe(403);
      expect((await admin.post(`/api/staff/${me.id}/reset-2fa`)).status).toBe(409);
      expect((await admin.post('/api/staff/00000000-0000-4000-8000-000000000000/reset-2fa')).status).toBe(404);
      const res = await admin.post(`/api/staff/${staff.id}/reset-2fa`).expect(200);
      expectRouteContract(res, 'POST /api/staff/:id/reset-2fa');
      expect(res.body.staff.twoFactorEnabled).toBe(false);
      expect(await closed).toBe(true);
      await agent.get('/api/auth/me').expect(401);
      expect((await audits(staff.id)).at(-1)).toMatchObject({ action: 'staff.second_factor_reset', actor_id: me.id });
      // The password alone signs in again (this clinic does not require a second factor).
      await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    });

    it('only an admin manages accounts; nobody resets their own password into a link', async () => {
      const { agent: admin, staff: me } = await t.signedIn('admin');
      const { agent: clinician, staff } = await t.signedIn('clinician');
      expect((await clinician.post('/api/staff').send({ email: 'x@clinic.test', name: 'X', role: 'admin' })).status).toBe(403);
      expect((await clinician.patch(`/api/staff/${staff.id}`).send({ role: 'admin' })).status).toBe(403);
      expect((await clinician.post(`/api/staff/${staff.id}/reset-password`)).status).toBe(403);
      expect((await t.agent().post('/api/staff').send({ email: 'x@clinic.test', name: 'X', role: 'admin' })).status).toBe(401);
      expect((await admin.post(`/api/staff/${me.id}/reset-password`)).status).toBe(409);
      expect((await t.agent().post('/api/auth/password').send({ currentPassword: 'a', newPassword: STRONG })).status).toBe(401);
    });

    it('bad input is a clear 4xx and writes nothing', async () => {
      const before = (await t.database.db.selectFrom('audit_log').select('id').execute()).length;
      const cases = [
        t.agent().post('/api/auth/invitation').send({ token: 'short' }),
        t
          .agent()
          .post('/api/auth/invitation')
          .send({ token: 'A'.repeat(43) }),
        t
          .agent()
          .post('/api/auth/invitation/accept')
          .send({ token: 'A'.repeat(43), password: STRONG, extra: 1 }),
        t
          .agent()
          .post('/api/auth/invitation/accept')
          .send({ token: 'A'.repeat(43) }),
      ];
      for (const res of await Promise.all(cases)) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.body.error.code).toEqual(expect.any(String));
      }
      expect((await t.database.db.selectFrom('audit_log').select('id').execute()).length).toBe(before);
    });
  });

  it('every change above is in the audit trail with ids only: no email, name, password or link', async () => {
    const all = JSON.stringify(await t.database.db.selectFrom('audit_log').selectAll().execute());
    for (const secret of [STRONG, STRONGER, 'Robin Okafor', 'Dr. Ana Ruiz', '@clinic.test', '/invite/']) expect(all).not.toContain(secret);
    const actions = new Set((await t.database.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action));
    for (const a of [
      'staff.created',
      'staff.invitation_issued',
      'staff.invitation_accepted',
      'staff.password_reset',
      'staff.password_changed',
    ] as const) {
      expect(actions).toContain(a);
    }
  });
});
