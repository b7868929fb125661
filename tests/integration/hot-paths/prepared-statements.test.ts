import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admittedPatient, PHQ9_ITEMS, PHQ_OPTION, sendCheckin } from '../../helpers/checkin-builder';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit } from '../../helpers/visit-builder';

/*
 * PostgreSQL keeps the app's statements prepared per connection (server/db/database.ts), so its
 * backends parse and plan a hot statement once, not on every request. These tests look at the
 * backend's own list of prepared statements, and show that a newer release adding columns while
 * this one runs (a rolling deploy) fails none of its requests.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)('prepared statements on PostgreSQL', () => {
  let t: TestApp;
  let livekit: LivekitStandIn;
  beforeAll(async () => {
    livekit = await startLivekitStandIn();
    t = await startTestApp('postgres', {
      env: { PRESENCE_GRACE_SECONDS: '3600', LIVEKIT_URL: livekit.url },
      deps: { livekitReachable: undefined },
    });
  });
  afterAll(async () => {
    await t.close();
    await livekit.close();
  });

  it('a statement run twice on one connection is prepared once, under a name; `select *` is not prepared', async () => {
    const seen = await t.database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 2; i++) {
        await trx.selectFrom('visits').select(['id', 'status']).where('id', '=', '00000000-0000-4000-8000-000000000000').execute();
        await trx.selectFrom('visits').selectAll().where('id', '=', '00000000-0000-4000-8000-000000000000').execute();
      }
      const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx);
      return rows;
    });
    const named = seen.filter((r) => r.statement.includes('from "visits"'));
    expect(named).toHaveLength(1);
    expect(named[0]!.statement).toContain('select "id", "status" from "visits"');
    expect(named[0]!.name).toMatch(/^a[\w-]{20}$/);
  });

  it('columns added by a newer release while requests run fail none of them', async () => {
    const v = await buildVisit(t);
    const clinician = v.clinicians[0]!.agent;
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const round = async (n: number) => {
      const statuses = [
        (await clinician.get('/api/auth/me')).status,
        (await patient.agent.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[n % 9]}`).send({ value: PHQ_OPTION[n % 4] })).status,
        (await patient.agent.post(`/api/visits/${v.visitId}/video-token`)).status,
        (await clinician.post(`/api/visits/${v.visitId}/video-token`)).status,
        (await clinician.get(`/api/checkins/${checkinId}`)).status,
        (await clinician.get(`/api/visits/${v.visitId}`)).status,
      ];
      return statuses;
    };
    // Every connection of the pool gets to prepare what the routes send.
    for (let i = 0; i < 12; i++) expect(await round(i)).toEqual([200, 200, 200, 200, 200, 200]);
    for (const table of ['sessions', 'staff', 'visits', 'participants', 'visit_clinicians', 'checkins', 'checkin_answers', 'patients']) {
      await sql`alter table ${sql.table(table)} add column added_by_next_release text`.execute(t.database.db);
    }
    const after: number[] = [];
    for (let i = 0; i < 12; i++) after.push(...(await round(i)));
    expect(after.filter((s) => s !== 200)).toEqual([]);
  });
});
