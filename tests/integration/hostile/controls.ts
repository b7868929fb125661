import { Secret, TOTP } from 'otpauth';
import type { TestOidcProvider } from '../../helpers/oidc-provider';
import { randomUUID } from 'node:crypto';
import type { TestApp } from '../../helpers/test-app';
import { cookieHeader } from '../../helpers/test-app';
import type { WorldIds } from './routes';
import type { World } from './world';

/**
 * Positive controls: for every route of the table, the valid request, as the proper actor,
 * succeeds. Without them a route that refused everything (a broken path, a wrong actor in the
 * table) would pass every attack. They run in this order on one world after the attacks, so each
 * control leaves the state the next one needs (the participant moves waiting → denied → waiting →
 * admitted → left → removed; the visit is ended last).
 */
export interface Control {
  /** `METHOD /path` of a route in ROUTES. */
  route: string;
  /** The patient's view where a route serves staff and patient. Defaults to the route's own actor. */
  as?: 'patient';
  /** A different cookie from the route's actor's (e.g. a fresh session to sign out). */
  cookie?: (c: ControlContext) => Promise<string>;
  /** Path parameters other than the world's own. */
  params?: (c: ControlContext) => Record<string, string>;
  /** A body other than the table's valid one. */
  body?: (c: ControlContext) => Promise<Record<string, unknown>>;
  query?: string;
  /** Keeps something from the response for a later control. */
  keep?: (c: ControlContext, body: Record<string, unknown>) => void;
}

export interface ControlContext {
  t: TestApp;
  w: World;
  ids: WorldIds;
  /** What earlier controls created. */
  made: Record<string, string>;
}

const freshSession = async (c: ControlContext) => cookieHeader((await c.t.signedIn('admin')).agent, c.t.url);

/** A fresh one-time link, issued the way an admin issues it. */
const invitationToken = async (c: ControlContext) => {
  const { agent } = await c.t.signedIn('admin');
  const res = await agent.post('/api/staff').send({ email: `invited-${randomUUID()}@clinic.test`, name: 'Invited By Suite', role: 'clinician' }).expect(201);
  return String((res.body as { invitation: { url: string } }).invitation.url).split('/invite/')[1];
};

/** The in-process OpenID provider the suite's app signs in with (set by hostile.test.ts). */
export const sso: { idp?: TestOidcProvider } = {};

/** A browser back from the provider: its pending cookie, and the return query kept for the body. */
const ssoReturn = async (c: ControlContext) => {
  const staff = await c.t.createStaff('clinician');
  const agent = c.t.agent();
  const start = await agent.post('/api/auth/sso/start').expect(200);
  sso.idp!.signInAs({ sub: staff.id, email: staff.email, emailVerified: true });
  c.made.ssoReturn = JSON.stringify(await sso.idp!.authorize(String(start.body.url)));
  const jar = (agent as unknown as { jar: { getCookies(a: unknown): { toValueString(): string }[] } }).jar;
  return jar
    .getCookies({ domain: new URL(c.t.url).hostname, path: '/api/auth/sso/callback', secure: false, script: false })
    .map((k) => k.toValueString())
    .join('; ');
};

/** The code an authenticator app with this secret shows `stepsAhead` 30-second steps from now. */
const totpCode = (secret: string, stepsAhead = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: Date.now() + stepsAhead * 30_000 });

/** A half-finished sign-in (password given) of a fresh account with an authenticator app; its secret is kept for the body. */
const pendingSignIn = async (c: ControlContext) => {
  const staff = await c.t.createStaff('clinician');
  const setup = c.t.agent();
  await setup.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
  const secret = String((await setup.post('/api/auth/totp/enrol').expect(200)).body.secret);
  await setup.post('/api/auth/totp/confirm').send({ code: totpCode(secret) }).expect(200);
  const agent = c.t.agent();
  await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
  c.made.pendingSecret = secret;
  const jar = (agent as unknown as { jar: { getCookies(a: unknown): { toValueString(): string }[] } }).jar;
  return jar
    .getCookies({ domain: new URL(c.t.url).hostname, path: '/api/auth/second-factor', secure: false, script: false })
    .map((k) => k.toValueString())
    .join('; ');
};

