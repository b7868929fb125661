import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_CHAINS,
  auditChainOf,
  chainGenesis,
  GENESIS_HASH,
  hashAuditRow,
  recordAudit,
  verifyAuditChain,
} from '../../../server/audit/audit.service';
import type { AuditRow } from '../../../server/audit/audit.store';
import { openDatabase, type Database } from '../../../server/db/database';
import { writeTransaction } from '../../../server/db/serial-write';
import { migrateToLatest, migrateUpTo } from '../../../server/db/migrate';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';

const run = promisify(execFile);

/** Simulates someone with direct database access: lifts the append-only triggers, then runs `change`. */
async function tamper(t: Pick<TestApp, 'database' | 'dialect'>, change: string) {
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

  const append = (db = t.database.db, visitId?: string) =>
    recordAudit(db, t.dialect, {
      action: 'patient.read',
      actor: { kind: 'staff', id: randomUUID() },
      targets: { patientId: randomUUID(), ...(visitId ? { visitId } : {}) },
    });

  /** A visit id whose entries go to `chain`. */
  const visitInChain = (chain: number) => {
    for (;;) {
      const id = randomUUID();
      if (auditChainOf({ id, visit_id: id, patient_id: null, actor_id: null }) === chain) return id;
    }
  };

  /** Every chain's positions, oldest first. */
  const positions = async () => {
    const rows = await t.database.db.selectFrom('audit_log').select(['chain', 'chain_seq']).orderBy('chain').orderBy('chain_seq').execute();
    const byChain = new Map<number, number[]>();
    for (const r of rows) byChain.set(Number(r.chain), [...(byChain.get(Number(r.chain)) ?? []), Number(r.chain_seq)]);
    return byChain;
  };

  it('an empty trail verifies, and each new entry links to the one before it in its chain', async () => {
    expect(await verifyAuditChain(t.database.db)).toEqual({ ok: true, entries: 0 });
    const visit = visitInChain(0);
    const first = await append(undefined, visit);
    const second = await append(undefined, visit);
    expect(first.seq).toBe(1);
    expect(first).toMatchObject({ chain: 0, chain_seq: 1, prev_hash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 2, chain: 0, chain_seq: 2, prev_hash: first.hash });
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyAuditChain(t.database.db)).toEqual({
      ok: true,
      entries: 2,
      headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      chains: [{ chain: 0, entries: 2, headHash: second.hash }],
    });
  });

  it('entries of unrelated visits go to independent chains, each gapless from its own start; one visit stays in one chain', async () => {
    const visits = Array.from({ length: AUDIT_CHAINS }, (_, c) => visitInChain(c));
    for (const visit of visits) await append(undefined, visit);
    const again = await append(undefined, visits[5]);
    expect(again.chain).toBe(5);
    expect(again.chain_seq).toBe(2);
    const byChain = await positions();
    expect(byChain.size).toBe(AUDIT_CHAINS);
    for (const [chain, seqs] of byChain) expect(seqs, `chain ${chain}`).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const firsts = await t.database.db.selectFrom('audit_log').select(['chain', 'prev_hash']).where('chain_seq', '=', 1).execute();
    for (const f of firsts) expect(f.prev_hash).toBe(chainGenesis(Number(f.chain)));
    expect(new Set(firsts.map((f) => f.prev_hash)).size).toBe(AUDIT_CHAINS);
    const result = await verifyAuditChain(t.database.db);
    expect(result.ok).toBe(true);
    expect(result.chains).toHaveLength(AUDIT_CHAINS);
    // The listing order stays global: seq is unique across chains and grows with each append.
    const seqs = (await t.database.db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(again.seq).toBe(Math.max(...seqs));
  });

  it('50 parallel writers here and two other processes writing at the same moment leave every chain unbroken and gapless', async () => {
    const before = (await verifyAuditChain(t.database.db)).entries;
    const env = { ...process.env, ...(await cliEnv(t)) };
    const children = [1, 2].map(() => startWriter(env, 1500));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    // Our 50 writers start while the other two processes are busy appending.
    await new Promise((r) => setTimeout(r, 300));
    // Half of them on one visit (one chain, contended), half on visits of their own.
    const busy = randomUUID();
    const rows = await Promise.all(Array.from({ length: 50 }, (_, i) => append(undefined, i % 2 ? busy : undefined)));
    const theirs = await Promise.all(children.map((c) => c.done));
    expect(theirs.every((n) => n > 0)).toBe(true);

    expect(new Set(rows.map((r) => r.seq)).size).toBe(50);
    const busyPositions = rows.filter((r) => r.visit_id === busy).map((r) => r.chain_seq);
    expect(new Set(busyPositions).size).toBe(25);
    const result = await verifyAuditChain(t.database.db);
    expect(result.ok).toBe(true);
    expect(result.entries).toBe(before + 50 + theirs[0]! + theirs[1]!);
    for (const [chain, seqs] of await positions())
      expect(seqs, `chain ${chain}`).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const all = (await t.database.db.selectFrom('audit_log').select('seq').execute()).map((r) => Number(r.seq));
    expect(new Set(all).size).toBe(result.entries);
  });

  it('a transaction that appends twice stays in the chain of its first append, so two such transactions never wait for each other', async () => {
    const [a, b] = [visitInChain(2), visitInChain(9)];
    const write = (db: typeof t.database.db, visitId: string) =>
      recordAudit(db, t.dialect, { action: 'visit.read', actor: { kind: 'system' }, targets: { visitId } });
    const rows = await writeTransaction(t.database.db, t.dialect, async (trx) => [await write(trx, a), await write(trx, b)]);
    expect(rows.map((r) => r.chain)).toEqual([2, 2]);
    expect(rows[1]!.chain_seq).toBe(rows[0]!.chain_seq! + 1);
    // Opposite orders at the same time: with a lock per chain taken in each order, PostgreSQL would find a deadlock.
    const pairs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        writeTransaction(t.database.db, t.dialect, async (trx) => {
          const [first, second] = i % 2 ? [a, b] : [b, a];
          const one = await write(trx, first);
          await new Promise((r) => setTimeout(r, 5));
          return [one, await write(trx, second)];
        }),
      ),
    );
    expect(pairs.every(([x, y]) => x!.chain === y!.chain)).toBe(true);
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
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
    const visit = visitInChain(0);
    const victim = await append(undefined, visit);
    const afterVictim = await append(undefined, visit);
    await append(undefined, visit);
    const intact = (await verifyAuditChain(t.database.db)).entries;
    await tamper(t, `update audit_log set actor_id = '${randomUUID()}' where id = '${victim.id}'`);

    const result = await verifyAuditChain(t.database.db);
    expect(result).toMatchObject({ ok: false, firstBrokenId: victim.id, firstBrokenSeq: victim.seq });
    // Everything but the victim and the two after it in its chain still verifies.
    expect(result.entries).toBe(intact - 3);

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

describeEachDatabase('audit chains other than the first (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(dialect);
  });
  afterEach(async () => t?.close());

  /** Three entries of one visit in chain 7, with an entry of chain 0 on either side. */
  async function seed() {
    const visitIn = (chain: number) => {
      for (;;) {
        const id = randomUUID();
        if (auditChainOf({ id, visit_id: id, patient_id: null, actor_id: null }) === chain) return id;
      }
    };
    const write = (visitId: string) =>
      recordAudit(t.database.db, dialect, { action: 'visit.read', actor: { kind: 'system' }, targets: { visitId } });
    const [zero, seven] = [visitIn(0), visitIn(7)];
    await write(zero);
    const rows = [await write(seven), await write(seven), await write(seven)];
    await write(zero);
    expect(rows.map((r) => [r.chain, r.chain_seq])).toEqual([
      [7, 1],
      [7, 2],
      [7, 3],
    ]);
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
    return rows;
  }

  it('an altered row is found and named', async () => {
    const [, victim] = await seed();
    await tamper(t, `update audit_log set action = 'patient.read' where id = '${victim!.id}'`);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: false, firstBrokenId: victim!.id, firstBrokenSeq: victim!.seq });
  });

  it('a row moved to another chain is found', async () => {
    const [, victim, next] = await seed();
    await tamper(t, `update audit_log set chain = 3 where id = '${victim!.id}'`);
    const result = await verifyAuditChain(t.database.db);
    expect(result.ok).toBe(false);
    // Its old chain now has a gap, and the moved row does not belong where it went.
    expect([victim!.id, next!.id]).toContain(result.firstBrokenId);
  });

  it('a deleted row is found: verify names the entry after the gap', async () => {
    const [, victim, next] = await seed();
    await tamper(t, `delete from audit_log where id = '${victim!.id}'`);
    const result = await verifyAuditChain(t.database.db);
    expect(result).toMatchObject({ ok: false, firstBrokenId: next!.id });
    expect(result.reason).toMatch(/entry 2 is missing \(chain 7\)/);
  });

  it('an inserted row, hashed correctly but not linked to the chain, is found', async () => {
    const rows = await seed();
    const last = rows.at(-1)!;
    const forged: Omit<AuditRow, 'hash'> = {
      ...last,
      id: randomUUID(),
      seq: Number(last.seq) + 1000,
      chain_seq: 4,
      prev_hash: 'f'.repeat(64),
    };
    await t.database.db
      .insertInto('audit_log')
      .values({ ...forged, hash: hashAuditRow(forged) })
      .execute();
    expect(await verifyAuditChain(t.database.db)).toMatchObject({
      ok: false,
      firstBrokenId: forged.id,
      reason: expect.stringMatching(/link/),
    });
  });

  it('an inserted row that claims a position already taken is found', async () => {
    const rows = await seed();
    // Someone with database access drops the index that keeps positions unique first.
    await sql`drop index audit_log_chain_pos_idx`.execute(t.database.db);
    const second = rows[1]!;
    const forged: Omit<AuditRow, 'hash'> = { ...second, id: randomUUID(), seq: Number(second.seq) + 1000, prev_hash: 'e'.repeat(64) };
    await t.database.db
      .insertInto('audit_log')
      .values({ ...forged, hash: hashAuditRow(forged) })
      .execute();
    expect((await verifyAuditChain(t.database.db)).ok).toBe(false);
  });
});

