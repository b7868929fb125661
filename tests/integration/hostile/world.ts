import jwt from 'jsonwebtoken';
import { sql } from 'kysely';
import type { Socket } from 'socket.io-client';
import { cookieHeader, type TestApp } from '../../helpers/test-app';
import { answerPhq9 } from '../../helpers/checkin-builder';
import { buildVisit } from '../../helpers/visit-builder';
import type { Actor, WorldIds } from './routes';

/** Cookie headers for every principal the suite calls routes as, plus forged and stale ones. */
export interface World {
  ids: WorldIds;
  cookies: {
    admin: string;
    scheduler: string;
    clinician: string;
    otherClinician: string;
    patient: string;
    otherPatient: string;
    revokedStaff: string;
  };
  /** A cookie header for the route's actor. */
  cookieFor: (actor: Actor) => string | undefined;
  /** Forged and stale variants of the actor's cookie. */
  forged: (actor: Actor) => Record<'forged' | 'wrongSecret' | 'expired' | 'algNone' | 'garbage' | 'hugeGarbage', string>;
}

const DOB = '1988-07-14';

function claimsOf(cookie: string): { name: string; sid: string; kind: string; sub: string } {
  // The session cookie, not the sign-in device marker (alcove_device) that may come first.
  const session =
    cookie
      .split(';')
      .map((p) => p.trim())
      .find((p) => /^alcove_(staff|patient)=/.test(p)) ?? cookie.split(';')[0]!;
  const [name, token] = session.split('=') as [string, string];
  const c = jwt.decode(token) as { sid: string; kind: string; sub: string };
  return { name, sid: c.sid, kind: c.kind, sub: c.sub };
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * Builds the world every case runs against, through the real API: staff of each role, a visit
 * whose patient has joined (with a date of birth), consented and is waiting, and a second visit
 * with its own clinician and patient (the "someone else" of every ownership check).
 */
export async function buildWorld(t: TestApp): Promise<World> {
  const admin = await t.signedIn('admin');
  const scheduler = await t.signedIn('scheduler');
  const v = await buildVisit(t, { dateOfBirth: DOB });
  const other = await buildVisit(t);
  const target = await t.createStaff('clinician');

  const patient = t.agent();
  const joined = await patient.post('/api/join').send({ token: v.token, dateOfBirth: DOB }).expect(200);
  await patient.post(`/api/visits/${v.visitId}/consent`).send({ version: '2026-11-27', accepted: true }).expect(200);
  await patient.post(`/api/visits/${v.visitId}/waiting-room`).expect(200);
  // The patient is admitted; a PHQ-9 with item 9 positive is shared (a safety alert stands) and a
  // sexual-health check-in is open, so both the clinician's and the patient's check-in routes have targets.
  await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/admit`).send({ participantId: joined.body.participant.id }).expect(200);
  const phq = await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/checkins`).send({ instrumentId: 'phq-9' }).expect(201);
  const sharedCheckin = phq.body.checkin.id as string;
  await answerPhq9(patient, sharedCheckin, [1, 1, 1, 1, 1, 1, 1, 1, 2]);
  await patient.post(`/api/checkins/${sharedCheckin}/submit`).expect(200);
  const sh = await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/checkins`)
    .send({ instrumentId: 'alcove-sexual-health' })
    .expect(201);
  // A visit note by the world's clinician, so the note routes have a target.
  const note = await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/notes`).send({ summary: 'World note' }).expect(201);
  const otherPatient = t.agent();
  await otherPatient.post('/api/join').send({ token: other.token }).expect(200);

  const revoked = await t.signedIn('admin');
  const revokedStaff = cookieHeader(revoked.agent, t.url);
  await revoked.agent.post('/api/auth/logout').expect(204);

  const cookies = {
    admin: cookieHeader(admin.agent, t.url),
    scheduler: cookieHeader(scheduler.agent, t.url),
    clinician: cookieHeader(v.clinicians[0]!.agent, t.url),
    otherClinician: cookieHeader(other.clinicians[0]!.agent, t.url),
    patient: cookieHeader(patient, t.url),
    otherPatient: cookieHeader(otherPatient, t.url),
    revokedStaff,
  };

  const cookieFor = (actor: Actor): string | undefined => {
    switch (actor) {
      case 'anyone':
        return undefined;
      case 'staff':
      case 'admin':
        return cookies.admin;
      case 'scheduler':
        return cookies.scheduler;
      case 'clinician':
        return cookies.clinician;
      case 'patient':
        return cookies.patient;
    }
  };

  const secret = t.config.sessionSecret;
  const forged: World['forged'] = (actor) => {
    const real = claimsOf(cookieFor(actor) ?? cookies.admin);
    const now = Math.floor(Date.now() / 1000);
    const payload = { sid: real.sid, kind: real.kind, sub: real.sub };
    const signed = (key: string, extra: object) => jwt.sign({ ...payload, ...extra }, key, { algorithm: 'HS256' });
    return {
      forged: `${real.name}=${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...payload, iat: now, exp: now + 600 })}.${'A'.repeat(43)}`,
      wrongSecret: `${real.name}=${signed('not-the-session-secret-but-long-enough-to-look-real', { iat: now, exp: now + 600 })}`,
      expired: `${real.name}=${signed(secret, { iat: now - 7200, exp: now - 60 })}`,
      algNone: `${real.name}=${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...payload, iat: now, exp: now + 600 })}.`,
      garbage: `${real.name}=%%%not;a=cookie`,
      hugeGarbage: `${real.name}=${'x'.repeat(6000)}`,
    };
  };

  return {
    ids: {
      visit: v.visitId,
      patient: v.patientId,
      staff: target.id,
      participant: joined.body.participant.id as string,
      otherVisit: other.visitId,
      clinician: v.clinicians[0]!.staff.id,
      instrument: 'phq-9',
      checkin: sharedCheckin,
      openCheckin: sh.body.checkin.id as string,
      checkinItem: 'note',
      alertCode: 'safety.self-harm',
      token: v.token,
      dateOfBirth: DOB,
      adminEmail: admin.staff.email,
      visitNote: note.body.note.id as string,
    },
    cookies,
    cookieFor,
    forged,
  };
}

