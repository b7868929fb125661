import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DobMismatchDetailsSchema, DobRequiredDetailsSchema, JoinResponseSchema, TooEarlyDetailsSchema } from '@shared/api/join.schema';
import { expectContract, expectPayload } from '../../helpers/contract';
import { describeEachDatabase, connects, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { SCHEDULING_ENV, buildCast, buildVisit, minutesFromNow, openLink, tokenOf, type Cast } from './scheduling-fixtures';

describeEachDatabase('patient join links (%s)', (dialect) => {
  let t: TestApp;
  let cast: Cast;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { ...SCHEDULING_ENV, CLINIC_NAME: 'Harbor Street Health' } });
    cast = await buildCast(t);
  });
  afterAll(async () => t?.close());

  const visit = (opts: Partial<Parameters<typeof buildVisit>[1]> = {}) =>
    buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], ...opts });

  describe('the link window', () => {
    it('too early: 403 too_early with the time the link opens, and no session', async () => {
      const v = await visit({ startsInMinutes: 120 });
      const { res } = await openLink(t, v.token);
      expect(res.status).toBe(403);
      const opensAt = new Date(Date.parse(v.body.visit.startsAt as string) - 30 * 60_000).toISOString();
      expect(res.body).toEqual({ error: { code: 'too_early', message: expect.any(String), details: { opensAt } } });
      expectPayload(res.body.error.details, TooEarlyDetailsSchema);
      expect(res.headers['set-cookie']).toBeUndefined();
      const participants = await t.database.db.selectFrom('participants').select('id').where('visit_id', '=', v.id).execute();
      expect(participants).toEqual([]);
    });

    it('valid from 30 minutes before the start', async () => {
      const v = await visit({ startsInMinutes: 29 });
      expect((await openLink(t, v.token)).res.status).toBe(200);
    });

    it('valid during the visit and in the grace hour after it', async () => {
      const during = await visit({ startsInMinutes: -10 });
      expect((await openLink(t, during.token)).res.status).toBe(200);
      const grace = await visit({ startsInMinutes: -80, durationMinutes: 30 });
      expect((await openLink(t, grace.token)).res.status).toBe(200);
    });

    it('expired once the grace period after the end has passed: 410 link_expired', async () => {
      const v = await visit({ startsInMinutes: -180, durationMinutes: 30 });
      const { res } = await openLink(t, v.token);
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe('link_expired');
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('revoked by a new link: 410 link_revoked', async () => {
      const v = await visit();
      await cast.admin.agent.post(`/api/visits/${v.id}/patient-link`).expect(200);
      const { res } = await openLink(t, v.token);
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe('link_revoked');
    });

    it('cancelled visit: 410 visit_cancelled, for the current link and the older ones', async () => {
      const v = await visit();
      const next = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-link`).expect(200);
      await cast.scheduler.agent.post(`/api/visits/${v.id}/cancel`).expect(200);
      for (const token of [v.token, tokenOf(next.body.patientLink.url)]) {
        const { res } = await openLink(t, token);
        expect(res.status).toBe(410);
        expect(res.body.error.code).toBe('visit_cancelled');
      }
    });

    it('an unknown or tampered token is 404', async () => {
      const v = await visit();
      for (const token of ['A'.repeat(43), `${v.token.slice(0, -1)}${v.token.endsWith('A') ? 'B' : 'A'}`, 'x']) {
        const { res } = await openLink(t, token);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    });

    it('the window is configurable', async () => {
      const t2 = await startTestApp(dialect, { env: { ...SCHEDULING_ENV, JOIN_OPENS_MINUTES_BEFORE: '10', JOIN_GRACE_MINUTES: '5' } });
      try {
        const { agent } = await t2.signedIn('scheduler');
        const clinician = await t2.createStaff('clinician');
        const early = await buildVisit(agent, { clinicianIds: [clinician.id], startsInMinutes: 15 });
        expect(early.body.patientLink.opensAt).toBe(new Date(Date.parse(early.body.visit.startsAt as string) - 10 * 60_000).toISOString());
        expect((await openLink(t2, early.token)).res.body.error.code).toBe('too_early');
        const ended = await buildVisit(agent, { clinicianIds: [clinician.id], startsInMinutes: -40, durationMinutes: 30 });
        expect((await openLink(t2, ended.token)).res.body.error.code).toBe('link_expired');
      } finally {
        await t2.close();
      }
    });
  });

  describe('a successful join', () => {
    it('answers only what the patient may see and starts a session scoped to the visit', async () => {
      const second = await t.signedIn('clinician');
      const v = await buildVisit(cast.scheduler.agent, {
        clinicianIds: [cast.clinicianOn.staff.id, second.staff.id],
        patient: {
          displayName: 'Legal Name Person',
          preferredName: 'Sky',
          pronouns: 'xe/xem',
          preferredLanguage: 'es',
          externalId: 'MRN-JOIN-1',
        },
        reason: 'Sexual function follow-up',
      });
      const { agent, res } = await openLink(t, v.token);
      expect(res.status).toBe(200);
      expectContract(res, JoinResponseSchema);
      expect(res.body).toEqual({
        visit: {
          id: v.id,
          startsAt: v.body.visit.startsAt,
          durationMinutes: 30,
          status: 'scheduled',
          clinicians: expect.arrayContaining([{ name: cast.clinicianOn.staff.name }, { name: second.staff.name }]),
        },
        patient: { preferredName: 'Sky', preferredLanguage: 'es', pronouns: 'xe/xem' },
        participant: { id: expect.any(String), state: 'joining', consented: false },
        waitingMessage: null,
      });
      const text = JSON.stringify(res.body);
      for (const hidden of ['Sexual function', 'Legal Name', 'MRN-JOIN-1', cast.clinicianOn.staff.id, cast.clinicianOn.staff.email]) {
        expect(text).not.toContain(hidden);
      }
      const cookie = String(res.headers['set-cookie']);
      expect(cookie).toMatch(/alcove_patient=/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);

      const session = await t.database.db
        .selectFrom('sessions')
        .selectAll()
        .where('participant_id', '=', res.body.participant.id)
        .executeTakeFirstOrThrow();
      expect(session).toMatchObject({ kind: 'patient', visit_id: v.id, staff_id: null, revoked_at: null });
      expect(session.expires_at).toBe(v.body.patientLink.expiresAt);
      // The session is a real patient principal for that participant.
      const socket = t.socket(agent);
      const ready = nextEvent<{ kind: string; id: string }>(socket, 'session:ready');
      expect(await connects(socket)).toBe(true);
      expect(await ready).toEqual({ kind: 'patient', id: res.body.participant.id });

      const link = await t.database.db.selectFrom('patient_links').selectAll().where('visit_id', '=', v.id).executeTakeFirstOrThrow();
      expect(link.last_used_at).not.toBeNull();
    });

    it('the preferred name falls back to the display name', async () => {
      const v = await visit({ patient: { displayName: 'Only Displayname', preferredName: null } });
      expect((await openLink(t, v.token)).res.body.patient.preferredName).toBe('Only Displayname');
    });

    it('every browser opening the link is its own device; the same browser coming back is the same one', async () => {
      const v = await visit();
      const results = await Promise.all(Array.from({ length: 6 }, () => openLink(t, v.token)));
      expect(results.map((r) => r.res.status)).toEqual(Array(6).fill(200));
      expect(new Set(results.map((r) => r.res.body.participant.id)).size).toBe(6);
      const again = await openLink(t, v.token, undefined, results[0]!.agent);
      expect(again.res.body.participant.id).toBe(results[0]?.res.body.participant.id);
      expect(again.res.headers['set-cookie']).toBeUndefined();
      const rows = await t.database.db.selectFrom('participants').selectAll().where('visit_id', '=', v.id).execute();
      expect(rows).toHaveLength(6);
      const link = await t.database.db.selectFrom('patient_links').select('id').where('visit_id', '=', v.id).executeTakeFirstOrThrow();
      for (const row of rows) expect(row).toMatchObject({ kind: 'patient', state: 'joining', staff_id: null, link_id: link.id });
    });

    it('reports consent already given to the same browser', async () => {
      const v = await visit();
      const first = await openLink(t, v.token);
      await t.database.db
        .updateTable('participants')
        .set({ consented_at: new Date().toISOString(), consent_version: 'x' })
        .where('id', '=', first.res.body.participant.id)
        .execute();
      expect((await openLink(t, v.token, undefined, first.agent)).res.body.participant.consented).toBe(true);
      // Another browser is another device: its own consent.
      expect((await openLink(t, v.token)).res.body.participant.consented).toBe(false);
    });

    it('bad bodies are 400 with the field named', async () => {
      const v = await visit();
      for (const [body, field] of [
        [{}, 'token'],
        [{ token: 12345 }, 'token'],
        [{ token: 'x'.repeat(201) }, 'token'],
        [{ token: v.token, dateOfBirth: '12/01/1990' }, 'dateOfBirth'],
        [{ token: v.token, visitId: v.id }, 'visitId'],
      ] as const) {
        const res = await t.agent().post('/api/join').send(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        const details = res.body.error.details as { field: string; message: string }[];
        expect(details.some((d) => d.field === field || d.message.includes(field))).toBe(true);
      }
      expect(await t.database.db.selectFrom('participants').select('id').where('visit_id', '=', v.id).execute()).toEqual([]);
    });
  });

  describe('the date-of-birth gate', () => {
    const DOB = '1984-06-15';

    it('asks for the date of birth revealing only the clinic name', async () => {
      const v = await visit({ patient: { displayName: 'Gated Person', preferredName: 'Gate', dateOfBirth: DOB }, startsInMinutes: 20 });
      const { res } = await openLink(t, v.token);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        error: { code: 'dob_required', message: expect.any(String), details: { clinicName: 'Harbor Street Health' } },
      });
      expectPayload(res.body.error.details, DobRequiredDetailsSchema);
      expect(JSON.stringify(res.body)).not.toMatch(/Gate|opensAt|\d{4}-\d{2}-\d{2}T/);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('the right date of birth opens the visit; the same browser can come back without it, another cannot', async () => {
      const v = await visit({ patient: { dateOfBirth: DOB } });
      const first = await openLink(t, v.token, DOB);
      expect(first.res.status).toBe(200);
      const reload = await openLink(t, v.token, undefined, first.agent);
      expect(reload.res.status).toBe(200);
      expect(reload.res.body.participant.id).toBe(first.res.body.participant.id);
      const other = await openLink(t, v.token);
      expect(other.res.status).toBe(403);
      expect(other.res.body.error.code).toBe('dob_required');
      // A session of another visit does not skip this visit's gate.
      const elsewhere = await visit();
      const foreign = await openLink(t, elsewhere.token);
      const crossed = await openLink(t, v.token, undefined, foreign.agent);
      expect(crossed.res.body.error.code).toBe('dob_required');
    });

    it('five wrong answers are 403 dob_mismatch and recorded; the sixth attempt, even right, is 429 with Retry-After', async () => {
      const v = await visit({ patient: { dateOfBirth: DOB } });
      for (let i = 1; i <= 5; i++) {
        const { res } = await openLink(t, v.token, `1990-01-0${i}`);
        expect(res.status, `attempt ${i}`).toBe(403);
        expect(res.body.error.code).toBe('dob_mismatch');
        expect(res.body.error.details).toEqual({ attemptsLeft: 5 - i });
        expectPayload(res.body.error.details, DobMismatchDetailsSchema);
      }
      const link = await t.database.db.selectFrom('patient_links').select('id').where('visit_id', '=', v.id).executeTakeFirstOrThrow();
      const failures = await t.database.db.selectFrom('dob_failures').selectAll().where('link_id', '=', link.id).execute();
      expect(failures).toHaveLength(5);

      for (const dob of ['1990-01-06', DOB, undefined]) {
        const { res } = await openLink(t, v.token, dob);
        expect(res.status, `after the limit with ${dob}`).toBe(429);
        expect(res.body.error.code).toBe('rate_limited');
        const retry = Number(res.headers['retry-after']);
        expect(retry).toBeGreaterThan(3500);
        expect(retry).toBeLessThanOrEqual(3600);
      }
      // Refused attempts are not counted as failures: the lock lifts an hour after the fifth.
      expect(await t.database.db.selectFrom('dob_failures').selectAll().where('link_id', '=', link.id).execute()).toHaveLength(5);
      expect(await t.database.db.selectFrom('participants').select('id').where('visit_id', '=', v.id).execute()).toEqual([]);

      // Failures older than an hour no longer count.
      await t.database.db
        .updateTable('dob_failures')
        .set({ at: minutesFromNow(-61) })
        .where('link_id', '=', link.id)
        .execute();
      expect((await openLink(t, v.token, DOB)).res.status).toBe(200);
    });

    it('parallel guesses cannot get past the limit', async () => {
      const v = await visit({ patient: { dateOfBirth: DOB } });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => openLink(t, v.token, `1991-02-${String(i + 1).padStart(2, '0')}`)),
      );
      const mismatches = results.filter((r) => r.res.status === 403).length;
      expect(mismatches).toBeLessThanOrEqual(5);
      expect(results.filter((r) => r.res.status === 429).length).toBe(12 - mismatches);
      expect((await openLink(t, v.token, DOB)).res.status).toBe(mismatches === 5 ? 429 : 200);
    });

    it('the limit is per link: a re-issued link starts afresh', async () => {
      const v = await visit({ patient: { dateOfBirth: DOB } });
      for (let i = 1; i <= 5; i++) await openLink(t, v.token, `1990-02-0${i}`);
      expect((await openLink(t, v.token, DOB)).res.status).toBe(429);
      const next = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-link`).expect(200);
      expect((await openLink(t, tokenOf(next.body.patientLink.url), DOB)).res.status).toBe(200);
    });
  });

  it('limits join attempts per address', async () => {
    const t2 = await startTestApp(dialect, { env: { JOIN_LIMIT_PER_ADDRESS: '3' } });
    try {
      for (let i = 0; i < 3; i++)
        expect(
          (
            await t2
              .agent()
              .post('/api/join')
              .send({ token: `unknown-${i}` })
          ).status,
        ).toBe(404);
      const res = await t2.agent().post('/api/join').send({ token: 'unknown-4' });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await t2.close();
    }
  });
});
