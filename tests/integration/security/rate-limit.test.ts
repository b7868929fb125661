import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { admittedPatient, answer, sendCheckin } from '../../helpers/checkin-builder';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit } from '../../helpers/visit-builder';

/** 1.5 s windows keep the recovery tests short; sign-in gets 6 s because each attempt runs scrypt. */
const WINDOW_MINUTES = '0.025';
const WINDOW_MS = 1500;
const LOGIN_WINDOW_MINUTES = '0.1';
const LOGIN_WINDOW_MS = 6000;

function expectLimited(res: Response, windowMs = WINDOW_MS) {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({
    error: { code: 'rate_limited', message: expect.any(String), details: { retryAfterSeconds: expect.any(Number) } },
  });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(Math.ceil(windowMs / 1000));
  return retryAfter;
}

/** Repeats `send` until it is no longer 429; returns that response and how long it took. */
async function untilRecovered(send: () => Promise<Response>, maxMs: number): Promise<{ res: Response; ms: number }> {
  const started = Date.now();
  for (;;) {
    const res = await send();
    if (res.status !== 429 || Date.now() - started > maxMs) return { res, ms: Date.now() - started };
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeEachDatabase('abuse limits (%s)', (dialect) => {
  describe('sign-in and join-link use, per address', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, {
        env: {
          LOGIN_LIMIT_PER_ADDRESS: '3',
          LOGIN_LIMIT_WINDOW_MINUTES: LOGIN_WINDOW_MINUTES,
          JOIN_LIMIT_PER_ADDRESS: '2',
          JOIN_LIMIT_WINDOW_MINUTES: WINDOW_MINUTES,
        },
      });
    });
    afterAll(async () => t?.close());

    it('sign-in answers 429 with Retry-After past the limit, and works again after the window', async () => {
      const attempt = () => t.agent().post('/api/auth/login').send({ email: 'someone@clinic.test', password: 'guess' });
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
      const retryAfter = expectLimited(await attempt(), LOGIN_WINDOW_MS);
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
      const { res, ms } = await untilRecovered(attempt, LOGIN_WINDOW_MS);
      expect(res.status).toBe(401);
      expect(ms).toBeLessThan(LOGIN_WINDOW_MS);
    });

    it('a limited sign-in writes no audit entry and no session', async () => {
      const staff = await t.createStaff('clinician');
      for (let i = 0; i < 3; i++) await t.agent().post('/api/auth/login').send({ email: 'x@clinic.test', password: 'guess' });
      const before = await t.database.db.selectFrom('audit_log').select('id').execute();
      const limited = await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password });
      expectLimited(limited, LOGIN_WINDOW_MS);
      expect(limited.headers['set-cookie']).toBeUndefined();
      expect(await t.database.db.selectFrom('audit_log').select('id').execute()).toHaveLength(before.length);
    });

    it('join-link use answers 429 past the limit per address, and recovers', async () => {
      const attempt = () =>
        t
          .agent()
          .post('/api/join')
          .send({ token: randomBytes(32).toString('base64url') });
      for (let i = 0; i < 2; i++) {
        const res = await attempt();
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).not.toBe(429);
      }
      const retryAfter = expectLimited(await attempt());
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
      const { res } = await untilRecovered(attempt, WINDOW_MS + 1000);
      expect(res.status).not.toBe(429);
    });
  });

  describe('video-token minting, per participant', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, {
        env: { VIDEO_TOKEN_LIMIT_PER_PARTICIPANT: '2', VIDEO_TOKEN_LIMIT_WINDOW_MINUTES: WINDOW_MINUTES },
      });
    });
    afterAll(async () => t?.close());

    it('counts each signed-in participant separately, answers 429 past the limit, and recovers', async () => {
      const a = await t.signedIn('clinician');
      const b = await t.signedIn('clinician');
      const mint = (agent: typeof a.agent) => agent.post(`/api/visits/${randomUUID()}/video-token`);
      for (let i = 0; i < 2; i++) expect((await mint(a.agent)).status).toBe(404);
      const retryAfter = expectLimited(await mint(a.agent));
      expect((await mint(b.agent)).status).toBe(404);
      // Signed-out callers are refused (401) before they could use anyone's budget.
      expect((await t.agent().post(`/api/visits/${randomUUID()}/video-token`)).status).toBe(401);
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
      const { res } = await untilRecovered(() => mint(a.agent), WINDOW_MS + 1000);
      expect(res.status).toBe(404);
    });
  });
});

describeEachDatabase('check-in answer limit (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { ANSWER_LIMIT_PER_PARTICIPANT: '3', ANSWER_LIMIT_WINDOW_MINUTES: WINDOW_MINUTES } });
  });
  afterAll(async () => t?.close());

  it('counts answers per patient, answers 429 past the limit, and recovers after the window', async () => {
    const v = await buildVisit(t);
    const { agent } = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'alcove-sexual-health');
    const save = (text: string) => answer(agent, checkinId, 'note', text);
    for (let i = 0; i < 3; i++) expect((await save(`draft ${i}`)).status).toBe(200);
    const retryAfter = expectLimited(await save('one too many'));
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    const { res } = await untilRecovered(() => save('after the window'), WINDOW_MS + 1000);
    expect(res.status).toBe(200);
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)('abuse limits shared through Redis by two server processes', () => {
  let one: ServerProcess;
  let two: ServerProcess;
  beforeAll(async () => {
    // A fresh prefix per run, so parallel runs on the same Redis never share counters.
    const env = {
      REDIS_URL: process.env.TEST_REDIS_URL as string,
      RATE_LIMIT_REDIS_PREFIX: `alcove-test:${randomBytes(6).toString('hex')}:`,
      LOGIN_LIMIT_PER_ADDRESS: '4',
      LOGIN_LIMIT_WINDOW_MINUTES: LOGIN_WINDOW_MINUTES,
    };
    [one, two] = await Promise.all([startServerProcess('rate-limit-redis-1', env), startServerProcess('rate-limit-redis-2', env)]);
  });
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
  });

  it('attempts on either process count against one limit, which lifts for both after the window', async () => {
    const attempt = (s: ServerProcess) => request(s.url).post('/api/auth/login').send({ email: 'someone@clinic.test', password: 'guess' });
    expect((await attempt(one)).status).toBe(401);
    expect((await attempt(two)).status).toBe(401);
    expect((await attempt(one)).status).toBe(401);
    expect((await attempt(two)).status).toBe(401);
    const onOne = await attempt(one);
    const onTwo = await attempt(two);
    expect(onOne.status).toBe(429);
    expect(onTwo.status).toBe(429);
    expect(Number(onTwo.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, Number(onTwo.headers['retry-after']) * 1000));
    const { res } = await untilRecovered(() => attempt(one), LOGIN_WINDOW_MS);
    expect(res.status).toBe(401);
    expect((await attempt(two)).status).toBe(401);
  });
});
