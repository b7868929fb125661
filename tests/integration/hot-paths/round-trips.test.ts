import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { admittedPatient, PHQ9_ITEMS, PHQ_OPTION, sendCheckin } from '../../helpers/checkin-builder';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit } from '../../helpers/visit-builder';

/*
 * Database round trips per request on the hot paths, counted at the driver (every statement sent,
 * BEGIN and COMMIT included), so a regression that adds a query shows here. The figures are printed.
 */
let counting = false;
let count = 0;
const originalPrepare = BetterSqlite3.prototype.prepare;
const originalQuery = pg.Client.prototype.query;
beforeAll(() => {
  BetterSqlite3.prototype.prepare = function (this: BetterSqlite3.Database, source: string) {
    if (counting) count += 1;
    return originalPrepare.call(this, source);
  } as typeof originalPrepare;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (counting) count += 1;
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof originalQuery;
});
afterAll(() => {
  BetterSqlite3.prototype.prepare = originalPrepare;
  pg.Client.prototype.query = originalQuery;
});

async function roundTrips(request: () => Promise<unknown>): Promise<number> {
  count = 0;
  counting = true;
  try {
    await request();
  } finally {
    counting = false;
  }
  return count;
}

/**
 * The most round trips each route may make (see the README's decisions for what they are). An
 * audited change appends its entry in the change's transaction: on SQLite two statements (the
 * chain's end, then the insert), on PostgreSQL one (it moves the chain's head row and inserts the
 * entry, migration 018), and an audited read outside a transaction needs no BEGIN or COMMIT there.
 * An answer save reads the check-in with its answers in one query and trusts those answers while
 * the check-in's revision is unchanged (migration 019). On SQLite: session, that read, BEGIN
 * IMMEDIATE, the revision claim, the answer, the chain's end, the audit entry, COMMIT. On
 * PostgreSQL the claim, the answer and its audit entry are one statement, which commits on its
 * own: session, the read, that statement. The live count goes to the visit's console room, so no
 * care-team read follows.
 */
const BUDGET = {
  sqlite: { sessionCheck: 1, answerSave: 8, videoToken: 3, patientToken: 6, clinicianToken: 6, firstClinicianToken: 11 },
  postgres: { sessionCheck: 1, answerSave: 3, videoToken: 3, patientToken: 3, clinicianToken: 3, firstClinicianToken: 10 },
};

describeEachDatabase('hot-path round trips (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { PRESENCE_GRACE_SECONDS: '3600' } });
  });
  afterAll(() => t.close());

  it('session check, answer save and video token stay within their round-trip budget', async () => {
    const v = await buildVisit(t);
    const clinician = v.clinicians[0]!.agent;
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    // Warm: the first answer moves the check-in to in_progress.
    await patient.agent.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[0]}`).send({ value: PHQ_OPTION[0] }).expect(200);

    const figures = {
      sessionCheck: await roundTrips(() => clinician.get('/api/auth/me').expect(200)),
      answerSave: await roundTrips(() =>
        patient.agent.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[1]}`).send({ value: PHQ_OPTION[1] }).expect(200),
      ),
      // Video is unreachable in tests, so the route stops before minting: count up to the refusal.
      videoToken: await roundTrips(() => patient.agent.post(`/api/visits/${v.visitId}/video-token`)),
    };
    console.log(`round trips (${dialect}): ${JSON.stringify(figures)}`);
    expect(figures.sessionCheck).toBeLessThanOrEqual(BUDGET[dialect].sessionCheck);
    expect(figures.answerSave).toBeLessThanOrEqual(BUDGET[dialect].answerSave);
    expect(figures.videoToken).toBeLessThanOrEqual(BUDGET[dialect].videoToken);
  });
});

describeEachDatabase('video-token round trips, the whole path against the LiveKit stand-in (%s)', (dialect) => {
  let t: TestApp;
  let livekit: LivekitStandIn;
  beforeAll(async () => {
    livekit = await startLivekitStandIn();
    // The real reachability probe against the stand-in, so the route goes all the way to minting.
    t = await startTestApp(dialect, {
      env: { PRESENCE_GRACE_SECONDS: '3600', LIVEKIT_URL: livekit.url },
      deps: { livekitReachable: undefined },
    });
  });
  afterAll(async () => {
    await t.close();
    await livekit.close();
  });

  it('a patient token and a clinician token stay within their round-trip budget', async () => {
    const v = await buildVisit(t);
    const clinician = v.clinicians[0]!.agent;
    const patient = await admittedPatient(t, v);
    // The first clinician token starts the visit and makes the clinician a participant (rare: once
    // per clinician and visit); every later one only reads, mints and audits.
    const firstClinicianToken = await roundTrips(() => clinician.post(`/api/visits/${v.visitId}/video-token`).expect(200));

    const figures = {
      firstClinicianToken,
      patientToken: await roundTrips(() => patient.agent.post(`/api/visits/${v.visitId}/video-token`).expect(200)),
      clinicianToken: await roundTrips(() => clinician.post(`/api/visits/${v.visitId}/video-token`).expect(200)),
    };
    console.log(`video-token round trips (${dialect}): ${JSON.stringify(figures)}`);
    expect(figures.patientToken).toBeLessThanOrEqual(BUDGET[dialect].patientToken);
    expect(figures.clinicianToken).toBeLessThanOrEqual(BUDGET[dialect].clinicianToken);
    expect(figures.firstClinicianToken).toBeLessThanOrEqual(BUDGET[dialect].firstClinicianToken);
  });
});
