import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeResponseSchema } from '@shared/api/auth.schema';
import { VisitListResponseSchema } from '@shared/api/visits.schema';
import { WaitingMessageResponseSchema } from '@shared/api/waiting-room.schema';
import { contractProblems, expectContract } from '../../helpers/contract';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit } from '../../helpers/visit-builder';

/*
 * The contract check itself must be able to fail: each drift a server could make (an extra field
 * at any depth, a missing one, a renamed one, a wrong type or enum value) is fed to it here. Every
 * route's success response is checked against its schema in the hostile suite's positive controls
 * and in the feature tests.
 */

const me = { user: { id: 'u1', email: 'a@clinic.test', name: 'A', role: 'admin' } };
const ok = { status: 200, body: me, req: { method: 'GET', path: '/api/auth/me' } };

describe('the contract check', () => {
  it('accepts a response that matches its schema exactly', () => {
    expect(contractProblems(me, MeResponseSchema)).toEqual([]);
    expect(() => expectContract(ok, MeResponseSchema)).not.toThrow();
  });

  it.each([
    ['an extra field', { user: { ...me.user, passwordHash: 'x' } }, 'user.passwordHash: not in the schema'],
    ['an extra top-level field', { ...me, session: 's' }, 'session: not in the schema'],
    ['a missing field', { user: { id: 'u1', email: 'a@clinic.test', role: 'admin' } }, 'user.name'],
    ['a renamed field', { user: { id: 'u1', email: 'a@clinic.test', displayName: 'A', role: 'admin' } }, 'user.name'],
    ['a wrong type', { user: { ...me.user, id: 1 } }, 'user.id'],
    ['a value outside the enum', { user: { ...me.user, role: 'owner' } }, 'user.role'],
  ])('fails on %s', (_what, drifted, names) => {
    expect(contractProblems(drifted, MeResponseSchema).join('\n')).toContain(names);
    expect(() => expectContract({ ...ok, body: drifted }, MeResponseSchema)).toThrow(names);
  });

  it('finds an extra field deep inside arrays', () => {
    const visit = {
      id: 'v',
      patient: { id: 'p', displayName: 'P', preferredName: null, pronouns: null },
      startsAt: 's',
      endsAt: 'e',
      durationMinutes: 30,
      reason: null,
      status: 'scheduled',
      clinicians: [{ id: 'c', name: 'C' }],
      participants: [{ id: 'x', kind: 'patient', displayName: 'P', state: 'waiting', dateOfBirth: '1990-01-01' }],
      link: { active: true, opensAt: 'o', expiresAt: 'e', lastUsedAt: null },
      createdAt: 'c',
    };
    expect(contractProblems({ visits: [visit] }, VisitListResponseSchema)).toEqual(['visits[0].participants[0].dateOfBirth: not in the schema']);
  });

  it('finds a field that one branch of a union drops', () => {
    expect(contractProblems({ message: { preset: 'running_late_5', text: 'both' } }, WaitingMessageResponseSchema)).toEqual([
      'message.text: not in the schema',
    ]);
  });

  it('refuses an error response, whatever its body', () => {
    expect(() => expectContract({ ...ok, status: 403 }, MeResponseSchema)).toThrow();
  });
});

describeEachDatabase('health probes keep their contract (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('GET /healthz and GET /readyz answer in their shared shapes', async () => {
    expectRouteContract(await request(t.url).get('/healthz'), 'GET /healthz');
    const ready = await request(t.url).get('/readyz');
    expectRouteContract(ready, 'GET /readyz');
    expect(ready.body).toEqual({ db: 'ok', livekit: 'unreachable' });
  });

  it('a patient’s join answer carries exactly the fields of its schema', async () => {
    const v = await buildVisit(t);
    expectRouteContract(await t.agent().post('/api/join').send({ token: v.token }), 'POST /api/join');
  });
});
