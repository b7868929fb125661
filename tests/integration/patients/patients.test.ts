import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { SCHEDULING_ENV, buildCast, buildPatient, buildVisit, countRows, openLink, type Cast } from '../visits/scheduling-fixtures';

describeEachDatabase('patients (%s)', (dialect) => {
  let t: TestApp;
  let cast: Cast;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: SCHEDULING_ENV });
    cast = await buildCast(t);
  });
  afterAll(async () => t?.close());

  it('a scheduler creates a patient with every field and gets it back shaped for staff', async () => {
    const res = await cast.scheduler.agent.post('/api/patients').send({
      displayName: '  Maria Fernanda López  ',
      preferredName: 'Nanda',
      pronouns: 'she/her',
      preferredLanguage: 'es',
      dateOfBirth: '1988-02-29',
      externalId: 'MRN-0042',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      patient: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        displayName: 'Maria Fernanda López',
        preferredName: 'Nanda',
        pronouns: 'she/her',
        preferredLanguage: 'es',
        dateOfBirth: '1988-02-29',
        externalId: 'MRN-0042',
        createdAt: expect.any(String),
      },
    });
    // The internal search key never leaves the server.
    expect(JSON.stringify(res.body)).not.toContain('search');
    const got = await cast.admin.agent.get(`/api/patients/${res.body.patient.id}`).expect(200);
    expect(got.body).toEqual(res.body);
  });

  it('optional fields may be omitted or left empty, and the language defaults to English', async () => {
    const res = await cast.admin.agent
      .post('/api/patients')
      .send({ displayName: 'Sam Lee', preferredName: '', pronouns: '', dateOfBirth: '', externalId: '' })
      .expect(201);
    expect(res.body.patient).toMatchObject({ preferredName: null, pronouns: null, dateOfBirth: null, externalId: null, preferredLanguage: 'en' });
  });

  it('search finds patients by any part of the name, ignoring case and accents, or by the start of the external id', async () => {
    const tag = `Zq${Date.now().toString(36)}`;
    const a = await buildPatient(cast.scheduler.agent, { displayName: `Renée ${tag} Dubois`, externalId: `${tag}-77` });
    const b = await buildPatient(cast.scheduler.agent, { displayName: 'Unrelated Person', preferredName: `${tag}ito` });
    await buildPatient(cast.scheduler.agent, { displayName: 'Nobody Matching' });
    const ids = async (q: string) =>
      ((await cast.scheduler.agent.get('/api/patients').query({ q }).expect(200)).body.patients as { id: string }[]).map((p) => p.id);
    expect(new Set(await ids(tag.toLowerCase()))).toEqual(new Set([a.id, b.id]));
    expect(await ids(`renee ${tag}`)).toEqual([a.id]);
    expect(await ids(`RENÉE ${tag.toUpperCase()}`)).toEqual([a.id]);
    expect(await ids(`${tag}-7`)).toEqual([a.id]);
    // LIKE wildcards typed by a user are literal characters, not patterns.
    expect(await ids('%')).toEqual([]);
    expect(await ids('_')).toEqual([]);
  });

  it('a clinician sees only the patients of visits they are on', async () => {
    const mine = await buildPatient(cast.scheduler.agent, { displayName: 'Clinician Own Patient' });
    const other = await buildPatient(cast.scheduler.agent, { displayName: 'Clinician Other Patient' });
    await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], patientId: mine.id, startsInMinutes: 60 });
    await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOff.staff.id], patientId: other.id, startsInMinutes: 60 });

    await cast.clinicianOn.agent.get(`/api/patients/${mine.id}`).expect(200);
    const notYours = await cast.clinicianOn.agent.get(`/api/patients/${other.id}`);
    expect(notYours.status).toBe(404);
    expect(notYours.body.error.code).toBe('not_found');
    const list = (await cast.clinicianOn.agent.get('/api/patients').query({ q: 'Clinician' }).expect(200)).body.patients as { id: string }[];
    expect(list.map((p) => p.id)).toEqual([mine.id]);
  });

  it('access: who may create, list and read patients', async () => {
    const patient = await buildPatient(cast.scheduler.agent, { displayName: 'Matrix Patient' });
    await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], patientId: patient.id });
    const own = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], patientId: patient.id });
    const elsewhere = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOff.staff.id] });
    const patientOwn = (await openLink(t, own.token)).agent;
    const patientOther = (await openLink(t, elsewhere.token)).agent;
    const agents = {
      admin: cast.admin.agent,
      scheduler: cast.scheduler.agent,
      clinicianOn: cast.clinicianOn.agent,
      clinicianOff: cast.clinicianOff.agent,
      patientOwn,
      patientOther,
      nobody: t.agent(),
    };
    const expected = {
      create: { admin: 201, scheduler: 201, clinicianOn: 403, clinicianOff: 403, patientOwn: 401, patientOther: 401, nobody: 401 },
      read: { admin: 200, scheduler: 200, clinicianOn: 200, clinicianOff: 404, patientOwn: 401, patientOther: 401, nobody: 401 },
      list: { admin: 200, scheduler: 200, clinicianOn: 200, clinicianOff: 200, patientOwn: 401, patientOther: 401, nobody: 401 },
    };
    for (const [who, agent] of Object.entries(agents) as [keyof typeof agents, (typeof agents)['admin']][]) {
      const before = await countRows(t, 'patients');
      const created = await agent.post('/api/patients').send({ displayName: `By ${who}` });
      expect(created.status, `create as ${who}`).toBe(expected.create[who]);
      expect(await countRows(t, 'patients'), `rows after create as ${who}`).toBe(before + (created.status === 201 ? 1 : 0));

      const read = await agent.get(`/api/patients/${patient.id}`);
      expect(read.status, `read as ${who}`).toBe(expected.read[who]);
      if (read.status !== 200) expect(JSON.stringify(read.body)).not.toContain('Matrix Patient');

      const list = await agent.get('/api/patients').query({ q: 'Matrix Patient' });
      expect(list.status, `list as ${who}`).toBe(expected.list[who]);
      if (list.status === 200) {
        const found = (list.body.patients as { id: string }[]).some((p) => p.id === patient.id);
        expect(found, `list as ${who} includes the patient`).toBe(who !== 'clinicianOff');
      }
    }
  });

  it('a path id that is not a UUID, or an unknown one, is 404', async () => {
    expect((await cast.admin.agent.get('/api/patients/not-a-uuid')).status).toBe(404);
    expect((await cast.admin.agent.get('/api/patients/6f1c1c52-2f0b-4b7e-9a53-0d1c8f7a1111')).status).toBe(404);
  });

  const future = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10);
  const badInputs: [string, unknown, string][] = [
    ['a 10 000-character name', { displayName: 'x'.repeat(10_000) }, 'displayName'],
    ['an empty name', { displayName: '   ' }, 'displayName'],
    ['a missing name', { preferredName: 'Al' }, 'displayName'],
    ['a number for a name', { displayName: 42 }, 'displayName'],
    ['a 121-character preferred name', { displayName: 'Al', preferredName: 'y'.repeat(121) }, 'preferredName'],
    ['41-character pronouns', { displayName: 'Al', pronouns: 'p'.repeat(41) }, 'pronouns'],
    ['a language we do not offer', { displayName: 'Al', preferredLanguage: 'fr' }, 'preferredLanguage'],
    ['31 February', { displayName: 'Al', dateOfBirth: '2001-02-31' }, 'dateOfBirth'],
    ['29 February in a common year', { displayName: 'Al', dateOfBirth: '2023-02-29' }, 'dateOfBirth'],
    ['month 13', { displayName: 'Al', dateOfBirth: '2001-13-01' }, 'dateOfBirth'],
    ['a birth date in the future', { displayName: 'Al', dateOfBirth: future }, 'dateOfBirth'],
    ['a birth date before 1900', { displayName: 'Al', dateOfBirth: '1899-12-31' }, 'dateOfBirth'],
    ['a birth date in another format', { displayName: 'Al', dateOfBirth: '03/04/1990' }, 'dateOfBirth'],
    ['a birth date with a time', { displayName: 'Al', dateOfBirth: '1990-03-04T00:00:00Z' }, 'dateOfBirth'],
    ['a 65-character external id', { displayName: 'Al', externalId: 'e'.repeat(65) }, 'externalId'],
    ['an unknown field', { displayName: 'Al', isAdmin: true }, 'isAdmin'],
    ['an array body', [{ displayName: 'Al' }], '(body)'],
  ];
  it.each(badInputs)('rejects %s with 400 naming the field, writing nothing', async (_label, body, field) => {
    const before = await countRows(t, 'patients');
    const res = await cast.scheduler.agent.post('/api/patients').send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const details = res.body.error.details as { field: string; message: string }[];
    expect(details.some((d) => d.field === field || d.message.includes(field))).toBe(true);
    expect(await countRows(t, 'patients')).toBe(before);
  });

  it('rejects a search string over 120 characters with 400 naming q', async () => {
    const res = await cast.scheduler.agent.get('/api/patients').query({ q: 'a'.repeat(121) });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('q');
  });

  it('never writes names or dates of birth to the log', async () => {
    await buildPatient(cast.scheduler.agent, { displayName: 'Logcheck Zebulon', dateOfBirth: '1971-07-14', externalId: 'MRN-LOGCHECK' });
    const logs = t.rawLogs();
    expect(logs).not.toContain('Zebulon');
    expect(logs).not.toContain('1971-07-14');
    expect(logs).not.toContain('MRN-LOGCHECK');
  });
});
