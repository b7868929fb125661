import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { ROUTES, WEBHOOK_PATH, fillPath, isStateChanging } from '../hostile/routes';

/** The Set-Cookie line for `name`, or undefined. */
function setCookie(res: request.Response, name: string): string | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  return raw?.find((c) => c.startsWith(`${name}=`));
}

/** The value part of a Set-Cookie line, as a Cookie header would carry it. */
const cookiePair = (line: string) => line.split(';')[0]!;

/** Directives of a CSP header, by name. */
function csp(header: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name, values);
  }
  return out;
}

/** A minimal built client, so the server's page routes (SPA fallback) answer like production. */
function clientDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-client-'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html><head><title>Alcove</title></head><body><div id="root"></div></body></html>',
  );
  return dir;
}

/** Creates a patient and a visit through the API with a raw staff Cookie header; returns the join token. */
async function makeVisit(t: TestApp, schedulerCookie: string): Promise<string> {
  const clinician = await t.createStaff('clinician');
  const patient = await request(t.url)
    .post('/api/patients')
    .set('Cookie', schedulerCookie)
    .send({ displayName: 'Header Test' })
    .expect(201);
  const visit = await request(t.url)
    .post('/api/visits')
    .set('Cookie', schedulerCookie)
    .send({ patientId: patient.body.patient.id, clinicianIds: [clinician.id], startsAt: new Date().toISOString(), durationMinutes: 30 })
    .expect(201);
  const url = visit.body.patientLink.url as string;
  return url.slice(url.lastIndexOf('/') + 1);
}

