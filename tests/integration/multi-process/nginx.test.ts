import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { connects, nextEvent } from '../../helpers/test-app';
import { createScratchDatabase } from '../platform/fault-tools';

/*
 * The README's example deployment, run for real: the nginx block from the README (not a copy of
 * it) in front of two Alcove processes on one PostgreSQL and one Redis, over TLS with a throw-away
 * certificate. Only the ports, the certificate paths and the log path are rewritten.
 */
const nginxBinary = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
const enabled = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL && nginxBinary);
const runTag = randomBytes(4).toString('hex');

/** The first ```nginx block of the README's example deployment. */
function readmeNginxBlock(): string {
  const readme = fs.readFileSync(path.resolve('README.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no ```nginx block');
  return block;
}

/** Rewrites the README block for this machine; every rewrite must find its target, or the README drifted. */
export function configForTest(
  block: string,
  o: { listen: number; upstreams: [number, number]; cert: string; key: string; accessLog: string },
): string {
  const swaps: [RegExp, string][] = [
    [/server 127\.0\.0\.1:3001\b/, `server 127.0.0.1:${o.upstreams[0]}`],
    [/server 127\.0\.0\.1:3002\b/, `server 127.0.0.1:${o.upstreams[1]}`],
    [/listen 443 ssl;/, `listen 127.0.0.1:${o.listen} ssl;`],
    [/ssl_certificate \S+;/, `ssl_certificate ${o.cert};`],
    [/ssl_certificate_key \S+;/, `ssl_certificate_key ${o.key};`],
    [/access_log \S+ alcove;/, `access_log ${o.accessLog} alcove;`],
  ];
  let out = block;
  for (const [re, to] of swaps) {
    if (!re.test(out)) throw new Error(`README nginx block no longer contains ${re}`);
    out = out.replace(re, to);
  }
  return out;
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `name=value` pairs from a response's Set-Cookie headers (the cookies are Secure: we are on https). */
function cookiesFrom(res: request.Response): string {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  return (raw ?? []).map((c) => c.split(';')[0]).join('; ');
}

describe.skipIf(!enabled)('the README example deployment: two processes behind nginx', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-nginx-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const accessLog = path.join(dir, 'access.log');
  let nginx: ChildProcess;
  let a: ServerProcess;
  let b: ServerProcess;
  let publicUrl: string;
  let dropDatabase: () => Promise<void>;
  const sockets: Socket[] = [];
  let ca: string;

  const agent = (): TestAgent => request.agent(publicUrl).ca(ca);

  function socketThroughNginx(cookie: string): Socket {
    const socket = ioClient(publicUrl, {
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 200,
      reconnectionDelayMax: 500,
      ca,
      extraHeaders: { cookie },
    });
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      {
        stdio: 'ignore',
      },
    );
    ca = fs.readFileSync(cert, 'utf8');
    const scratch = await createScratchDatabase();
    dropDatabase = scratch.drop;
    const listen = await freePort();
    publicUrl = `https://127.0.0.1:${listen}`;
    const env = {
      DATABASE_URL: scratch.url,
      REDIS_URL: process.env.TEST_REDIS_URL as string,
      REALTIME_REDIS_PREFIX: `alcove-test:${runTag}:io`,
      RATE_LIMIT_REDIS_PREFIX: `alcove-test:${runTag}:rl:`,
      PUBLIC_URL: publicUrl,
      TRUST_PROXY: '1',
      SESSION_SECRET: `nginx-secret-${runTag}-0123456789abcdef0123`,
      SHUTDOWN_DRAIN_DELAY_MS: '1000',
    };
    a = await startServerProcess('nginx-a', env);
    b = await startServerProcess('nginx-b', env);

    const site = configForTest(readmeNginxBlock(), { listen, upstreams: [a.port, b.port], cert, key, accessLog });
    const conf = [
      'daemon off;',
      'master_process off;',
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'error.log')} warn;`,
      'events {}',
      'http {',
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
      site,
      '}',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
    nginx = spawn(nginxBinary as string, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
    await waitForPort(listen);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    nginx?.kill('SIGTERM');
    await Promise.all([a?.stop(), b?.stop()]);
    await dropDatabase?.();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(
    'serves the app over TLS, carries WebSockets to both processes, fans events across them, and keeps going when one drains',
    { timeout: 120_000 },
    async () => {
      const admin = agent();
      await admin.post('/api/auth/login').send(a.admin).expect(200);
      expect((await agent().get('/readyz')).body.db).toBe('ok');

      // A clinician and a visit starting now, made through nginx.
      const email = `clinician-${runTag}@nginx.test`;
      const created = await admin.post('/api/staff').send({ email, name: 'Nginx Clinician', role: 'clinician' }).expect(201);
      const clinicianLogin = await agent().post('/api/auth/invitation/accept').send({ token: String(created.body.invitation.url).split('/invite/')[1], password: 'harbour lantern quartz maple' }).expect(200);
      const clinicianCookie = cookiesFrom(clinicianLogin);
      expect(clinicianCookie).toContain('alcove_staff=');
      const patientRow = await admin.post('/api/patients').send({ displayName: 'Nginx Patient', preferredLanguage: 'en' }).expect(201);
      const visit = await admin
        .post('/api/visits')
        .send({
          patientId: patientRow.body.patient.id,
          clinicianIds: [created.body.staff.id],
          startsAt: new Date().toISOString(),
          durationMinutes: 30,
        })
        .expect(201);
      const visitId = visit.body.visit.id as string;
      const token = (visit.body.patientLink.url as string).split('/').pop() as string;

      // Four clinician sockets through nginx: round robin with no stickiness spreads them over both processes.
      const watchers = [0, 1, 2, 3].map(() => socketThroughNginx(clinicianCookie));
      for (const s of watchers) {
        expect(await connects(s)).toBe(true);
        expect(await s.timeout(10_000).emitWithAck('visit:watch', { visitId })).toEqual({ ok: true });
      }

      // The patient joins through nginx; every watcher hears of it, whichever process it is on.
      const patient = agent();
      await patient.post('/api/join').send({ token }).expect(200);
      await patient.post(`/api/visits/${visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
      const heard = watchers.map((s) => nextEvent<{ visitId: string; waiting: number }>(s, 'visit:waiting'));
      await patient.post(`/api/visits/${visitId}/waiting-room`).expect(200);
      for (const p of await Promise.all(heard)) expect(p).toEqual({ visitId, waiting: 1 });

      // The access log (its format has no request URI: join links carry their token in the path)
      // shows requests reaching both upstreams.
      const log = fs.readFileSync(accessLog, 'utf8');
      expect(log).not.toContain(token);
      expect(log).toContain(`127.0.0.1:${a.port}`);
      expect(log).toContain(`127.0.0.1:${b.port}`);

      // Process A drains: its sockets reconnect through nginx (to B), and the app keeps answering.
      const reconnected = watchers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.io.once('reconnect', () => resolve());
          }),
      );
      await a.terminate();
      const moved = await Promise.race([
        Promise.any(reconnected).then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 20_000)),
      ]);
      expect(moved).toBe(true);
      await agent().get('/api/auth/me').set('cookie', clinicianCookie).expect(200);
      const left = watchers.map((s) => nextEvent<{ visitId: string; waiting: number }>(s, 'visit:waiting', 20_000));
      // Re-watch after a reconnect: rooms belong to the connection, as the client's provider does.
      for (const s of watchers) {
        await connects(s, 20_000);
        expect(await s.timeout(10_000).emitWithAck('visit:watch', { visitId })).toEqual({ ok: true });
      }
      await patient.post(`/api/visits/${visitId}/leave`).expect(200);
      for (const p of await Promise.all(left)) expect(p).toEqual({ visitId, waiting: 0 });

      // nginx logs a WebSocket when it closes: the ones A's drain closed were upgrades (101) on A.
      expect(fs.readFileSync(accessLog, 'utf8')).toMatch(new RegExp(` 101 \\d+ 127\\.0\\.0\\.1:${a.port} `));
    },
  );
});
