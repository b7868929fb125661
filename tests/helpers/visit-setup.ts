import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { ServerProcess } from './server-process';

const run = promisify(execFile);

/**
 * Adds a staff account with the real staff CLI against the server's database, then sets its
 * password the way a person does: through the one-time link the CLI prints. Returns the password.
 * The CLI runs asynchronously, so this process keeps serving its own sockets meanwhile.
 */
export async function addStaffWithCli(
  server: ServerProcess,
  input: { email: string; name: string; role: 'admin' | 'scheduler' | 'clinician' },
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'server/auth/staff-cli.ts', 'invite', '--email', input.email, '--name', input.name, '--role', input.role],
    { env: { ...process.env, DATABASE_URL: server.databaseUrl, LOG_LEVEL: 'silent' }, encoding: 'utf8' },
  );
  const token = /\/invite\/(\S+)/.exec(stdout)?.[1];
  if (!token) throw new Error('the staff CLI printed no invitation link');
  const password = `harbour lantern ${randomBytes(6).toString('hex')} quartz`;
  const accepted = await fetch(`${server.url}/api/auth/invitation/accept`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Connection: 'close' },
    body: JSON.stringify({ token, password }),
  });
  if (!accepted.ok) throw new Error(`the invitation was refused: ${accepted.status} ${await accepted.text()}`);
  return password;
}

/** A minimal HTTP client that keeps the session cookie, as a script outside the browser would. */
export class ApiClient {
  private cookies = new Map<string, string>();
  constructor(private readonly baseUrl: string) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(this.cookies.size ? { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async signIn(email: string, password: string): Promise<void> {
    const r = await this.request('POST', '/api/auth/login', { email, password });
    if (r.status !== 200) throw new Error(`sign-in failed: ${r.status}`);
  }
}

export interface CreatedVisit {
  visitId: string;
  joinPath: string;
}

/** Creates a patient and a visit starting now through the API, as a scheduler. */
export async function createVisitAsScheduler(
  scheduler: ApiClient,
  opts: { clinicianIds: string[]; preferredLanguage?: 'en' | 'es'; dateOfBirth?: string; preferredName?: string; startsInMinutes?: number },
): Promise<CreatedVisit> {
  const patient = await scheduler.request<{ patient: { id: string } }>('POST', '/api/patients', {
    displayName: 'Robin Example',
    preferredName: opts.preferredName ?? 'Robin',
    pronouns: 'they/them',
    preferredLanguage: opts.preferredLanguage ?? 'en',
    ...(opts.dateOfBirth ? { dateOfBirth: opts.dateOfBirth } : {}),
  });
  if (patient.status !== 201) throw new Error(`patient not created: ${patient.status} ${JSON.stringify(patient.body)}`);
  const visit = await scheduler.request<{ visit: { id: string }; patientLink: { url: string } }>('POST', '/api/visits', {
    patientId: patient.body.patient.id,
    clinicianIds: opts.clinicianIds,
    startsAt: new Date(Date.now() + (opts.startsInMinutes ?? 0) * 60_000).toISOString(),
    durationMinutes: 30,
    reason: 'Follow-up (staff only)',
  });
  if (visit.status !== 201) throw new Error(`visit not created: ${visit.status} ${JSON.stringify(visit.body)}`);
  return { visitId: visit.body.visit.id, joinPath: new URL(visit.body.patientLink.url).pathname };
}

/** The id of a staff member, read back through the API as that staff member. */
export async function staffId(client: ApiClient): Promise<string> {
  const me = await client.request<{ user: { id: string } }>('GET', '/api/auth/me');
  return me.body.user.id;
}

/**
 * The staff most browser tests start with, added with the real CLI: Sam Scheduler and the clinician
 * Dr. Ana Rivera (rivera@clinic.test), each signed in over the API at `baseUrl` (the server, or a
 * balancer in front of it). Returns the scheduler's client, the clinician's id and password.
 */
export async function clinicStaff(server: ServerProcess, baseUrl = server.url): Promise<{ scheduler: ApiClient; clinicianId: string; clinicianPassword: string }> {
  const schedulerPassword = await addStaffWithCli(server, { email: 'scheduler@clinic.test', name: 'Sam Scheduler', role: 'scheduler' });
  const clinicianPassword = await addStaffWithCli(server, { email: 'rivera@clinic.test', name: 'Dr. Ana Rivera', role: 'clinician' });
  const scheduler = new ApiClient(baseUrl);
  await scheduler.signIn('scheduler@clinic.test', schedulerPassword);
  const clinician = new ApiClient(baseUrl);
  await clinician.signIn('rivera@clinic.test', clinicianPassword);
  return { scheduler, clinicianId: await staffId(clinician), clinicianPassword };
}