/** Names of every table of ours in the test's database (or schema). */
export async function tableNames(t: TestApp): Promise<string[]> {
  const rows =
    t.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(t.database.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
          t.database.db,
        );
  return rows.rows
    .map((r) => r.name)
    .filter((n) => !n.startsWith('kysely_'))
    .sort();
}

/**
 * A fingerprint of every row of every table except the audit trail (audit_log, and on PostgreSQL
 * the chain heads its appends move on: refused requests may append failure entries), so a refused
 * request that changed anything at all is caught.
 */
export async function snapshot(t: TestApp, tables: string[]): Promise<{ tables: Record<string, string>; auditSeq: number }> {
  const out: Record<string, string> = {};
  for (const name of tables) {
    if (name === 'audit_log' || name === 'audit_chain_heads') continue;
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(t.database.db);
    out[name] = rows.rows
      .map((r) => JSON.stringify(r))
      .sort()
      .join('\n');
  }
  const last = await t.database.db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return { tables: out, auditSeq: Number(last?.seq ?? 0) };
}

/** Audit entries appended since `seq`. */
export function auditSince(t: TestApp, seq: number) {
  return t.database.db.selectFrom('audit_log').select(['action', 'outcome']).where('seq', '>', seq).execute();
}

/** Emits `event` and resolves with the ack, or `'no-ack'` if none arrives within `ms`. */
export function emitWithAck(socket: Socket, event: string, payload: unknown, ms = 1500): Promise<unknown> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no-ack'), ms);
    socket.emit(event, payload, (reply: unknown) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}
