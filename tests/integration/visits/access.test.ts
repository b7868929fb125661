import type { Router } from 'express';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Auditor } from '../../../server/audit/auditor';
import { patientsRoutes } from '../../../server/patients/patients.routes';
import { joinRoutes } from '../../../server/visits/join.routes';
import { cliniciansRoutes, visitsRoutes } from '../../../server/visits/visits.routes';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { SCHEDULING_ENV, buildCast, buildVisit, minutesFromNow, openLink, type BuiltVisit, type Cast } from './scheduling-fixtures';

const WHO = ['admin', 'scheduler', 'clinicianOn', 'clinicianOff', 'patientOwn', 'patientOther', 'nobody'] as const;
type Who = (typeof WHO)[number];

interface Fixture {
  visit: BuiltVisit;
  agents: Record<Who, TestAgent>;
}

interface RouteCase {
  route: string;
  call: (agent: TestAgent, f: Fixture) => Promise<Response>;
  expected: Record<Who, number>;
  /** For 200 answers: does the answer include the fixture's visit or patient? */
  includes?: (res: Response, f: Fixture) => boolean;
}

const staffOnly = (admin: number, scheduler: number, on: number, off: number): Record<Who, number> => ({
  admin,
  scheduler,
  clinicianOn: on,
  clinicianOff: off,
  patientOwn: 401,
  patientOther: 401,
  nobody: 401,
});

/*
 * Every scheduling route against every kind of caller, each on a fresh visit (so a successful
 * cancel or re-issue cannot hide a later answer). Someone else's data is 404; a role that may never
 * do something is 403; no staff session at all is 401. A refused change must change nothing.
 */
