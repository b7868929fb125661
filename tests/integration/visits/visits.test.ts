import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markNoShows } from '../../../server/visits/visit-lifecycle';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { SCHEDULING_ENV, buildCast, buildPatient, buildVisit, countRows, minutesFromNow, openLink, sha256, type Cast } from './scheduling-fixtures';

describeEachDatabase('visits (%s)', (dialect) => {
  let t: TestApp;
  let cast: Cast;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: SCHEDULING_ENV });
    cast = await buildCast(t);
  });
  afterAll(async () => t?.close());

  const inRange = (fromMin: number, toMin: number) => ({ from: minutesFromNow(fromMin), to: minutesFromNow(toMin) });

  it('creates a visit for a care team of two and answers with the visit and a one-time patient link', async () => {
    const second = await t.signedIn('clinician');
    const patient = await buildPatient(cast.scheduler.agent, { displayName: 'Robin Hart', preferredName: 'Rob', pronouns: 'he/him' });
    // Given with an offset, stored and returned in UTC.
    const local = new Date(Date.now() + 2 * 3600_000);
    local.setUTCSeconds(0, 0);
    const offsetForm = new Date(local.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00').replace('.000', '');
    const res = await cast.scheduler.agent.post('/api/visits').send({
      patientId: patient.id,
      clinicianIds: [cast.clinicianOn.staff.id, second.staff.id],
      startsAt: offsetForm,
      durationMinutes: 45,
      reason: 'Follow-up on medication side effects',
    });
    expect(res.status).toBe(201);
    const { visit, patientLink } = res.body;
    expect(visit).toEqual({
      id: expect.any(String),
      patient: { id: patient.id, displayName: 'Robin Hart', preferredName: 'Rob', pronouns: 'he/him' },
      startsAt: local.toISOString(),
      endsAt: new Date(local.getTime() + 45 * 60_000).toISOString(),
      durationMinutes: 45,
      reason: 'Follow-up on medication side effects',
      status: 'scheduled',
      clinicians: expect.arrayContaining([
        { id: cast.clinicianOn.staff.id, name: cast.clinicianOn.staff.name },
        { id: second.staff.id, name: second.staff.name },
      ]),
      participants: [],
      link: {
        active: true,
        opensAt: new Date(local.getTime() - 30 * 60_000).toISOString(),
        expiresAt: new Date(local.getTime() + (45 + 60) * 60_000).toISOString(),
        lastUsedAt: null,
      },
      createdAt: expect.any(String),
    });
    expect(visit.clinicians).toHaveLength(2);
    expect(patientLink).toEqual({ url: expect.any(String), opensAt: visit.link.opensAt, expiresAt: visit.link.expiresAt });
    const m = new RegExp(`^${t.config.publicUrl.replace(/[.]/g, '\\.')}/join/([A-Za-z0-9_-]{43})$`).exec(patientLink.url);
    expect(m).not.toBeNull();
    const token = m?.[1] ?? '';

    // Stored: only the hash of the token; a random room name and E2EE key, never returned.
    const row = await t.database.db.selectFrom('visits').selectAll().where('id', '=', visit.id).executeTakeFirstOrThrow();
    expect(row.room_name).toMatch(/^v_[A-Za-z0-9_-]{24}$/);
    expect(row.e2ee_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const links = await t.database.db.selectFrom('patient_links').selectAll().where('visit_id', '=', visit.id).execute();
    expect(links).toHaveLength(1);
    expect(links[0]?.token_hash).toBe(sha256(token));
    expect(JSON.stringify(links)).not.toContain(token);
    const everything = JSON.stringify(res.body);
    expect(everything).not.toContain(row.room_name);
    expect(everything).not.toContain(row.e2ee_key);
    expect(everything).not.toContain(links[0]?.token_hash);

    const got = await cast.scheduler.agent.get(`/api/visits/${visit.id}`).expect(200);
    // The single-visit view also carries attendance and the waiting-room message; the list fields match.
    const { attendance, waitingMessage, ...single } = got.body.visit;
    expect(single).toEqual(visit);
    expect(attendance).toEqual([]);
    expect(waitingMessage).toBeNull();
    expect(JSON.stringify(got.body)).not.toContain(row.room_name);
  });

  it('lists visits by start time in a range, all for schedulers, only their own for clinicians, and filters by clinician', async () => {
    const a = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: 600 });
    const b = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOff.staff.id], startsInMinutes: 620 });
    const late = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: 900 });
    const ids = async (agent = cast.scheduler.agent, extra: Record<string, string> = {}) => {
      const res = await agent.get('/api/visits').query({ ...inRange(590, 700), ...extra });
      expect(res.status).toBe(200);
      return (res.body.visits as { id: string }[]).map((v) => v.id);
    };
    expect(await ids()).toEqual([a.id, b.id]);
    expect(await ids(cast.admin.agent)).toEqual([a.id, b.id]);
    expect(await ids(cast.clinicianOn.agent)).toEqual([a.id]);
    expect(await ids(cast.clinicianOff.agent)).toEqual([b.id]);
    expect(await ids(cast.scheduler.agent, { clinicianId: cast.clinicianOff.staff.id })).toEqual([b.id]);
    // A clinician cannot widen their view by naming a colleague.
    expect(await ids(cast.clinicianOn.agent, { clinicianId: cast.clinicianOff.staff.id })).toEqual([]);
    const wide = await cast.scheduler.agent.get('/api/visits').query(inRange(590, 1000)).expect(200);
    expect((wide.body.visits as { id: string }[]).map((v) => v.id)).toEqual([a.id, b.id, late.id]);
  });

  it('reschedules: the link window follows the new time, and the existing link keeps working with it', async () => {
    const v = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: 5 });
    const newStart = minutesFromNow(180);
    const res = await cast.scheduler.agent.patch(`/api/visits/${v.id}`).send({ startsAt: newStart, durationMinutes: 20 }).expect(200);
    expect(res.body.visit.startsAt).toBe(newStart);
    expect(res.body.visit.durationMinutes).toBe(20);
    expect(res.body.visit.endsAt).toBe(new Date(Date.parse(newStart) + 20 * 60_000).toISOString());
    expect(res.body.visit.link.opensAt).toBe(new Date(Date.parse(newStart) - 30 * 60_000).toISOString());
    const early = await openLink(t, v.token);
    expect(early.res.status).toBe(403);
    expect(early.res.body.error).toEqual({ code: 'too_early', message: expect.any(String), details: { opensAt: res.body.visit.link.opensAt } });

    const back = await cast.admin.agent.patch(`/api/visits/${v.id}`).send({ startsAt: minutesFromNow(1) }).expect(200);
    expect(back.body.visit.status).toBe('scheduled');
    expect((await openLink(t, v.token)).res.status).toBe(200);
  });

  it('changes the care team: the removed clinician loses the visit, the added one gains it', async () => {
    const v = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: 60 });
    await cast.clinicianOn.agent.get(`/api/visits/${v.id}`).expect(200);
    await cast.clinicianOff.agent.get(`/api/visits/${v.id}`).expect(404);
    const res = await cast.scheduler.agent.patch(`/api/visits/${v.id}`).send({ clinicianIds: [cast.clinicianOff.staff.id] }).expect(200);
    expect(res.body.visit.clinicians).toEqual([{ id: cast.clinicianOff.staff.id, name: cast.clinicianOff.staff.name }]);
    await cast.clinicianOn.agent.get(`/api/visits/${v.id}`).expect(404);
    await cast.clinicianOff.agent.get(`/api/visits/${v.id}`).expect(200);
  });

  it('edits and clears the staff-only reason', async () => {
    const v = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: 60, reason: 'Initial' });
    const r1 = await cast.scheduler.agent.patch(`/api/visits/${v.id}`).send({ reason: 'Changed' }).expect(200);
    expect(r1.body.visit.reason).toBe('Changed');
    const r2 = await cast.scheduler.agent.patch(`/api/visits/${v.id}`).send({ reason: null }).expect(200);
    expect(r2.body.visit.reason).toBeNull();
  });

  it('cancels: the link stops with 410 visit_cancelled, the patient session ends, and a settled visit cannot be changed (409)', async () => {
    const v = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id] });
    const { agent: patient, res: joined } = await openLink(t, v.token);
    expect(joined.status).toBe(200);
    const socketBefore = t.socket(patient);
    expect(await new Promise((r) => socketBefore.once('connect', () => r(true)).once('connect_error', () => r(false)))).toBe(true);

    const res = await cast.scheduler.agent.post(`/api/visits/${v.id}/cancel`).expect(200);
    expect(res.body.visit.status).toBe('cancelled');
    expect(res.body.visit.link.active).toBe(false);
    const again = await openLink(t, v.token);
    expect(again.res.status).toBe(410);
    expect(again.res.body.error.code).toBe('visit_cancelled');
    // The session the patient already had is gone too.
    const socketAfter = t.socket(patient);
    expect(await new Promise((r) => socketAfter.once('connect', () => r(true)).once('connect_error', () => r(false)))).toBe(false);

    for (const [method, path, body] of [
      ['post', `/api/visits/${v.id}/cancel`, undefined],
      ['patch', `/api/visits/${v.id}`, { startsAt: minutesFromNow(60) }],
      ['post', `/api/visits/${v.id}/patient-link`, undefined],
    ] as const) {
      const r = await cast.scheduler.agent[method](path).send(body as object);
      expect(r.status, `${method} ${path}`).toBe(409);
      expect(r.body.error.code).toBe('conflict');
    }
  });

  it('a completed visit cannot be rescheduled, cancelled or re-linked (409)', async () => {
    const v = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id] });
    // Completion belongs to the video feature (POST /end); set the fact directly for this rule.
    await t.database.db.updateTable('visits').set({ status: 'completed' }).where('id', '=', v.id).execute();
    expect((await cast.scheduler.agent.patch(`/api/visits/${v.id}`).send({ durationMinutes: 40 })).status).toBe(409);
    expect((await cast.scheduler.agent.post(`/api/visits/${v.id}/cancel`)).status).toBe(409);
    expect((await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-link`)).status).toBe(409);
    // The patient's link now says the visit is over (not merely "expired"), so a reload shows "ended".
    const opened = await openLink(t, v.token);
    expect(opened.res.status).toBe(410);
    expect(opened.res.body.error.code).toBe('visit_ended');
  });

  it('re-issues the link: the old one answers 410 link_revoked, the new one works, and the old session ends', async () => {
    const v = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id] });
    const first = await openLink(t, v.token);
    expect(first.res.status).toBe(200);
    const res = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-link`).expect(200);
    expect(res.body).toEqual({ patientLink: { url: expect.stringMatching(/\/join\/[A-Za-z0-9_-]{43}$/), opensAt: expect.any(String), expiresAt: expect.any(String) } });
    expect(res.body.patientLink.url).not.toBe(v.url);
    const old = await openLink(t, v.token);
    expect(old.res.status).toBe(410);
    expect(old.res.body.error.code).toBe('link_revoked');
    // Even the browser that had joined with the old link must come back through the new one.
    const oldAgain = await openLink(t, v.token, undefined, first.agent);
    expect(oldAgain.res.status).toBe(410);
    const fresh = await openLink(t, res.body.patientLink.url.split('/').pop());
    expect(fresh.res.status).toBe(200);
    // A reissued link starts a fresh participant: nothing of whoever held the old link carries over.
    expect(fresh.res.body.participant.id).not.toBe(first.res.body.participant.id);
    const links = await t.database.db.selectFrom('patient_links').selectAll().where('visit_id', '=', v.id).execute();
    expect(links.filter((l) => l.revoked_at === null)).toHaveLength(1);
    const visit = await cast.scheduler.agent.get(`/api/visits/${v.id}`).expect(200);
    expect(visit.body.visit.link.active).toBe(true);
    expect(visit.body.visit.link.lastUsedAt).not.toBeNull();
    expect(visit.body.visit.participants).toContainEqual({ id: fresh.res.body.participant.id, kind: 'patient', displayName: 'Ave', state: 'joining' });
    expect(visit.body.visit.participants).not.toContainEqual(expect.objectContaining({ id: first.res.body.participant.id, state: 'joining' }));
  });

  it('marks a visit no_show once it ends with nobody from the patient side in the waiting room', async () => {
    const missed = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: -120, durationMinutes: 30 });
    // Opened the link but never reached the waiting room: still a no-show.
    const opened = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: -80, durationMinutes: 30 });
    expect((await openLink(t, opened.token)).res.status).toBe(200);
    const running = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: -10, durationMinutes: 30 });
    const attended = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: -80, durationMinutes: 30 });
    const joined = await openLink(t, attended.token);
    // Reaching the waiting room is the waiting-room feature's fact; record it as that feature does.
    await t.database.db
      .updateTable('participants')
      .set({ state: 'left', waiting_since: minutesFromNow(-70) })
      .where('id', '=', joined.res.body.participant.id)
      .execute();

    const list = await cast.clinicianOn.agent.get('/api/visits').query(inRange(-130, 0)).expect(200);
    const status = Object.fromEntries((list.body.visits as { id: string; status: string }[]).map((v) => [v.id, v.status]));
    expect(status[missed.id]).toBe('no_show');
    expect(status[opened.id]).toBe('no_show');
    expect(status[running.id]).toBe('scheduled');
    expect(status[attended.id]).toBe('scheduled');
    // A missed visit can be moved to a new time and is expected again.
    const moved = await cast.scheduler.agent.patch(`/api/visits/${missed.id}`).send({ startsAt: minutesFromNow(24 * 60) }).expect(200);
    expect(moved.body.visit.status).toBe('scheduled');
    expect((await cast.scheduler.agent.post(`/api/visits/${opened.id}/cancel`)).status).toBe(409);
  });

  it('markNoShows is exported and settles by the clock it is given', async () => {
    const v = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], startsInMinutes: 30, durationMinutes: 15 });
    expect(await markNoShows(t.database.db, new Date())).not.toContain(v.id);
    expect(await markNoShows(t.database.db, new Date(Date.now() + 44 * 60_000))).not.toContain(v.id);
    expect(await markNoShows(t.database.db, new Date(Date.now() + 46 * 60_000))).toContain(v.id);
    // Idempotent: a settled visit is not marked twice.
    expect(await markNoShows(t.database.db, new Date(Date.now() + 47 * 60_000))).not.toContain(v.id);
  });

  it('lists only active clinicians for the care-team picker', async () => {
    const gone = await t.signedIn('clinician');
    await cast.admin.agent.patch(`/api/staff/${gone.staff.id}`).send({ active: false }).expect(200);
    const res = await cast.scheduler.agent.get('/api/clinicians').expect(200);
    const ids = (res.body.clinicians as { id: string; name: string }[]).map((c) => c.id);
    expect(ids).toContain(cast.clinicianOn.staff.id);
    expect(ids).not.toContain(gone.staff.id);
    expect(ids).not.toContain(cast.scheduler.staff.id);
    expect(ids).not.toContain(cast.admin.staff.id);
    expect(res.body.clinicians[0]).toEqual({ id: expect.any(String), name: expect.any(String) });
  });

  describe('bad input', () => {
    let patientId: string;
    let visitId: string;
    beforeAll(async () => {
      patientId = (await buildPatient(cast.scheduler.agent)).id;
      visitId = (await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], patientId, startsInMinutes: 60 })).id;
    });
    const good = () => ({ patientId, clinicianIds: [cast.clinicianOn.staff.id], startsAt: minutesFromNow(60), durationMinutes: 30 });
    const cases: [string, () => Record<string, unknown>, string][] = [
      ['duplicate clinicians', () => ({ ...good(), clinicianIds: [cast.clinicianOn.staff.id, cast.clinicianOn.staff.id] }), 'clinicianIds'],
      ['duplicate clinicians differing in case', () => ({ ...good(), clinicianIds: [cast.clinicianOn.staff.id, cast.clinicianOn.staff.id.toUpperCase()] }), 'clinicianIds'],
      ['no clinicians', () => ({ ...good(), clinicianIds: [] }), 'clinicianIds'],
      ['five clinicians', () => ({ ...good(), clinicianIds: Array.from({ length: 5 }, () => crypto.randomUUID()) }), 'clinicianIds'],
      ['a clinician id that is not a UUID', () => ({ ...good(), clinicianIds: ['dr-smith'] }), 'clinicianIds.0'],
      ['an unknown clinician', () => ({ ...good(), clinicianIds: [crypto.randomUUID()] }), 'clinicianIds'],
      ['a scheduler as clinician', () => ({ ...good(), clinicianIds: [cast.scheduler.staff.id] }), 'clinicianIds'],
      ['clinicianIds as a string', () => ({ ...good(), clinicianIds: cast.clinicianOn.staff.id }), 'clinicianIds'],
      ['an unknown patient', () => ({ ...good(), patientId: crypto.randomUUID() }), 'patientId'],
      ['a patient id that is not a UUID', () => ({ ...good(), patientId: 42 }), 'patientId'],
      ['a start that is not a date', () => ({ ...good(), startsAt: 'tomorrow at 3' }), 'startsAt'],
      ['an impossible start date', () => ({ ...good(), startsAt: '2027-02-30T10:00:00Z' }), 'startsAt'],
      ['a start without a time zone', () => ({ ...good(), startsAt: '2027-03-01T10:00:00' }), 'startsAt'],
      ['a start two days ago', () => ({ ...good(), startsAt: minutesFromNow(-48 * 60) }), 'startsAt'],
      ['a start three years ahead', () => ({ ...good(), startsAt: minutesFromNow(3 * 366 * 24 * 60) }), 'startsAt'],
      ['a 4-minute visit', () => ({ ...good(), durationMinutes: 4 }), 'durationMinutes'],
      ['a 481-minute visit', () => ({ ...good(), durationMinutes: 481 }), 'durationMinutes'],
      ['a fractional duration', () => ({ ...good(), durationMinutes: 30.5 }), 'durationMinutes'],
      ['a duration as text', () => ({ ...good(), durationMinutes: '30' }), 'durationMinutes'],
      ['a 501-character reason', () => ({ ...good(), reason: 'r'.repeat(501) }), 'reason'],
      ['a 10 000-character reason', () => ({ ...good(), reason: 'r'.repeat(10_000) }), 'reason'],
      ['an unknown field', () => ({ ...good(), status: 'completed' }), 'status'],
      ['a room name chosen by the client', () => ({ ...good(), roomName: 'patient-jane-doe' }), 'roomName'],
    ];
    it.each(cases)('POST /api/visits rejects %s with 400 naming the field, writing nothing', async (_label, body, field) => {
      const before = await Promise.all((['visits', 'visit_clinicians', 'patient_links'] as const).map((x) => countRows(t, x)));
      const res = await cast.scheduler.agent.post('/api/visits').send(body());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      const details = res.body.error.details as { field: string; message: string }[];
      expect(details.some((d) => d.field === field || d.message.includes(field)), JSON.stringify(details)).toBe(true);
      expect(await Promise.all((['visits', 'visit_clinicians', 'patient_links'] as const).map((x) => countRows(t, x)))).toEqual(before);
    });

    const patchCases: [string, () => Record<string, unknown>, string][] = [
      ['an empty change', () => ({}), '(body)'],
      ['duplicate clinicians', () => ({ clinicianIds: [cast.clinicianOn.staff.id, cast.clinicianOn.staff.id] }), 'clinicianIds'],
      ['a deactivated-or-unknown clinician', () => ({ clinicianIds: [crypto.randomUUID()] }), 'clinicianIds'],
      ['a bad start', () => ({ startsAt: '31/12/2027 10:00' }), 'startsAt'],
      ['a bad duration', () => ({ durationMinutes: 0 }), 'durationMinutes'],
      ['a new patient', () => ({ patientId }), 'patientId'],
      ['a status', () => ({ status: 'completed' }), 'status'],
    ];
    it.each(patchCases)('PATCH /api/visits/:id rejects %s with 400, changing nothing', async (_label, body, field) => {
      const before = await cast.scheduler.agent.get(`/api/visits/${visitId}`).expect(200);
      const res = await cast.scheduler.agent.patch(`/api/visits/${visitId}`).send(body());
      expect(res.status).toBe(400);
      const details = res.body.error.details as { field: string; message: string }[];
      expect(details.some((d) => d.field === field || d.message.includes(field)), JSON.stringify(details)).toBe(true);
      const after = await cast.scheduler.agent.get(`/api/visits/${visitId}`).expect(200);
      expect(after.body.visit).toEqual(before.body.visit);
    });

    it('GET /api/visits rejects a bad range with 400 naming the parameter', async () => {
      for (const [query, field] of [
        [{ from: 'yesterday' }, 'from'],
        [{ from: minutesFromNow(60), to: minutesFromNow(0) }, 'to'],
        [{ from: minutesFromNow(0), to: minutesFromNow(63 * 24 * 60) }, 'to'],
        [{ clinicianId: 'me' }, 'clinicianId'],
        [{ sort: 'name' }, 'sort'],
      ] as const) {
        const res = await cast.scheduler.agent.get('/api/visits').query(query);
        expect(res.status, JSON.stringify(query)).toBe(400);
        const details = res.body.error.details as { field: string; message: string }[];
        expect(details.some((d) => d.field === field || d.message.includes(field))).toBe(true);
      }
    });

    it('cancel and re-issue take no body; malformed JSON is 400, never 500', async () => {
      const r1 = await cast.scheduler.agent.post(`/api/visits/${visitId}/cancel`).send({ reason: 'x' });
      expect(r1.status).toBe(400);
      const r2 = await cast.scheduler.agent.post(`/api/visits/${visitId}/patient-link`).send({ force: true });
      expect(r2.status).toBe(400);
      const r3 = await cast.scheduler.agent.post('/api/visits').set('Content-Type', 'application/json').send('{"patientId":');
      expect(r3.status).toBe(400);
      expect(r3.body.error.code).toBe('malformed_json');
      const still = await cast.scheduler.agent.get(`/api/visits/${visitId}`).expect(200);
      expect(still.body.visit.status).toBe('scheduled');
      expect(still.body.visit.link.active).toBe(true);
    });
  });

  it('keeps reasons, names, tokens and birth dates out of the log', async () => {
    const v = await buildVisit(cast.scheduler.agent, {
      clinicianIds: [cast.clinicianOn.staff.id],
      patient: { displayName: 'Quillon Logtest', dateOfBirth: '1969-12-01' },
      reason: 'Reason-logtest-erectile',
    });
    await openLink(t, v.token, '1969-12-01');
    await openLink(t, v.token, '1970-01-01');
    const logs = t.rawLogs();
    for (const secret of ['Quillon', '1969-12-01', '1970-01-01', 'Reason-logtest', v.token]) expect(logs).not.toContain(secret);
  });
});