describeEachDatabase('entries written before the audit chains (%s)', (dialect) => {
  let database: Database;
  let file: string | undefined;
  beforeAll(async () => {
    if (dialect === 'sqlite') {
      file = path.join(os.tmpdir(), `alcove-audit-legacy-${process.pid}-${Date.now()}.db`);
      database = openDatabase(`sqlite:${file}`);
    } else {
      database = openDatabase(process.env.TEST_DATABASE_URL as string, {
        pgSchema: `t_audit_legacy_${process.pid}_${Date.now().toString(36)}`,
      });
    }
  });
  afterAll(async () => {
    if (dialect === 'postgres')
      await sql`drop schema if exists ${sql.id((await sql<{ s: string }>`select current_schema() as s`.execute(database.db)).rows[0]!.s)} cascade`
        .execute(database.db)
        .catch(() => undefined);
    await database?.close();
    if (file) fs.rmSync(file, { force: true });
  });

  it('stay verifiable after migration 013, chain 0 continues from them, and tampering with them is still found', async () => {
    await migrateUpTo(database, '012-two-factor');
    // Three entries exactly as the single-chain code wrote them: position = seq, content without chain columns.
    const legacy: AuditRow[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const row = {
        seq,
        id: randomUUID(),
        at: new Date().toISOString(),
        actor_kind: 'staff' as const,
        actor_id: randomUUID(),
        action: 'patient.read',
        outcome: 'success' as const,
        patient_id: randomUUID(),
        visit_id: null,
        staff_id: null,
        participant_id: null,
        checkin_id: null,
        link_id: null,
        request_id: null,
        ip: '127.0.0.1',
        prev_hash: prev,
        chain: 0,
        chain_seq: null,
      };
      const hash = hashAuditRow(row);
      const { chain: _chain, chain_seq: _pos, ...columns } = row;
      await sql`insert into audit_log (id, seq, at, actor_kind, actor_id, action, outcome, patient_id, visit_id, staff_id, participant_id, checkin_id, link_id, request_id, ip, prev_hash, hash)
        values (${columns.id}, ${seq}, ${columns.at}, ${columns.actor_kind}, ${columns.actor_id}, ${columns.action}, ${columns.outcome}, ${columns.patient_id},
                null, null, null, null, null, null, ${columns.ip}, ${prev}, ${hash})`.execute(database.db);
      legacy.push({ ...row, hash });
      prev = hash;
    }
    await migrateToLatest(database);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, entries: 3, chains: [{ chain: 0, entries: 3, headHash: prev }] });

    // New entries: chain 0 picks up at position 4 from the last old entry; the global order goes on after it.
    let zero: AuditRow | undefined;
    for (let i = 0; i < 200 && !zero; i++) {
      const row = await recordAudit(database.db, dialect, {
        action: 'visit.read',
        actor: { kind: 'system' },
        targets: { visitId: randomUUID() },
      });
      expect(row.seq).toBeGreaterThan(3);
      if (row.chain === 0) zero = row;
    }
    expect(zero).toMatchObject({ chain_seq: 4, prev_hash: prev });
    const ok = await verifyAuditChain(database.db);
    expect(ok.ok).toBe(true);
    expect(ok.chains?.find((c) => c.chain === 0)).toMatchObject({ entries: 4, headHash: zero!.hash });

    // An old entry edited, then deleted, is found as before.
    await tamper({ database, dialect }, `update audit_log set actor_id = '${randomUUID()}' where id = '${legacy[1]!.id}'`);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, firstBrokenId: legacy[1]!.id, firstBrokenSeq: 2 });
    await sql.raw(`delete from audit_log where id = '${legacy[1]!.id}'`).execute(database.db);
    expect(await verifyAuditChain(database.db)).toMatchObject({
      ok: false,
      firstBrokenId: legacy[2]!.id,
      reason: expect.stringMatching(/missing/),
    });
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
