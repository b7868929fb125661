import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DobLockResponseSchema } from '@shared/api/join.schema';
import { expectContract } from '../../helpers/contract';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { SCHEDULING_ENV, buildCast, buildVisit, type Cast } from '../visits/scheduling-fixtures';

const DOB = '1979-11-23';
const wrong = (i: number) => `1960-01-${String((i % 28) + 1).padStart(2, '0')}`;

/**
 * Finding 7: the date of birth was checked weeks ahead (right: too_early, wrong: dob_mismatch), five
 * wrong tries from anyone locked the real patient out with no way for staff to see or undo it, and
 * "cancelled" showed before the check.
 */
describeEachDatabase('the date-of-birth door (%s)', (dialect) => {
  let t: TestApp;
  let cast: Cast;
  beforeAll(async () => {
    // Addresses come from X-Forwarded-For here, so one test can knock from several.
    t = await startTestApp(dialect, { env: { ...SCHEDULING_ENV, TRUST_PROXY: 'true' } });
    cast = await buildCast(t);
  });
  afterAll(async () => t?.close());

  const visit = (opts: Partial<Parameters<typeof buildVisit>[1]> = {}) =>
    buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], patient: { dateOfBirth: DOB }, ...opts });
  const knock = (token: string, dateOfBirth: string | undefined, from = '203.0.113.7') =>
    t
      .agent()
      .post('/api/join')
      .set('X-Forwarded-For', from)
      .send({ token, ...(dateOfBirth ? { dateOfBirth } : {}) });
  const failures = async (visitId: string) =>
    (
      await t.database.db
        .selectFrom('dob_failures')
        .innerJoin('patient_links', 'patient_links.id', 'dob_failures.link_id')
        .select('dob_failures.id')
        .where('patient_links.visit_id', '=', visitId)
        .execute()
    ).length;

  it('before the window opens the date of birth is not checked at all: right and wrong get the same answer', async () => {
    const v = await visit({ startsInMinutes: 60 * 24 * 60 });
    const right = await knock(v.token, DOB);
    const guess = await knock(v.token, wrong(1));
    const none = await knock(v.token, undefined);
    for (const res of [right, guess, none]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('too_early');
    }
    expect(right.body).toEqual(guess.body);
    expect(await failures(v.id)).toBe(0);
  });

  it('cancelled and ended show only after the right date of birth', async () => {
    const cancelled = await visit();
    await cast.scheduler.agent.post(`/api/visits/${cancelled.id}/cancel`).expect(200);
    expect((await knock(cancelled.token, undefined)).body.error.code).toBe('dob_required');
    expect((await knock(cancelled.token, wrong(2))).body.error.code).toBe('dob_mismatch');
    expect((await knock(cancelled.token, DOB)).body.error.code).toBe('visit_cancelled');

    const ended = await visit();
    const patient = t.agent();
    await patient.post('/api/join').send({ token: ended.token, dateOfBirth: DOB }).expect(200);
    await cast.clinicianOn.agent.post(`/api/visits/${ended.id}/end`).expect(200);
    expect((await knock(ended.token, undefined)).body.error.code).toBe('dob_required');
    expect((await knock(ended.token, wrong(3))).body.error.code).toBe('dob_mismatch');
    expect((await knock(ended.token, DOB)).body.error.code).toBe('visit_ended');
  });

  it('one address guessing cannot lock out the patient, who is told how many tries are left', async () => {
    const v = await visit();
    for (let i = 1; i <= 5; i++) {
      const res = await knock(v.token, wrong(i), '198.51.100.1');
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'dob_mismatch', details: { attemptsLeft: 5 - i } });
    }
    expect((await knock(v.token, DOB, '198.51.100.1')).status).toBe(429);
    // The patient, from their own address, gets in; a slip there still shows their own count.
    expect((await knock(v.token, wrong(9), '192.0.2.44')).body.error.details).toEqual({ attemptsLeft: 4 });
    expect((await knock(v.token, DOB, '192.0.2.44')).status).toBe(200);
  });

  describe('the link-wide limit', () => {
    it('many addresses lock the link; staff see it, unlock it in one click (audited), and the patient gets in', async () => {
      const v = await visit();
      for (let i = 0; i < 20; i++) await knock(v.token, wrong(i), `198.51.100.${10 + Math.floor(i / 5)}`);
      const locked = await knock(v.token, DOB, '192.0.2.80');
      expect(locked.status).toBe(429);
      expect(locked.body.error.code).toBe('rate_limited');

      const seen = expectContract(await cast.scheduler.agent.get(`/api/visits/${v.id}/patient-link/lock`), DobLockResponseSchema);
      expect(seen.lock).toMatchObject({ locked: true, failures: 20 });
      expect(Date.parse(seen.lock.lockedUntil as string)).toBeGreaterThan(Date.now());
      // The visit's clinician sees it too; a clinician of other visits, a patient and nobody do not.
      expect(
        expectContract(await cast.clinicianOn.agent.get(`/api/visits/${v.id}/patient-link/lock`), DobLockResponseSchema).lock.locked,
      ).toBe(true);
      expect((await cast.clinicianOff.agent.get(`/api/visits/${v.id}/patient-link/lock`)).status).toBe(404);
      expect((await cast.clinicianOff.agent.post(`/api/visits/${v.id}/patient-link/unlock`)).status).toBe(404);
      expect((await t.agent().post(`/api/visits/${v.id}/patient-link/unlock`)).status).toBe(401);
      const other = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id] });
      const otherPatient = t.agent();
      await otherPatient.post('/api/join').send({ token: other.token }).expect(200);
      expect((await otherPatient.post(`/api/visits/${v.id}/patient-link/unlock`)).status).toBe(403);
      expect((await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-link/unlock`).send({ x: 1 })).status).toBe(400);
      expect(await failures(v.id)).toBe(20);

      const unlocked = expectContract(await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-link/unlock`), DobLockResponseSchema);
      expect(unlocked.lock).toEqual({ locked: false, lockedUntil: null, failures: 0 });
      expect((await knock(v.token, DOB, '192.0.2.80')).status).toBe(200);

      const actions = await t.database.db
        .selectFrom('audit_log')
        .select(['action', 'actor_kind', 'outcome'])
        .where('visit_id', '=', v.id)
        .orderBy('seq')
        .execute();
      expect(actions.filter((a) => a.action === 'dob.failed')).toHaveLength(20);
      expect(actions.filter((a) => a.action === 'dob.locked')).toEqual([
        { action: 'dob.locked', actor_kind: 'anonymous', outcome: 'failure' },
      ]);
      expect(actions.filter((a) => a.action === 'dob.unlocked')).toEqual([
        { action: 'dob.unlocked', actor_kind: 'staff', outcome: 'success' },
      ]);
    });
  });
});