describeEachDatabase('who may do what with patients and visits (%s)', (dialect) => {
  let t: TestApp;
  let cast: Cast;
  let patientOther: TestAgent;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: SCHEDULING_ENV });
    cast = await buildCast(t);
    const elsewhere = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOff.staff.id] });
    patientOther = (await openLink(t, elsewhere.token)).agent;
    await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOff.staff.id], startsInMinutes: 5 });
  });
  afterAll(async () => t?.close());

  async function fixture(): Promise<Fixture> {
    const visit = await buildVisit(cast.scheduler.agent, { clinicianIds: [cast.clinicianOn.staff.id], reason: 'Matrix reason' });
    const own = await openLink(t, visit.token);
    expect(own.res.status).toBe(200);
    return {
      visit,
      agents: {
        admin: cast.admin.agent,
        scheduler: cast.scheduler.agent,
        clinicianOn: cast.clinicianOn.agent,
        clinicianOff: cast.clinicianOff.agent,
        patientOwn: own.agent,
        patientOther,
        nobody: t.agent(),
      },
    };
  }

  async function snapshot(f: Fixture) {
    const db = t.database.db;
    return {
      visit: await db.selectFrom('visits').selectAll().where('id', '=', f.visit.id).executeTakeFirstOrThrow(),
      team: await db.selectFrom('visit_clinicians').select('staff_id').where('visit_id', '=', f.visit.id).orderBy('staff_id').execute(),
      links: await db.selectFrom('patient_links').select(['id', 'revoked_at']).where('visit_id', '=', f.visit.id).orderBy('id').execute(),
      patients: (await db.selectFrom('patients').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n,
      visits: (await db.selectFrom('visits').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n,
    };
  }

  const window = () => ({ from: minutesFromNow(-60), to: minutesFromNow(60) });
  const routes: RouteCase[] = [
    {
      route: 'POST /api/patients',
      call: (a) => a.post('/api/patients').send({ displayName: 'Matrix New Patient' }),
      expected: staffOnly(201, 201, 403, 403),
    },
    {
      route: 'GET /api/patients?q=',
      call: (a) => a.get('/api/patients').query({ q: 'Avery' }),
      expected: staffOnly(200, 200, 200, 200),
      includes: (res, f) => (res.body.patients as { id: string }[]).some((p) => p.id === f.visit.patientId),
    },
    {
      route: 'GET /api/patients/:id',
      call: (a, f) => a.get(`/api/patients/${f.visit.patientId}`),
      expected: staffOnly(200, 200, 200, 404),
    },
    {
      route: 'POST /api/visits',
      call: (a, f) =>
        a.post('/api/visits').send({ patientId: f.visit.patientId, clinicianIds: [cast.clinicianOn.staff.id], startsAt: minutesFromNow(90), durationMinutes: 30 }),
      expected: staffOnly(201, 201, 403, 403),
    },
    {
      route: 'GET /api/visits',
      call: (a) => a.get('/api/visits').query(window()),
      expected: staffOnly(200, 200, 200, 200),
      includes: (res, f) => (res.body.visits as { id: string }[]).some((v) => v.id === f.visit.id),
    },
    {
      route: 'GET /api/visits/:id',
      call: (a, f) => a.get(`/api/visits/${f.visit.id}`),
      expected: staffOnly(200, 200, 200, 404),
    },
    {
      route: 'PATCH /api/visits/:id',
      call: (a, f) => a.patch(`/api/visits/${f.visit.id}`).send({ durationMinutes: 55 }),
      expected: staffOnly(200, 200, 403, 403),
    },
    {
      route: 'POST /api/visits/:id/cancel',
      call: (a, f) => a.post(`/api/visits/${f.visit.id}/cancel`),
      expected: staffOnly(200, 200, 403, 403),
    },
    {
      route: 'POST /api/visits/:id/patient-link',
      call: (a, f) => a.post(`/api/visits/${f.visit.id}/patient-link`),
      expected: staffOnly(200, 200, 403, 403),
    },
    {
      route: 'GET /api/visits/:id/calendar.ics',
      call: (a, f) => a.get(`/api/visits/${f.visit.id}/calendar.ics`),
      expected: staffOnly(200, 200, 200, 404),
    },
    {
      route: 'POST /api/visits/:id/patient-invite.ics',
      call: (a, f) => a.post(`/api/visits/${f.visit.id}/patient-invite.ics`).send({ token: f.visit.token }),
      expected: staffOnly(200, 200, 403, 403),
    },
    {
      route: 'GET /api/clinicians',
      call: (a) => a.get('/api/clinicians'),
      expected: staffOnly(200, 200, 200, 200),
    },
    {
      // The link is the credential: whoever holds it may open it, signed in or not.
      route: 'POST /api/join',
      call: (a, f) => a.post('/api/join').send({ token: f.visit.token }),
      expected: { admin: 200, scheduler: 200, clinicianOn: 200, clinicianOff: 200, patientOwn: 200, patientOther: 200, nobody: 200 },
    },
  ];

  for (const rc of routes) {
    it(`${rc.route}: ${WHO.map((w) => `${w} ${rc.expected[w]}`).join(', ')}`, async () => {
      for (const who of WHO) {
        const f = await fixture();
        const before = await snapshot(f);
        const res = await rc.call(f.agents[who], f);
        expect(res.status, `${rc.route} as ${who}: ${JSON.stringify(res.body)}`).toBe(rc.expected[who]);
        if (res.status >= 400) {
          expect(res.body.error.code).toBe({ 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found' }[res.status as 401 | 403 | 404]);
          // A refusal discloses nothing and changes nothing.
          expect(res.text).not.toContain('Matrix reason');
          expect(res.text).not.toContain('Avery');
          expect(await snapshot(f), `${rc.route} as ${who} changed data`).toEqual(before);
        }
        if (res.status === 200 && rc.includes) {
          expect(rc.includes(res, f), `${rc.route} as ${who} includes the visit's data`).toBe(who !== 'clinicianOff');
        }
      }
    });
  }

  it('the matrix covers every route the scheduling routers define', () => {
    const auditor = new Auditor(t.database.db, t.dialect);
    const mounted: [string, Router][] = [
      ['/api/patients', patientsRoutes({ db: t.database.db, auditor })],
      ['/api/visits', visitsRoutes({ db: t.database.db, auditor, config: t.config })],
      ['/api/clinicians', cliniciansRoutes({ db: t.database.db })],
      ['/api/join', joinRoutes({ db: t.database.db, auditor, config: t.config, sessions: t.handle.sessions, storeFor: () => undefined })],
    ];
    const defined = mounted.flatMap(([base, router]) =>
      (router.stack as { route?: { path: string; methods: Record<string, boolean> } }[])
        .filter((l) => l.route)
        .flatMap((l) => Object.keys(l.route?.methods ?? {}).map((m) => `${m.toUpperCase()} ${base}${l.route?.path === '/' ? '' : l.route?.path}`)),
    );
    const covered = routes.map((r) => r.route.replace(/\?.*$/, ''));
    expect(new Set(defined)).toEqual(new Set(covered));
  });
});
