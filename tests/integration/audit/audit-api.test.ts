import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuditEntrySchema, AuditListResponseSchema } from '@shared/api/audit.schema';
import { recordAudit } from '../../../server/audit/audit.service';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';

const ENTRY_KEYS = Object.keys(AuditEntrySchema.shape).sort();

describeEachDatabase('audit API (%s)', (dialect) => {
  let t: TestApp;
  let admin: Awaited<ReturnType<TestApp['signedIn']>>;
  const patientA = randomUUID();
  const patientB = randomUUID();
  const actorX = randomUUID();

  const countAudit = async () =>
    Number(
      (
        await t.database.db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const lastAudit = () => t.database.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await startTestApp(dialect);
    admin = await t.signedIn('admin');
    const db = t.database.db;
    for (let i = 0; i < 7; i++) {
      await recordAudit(db, dialect, { action: 'patient.read', actor: { kind: 'staff', id: actorX }, targets: { patientId: patientA } });
    }
    await recordAudit(db, dialect, { action: 'patient.updated', actor: { kind: 'staff', id: actorX }, targets: { patientId: patientA } });
    await recordAudit(db, dialect, {
      action: 'patient.read',
      actor: { kind: 'staff', id: randomUUID() },
      targets: { patientId: patientB },
    });
  });
  afterAll(async () => t?.close());

  it('refuses anyone signed out (401) and every role but admin (403), for list, verify and CSV', async () => {
    for (const path of ['/api/audit', '/api/audit/verify', '/api/audit.csv']) {
      const anon = await t.agent().get(path);
      expect(anon.status).toBe(401);
      expect(anon.body.error.code).toBe('unauthenticated');
      for (const role of ['scheduler', 'clinician'] as const) {
        const { agent } = await t.signedIn(role);
        const res = await agent.get(path);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
      }
    }
  });

  // Reads of the trail filtered on a patient are themselves entries naming that patient, so
  // the tests below also filter on the seeding actor.
  it('filters by patient, actor and action, newest first, with ids only in each entry', async () => {
    const res = await admin.agent.get('/api/audit').query({ patientId: patientA }).expect(200);
    const body = AuditListResponseSchema.parse(res.body);
    expect(body.entries).toHaveLength(8);
    expect(body.entries.every((e) => e.patientId === patientA && e.actorId === actorX)).toBe(true);
    expect(body.entries[0]!.action).toBe('patient.updated');
    const seqs = body.entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    for (const e of res.body.entries as Record<string, unknown>[]) expect(Object.keys(e).sort()).toEqual(ENTRY_KEYS);

    const updates = await admin.agent.get('/api/audit').query({ actorId: actorX, action: 'patient.updated' }).expect(200);
    expect(updates.body.entries).toHaveLength(1);
    const other = await admin.agent.get('/api/audit').query({ patientId: patientB }).expect(200);
    expect(other.body.entries).toHaveLength(1);
    expect(other.body.entries[0].actorId).not.toBe(actorX);
  });

  it('filters by date: a bare "to" day includes that whole day', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const inDay = await admin.agent.get('/api/audit').query({ patientId: patientA, actorId: actorX, from: today, to: today }).expect(200);
    expect(inDay.body.entries).toHaveLength(8);
    const future = await admin.agent.get('/api/audit').query({ patientId: patientA, actorId: actorX, from: tomorrow }).expect(200);
    expect(future.body.entries).toHaveLength(0);
    const past = await admin.agent.get('/api/audit').query({ patientId: patientA, actorId: actorX, to: yesterday }).expect(200);
    expect(past.body.entries).toHaveLength(0);
    const instant = await admin.agent
      .get('/api/audit')
      .query({ patientId: patientA, actorId: actorX, to: new Date(Date.now() + 60_000).toISOString() })
      .expect(200);
    expect(instant.body.entries).toHaveLength(8);
  });

  it('pages with limit and cursor without repeating or skipping an entry', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await admin.agent
        .get('/api/audit')
        .query({ patientId: patientA, actorId: actorX, limit: 3, ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...(res.body.entries as { seq: number }[]).map((e) => e.seq));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
  });

  it('records every read of the trail as audit.read by that admin, with the patient filtered on', async () => {
    await admin.agent.get('/api/audit').query({ patientId: patientB }).expect(200);
    const row = await lastAudit();
    expect(row).toMatchObject({
      action: 'audit.read',
      actor_kind: 'staff',
      actor_id: admin.staff.id,
      patient_id: patientB,
      outcome: 'success',
    });
    expect(row.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.ip).toBeTruthy();
  });

  it.each([
    [{ actorId: 'not-a-uuid' }, 'actorId'],
    [{ patientId: "' OR 1=1 --" }, 'patientId'],
    [{ from: '2024-02-30' }, 'from'],
    [{ to: '99999-01-01' }, 'to'],
    [{ from: '1899-12-31' }, 'from'],
    [{ action: 'patient.deleted' }, 'action'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '100000' }, 'limit'],
    [{ cursor: 'abc' }, 'cursor'],
    [{ name: 'Jane' }, '(body)'],
  ])('rejects %j with 400 naming %s, and writes nothing', async (query, field) => {
    const before = await countAudit();
    const res = await admin.agent.get('/api/audit').query(query);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const fields = (res.body.error.details as { field: string; message: string }[]).map((d) => d.field);
    if (field === '(body)') expect(JSON.stringify(res.body.error.details)).toContain('name');
    else expect(fields).toContain(field);
    expect(await countAudit()).toBe(before);
  });

  it('rejects a repeated filter parameter with 400', async () => {
    const res = await admin.agent.get(`/api/audit?patientId=${patientA}&patientId=${patientB}`);
    expect(res.status).toBe(400);
  });

  it("verify reports an intact trail with its length and every chain's head, and is itself audited", async () => {
    const before = await countAudit();
    const res = await admin.agent.get('/api/audit/verify').expect(200);
    expect(res.body).toEqual({ ok: true, entries: before, headHash: expect.stringMatching(/^[0-9a-f]{64}$/), chains: expect.any(Array) });
    const chains = res.body.chains as { chain: number; entries: number; headHash: string }[];
    expect(chains.reduce((n, c) => n + c.entries, 0)).toBe(before);
    for (const c of chains) expect(c.headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await lastAudit()).toMatchObject({ action: 'audit.verified', actor_id: admin.staff.id, outcome: 'success' });
    const bad = await admin.agent.get('/api/audit/verify').query({ force: '1' });
    expect(bad.status).toBe(400);
  });

  it('exports the filtered trail as CSV, as a download, and audits the export', async () => {
    const res = await admin.agent.get('/api/audit.csv').query({ patientId: patientA, actorId: actorX }).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="alcove-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'seq,at,actorKind,actorId,action,outcome,patientId,visitId,staffId,participantId,checkinId,linkId,requestId,ip,hash',
    );
    expect(lines).toHaveLength(1 + 8);
    expect(lines.slice(1).every((l) => l.includes(patientA) && l.includes(actorX))).toBe(true);
    expect(lines[1]).toContain('patient.updated');
    expect(await lastAudit()).toMatchObject({ action: 'audit.exported', actor_id: admin.staff.id, patient_id: patientA });

    const bad = await admin.agent.get('/api/audit.csv').query({ actorId: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });
});