describeEachDatabase('session cookies and security headers (%s)', (dialect) => {
  describe('behind https (PUBLIC_URL https://…)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, { env: { PUBLIC_URL: 'https://alcove.example' } });
    });
    afterAll(async () => t?.close());

    it('staff and patient session cookies are HttpOnly, SameSite=Strict, Secure and scoped to /', async () => {
      const scheduler = await t.createStaff('scheduler');
      const login = await request(t.url).post('/api/auth/login').send({ email: scheduler.email, password: scheduler.password }).expect(200);
      const staffCookie = setCookie(login, 'alcove_staff');
      expect(staffCookie).toBeDefined();
      for (const flag of [/;\s*HttpOnly/i, /;\s*SameSite=Strict/i, /;\s*Secure/i, /;\s*Path=\/(;|$)/i, /;\s*Max-Age=\d+/i])
        expect(staffCookie).toMatch(flag);

      const token = await makeVisit(t, cookiePair(staffCookie!));
      const join = await request(t.url).post('/api/join').send({ token }).expect(200);
      const patientCookie = setCookie(join, 'alcove_patient');
      expect(patientCookie).toBeDefined();
      for (const flag of [/;\s*HttpOnly/i, /;\s*SameSite=Strict/i, /;\s*Secure/i, /;\s*Path=\/(;|$)/i]) expect(patientCookie).toMatch(flag);
      // Only the session cookie: nothing readable by scripts, nothing that names the patient.
      expect(join.headers['set-cookie']).toHaveLength(1);
    });
  });

  describe('on plain http (development)', () => {
    let t: TestApp;
    let dir: string;
    beforeAll(async () => {
      dir = clientDir();
      t = await startTestApp(dialect, { deps: { clientDir: dir } });
    });
    afterAll(async () => {
      await t?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('cookies are HttpOnly and SameSite=Strict but not Secure, and sign-out clears the cookie with the same flags', async () => {
      const { staff } = await t.signedIn('admin');
      const login = await request(t.url).post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
      const line = setCookie(login, 'alcove_staff')!;
      expect(line).toMatch(/HttpOnly/i);
      expect(line).toMatch(/SameSite=Strict/i);
      expect(line).not.toMatch(/Secure/i);
      const logout = await request(t.url).post('/api/auth/logout').set('Cookie', cookiePair(line)).expect(204);
      const cleared = setCookie(logout, 'alcove_staff')!;
      expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/i);
      expect(cleared).toMatch(/HttpOnly/i);
      expect(cleared).toMatch(/SameSite=Strict/i);
    });

    const stateChanging = ROUTES.filter(isStateChanging);
    it(`refuses every state-changing route (${stateChanging.length + 1}) from a foreign Origin or a cross-site fetch, and lets our own Origin through`, async () => {
      const { agent } = await t.signedIn('admin');
      const cookie = (agent as unknown as { jar: { getCookies(a: object): { toValueString(): string }[] } }).jar
        .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
        .map((c) => c.toValueString())
        .join('; ');
      const zero = '00000000-0000-4000-8000-000000000000';
      const paths = [
        ...stateChanging.map((r) => ({
          method: r.method,
          path: fillPath(r, Object.fromEntries(Object.keys(r.params ?? {}).map((k) => [k, zero]))),
        })),
        { method: 'POST' as const, path: WEBHOOK_PATH },
      ];
      for (const { method, path: p } of paths) {
        const m = method.toLowerCase() as 'post' | 'put' | 'patch' | 'delete';
        for (const headers of [{ Origin: 'https://evil.example' }, { Origin: 'null' }, { 'Sec-Fetch-Site': 'cross-site' }]) {
          const res = await request(t.url)[m](p).set('Cookie', cookie).set(headers).send({});
          expect(res.status, `${method} ${p} with ${JSON.stringify(headers)}`).toBe(403);
          expect(res.body.error.code).toBe('bad_origin');
        }
        const ours = await request(t.url)[m](p).set('Origin', t.config.publicUrl).set('Sec-Fetch-Site', 'same-origin').send({});
        expect(ours.body?.error?.code, `${method} ${p} from our own origin`).not.toBe('bad_origin');
      }
    });

    it('a Content-Security-Policy allows only our own scripts: no inline script, no eval, no framing, no plugins', async () => {
      for (const p of ['/', '/join/some-token', '/admin/audit', '/api/auth/me', '/healthz']) {
        const res = await request(t.url).get(p);
        const d = csp(res.headers['content-security-policy']);
        expect(d.get('script-src'), p).toEqual(["'self'"]);
        expect(d.get('default-src'), p).toEqual(["'self'"]);
        expect(d.get('object-src'), p).toEqual(["'none'"]);
        expect(d.get('base-uri'), p).toEqual(["'none'"]);
        expect(d.get('frame-ancestors'), p).toEqual(["'none'"]);
        expect(res.headers['content-security-policy'], p).not.toMatch(/script-src[^;]*('unsafe-inline'|'unsafe-eval'|data:|\*)/);
        expect(res.headers['x-content-type-options'], p).toBe('nosniff');
      }
    });

    it('the pages the client is built from (staff and patient) have no inline script (so the CSP needs none)', () => {
      for (const page of ['client/index.html', 'client/join.html']) {
        const html = fs.readFileSync(path.resolve(page), 'utf8');
        const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
        expect(scripts.length, page).toBeGreaterThan(0);
        for (const [, attrs, body] of scripts) {
          expect(attrs, page).toMatch(/\bsrc=/);
          expect(body!.trim(), page).toBe('');
        }
        expect(html, page).not.toMatch(/\son[a-z]+\s*=/i); // no inline event handlers either
      }
    });

    it('Referrer-Policy is no-referrer everywhere, so a join link never leaks through Referer', async () => {
      for (const p of ['/', '/join/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', '/api/auth/me', '/api/nope', '/healthz']) {
        expect((await request(t.url).get(p)).headers['referrer-policy'], p).toBe('no-referrer');
      }
    });

    it('Permissions-Policy allows camera and microphone only on the join and visit pages', async () => {
      const policy = async (p: string) => {
        const header = (await request(t.url).get(p)).headers['permissions-policy'] as string;
        return Object.fromEntries(header.split(',').map((part) => part.trim().split('=') as [string, string]));
      };
      for (const p of ['/join/some-token', '/join', '/visits/123', '/visits']) {
        const pp = await policy(p);
        expect(pp.camera, p).toBe('(self)');
        expect(pp.microphone, p).toBe('(self)');
        expect(pp.geolocation, p).toBe('()');
      }
      for (const p of ['/', '/signin', '/admin/audit', '/schedule', '/joinery', '/api/auth/me', '/api/visits/x', '/healthz']) {
        const pp = await policy(p);
        expect(pp.camera, p).toBe('()');
        expect(pp.microphone, p).toBe('()');
        expect(pp['display-capture'], p).toBe('()');
      }
    });

    it('every /api response, success or error, says Cache-Control: no-store; pages too', async () => {
      const { agent } = await t.signedIn('admin');
      const responses: [string, request.Response][] = [
        ['GET /api/auth/me', await agent.get('/api/auth/me')],
        ['GET /api/audit', await agent.get('/api/audit')],
        ['GET /api/audit.csv', await agent.get('/api/audit.csv')],
        ['GET /api/auth/me signed out', await request(t.url).get('/api/auth/me')],
        ['GET /api/nope', await request(t.url).get('/api/nope')],
        [
          'POST /api/auth/login malformed',
          await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send('{bad'),
        ],
      ];
      for (const [label, res] of responses) expect(res.headers['cache-control'], `${label} → ${res.status}`).toBe('no-store');
      expect((await request(t.url).get('/admin/audit')).headers['cache-control']).toBe('no-store');
    });

    it('HSTS is sent, and the server does not announce itself', async () => {
      const res = await request(t.url).get('/');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });
});
