import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, connects, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';

describeEachDatabase('staff sign-in (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('signs in with the right password, sets a hardened cookie, and /me returns the user', async () => {
    const staff = await t.createStaff('clinician');
    const agent = t.agent();
    const res = await agent.post('/api/auth/login').send({ email: staff.email.toUpperCase(), password: staff.password }).expect(200);
    expect(res.body).toEqual({ user: { id: staff.id, email: staff.email, name: staff.name, role: 'clinician' } });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/alcove_staff=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(res.headers['cache-control']).toBe('no-store');
    const me = await agent.get('/api/auth/me').expect(200);
    expect(me.body.user.id).toBe(staff.id);
  });

  it('answers a wrong password and an unknown email exactly alike', async () => {
    const staff = await t.createStaff('scheduler');
    const wrong = await t.agent().post('/api/auth/login').send({ email: staff.email, password: 'not-the-password' });
    const unknown = await t.agent().post('/api/auth/login').send({ email: 'nobody@clinic.test', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('rate-limits the 6th rapid wrong sign-in for one account, even with the right password', async () => {
    const staff = await t.createStaff('clinician');
    for (let i = 0; i < 5; i++) {
      await t.agent().post('/api/auth/login').send({ email: staff.email, password: `wrong-${i}` }).expect(401);
    }
    const sixth = await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('rate_limited');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('logs out: the cookie is cleared and the old token no longer works', async () => {
    const { agent } = await t.signedIn('admin');
    const before = await agent.get('/api/auth/me').expect(200);
    const cookie = before.request.getHeader?.('cookie') as string | undefined;
    await agent.post('/api/auth/logout').expect(204);
    await agent.get('/api/auth/me').expect(401);
    if (cookie) await t.agent().get('/api/auth/me').set('Cookie', cookie).expect(401);
  });

  it('refuses a forged or foreign session cookie', async () => {
    const forged = 'alcove_staff=eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4Iiwia2luZCI6InN0YWZmIiwic3ViIjoieCJ9.AAAA';
    const res = await t.agent().get('/api/auth/me').set('Cookie', forged);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('/me without a session is 401 with the envelope', async () => {
    const res = await t.agent().get('/api/auth/me');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
  });

  it('refuses a state-changing request from a foreign Origin and accepts our own', async () => {
    const staff = await t.createStaff('clinician');
    const foreign = await t.agent().post('/api/auth/login').set('Origin', 'https://evil.example').send({ email: staff.email, password: staff.password });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('bad_origin');
    const crossSite = await t.agent().post('/api/auth/login').set('Sec-Fetch-Site', 'cross-site').send({ email: staff.email, password: staff.password });
    expect(crossSite.status).toBe(403);
    const ours = await t.agent().post('/api/auth/login').set('Origin', t.config.publicUrl).send({ email: staff.email, password: staff.password });
    expect(ours.status).toBe(200);
  });

  it('rejects malformed JSON, unknown fields, wrong types and oversized bodies with 4xx, never 500', async () => {
    const malformed = await t.agent().post('/api/auth/login').set('Content-Type', 'application/json').send('{"email": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_json');
    const unknown = await t.agent().post('/api/auth/login').send({ email: 'a@b.test', password: 'x', admin: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(unknown.body.error.details)).toContain('admin');
    const wrongType = await t.agent().post('/api/auth/login').send({ email: ['a'], password: 7 });
    expect(wrongType.status).toBe(400);
    const huge = await t.agent().post('/api/auth/login').send({ email: 'a@b.test', password: 'x'.repeat(200 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
    const textBody = await t.agent().post('/api/auth/login').set('Content-Type', 'text/plain').send('email=a');
    expect(textBody.status).toBe(400);
    await t.agent().get('/healthz').expect(200);
  });

  it('accepts a staff socket with a valid session and rejects sockets without one', async () => {
    const { staff, agent } = await t.signedIn('clinician');
    const good = t.socket(agent);
    const ready = nextEvent<{ kind: string; id: string }>(good, 'session:ready');
    expect(await connects(good)).toBe(true);
    expect(await ready).toEqual({ kind: 'staff', id: staff.id });

    expect(await connects(t.socket())).toBe(false);
    const forged = t.socket(undefined, { cookie: 'alcove_staff=not.a.jwt' });
    expect(await connects(forged)).toBe(false);
    const foreignOrigin = t.socket(agent, { origin: 'https://evil.example' });
    expect(await connects(foreignOrigin)).toBe(false);
  });

  it('request logs name the route template, never the raw path', async () => {
    const { staff, agent } = await t.signedIn('admin');
    await agent.get('/api/auth/me').expect(200);
    await agent.patch(`/api/staff/${staff.id}`).send({ name: 'Renamed Admin' }).expect(200);
    // The log line is written when the response finishes, which can be just after the client has it.
    const routes = () => t.logs().filter((l) => l.msg === 'request').map((l) => l.route);
    await expect.poll(routes).toContain('/api/staff/:id');
    expect(routes()).toContain('/api/auth/me');
    expect(JSON.stringify(routes())).not.toContain(staff.id);
  });

  it('a deactivated account loses its session at once', async () => {
    const { agent: admin } = await t.signedIn('admin');
    const { staff, agent } = await t.signedIn('scheduler');
    await agent.get('/api/auth/me').expect(200);
    await admin.patch(`/api/staff/${staff.id}`).send({ active: false }).expect(200);
    await agent.get('/api/auth/me').expect(401);
    await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(401);
  });
});
