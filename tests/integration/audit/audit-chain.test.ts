import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, recordAudit, verifyAuditChain } from '../../../server/audit/audit.service';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';

const run = promisify(execFile);

/** Simulates someone with direct database access: lifts the append-only triggers, then runs `change`. */
async function tamper(t: TestApp, change: string) {
  const db = t.database.db;
  if (t.dialect === 'postgres') {
    await sql`alter table audit_log disable trigger user`.execute(db);
  } else {
    await sql`drop trigger audit_log_no_update`.execute(db);
    await sql`drop trigger audit_log_no_delete`.execute(db);
  }
  await sql.raw(change).execute(db);
}

async function currentPgSchema(t: TestApp): Promise<string> {
  const r = await sql<{ s: string }>`select current_schema() as s`.execute(t.database.db);
  return r.rows[0]!.s;
}

/** Env for a CLI child process that opens the same database (and, on PostgreSQL, the test's schema). */
async function cliEnv(t: TestApp): Promise<Record<string, string>> {
  if (t.dialect === 'sqlite') return { DATABASE_URL: t.config.databaseUrl };
  const url = new URL(process.env.TEST_DATABASE_URL as string);
  url.searchParams.set('options', `-c search_path=${await currentPgSchema(t)}`);
  return { DATABASE_URL: url.toString() };
}

async function runVerifyCli(t: TestApp): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, ...(await cliEnv(t)), NODE_ENV: 'test', LOG_LEVEL: 'silent' };
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'server/audit/verify-cli.ts'], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts tests/helpers/audit-writer.ts in its own process; `go()` releases it, `done` resolves with its count. */
function startWriter(env: NodeJS.ProcessEnv, durationMs: number) {
  const child = spawn('npx', ['tsx', 'tests/helpers/audit-writer.ts', String(durationMs)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready')) onReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number>((resolve, reject) =>
    child.on('exit', (code) => {
      const n = /wrote (\d+)/.exec(out)?.[1];
      if (code === 0 && n) resolve(Number(n));
      else reject(new Error(`writer exited ${code}: ${err}`));
    }),
  );
  done.catch(() => undefined); // reported where the test awaits it; never an unhandled rejection
  return { ready, done, go: () => child.stdin.write('go\n') };
}

describeEachDatabase('audit hash chain (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const append = (db = t.database.db) =>
    recordAudit(db, t.dialect, {
      action: 'patient.read',
      actor: { kind: 'staff', id: randomUUID() },
      targets: { patientId: randomUUID() },
    });

  it('an empty trail verifies, and each new entry links to the one before', async () => {
    expect(await verifyAuditChain(t.database.db)).toEqual({ ok: true, entries: 0 });
    const first = await append();
    const second = await append();
    expect(first.seq).toBe(1);
    expect(first.prev_hash).toBe(GENESIS_HASH);
    expect(second.seq).toBe(2);
    expect(second.prev_hash).toBe(first.hash);
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyAuditChain(t.database.db)).toEqual({ ok: true, entries: 2, headHash: second.hash });
  });

  it('50 parallel writers here and two other processes writing at the same moment leave one unbroken, gapless chain', async () => {
    const before = (await verifyAuditChain(t.database.db)).entries;
    const env = { ...process.env, ...(await cliEnv(t)) };
    const children = [1, 2].map(() => startWriter(env, 1500));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    // Our 50 writers start while the other two processes are busy appending.
    await new Promise((r) => setTimeout(r, 300));
    const rows = await Promise.all(Array.from({ length: 50 }, () => append()));
    const theirs = await Promise.all(children.map((c) => c.done));
    expect(theirs.every((n) => n > 0)).toBe(true);

    const mine = rows.map((r) => r.seq);
    expect(new Set(mine).size).toBe(50);
    const result = await verifyAuditChain(t.database.db);
    expect(result.ok).toBe(true);
    expect(result.entries).toBe(before + 50 + theirs[0]! + theirs[1]!);
    const seqs = (await t.database.db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: result.entries }, (_, i) => i + 1));
  });

  it('the table refuses UPDATE and DELETE from the application', async () => {
    await append();
    await expect(sql`update audit_log set action = 'auth.sign_in'`.execute(t.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(t.database.db)).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
  });

  it('npm run audit:verify exits 0 on an intact chain', async () => {
    const r = await runVerifyCli(t);
    expect(r.stdout).toMatch(/audit trail intact: \d+ entries/);
    expect(r.code).toBe(0);
  });

  it('editing one row makes verify fail and name that row (service, API and CLI); deleting one names the row after the gap', async () => {
    const victim = await append();
    const afterVictim = await append();
    await append();
    await tamper(t, `update audit_log set actor_id = '${randomUUID()}' where id = '${victim.id}'`);

    const result = await verifyAuditChain(t.database.db);
    expect(result).toMatchObject({ ok: false, firstBrokenId: victim.id, firstBrokenSeq: victim.seq });
    expect(result.entries).toBe(victim.seq - 1);

    const { agent } = await t.signedIn('admin');
    const api = await agent.get('/api/audit/verify').expect(200);
    expect(api.body).toMatchObject({ ok: false, firstBrokenId: victim.id });

    const cli = await runVerifyCli(t);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(victim.id);

    // Restoring the exact content repairs it; then deleting a row breaks the chain at the next one.
    await sql.raw(`update audit_log set actor_id = '${victim.actor_id}' where id = '${victim.id}'`).execute(t.database.db);
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
    await sql.raw(`delete from audit_log where id = '${victim.id}'`).execute(t.database.db);
    const afterDelete = await verifyAuditChain(t.database.db);
    expect(afterDelete).toMatchObject({ ok: false, firstBrokenId: afterVictim.id, firstBrokenSeq: afterVictim.seq });
    expect(afterDelete.reason).toMatch(/missing/);
  });
});

describe('recordAudit input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('refuses anything but a UUID as an actor or target id, so no name or date of birth can be stored', async () => {
    const db = t.database.db;
    await expect(recordAudit(db, 'sqlite', { action: 'patient.read', actor: { kind: 'staff', id: 'Jane Doe' } })).rejects.toThrow(/UUID/);
    await expect(
      recordAudit(db, 'sqlite', { action: 'patient.read', actor: { kind: 'system' }, targets: { patientId: '1990-01-01' } }),
    ).rejects.toThrow(/UUID/);
    const row = await recordAudit(db, 'sqlite', {
      action: 'auth.sign_in_failed',
      actor: { kind: 'anonymous' },
      ip: 'not an address',
      outcome: 'failure',
    });
    expect(row.ip).toBeNull();
    expect(row.outcome).toBe('failure');
  });
});
