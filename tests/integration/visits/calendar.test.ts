import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { SCHEDULING_ENV, buildCast, buildVisit, icsUtc, onlyEvent, parseIcs, tokenOf, type Cast } from './scheduling-fixtures';

const REASON = 'Erectile dysfunction and PHQ-9 follow-up';

describeEachDatabase('calendar files (%s)', (dialect) => {
  let t: TestApp;
  let cast: Cast;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: SCHEDULING_ENV });
    cast = await buildCast(t);
  });
  afterAll(async () => t?.close());

  const build = () =>
    buildVisit(cast.scheduler.agent, {
      clinicianIds: [cast.clinicianOn.staff.id],
      startsInMinutes: 24 * 60,
      durationMinutes: 45,
      reason: REASON,
      patient: { displayName: 'Calendar Patient Fullname', preferredName: 'Cally', dateOfBirth: '1979-03-03', externalId: 'MRN-CAL-9' },
    });

  function expectNeutral(text: string) {
    for (const leak of [REASON, 'Erectile', 'PHQ', 'Calendar Patient', 'Cally', '1979', 'MRN-CAL-9', cast.clinicianOn.staff.name, 'psychiatr', 'therap']) {
      expect(text.toLowerCase()).not.toContain(leak.toLowerCase());
    }
  }

  it('the staff copy is a valid calendar with a neutral title, the time, and a link to the staff page only', async () => {
    const v = await build();
    const res = await cast.clinicianOn.agent.get(`/api/visits/${v.id}/calendar.ics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="appointment.ics"');
    const text = res.text;
    const { components, lines } = parseIcs(text);
    expect(components.map((c) => c.type).sort()).toEqual(['VCALENDAR', 'VEVENT']);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    const cal = components.find((c) => c.type === 'VCALENDAR');
    expect(cal?.props.find((p) => p.name === 'VERSION')?.value).toBe('2.0');
    expect(cal?.props.some((p) => p.name === 'PRODID')).toBe(true);

    const event = onlyEvent(text);
    expect(event.SUMMARY).toBe('Video appointment');
    expect(event.DTSTART).toBe(icsUtc(v.body.visit.startsAt as string));
    expect(event.DURATION ?? '').toBe('PT45M');
    expect(event.UID).toBeTruthy();
    expect(event.DTSTAMP).toMatch(/^\d{8}T\d{6}Z$/);
    expect(event.URL).toBe(`${t.config.publicUrl}/visits/${v.id}`);
    expect(event.DESCRIPTION).toContain(`${t.config.publicUrl}/visits/${v.id}`);
    // The staff copy never carries the patient's link.
    expect(text).not.toContain('/join/');
    expect(text).not.toContain(v.token);
    expectNeutral(text);
  });

  it('the patient copy carries the join link, and nothing more about the visit', async () => {
    const v = await build();
    const res = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-invite.ics`).send({ token: v.token });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    const event = onlyEvent(res.text);
    expect(event.SUMMARY).toBe('Video appointment');
    expect(event.DTSTART).toBe(icsUtc(v.body.visit.startsAt as string));
    expect(event.URL).toBe(v.url);
    expect(event.DESCRIPTION).toContain(v.url);
    expect(event.DESCRIPTION).not.toContain(`/visits/${v.id}`);
    expectNeutral(res.text);
  });

  it('a cancelled visit gives a cancelled staff entry; its patient invite is 410', async () => {
    const v = await build();
    await cast.scheduler.agent.post(`/api/visits/${v.id}/cancel`).expect(200);
    const staff = await cast.scheduler.agent.get(`/api/visits/${v.id}/calendar.ics`).expect(200);
    expect(onlyEvent(staff.text).STATUS).toBe('CANCELLED');
    const invite = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-invite.ics`).send({ token: v.token });
    expect(invite.status).toBe(410);
    expect(invite.body.error.code).toBe('visit_cancelled');
  });

  it('the patient invite needs this visit’s current token: a replaced one is 410, a foreign or made-up one 404', async () => {
    const v = await build();
    const other = await build();
    const next = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-link`).expect(200);
    const replaced = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-invite.ics`).send({ token: v.token });
    expect(replaced.status).toBe(410);
    expect(replaced.body.error.code).toBe('link_revoked');
    const foreign = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-invite.ics`).send({ token: other.token });
    expect(foreign.status).toBe(404);
    const madeUp = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-invite.ics`).send({ token: 'A'.repeat(43) });
    expect(madeUp.status).toBe(404);
    const fresh = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-invite.ics`).send({ token: tokenOf(next.body.patientLink.url) });
    expect(fresh.status).toBe(200);
    expect(onlyEvent(fresh.text).URL).toBe(next.body.patientLink.url);
    for (const [body, field] of [
      [{}, 'token'],
      [{ token: 7 }, 'token'],
      [{ token: v.token, reason: 'x' }, 'reason'],
    ] as const) {
      const bad = await cast.scheduler.agent.post(`/api/visits/${v.id}/patient-invite.ics`).send(body);
      expect(bad.status).toBe(400);
      const details = bad.body.error.details as { field: string; message: string }[];
      expect(details.some((d) => d.field === field || d.message.includes(field))).toBe(true);
    }
  });
});
