import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';

/*
 * Which address a request comes from, as the rate limits and the audit trail see it. Clients bind
 * to their own loopback addresses (127.0.0.2, 127.0.0.3), so "the client" and "the proxy"
 * (127.0.0.1) are different peers on one machine, as they are in production.
 */

const CLIENT_A = '127.0.0.2';
const CLIENT_B = '127.0.0.3';
const FORGED = '198.51.100.7';

interface Reply {
  status: number;
}

/** One JSON POST from `localAddress`, with the headers given (e.g. a forged X-Forwarded-For). */
function post(base: string, path: string, body: unknown, from: string, headers: Record<string, string> = {}): Promise<Reply> {
  const data = JSON.stringify(body);
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          origin: 'http://127.0.0.1:3999',
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * A reverse proxy as nginx's `proxy_add_x_forwarded_for` behaves: it appends the address it got
 * the request from to whatever X-Forwarded-For the client sent, and forwards from 127.0.0.1.
 */
async function startProxy(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    const peer = req.socket.remoteAddress ?? '';
    const sent = req.headers['x-forwarded-for'];
    const upstream = http.request(
      {
        host: to.hostname,
        port: to.port,
        path: req.url,
        method: req.method,
        localAddress: '127.0.0.1',
        agent: false,
        headers: { ...req.headers, 'x-forwarded-for': sent ? `${String(sent)}, ${peer}` : peer },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A join with a link token that does not exist: counted by the per-address join limit. */
const probeJoin = (base: string, from: string, headers?: Record<string, string>) =>
  post(base, '/api/join', { token: 'x'.repeat(43) }, from, headers);

/** A wrong password: refused, and audited with the caller's address. */
async function failedSignIn(t: TestApp, base: string, from: string, headers?: Record<string, string>): Promise<string | null> {
  const staff = await t.createStaff('scheduler');
  const r = await post(base, '/api/auth/login', { email: staff.email, password: 'not-the-password' }, from, headers);
  expect(r.status).toBe(401);
  const row = await t.database.db
    .selectFrom('audit_log')
    .select('ip')
    .where('action', '=', 'auth.sign_in_failed')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return row.ip;
}

describe('TRUST_PROXY takes Express’s forms', () => {
  const parse = (value: string) => loadConfig({ TRUST_PROXY: value }).trustProxy;

  it('reads booleans, hop counts, addresses, subnets and comma lists', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(parse('false')).toBe(false);
    expect(parse('0')).toBe(false);
    expect(parse('true')).toBe(true);
    expect(parse('1')).toBe(1);
    expect(parse('2')).toBe(2);
    expect(parse('10.0.0.5')).toEqual(['10.0.0.5']);
    expect(parse('10.0.0.0/8, 192.168.1.0/255.255.255.0,fd00::/8')).toEqual(['10.0.0.0/8', '192.168.1.0/255.255.255.0', 'fd00::/8']);
    expect(parse('loopback,uniquelocal')).toEqual(['loopback', 'uniquelocal']);
  });

  it('refuses anything else with one message naming the variable and the bad items', () => {
    for (const bad of [
      'yes',
      '-1',
      '33',
      '10.0.0.0/33',
      '10.0.0.0/0',
      '10.0.0.0/255.0.255.0',
      'proxy.example.org',
      '10.0.0.1,',
      'fe80::/129',
    ]) {
      let problems: string[] = [];
      try {
        loadConfig({ TRUST_PROXY: bad });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        problems = (err as ConfigError).problems;
      }
      expect(problems, bad).toHaveLength(1);
      expect(problems[0]).toMatch(/^TRUST_PROXY: must be true, false, a hop count/);
    }
  });
});

describeEachDatabase('the client address behind a proxy (%s)', (dialect) => {
  describe('by default (TRUST_PROXY unset)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, { env: { JOIN_LIMIT_PER_ADDRESS: '2' } });
    });
    afterAll(() => t.close());

    it('a forged X-Forwarded-For changes neither the address in the audit nor the rate-limit key', async () => {
      expect(await failedSignIn(t, t.url, CLIENT_A, { 'x-forwarded-for': FORGED })).toBe(CLIENT_A);

      // A new forged address on every try buys no new budget: the peer's address is the key.
      expect((await probeJoin(t.url, CLIENT_A, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(404);
      expect((await probeJoin(t.url, CLIENT_A, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(404);
      expect((await probeJoin(t.url, CLIENT_A, { 'x-forwarded-for': '198.51.100.3' })).status).toBe(429);
      expect((await probeJoin(t.url, CLIENT_B)).status).toBe(404);
    });
  });

  for (const setting of ['1', '127.0.0.1']) {
    describe(`behind one proxy with TRUST_PROXY=${setting}`, () => {
      let t: TestApp;
      let proxy: Awaited<ReturnType<typeof startProxy>>;
      beforeAll(async () => {
        t = await startTestApp(dialect, { env: { JOIN_LIMIT_PER_ADDRESS: '2', TRUST_PROXY: setting } });
        proxy = await startProxy(t.url);
      });
      afterAll(async () => {
        await proxy.close();
        await t.close();
      });

      it('uses the client address the proxy saw, and ignores a forged extra hop', async () => {
        expect(await failedSignIn(t, proxy.url, CLIENT_A)).toBe(CLIENT_A);
        expect(await failedSignIn(t, proxy.url, CLIENT_B, { 'x-forwarded-for': FORGED })).toBe(CLIENT_B);

        // Each client has its own budget, and forging hops in front does not reset it.
        expect((await probeJoin(proxy.url, CLIENT_A, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(404);
        expect((await probeJoin(proxy.url, CLIENT_A, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(404);
        expect((await probeJoin(proxy.url, CLIENT_A, { 'x-forwarded-for': '198.51.100.3' })).status).toBe(429);
        expect((await probeJoin(proxy.url, CLIENT_B, { 'x-forwarded-for': '198.51.100.3' })).status).toBe(404);
      });
    });
  }
});
