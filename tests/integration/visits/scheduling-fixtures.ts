import { createHash } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';
import type { TestApp, TestStaff } from '../../helpers/test-app';

/** Every integration app here gets a generous per-address join limit; one test checks the limit itself. */
export const SCHEDULING_ENV = { JOIN_LIMIT_PER_ADDRESS: '100000' };

export const minutesFromNow = (m: number): string => new Date(Date.now() + m * 60_000).toISOString();
export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
export const tokenOf = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

export interface PatientInput {
  displayName?: string;
  preferredName?: string | null;
  pronouns?: string | null;
  preferredLanguage?: 'en' | 'es';
  dateOfBirth?: string | null;
  externalId?: string | null;
}

/** Creates a patient through the API as the given scheduler/admin agent. */
export async function buildPatient(agent: TestAgent, input: PatientInput = {}): Promise<{ id: string; displayName: string }> {
  const res = await agent
    .post('/api/patients')
    .send({ displayName: 'Avery Quinn', preferredName: 'Ave', pronouns: 'they/them', preferredLanguage: 'en', ...input });
  if (res.status !== 201) throw new Error(`patient not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.patient as { id: string; displayName: string };
}

export interface BuiltVisit {
  id: string;
  patientId: string;
  token: string;
  url: string;
  body: Record<string, unknown> & { visit: Record<string, unknown>; patientLink: { url: string; opensAt: string; expiresAt: string } };
}

/**
 * Creates a visit (and, unless given, its patient) through the API. Times are real: the visit
 * starts `startsInMinutes` from now.
 */
export async function buildVisit(
  agent: TestAgent,
  opts: {
    clinicianIds: string[];
    patientId?: string;
    patient?: PatientInput;
    startsInMinutes?: number;
    durationMinutes?: number;
    reason?: string;
  },
): Promise<BuiltVisit> {
  const patientId = opts.patientId ?? (await buildPatient(agent, opts.patient)).id;
  const res = await agent.post('/api/visits').send({
    patientId,
    clinicianIds: opts.clinicianIds,
    startsAt: minutesFromNow(opts.startsInMinutes ?? 0),
    durationMinutes: opts.durationMinutes ?? 30,
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
  });
  if (res.status !== 201) throw new Error(`visit not created: ${res.status} ${JSON.stringify(res.body)}`);
  const url = res.body.patientLink.url as string;
  return { id: res.body.visit.id as string, patientId, token: tokenOf(url), url, body: res.body };
}

/** A fresh agent that opens the link; on success it carries the visit-scoped patient session. */
export async function openLink(t: TestApp, token: string, dateOfBirth?: string, agent = t.agent()) {
  const res = await agent.post('/api/join').send({ token, ...(dateOfBirth !== undefined ? { dateOfBirth } : {}) });
  return { agent, res };
}

export interface Cast {
  admin: { staff: TestStaff; agent: TestAgent };
  scheduler: { staff: TestStaff; agent: TestAgent };
  /** On the care team of the visits built for the matrix. */
  clinicianOn: { staff: TestStaff; agent: TestAgent };
  /** A clinician with visits of their own, none shared with clinicianOn. */
  clinicianOff: { staff: TestStaff; agent: TestAgent };
}

export async function buildCast(t: TestApp): Promise<Cast> {
  return {
    admin: await t.signedIn('admin'),
    scheduler: await t.signedIn('scheduler'),
    clinicianOn: await t.signedIn('clinician'),
    clinicianOff: await t.signedIn('clinician'),
  };
}

export async function countRows(t: TestApp, table: 'patients' | 'visits' | 'visit_clinicians' | 'patient_links' | 'participants' | 'dob_failures' | 'sessions') {
  const r = await t.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A parsed iCalendar property: name, parameters, value (text escapes undone). */
export interface IcsProperty {
  name: string;
  params: Record<string, string>;
  value: string;
}

/**
 * A small RFC 5545 reader for checking our own output: unfolds continuation lines, splits
 * name;params:value, undoes TEXT escapes, and nests components by BEGIN/END.
 */
export function parseIcs(text: string): { components: { type: string; props: IcsProperty[] }[]; lines: string[] } {
  if (!text.includes('\r\n')) throw new Error('iCalendar lines must end in CRLF');
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((l) => l !== '');
  const stack: { type: string; props: IcsProperty[] }[] = [];
  const components: { type: string; props: IcsProperty[] }[] = [];
  for (const line of lines) {
    const colon = line.search(/:(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    if (colon < 0) throw new Error(`not a content line: ${line}`);
    const [name = '', ...paramParts] = line.slice(0, colon).split(';');
    const raw = line.slice(colon + 1);
    const params = Object.fromEntries(paramParts.map((p) => p.split('=') as [string, string]));
    if (name === 'BEGIN') {
      stack.push({ type: raw, props: [] });
      continue;
    }
    if (name === 'END') {
      const done = stack.pop();
      if (!done || done.type !== raw) throw new Error(`unbalanced END:${raw}`);
      components.push(done);
      continue;
    }
    const current = stack[stack.length - 1];
    if (!current) throw new Error(`property outside a component: ${name}`);
    const value = raw.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
    current.props.push({ name: name.toUpperCase(), params, value });
  }
  if (stack.length) throw new Error('unclosed component');
  return { components, lines };
}

/** The single VEVENT of a calendar file, as a name → value map (first value wins). */
export function onlyEvent(text: string): Record<string, string> {
  const { components } = parseIcs(text);
  const events = components.filter((c) => c.type === 'VEVENT');
  if (events.length !== 1) throw new Error(`expected one VEVENT, got ${events.length}`);
  if (!components.some((c) => c.type === 'VCALENDAR')) throw new Error('no VCALENDAR');
  const out: Record<string, string> = {};
  for (const p of events[0]?.props ?? []) out[p.name] ??= p.value;
  return out;
}

/** 2026-03-01T15:00:00.000Z → 20260301T150000Z, the iCalendar UTC form. */
export const icsUtc = (iso: string): string => `${new Date(iso).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
