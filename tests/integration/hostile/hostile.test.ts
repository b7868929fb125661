import { createHash, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AccessToken } from 'livekit-server-sdk';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorEnvelopeSchema } from '@shared/errors';
import { startLivekitStandIn, type LivekitStandIn } from '../../helpers/livekit-stand-in';
import { expectRouteContract, RESPONSE_CONTRACTS } from '../../helpers/route-contracts';
import { connects, describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { casesFor, type As, type Case } from './attacks';
import { CONTROLS, sso, type ControlContext } from './controls';
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider';
import { ROUTES, SOCKET_EVENTS, WEBHOOK_PATH, fillPath, type WorldIds } from './routes';
import { auditSince, buildWorld, emitWithAck, snapshot, tableNames, type World } from './world';

/**
 * The hostile-input suite: every route and socket event in ./routes.ts, attacked with the cases
 * ./attacks.ts generates. Every refused case must be a 4xx with the error envelope, change
 * nothing in the database (only failure entries may join the audit trail), leave
 * Object.prototype alone and leave the process answering /healthz.
 */

const HTTP_CASES: Case[] = ROUTES.flatMap(casesFor);

// Limits are raised so the suite measures validation, not the rate limiter (tested on its own).
const ENV = {
  LOGIN_LIMIT_PER_ADDRESS: '1000000',
  LOGIN_LIMIT_PER_ACCOUNT: '1000000',
  LOGIN_LIMIT_ACCOUNT_WIDE: '1000000',
  JOIN_LIMIT_PER_ADDRESS: '1000000',
  VIDEO_TOKEN_LIMIT_PER_PARTICIPANT: '1000000',
  ANSWER_LIMIT_PER_PARTICIPANT: '1000000',
};

let executed = 0;
afterAll(() => {
  console.log(`hostile suite: ${executed} cases`);
});

function cookieFor(w: World, c: Case): string | undefined {
  const actor = c.route.actor;
  const as: As = c.as;
  switch (as) {
    case 'actor':
      return w.cookieFor(actor);
    case 'none':
      return undefined;
    case 'forged':
    case 'wrongSecret':
    case 'expired':
    case 'algNone':
    case 'garbage':
    case 'hugeGarbage':
      return w.forged(actor)[as];
    case 'revoked':
      return w.cookies.revokedStaff;
    case 'wrongRole':
      return actor === 'admin' ? w.cookies.scheduler : w.cookies.otherClinician;
    case 'foreign':
      return actor === 'patient' ? w.cookies.otherPatient : w.cookies.otherClinician;
    case 'patientCookie':
      return w.cookies.patient;
    case 'staffCookie':
      return w.cookies.clinician;
  }
}

function pathFor(w: World, c: Case): string {
  const values: Record<string, string> = {};
  for (const [name, ref] of Object.entries(c.route.params ?? {})) values[name] = encodeURIComponent(w.ids[ref as keyof WorldIds]);
  const path = fillPath(c.route, { ...values, ...c.params }, true);
  const query = c.query?.(w.ids);
  return query ? `${path}?${query}` : path;
}

function expectUnpolluted() {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.role).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
}

async function expectHealthy(t: TestApp) {
  await request(t.url).get('/healthz').expect(200);
}