/** The id of the newest item of one list of a care-plan answer (the control's own; earlier payload cases may have added others). */
const lastOf = (b: Record<string, unknown>, list: 'goals' | 'problems' | 'medications' | 'referrals') => {
  const items = (b.carePlan as Record<string, { id: string; createdAt?: string }[]>)[list]!;
  return items[items.length - 1]!.id;
};

export const CONTROLS: Control[] = [
  // reads first, while the world is as built
  { route: 'GET /api/auth/me' },
  { route: 'GET /api/staff' },
  { route: 'GET /api/patients', query: 'q=Test' },
  { route: 'GET /api/patients/:id' },
  { route: 'GET /api/patients/mine', query: 'q=Test' },
  { route: 'GET /api/patients/:id/chart' },
  { route: 'GET /api/patients/:id/care-team' },
  { route: 'PUT /api/patients/:id/care-team' },
  { route: 'GET /api/clinicians' },
  { route: 'GET /api/visits' },
  { route: 'GET /api/visits/:id' },
  { route: 'GET /api/visits/:id/calendar.ics' },
  { route: 'GET /api/visits/:id/patient-link/lock' },
  { route: 'POST /api/visits/:id/patient-link/unlock' },
  { route: 'GET /api/video/config' },
  { route: 'GET /api/video/config', as: 'patient' },
  { route: 'GET /api/instruments' },
  { route: 'GET /api/instruments/:id' },
  { route: 'GET /api/instruments/:id', as: 'patient' },
  { route: 'GET /api/visits/:id/checkins' },
  { route: 'GET /api/visits/:id/checkins', as: 'patient' },
  { route: 'GET /api/checkins/:id' },
  { route: 'GET /api/checkins/:id', as: 'patient' },
  { route: 'GET /api/checkins/:id/fhir' },
  { route: 'GET /api/patients/:id/checkins' },
  { route: 'GET /api/visits/:id/notes' },
  { route: 'GET /api/patients/:id/notes' },
  { route: 'GET /api/patients/:id/measurement-plan' },
  { route: 'PUT /api/patients/:id/measurement-plan' },
  { route: 'GET /api/patients/:id/care-plan' },
  { route: 'POST /api/patients/:id/care-plan/goals', keep: (c, b) => (c.made.goal = lastOf(b, 'goals')) },
  { route: 'PATCH /api/patients/:id/care-plan/goals/:goalId', params: (c) => ({ goalId: c.made.goal! }) },
  { route: 'POST /api/patients/:id/care-plan/problems', keep: (c, b) => (c.made.problem = lastOf(b, 'problems')) },
  { route: 'PATCH /api/patients/:id/care-plan/problems/:problemId', params: (c) => ({ problemId: c.made.problem! }) },
  { route: 'POST /api/patients/:id/care-plan/medications', keep: (c, b) => (c.made.medication = lastOf(b, 'medications')) },
  { route: 'PATCH /api/patients/:id/care-plan/medications/:mid', params: (c) => ({ mid: c.made.medication! }) },
  { route: 'POST /api/patients/:id/care-plan/medications/:mid/dose-changes', params: (c) => ({ mid: c.made.medication! }) },
  { route: 'POST /api/patients/:id/care-plan/medications/:mid/stop', params: (c) => ({ mid: c.made.medication! }) },
  { route: 'POST /api/patients/:id/care-plan/referrals', keep: (c, b) => (c.made.referral = lastOf(b, 'referrals')) },
  { route: 'PATCH /api/patients/:id/care-plan/referrals/:referralId', params: (c) => ({ referralId: c.made.referral! }) },
  { route: 'GET /api/patients/:id/fhir' },
  { route: 'GET /api/audit' },
  { route: 'GET /api/audit/verify' },
  { route: 'GET /api/audit.csv' },

  // staff accounts and scheduling
  {
    route: 'POST /api/auth/login',
    body: async (c) => {
      const s = await c.t.createStaff('clinician');
      return { email: s.email, password: s.password };
    },
  },
  { route: 'POST /api/staff' },
  { route: 'PATCH /api/staff/:id' },
  { route: 'POST /api/staff/:id/reset-password' },
  { route: 'POST /api/staff/:id/reset-2fa' },
  { route: 'POST /api/auth/invitation', body: async (c) => ({ token: await invitationToken(c) }) },
  { route: 'POST /api/auth/invitation/accept', body: async (c) => ({ token: await invitationToken(c), password: 'tulip orbit canvas harbour' }) },
  {
    route: 'POST /api/auth/password',
    // The cookie is made first: a fresh account whose password the body then gives.
    cookie: async (c) => {
      const staff = await c.t.createStaff('clinician', { password: 'hostile control password' });
      const agent = c.t.agent();
      await agent.post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
      return cookieHeader(agent, c.t.url);
    },
    body: async () => ({ currentPassword: 'hostile control password', newPassword: 'tulip orbit canvas harbour' }),
  },
  { route: 'POST /api/patients' },
  { route: 'POST /api/visits', keep: (c, b) => (c.made.visit = (b.visit as { id: string }).id) },
  // The world's clinician already wrote the world visit's note: a new one goes on the visit just made.
  { route: 'POST /api/visits/:id/notes', params: (c) => ({ id: c.made.visit! }) },
  { route: 'PATCH /api/visit-notes/:id' },
  { route: 'POST /api/visit-notes/:id/amendments' },
  { route: 'PATCH /api/visits/:id' },
  { route: 'POST /api/visits/:id/patient-invite.ics' },

  // the patient's way in, the call and the check-ins
  { route: 'POST /api/join' },
  { route: 'POST /api/visits/:id/consent' },
  { route: 'POST /api/visits/:id/video-token' },
  { route: 'POST /api/visits/:id/video-token', as: 'patient' },
  { route: 'PUT /api/visits/:id/waiting-message' },
  { route: 'POST /api/visits/:id/checkins' },
  { route: 'PUT /api/checkins/:id/answers/:linkId' },
  { route: 'DELETE /api/checkins/:id/answers/:linkId' },
  { route: 'POST /api/checkins/:id/submit' },
  { route: 'POST /api/checkins/:id/alerts/:code/acknowledge' },

  // the participant through every state the clinicians can move it to
  { route: 'POST /api/visits/:id/return-to-waiting' },
  { route: 'POST /api/visits/:id/waiting-room' },
  { route: 'POST /api/visits/:id/deny' },
  { route: 'POST /api/visits/:id/return-to-waiting' },
  { route: 'POST /api/visits/:id/admit' },
  { route: 'POST /api/visits/:id/leave' },
  { route: 'POST /api/visits/:id/participants/:participantId/remove' },

  // two-step sign-in: the world's staff member sets up an app; a fresh account finishes a sign-in with a code
  { route: 'GET /api/auth/totp' },
  { route: 'POST /api/auth/totp/enrol', keep: (c, b) => (c.made.totpSecret = String(b.secret)) },
  { route: 'POST /api/auth/totp/confirm', body: async (c) => ({ code: totpCode(c.made.totpSecret!) }) },
  { route: 'POST /api/auth/second-factor', cookie: pendingSignIn, body: async (c) => ({ code: totpCode(c.made.pendingSecret!, 1) }) },

  // single sign-on through the in-process provider
  { route: 'GET /api/auth/sso' },
  { route: 'POST /api/auth/sso/start' },
  { route: 'POST /api/auth/sso/callback', cookie: ssoReturn, body: async (c) => JSON.parse(c.made.ssoReturn!) as Record<string, unknown> },

  // endings
  { route: 'POST /api/visits/:id/patient-link' },
  { route: 'POST /api/visits/:id/cancel', params: (c) => ({ id: c.made.visit! }) },
  { route: 'POST /api/visits/:id/end' },
  { route: 'POST /api/auth/logout', cookie: freshSession },
];
