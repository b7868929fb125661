import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';

const run = promisify(execFile);

/** The first administrator is never a fixed address with a printed password (SQLite: start-up is the same on both databases). */
describe('the first administrator', () => {
  const started: ServerProcess[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const freshDb = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-first-admin-'));
    dirs.push(dir);
    return `sqlite:${path.join(dir, 'alcove.db')}`;
  };

  it('in development, ADMIN_EMAIL gets a one-time link that only sets its password; nothing is printed once it is used', async () => {
    const databaseUrl = freshDb();
    const first = await startServerProcess('first-admin-dev', { DATABASE_URL: databaseUrl, ADMIN_EMAIL: 'Clinic.Lead@Example.org' });
    started.push(first);
    expect(first.output()).toMatch(/set the password of clinic\.lead@example\.org/);
    expect(first.output()).not.toMatch(/password:/i);
    expect(first.admin.email).toBe('clinic.lead@example.org');
    await request(first.url).post('/api/auth/login').send(first.admin).expect(200);
    await first.stop();
    const again = await startServerProcess('first-admin-dev-2', { DATABASE_URL: databaseUrl });
    started.push(again);
    expect(again.output()).not.toMatch(/\/invite\//);
  }, 90_000);

  it('in production nothing is printed but how to run the CLI, whose link creates the administrator', async () => {
    const databaseUrl = freshDb();
    const env = {
      DATABASE_URL: databaseUrl,
      NODE_ENV: 'production',
      SESSION_SECRET: 'a-production-session-secret-of-enough-length-0123456789',
      LIVEKIT_URL: 'wss://livekit.example.org',
      LIVEKIT_API_KEY: 'APIprodkey',
      LIVEKIT_API_SECRET: 'a-production-livekit-secret-of-enough-length-0123',
    };
    const server = await startServerProcess('first-admin-prod', env);
    started.push(server);
    expect(server.output()).toContain('npm run staff -- invite --role admin');
    expect(server.output()).not.toMatch(/\/invite\/[A-Za-z0-9_-]{20}/);
    expect(server.output()).not.toMatch(/password:/i);

    const cli = await run(
      process.execPath,
      ['--import', 'tsx', 'server/auth/staff-cli.ts', 'invite', '--role', 'admin', '--email', 'lead@clinic.test', '--name', 'Lead Admin'],
      {
        env: { ...process.env, ...env, PUBLIC_URL: server.url },
      },
    );
    const token = /\/invite\/([A-Za-z0-9_-]{43})/.exec(cli.stdout)?.[1];
    expect(token).toBeDefined();
    const agent = request.agent(server.url);
    await agent
      .post('/api/auth/invitation/accept')
      .set('Origin', server.url)
      .send({ token, password: 'lead admin quartz lantern' })
      .expect(200);
    expect((await agent.get('/api/auth/me').expect(200)).body.user).toMatchObject({ email: 'lead@clinic.test', role: 'admin' });
  }, 90_000);
  it('in development, ADMIN_EMAIL naming an existing clinician makes them the administrator on the trail (role change), not silently', async () => {
    const databaseUrl = freshDb();
    const env = { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'test' };
    await run(process.execPath, ['--import', 'tsx', 'server/auth/staff-cli.ts', 'invite', '--role', 'clinician', '--email', 'lead@clinic.test', '--name', 'Dr. Lead'], { env });
    const server = await startServerProcess('first-admin-promote', { DATABASE_URL: databaseUrl, ADMIN_EMAIL: 'lead@clinic.test' });
    started.push(server);
    expect(server.admin.email).toBe('lead@clinic.test');
    const db = new SQLite(databaseUrl.slice('sqlite:'.length), { readonly: true });
    try {
      const staff = db.prepare('select id, role from staff where email = ?').get('lead@clinic.test') as { id: string; role: string };
      expect(staff.role).toBe('admin');
      const actions = (db.prepare('select action, actor_kind from audit_log where staff_id = ? order by seq').all(staff.id) as { action: string; actor_kind: string }[]).map(
        (e) => `${e.actor_kind}:${e.action}`,
      );
      expect(actions).toContain('system:staff.role_changed');
    } finally {
      db.close();
    }
  }, 90_000);
});