describeEachDatabase('hostile input (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  let tables: string[];
  let livekit: LivekitStandIn;
  let idp: TestOidcProvider;
  beforeAll(async () => {
    // A LiveKit that answers, so the video-token and room routes can succeed in their positive controls.
    livekit = await startLivekitStandIn();
    // A real OpenID provider, so the single sign-on routes can succeed in their positive controls.
    idp = await startOidcProvider('http://127.0.0.1:3999/signin/sso');
    sso.idp = idp;
    t = await startTestApp(dialect, {
      env: { ...ENV, LIVEKIT_URL: livekit.url, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret },
      deps: { livekitReachable: async () => true },
    });
    // Each case checks that its request wrote nothing. The presence sweep writes on its own clock
    // (it marks the world's socketless admitted patient "connection lost"), so it is stopped here:
    // a background write in the middle of a case would be blamed on the request.
    await t.handle.presence.stop();
    w = await buildWorld(t);
    tables = await tableNames(t);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await livekit?.close();
    await idp?.close();
  });

  async function runHttpCase(c: Case) {
    const before = c.expect === 'reject' ? await snapshot(t, tables) : undefined;
    const method = c.route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    let req = request(t.url)[method](pathFor(w, c));
    const cookie = cookieFor(w, c);
    if (cookie) req = req.set('Cookie', cookie);
    for (const [k, v] of Object.entries(c.headers ?? {})) req = req.set(k, v);
    if (c.body.kind === 'json') req = req.set('Content-Type', 'application/json').send(JSON.stringify(c.body.value(w.ids)));
    else if (c.body.kind === 'raw') req = req.set('Content-Type', c.body.contentType).send(c.body.text(w.ids));
    const res = await req;

    const what = `${c.route.method} ${c.route.path} — ${c.name}: got ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
    expect(res.status, what).toBeLessThan(500);
    if (c.expect === 'reject') {
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      if (c.status) expect(c.status, what).toContain(res.status);
      expect(ErrorEnvelopeSchema.safeParse(res.body).success, what).toBe(true);
      if (c.namesField && res.status === 400 && res.body.error.code === 'validation_failed') {
        expect(JSON.stringify(res.body.error.details ?? ''), `${what}: the error should name ${c.namesField}`).toContain(c.namesField);
      }
      const after = await snapshot(t, tables);
      for (const table of Object.keys(after.tables)) {
        if (c.route.mayWrite?.includes(table)) continue;
        expect(after.tables[table], `${what}: wrote to ${table}`).toBe(before!.tables[table]);
      }
      const audited = await auditSince(t, before!.auditSeq);
      expect(
        audited.filter((a) => a.outcome !== 'failure'),
        `${what}: a refused request may only add failure entries to the audit trail`,
      ).toEqual([]);
    }
    expectUnpolluted();
    await expectHealthy(t);
    executed++;
  }

  it.each(HTTP_CASES.map((c) => [`${c.route.method} ${c.route.path} — ${c.name}`, c] as const))('%s', async (_name, c) => {
    await runHttpCase(c);
  });

  describe('LiveKit webhook', () => {
    const sign = async (body: string, secret = 'secret') => {
      const at = new AccessToken('devkey', secret);
      at.sha256 = createHash('sha256').update(body).digest('base64');
      return at.toJwt();
    };
    const event = () =>
      JSON.stringify({
        event: 'room_started',
        id: `EV_${randomUUID()}`,
        createdAt: String(Math.floor(Date.now() / 1000)),
        room: { sid: 'RM_x', name: 'nope' },
      });
    const post = (body: string, auth?: string, type = 'application/webhook+json') => {
      let req = request(t.url).post(WEBHOOK_PATH).set('Content-Type', type);
      if (auth !== undefined) req = req.set('Authorization', auth);
      return req.send(body);
    };

    const cases: [string, () => Promise<{ body: string; auth?: string; type?: string }>, number[]][] = [
      ['no signature', async () => ({ body: event() }), [401]],
      [
        'signed with another secret',
        async () => {
          const b = event();
          return { body: b, auth: await sign(b, 'another-secret-entirely') };
        },
        [401],
      ],
      ['signature of a different body', async () => ({ body: event(), auth: await sign(event()) }), [401]],
      ['a Bearer prefix on a forged token', async () => ({ body: event(), auth: `Bearer ${'A'.repeat(60)}` }), [401]],
      [
        'alg none',
        async () => {
          const b = event();
          return {
            body: b,
            auth: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'devkey', sha256: createHash('sha256').update(b).digest('base64') })).toString('base64url')}.`,
          };
        },
        [401],
      ],
      [
        'an expired token',
        async () => {
          const b = event();
          return {
            body: b,
            auth: jwt.sign(
              { iss: 'devkey', sha256: createHash('sha256').update(b).digest('base64'), exp: Math.floor(Date.now() / 1000) - 60 },
              'secret',
            ),
          };
        },
        [401],
      ],
      [
        'signed malformed JSON',
        async () => {
          const b = '{"event":';
          return { body: b, auth: await sign(b) };
        },
        [400, 401],
      ],
      // Only LiveKit can sign; a signed but meaningless event is acknowledged or refused, and changes nothing.
      [
        'signed 5000-deep JSON',
        async () => {
          const b = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
          return { body: b, auth: await sign(b) };
        },
        [200, 400, 401],
      ],
      [
        'JSON content type',
        async () => {
          const b = event();
          return { body: b, auth: await sign(b), type: 'application/json' };
        },
        [400, 415],
      ],
      [
        'text content type',
        async () => {
          const b = event();
          return { body: b, auth: await sign(b), type: 'text/plain' };
        },
        [400, 415],
      ],
      [
        '100k body',
        async () => {
          const b = JSON.stringify({ pad: 'x'.repeat(100_000) });
          return { body: b, auth: await sign(b) };
        },
        [413],
      ],
    ];
    it.each(cases)('webhook: %s', async (_name, make, statuses) => {
      const before = await snapshot(t, tables);
      const { body, auth, type } = await make();
      const res = await post(body, auth, type);
      expect(statuses).toContain(res.status);
      if (res.status >= 400) expect(ErrorEnvelopeSchema.safeParse(res.body).success).toBe(true);
      expect((await snapshot(t, tables)).tables).toEqual(before.tables);
      await expectHealthy(t);
      executed++;
    });

    it('webhook: a replayed event is acknowledged and changes nothing', async () => {
      const visit = await t.database.db.selectFrom('visits').select('room_name').where('id', '=', w.ids.visit).executeTakeFirstOrThrow();
      const body = JSON.stringify({
        event: 'room_started',
        id: `EV_${randomUUID()}`,
        createdAt: String(Math.floor(Date.now() / 1000)),
        room: { sid: 'RM_replay', name: visit.room_name },
      });
      const auth = await sign(body);
      // The positive control of the webhook: a signed event is accepted, within its contract.
      expectRouteContract(await post(body, auth), `POST ${WEBHOOK_PATH}`);
      const before = await snapshot(t, tables);
      const again = await post(body, auth);
      expect(again.status).toBe(200);
      expect(again.body.outcome).toBe('duplicate');
      expect((await snapshot(t, tables)).tables).toEqual(before.tables);
      await expectHealthy(t);
      executed++;
    });
  });

  describe('socket events', () => {
    const payloads = (ids: WorldIds): [string, unknown][] => [
      ['no payload', undefined],
      ['null', null],
      ['a string', 'x'],
      ['a number', 12345],
      ['an array', [ids.visit]],
      ['an empty object', {}],
      ['a non-UUID visit id', { visitId: 'not-a-uuid' }],
      ['a traversal visit id', { visitId: '../../etc/passwd' }],
      ['an SQL injection visit id', { visitId: "' OR 1=1 --" }],
      ['an unknown field', { visitId: ids.visit, isAdmin: true }],
      ['a __proto__ key', JSON.parse(`{"__proto__":{"polluted":true},"visitId":"${ids.visit}"}`) as unknown],
      ['a 10k array', Array.from({ length: 10_000 }, () => 1)],
      ['a visit id of 100k characters', { visitId: 'x'.repeat(100_000) }],
    ];

    for (const spec of SOCKET_EVENTS) {
      const labels = payloads({} as WorldIds).map(([l]) => l);
      it.each(labels)(`${spec.event} from the ${spec.actor}: %s is refused and the server stays up`, async (label) => {
        const agent = t.agent();
        const socket = t.socket(agent, { cookie: spec.actor === 'clinician' ? w.cookies.clinician : w.cookies.patient });
        expect(await connects(socket)).toBe(true);
        const before = await snapshot(t, tables);
        const payload = payloads(w.ids).find(([l]) => l === label)![1];
        const reply = await emitWithAck(socket, spec.event, payload);
        // Either an explicit refusal, or (for frames over the size limit) a dropped connection with no reply.
        if (reply !== 'no-ack') expect(reply).toEqual({ ok: false, code: expect.any(String) });
        else expect(label).toMatch(/100k|10k|5000-deep/);
        expect((await snapshot(t, tables)).tables).toEqual(before.tables);
        expectUnpolluted();
        socket.close();
        await expectHealthy(t);
        executed++;
      });
    }

    // socket.io-client cannot even encode a 5000-deep payload (its binary check recurses), so the
    // frame is written to the transport directly, as a hostile client would.
    it.each(SOCKET_EVENTS.map((s) => s.event))('%s with a 5000-deep payload in a raw frame leaves the server up', async (event) => {
      const socket = t.socket(undefined, { cookie: w.cookies.clinician });
      expect(await connects(socket)).toBe(true);
      const before = await snapshot(t, tables);
      const engine = (socket.io as unknown as { engine: { write: (data: string) => void } }).engine;
      engine.write(`2["${event}",${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}]`);
      engine.write(`2["${event}",${'['.repeat(5000)}${']'.repeat(5000)}]`);
      // Barrier: the server is done with both frames once it answers a later event on the same
      // connection, or once it has dropped the connection over them.
      await new Promise<void>((resolve) => {
        socket.once('disconnect', () => resolve());
        socket.emit('visit:watch', { visitId: w.ids.visit }, () => resolve());
      });
      expect((await snapshot(t, tables)).tables).toEqual(before.tables);
      expectUnpolluted();
      socket.close();
      await expectHealthy(t);
      executed += 2;
    });

    it('visit:watch of a visit of someone else’s care team is refused as not found', async () => {
      const socket = t.socket(undefined, { cookie: w.cookies.clinician });
      expect(await connects(socket)).toBe(true);
      expect(await emitWithAck(socket, 'visit:watch', { visitId: w.ids.otherVisit })).toEqual({ ok: false, code: 'not_found' });
      expect(await emitWithAck(socket, 'visit:watch', { visitId: randomUUID() })).toEqual({ ok: false, code: 'not_found' });
      socket.close();
      executed += 2;
    });

    it('an event with no acknowledgement callback, or one the server does not know, does not crash anything', async () => {
      const socket = t.socket(undefined, { cookie: w.cookies.clinician });
      expect(await connects(socket)).toBe(true);
      socket.emit('visit:watch', { visitId: 'not-a-uuid' });
      socket.emit('visit:watch');
      socket.emit('admin:everything', { all: true });
      expect(await emitWithAck(socket, 'visit:watch', { visitId: w.ids.visit })).toEqual({ ok: true });
      socket.close();
      await expectHealthy(t);
      executed += 3;
    });

    const handshakes: [string, () => Record<string, string>][] = [
      ['no cookie', () => ({})],
      ['a forged staff cookie', () => ({ cookie: w.forged('clinician').forged })],
      ['a staff cookie signed with another secret', () => ({ cookie: w.forged('clinician').wrongSecret })],
      ['an expired staff cookie', () => ({ cookie: w.forged('clinician').expired })],
      ['an alg-none staff cookie', () => ({ cookie: w.forged('clinician').algNone })],
      ['a revoked staff session', () => ({ cookie: w.cookies.revokedStaff })],
      ['an expired patient cookie', () => ({ cookie: w.forged('patient').expired })],
      ['a garbage cookie', () => ({ cookie: w.forged('clinician').hugeGarbage })],
      ['a foreign Origin with a good cookie', () => ({ cookie: w.cookies.clinician, origin: 'https://evil.example' })],
    ];
    it.each(handshakes)('a socket handshake with %s is refused', async (_label, headers) => {
      expect(await connects(t.socket(undefined, headers()))).toBe(false);
      await expectHealthy(t);
      executed++;
    });

    it.each(SOCKET_EVENTS.map((s) => [s.event, s] as const))('positive control: %s with a valid payload from its actor is accepted', async (_e, spec) => {
      const socket = t.socket(undefined, { cookie: spec.actor === 'clinician' ? w.cookies.clinician : w.cookies.patient });
      expect(await connects(socket)).toBe(true);
      expect(await emitWithAck(socket, spec.event, spec.valid(w.ids))).toEqual({ ok: true });
      socket.close();
    });
  });

  // Last: the controls change the world (the participant is moved about, the visit ended).
  describe('positive controls: the valid request, as the proper actor, succeeds', () => {
    const made: Record<string, string> = {};
    it.each(CONTROLS.map((c) => [`${c.route}${c.as ? ' (as the patient)' : ''}`, c] as const))('%s', async (_name, c) => {
      const route = ROUTES.find((r) => `${r.method} ${r.path}` === c.route)!;
      const ctx: ControlContext = { t, w, ids: w.ids, made };
      const values: Record<string, string> = {};
      for (const [name, ref] of Object.entries(route.params ?? {})) values[name] = w.ids[ref as keyof WorldIds];
      const path = fillPath(route, { ...values, ...c.params?.(ctx) }) + (c.query ? `?${c.query}` : '');
      let req = request(t.url)[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path);
      const cookie = c.cookie ? await c.cookie(ctx) : c.as === 'patient' ? w.cookies.patient : w.cookieFor(route.actor);
      if (cookie) req = req.set('Cookie', cookie);
      const body = c.body ? await c.body(ctx) : typeof route.body === 'object' ? route.body.valid(w.ids) : undefined;
      const res = await (body ? req.send(body) : req);
      expectRouteContract(res, c.route, c.as ?? 'staff');
      c.keep?.(ctx, res.body as Record<string, unknown>);
    });
  });
});

describe('the hostile route table', () => {
  const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
  it('has a positive control for every route, and no control for a route it lacks', () => {
    expect(keys.filter((k) => !CONTROLS.some((c) => c.route === k))).toEqual([]);
    expect(CONTROLS.map((c) => c.route).filter((k) => !keys.includes(k))).toEqual([]);
  });
  it('has a response contract (a shared schema, or a file type) for every route', () => {
    expect([...keys, `POST ${WEBHOOK_PATH}`].filter((k) => !RESPONSE_CONTRACTS[k])).toEqual([]);
  });
});
