/**
 * THE route table of the hostile-input suite (and of the CSRF checks in tests/integration/security):
 * every HTTP route and socket event the server has, with who may call it and the shape of its input.
 * Adding a route to the server means adding one entry here; the attack cases are generated from it.
 */
import { randomUUID } from 'node:crypto';

/**
 * Who the suite calls the route as, so attacks reach validation rather than stopping at auth:
 * `clinician` is a clinician on the world's visit, `patient` that visit's joined patient,
 * `staff` any signed-in staff member, `anyone` no session at all.
 */
export type Actor = 'anyone' | 'staff' | 'admin' | 'scheduler' | 'clinician' | 'patient';

/** Things in the test world a path parameter or a valid body can point at. */
export type Ref = 'visit' | 'visitNote' | 'patient' | 'staff' | 'participant' | 'instrument' | 'checkin' | 'openCheckin' | 'checkinItem' | 'alertCode';

/** Refs whose ids are UUIDs (a malformed one must be a 404 before any query runs). */
export const UUID_REFS: ReadonlySet<Ref> = new Set(['visit', 'visitNote', 'patient', 'staff', 'participant', 'checkin', 'openCheckin']);

export type FieldKind =
  | 'text' // free text; SQL and script payloads may be accepted, and must then be stored literally
  | 'secret' // a password: any text, never echoed
  | 'email'
  | 'uuid'
  | 'uuid[]'
  | 'int'
  | 'datetime' // ISO 8601 with a zone
  | 'date' // YYYY-MM-DD
  | 'bool'
  | 'enum'
  | 'slug' // a lower-case identifier such as an instrument id
  | 'true' // the literal true
  | 'token' // an opaque link token
  | 'answer'; // a check-in answer: an option code, a list of codes, or text

export interface Field {
  kind: FieldKind;
  required?: boolean;
  /** null is a valid value (clears the field). */
  nullable?: boolean;
  /** '' is a valid value (means "not given"). */
  emptyOk?: boolean;
  /** Longest accepted string. */
  max?: number;
  /** Accepted values of an enum. */
  values?: readonly string[];
}

/** What the suite knows about the world when it builds a valid request. */
export interface WorldIds {
  visit: string;
  patient: string;
  staff: string;
  participant: string;
  otherVisit: string;
  clinician: string;
  instrument: string;
  /** A shared PHQ-9 with a standing safety alert. */
  checkin: string;
  /** An unshared sexual-health check-in; `checkinItem` is its free-text note. */
  openCheckin: string;
  checkinItem: string;
  alertCode: string;
  token: string;
  dateOfBirth: string;
  /** The world clinician's note on the world's visit. */
  visitNote: string;
  adminEmail: string;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  actor: Actor;
  /**
   * Every staff role the route admits when that is more than the actor's own (e.g. clinicians may
   * also read visits, only their own). Decides which "wrong role" and "someone else's" cases apply.
   */
  roles?: ('admin' | 'scheduler' | 'clinician')[];
  /** A patient session may use this staff route too (so "a patient instead of staff" is no attack here). */
  patientToo?: boolean;
  /** Path parameters and what each names. */
  params?: Record<string, Ref>;
  /** JSON body fields; `'none'` for routes that take no body. GETs have neither. */
  body?: { fields: Record<string, Field>; valid: (w: WorldIds) => Record<string, unknown>; emptyRejected?: boolean } | 'none';
  /** Query parameters of a route that validates its query strictly (unknown ones are refused). */
  query?: Record<string, Field>;
  /** Tables a refused request may still write by design (e.g. counting failed date-of-birth checks). */
  mayWrite?: string[];
  /** Set while the route is known to fail a generated case: { case-name substring: why }. Keep empty. */
  known?: Record<string, string>;
}

const STAFF_ROLES = ['admin', 'scheduler', 'clinician'] as const;
const LANGS = ['en', 'es'] as const;
const WAITING_PRESETS = ['running_late_5', 'running_late_10', 'running_late_15', 'starting_soon'] as const;

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

const participantAction = {
  fields: { participantId: { kind: 'uuid', required: true } },
  valid: (w: WorldIds) => ({ participantId: w.participant }),
} satisfies RouteSpec['body'];

const auditFilters: Record<string, Field> = {
  from: { kind: 'date' },
  to: { kind: 'date' },
  actorId: { kind: 'uuid' },
  patientId: { kind: 'uuid' },
  action: { kind: 'enum', values: ['auth.sign_in', 'patient.read'] },
};

export const ROUTES: RouteSpec[] = [
  // auth
  {
    method: 'POST',
    path: '/api/auth/login',
    actor: 'anyone',
    body: {
      fields: { email: { kind: 'text', required: true, emptyOk: true, max: 254 }, password: { kind: 'secret', required: true, max: 1024 } },
      valid: (w) => ({ email: w.adminEmail, password: 'not the password' }),
    },
  },
  { method: 'POST', path: '/api/auth/logout', actor: 'staff', body: 'none' },
  { method: 'GET', path: '/api/auth/me', actor: 'staff' },
  { method: 'POST', path: '/api/auth/invitation', actor: 'anyone', body: { fields: { token: { kind: 'token', required: true } }, valid: (w) => ({ token: w.token }) } },
  {
    method: 'POST',
    path: '/api/auth/invitation/accept',
    actor: 'anyone',
    body: {
      fields: {
        token: { kind: 'token', required: true },
        password: { kind: 'secret', required: true, max: 1024 },
        email: { kind: 'email', max: 254 },
        name: { kind: 'text', max: 120 },
      },
      valid: (w) => ({ token: w.token, password: 'tulip orbit canvas harbour' }),
    },
  },
  {
    method: 'POST',
    path: '/api/auth/password',
    actor: 'staff',
    body: {
      fields: { currentPassword: { kind: 'secret', required: true, max: 1024 }, newPassword: { kind: 'secret', required: true, max: 1024 } },
      valid: () => ({ currentPassword: 'not the password', newPassword: 'tulip orbit canvas harbour' }),
    },
  },
  {
    method: 'POST',
    path: '/api/auth/second-factor',
    actor: 'anyone',
    body: { fields: { code: { kind: 'text', required: true, max: 64 } }, valid: () => ({ code: '123456' }) },
  },
  { method: 'GET', path: '/api/auth/totp', actor: 'staff' },
  { method: 'GET', path: '/api/auth/sso', actor: 'anyone' },
  { method: 'POST', path: '/api/auth/sso/start', actor: 'anyone', body: 'none' },
  {
    method: 'POST',
    path: '/api/auth/sso/callback',
    actor: 'anyone',
    body: {
      fields: { code: { kind: 'text', required: true, max: 2048 }, state: { kind: 'text', required: true, max: 512 }, iss: { kind: 'text', max: 2048 } },
      valid: () => ({ code: 'a-code', state: 'a-state' }),
    },
  },
  { method: 'POST', path: '/api/auth/totp/enrol', actor: 'staff', body: 'none' },
  {
    method: 'POST',
    path: '/api/auth/totp/confirm',
    actor: 'staff',
    body: { fields: { code: { kind: 'text', required: true, max: 6 } }, valid: () => ({ code: '123456' }) },
  },

  // staff accounts
  { method: 'GET', path: '/api/staff', actor: 'admin' },
  {
    method: 'POST',
    path: '/api/staff',
    actor: 'admin',
    body: {
      fields: {
        email: { kind: 'email', required: true, max: 254 },
        name: { kind: 'text', required: true, max: 120 },
        role: { kind: 'enum', required: true, values: STAFF_ROLES },
      },
      valid: () => ({ email: `hostile-${randomUUID()}@clinic.test`, name: 'Hostile Suite', role: 'clinician' }),
    },
  },
  {
    method: 'PATCH',
    path: '/api/staff/:id',
    actor: 'admin',
    params: { id: 'staff' },
    body: {
      fields: { name: { kind: 'text', max: 120 }, role: { kind: 'enum', values: STAFF_ROLES }, active: { kind: 'bool' } },
      valid: () => ({ name: 'Renamed By Suite' }),
      emptyRejected: true,
    },
  },
  { method: 'POST', path: '/api/staff/:id/reset-password', actor: 'admin', params: { id: 'staff' }, body: 'none' },
  { method: 'POST', path: '/api/staff/:id/reset-2fa', actor: 'admin', params: { id: 'staff' }, body: 'none' },

  // patients
  {
    method: 'POST',
    path: '/api/patients',
    actor: 'scheduler',
    body: {
      fields: {
        displayName: { kind: 'text', required: true, max: 120 },
        preferredName: { kind: 'text', nullable: true, emptyOk: true, max: 120 },
        pronouns: { kind: 'text', nullable: true, emptyOk: true, max: 40 },
        preferredLanguage: { kind: 'enum', values: LANGS },
        dateOfBirth: { kind: 'date', nullable: true, emptyOk: true },
        externalId: { kind: 'text', nullable: true, emptyOk: true, max: 64 },
      },
      valid: () => ({ displayName: 'Suite Patient', preferredLanguage: 'en' }),
    },
  },
  {
    method: 'GET',
    path: '/api/patients',
    actor: 'scheduler',
    roles: ['scheduler', 'admin', 'clinician'],
    query: { q: { kind: 'text', max: 120, emptyOk: true } },
  },
  { method: 'GET', path: '/api/patients/:id', actor: 'scheduler', roles: ['scheduler', 'admin', 'clinician'], params: { id: 'patient' } },
  // Clinicians only (others 403, tested in tests/integration/patients/my-patients.test.ts: the table's
  // "wrong role" for a clinician route is another clinician, who may ask for their own list).
  { method: 'GET', path: '/api/patients/mine', actor: 'clinician', query: { q: { kind: 'text', max: 120, emptyOk: true } } },
  { method: 'GET', path: '/api/patients/:id/chart', actor: 'clinician', params: { id: 'patient' }, query: {} },
  { method: 'GET', path: '/api/patients/:id/care-team', actor: 'scheduler', roles: ['scheduler', 'admin', 'clinician'], params: { id: 'patient' } },
  {
    method: 'PUT',
    path: '/api/patients/:id/care-team',
    actor: 'scheduler',
    roles: ['scheduler', 'admin', 'clinician'],
    params: { id: 'patient' },
    body: {
      // A list of { staffId, role, isCoordinator } objects; the table has no kind for that, and every wrong
      // type, string and payload the 'text' kind generates must be refused as a list just the same.
      fields: { members: { kind: 'text', required: true } },
      valid: (w) => ({ members: [{ staffId: w.clinician, role: 'psychiatry', isCoordinator: true }] }),
    },
  },
  { method: 'GET', path: '/api/clinicians', actor: 'scheduler', roles: ['scheduler', 'admin', 'clinician'] },

  // visits
  {
    method: 'POST',
    path: '/api/visits',
    actor: 'scheduler',
    body: {
      fields: {
        patientId: { kind: 'uuid', required: true },
        clinicianIds: { kind: 'uuid[]', required: true },
        startsAt: { kind: 'datetime', required: true },
        durationMinutes: { kind: 'int', required: true },
        reason: { kind: 'text', nullable: true, emptyOk: true, max: 500 },
      },
      valid: (w) => ({ patientId: w.patient, clinicianIds: [w.clinician], startsAt: inAnHour(), durationMinutes: 30 }),
    },
  },
  {
    method: 'GET',
    path: '/api/visits',
    actor: 'scheduler',
    roles: ['scheduler', 'admin', 'clinician'],
    query: { from: { kind: 'datetime' }, to: { kind: 'datetime' }, clinicianId: { kind: 'uuid' } },
  },
  { method: 'GET', path: '/api/visits/:id', actor: 'scheduler', roles: ['scheduler', 'admin', 'clinician'], params: { id: 'visit' } },
  {
    method: 'PATCH',
    path: '/api/visits/:id',
    actor: 'scheduler',
    params: { id: 'visit' },
    body: {
      fields: {
        startsAt: { kind: 'datetime' },
        durationMinutes: { kind: 'int' },
        clinicianIds: { kind: 'uuid[]' },
        reason: { kind: 'text', nullable: true, emptyOk: true, max: 500 },
      },
      valid: () => ({ durationMinutes: 45 }),
      emptyRejected: true,
    },
  },
  { method: 'POST', path: '/api/visits/:id/cancel', actor: 'scheduler', params: { id: 'visit' }, body: 'none' },
  { method: 'POST', path: '/api/visits/:id/patient-link', actor: 'scheduler', params: { id: 'visit' }, body: 'none' },
  {
    method: 'GET',
    path: '/api/visits/:id/patient-link/lock',
    actor: 'scheduler',
    roles: ['scheduler', 'admin', 'clinician'],
    params: { id: 'visit' },
  },
  {
    method: 'POST',
    path: '/api/visits/:id/patient-link/unlock',
    actor: 'scheduler',
    roles: ['scheduler', 'admin', 'clinician'],
    params: { id: 'visit' },
    body: 'none',
  },
  {
    method: 'GET',
    path: '/api/visits/:id/calendar.ics',
    actor: 'scheduler',
    roles: ['scheduler', 'admin', 'clinician'],
    params: { id: 'visit' },
  },
  {
    method: 'POST',
    path: '/api/visits/:id/patient-invite.ics',
    actor: 'scheduler',
    params: { id: 'visit' },
    body: { fields: { token: { kind: 'token', required: true, max: 200 } }, valid: (w) => ({ token: w.token }) },
  },

  // the patient's way in
  {
    method: 'POST',
    path: '/api/join',
    actor: 'anyone',
    body: {
      fields: { token: { kind: 'token', required: true, max: 200 }, dateOfBirth: { kind: 'date' } },
      valid: (w) => ({ token: w.token, dateOfBirth: w.dateOfBirth }),
    },
    mayWrite: ['dob_failures'],
  },
  {
    method: 'POST',
    path: '/api/visits/:id/consent',
    actor: 'patient',
    params: { id: 'visit' },
    body: {
      fields: { version: { kind: 'text', required: true, max: 40 }, accepted: { kind: 'true', required: true } },
      valid: () => ({ version: '2026-11-27', accepted: true }),
    },
  },
  { method: 'POST', path: '/api/visits/:id/waiting-room', actor: 'patient', params: { id: 'visit' }, body: 'none' },
  { method: 'POST', path: '/api/visits/:id/leave', actor: 'patient', params: { id: 'visit' }, body: 'none' },

  // the clinician's waiting list and call
  { method: 'POST', path: '/api/visits/:id/admit', actor: 'clinician', params: { id: 'visit' }, body: participantAction },
  { method: 'POST', path: '/api/visits/:id/deny', actor: 'clinician', params: { id: 'visit' }, body: participantAction },
  { method: 'POST', path: '/api/visits/:id/return-to-waiting', actor: 'clinician', params: { id: 'visit' }, body: participantAction },
  {
    method: 'POST',
    path: '/api/visits/:id/participants/:participantId/remove',
    actor: 'clinician',
    params: { id: 'visit', participantId: 'participant' },
    body: 'none',
  },
  { method: 'POST', path: '/api/visits/:id/end', actor: 'clinician', params: { id: 'visit' }, body: 'none' },
  {
    method: 'PUT',
    path: '/api/visits/:id/waiting-message',
    actor: 'clinician',
    params: { id: 'visit' },
    body: {
      fields: { preset: { kind: 'enum', nullable: true, values: WAITING_PRESETS }, text: { kind: 'text', nullable: true, max: 140 } },
      valid: () => ({ preset: 'running_late_5' }),
    },
  },
  { method: 'POST', path: '/api/visits/:id/video-token', actor: 'clinician', patientToo: true, params: { id: 'visit' }, body: 'none' },
  { method: 'GET', path: '/api/video/config', actor: 'staff', patientToo: true },

  // instruments
  { method: 'GET', path: '/api/instruments', actor: 'staff', query: { lang: { kind: 'enum', values: LANGS } } },
  {
    method: 'GET',
    path: '/api/instruments/:id',
    actor: 'staff',
    patientToo: true,
    params: { id: 'instrument' },
    query: { lang: { kind: 'enum', values: LANGS } },
  },

  // check-ins
  {
    method: 'POST',
    path: '/api/visits/:id/checkins',
    actor: 'clinician',
    params: { id: 'visit' },
    body: {
      fields: { instrumentId: { kind: 'slug' }, instrumentIds: { kind: 'uuid[]' } },
      valid: () => ({ instrumentId: 'gad-7' }),
      emptyRejected: true,
    },
  },
  {
    method: 'GET',
    path: '/api/visits/:id/checkins',
    actor: 'clinician',
    patientToo: true,
    params: { id: 'visit' },
    query: { lang: { kind: 'enum', values: LANGS } },
  },
  {
    method: 'GET',
    path: '/api/checkins/:id',
    actor: 'clinician',
    patientToo: true,
    params: { id: 'checkin' },
    query: { lang: { kind: 'enum', values: LANGS } },
  },
  {
    method: 'PUT',
    path: '/api/checkins/:id/answers/:linkId',
    actor: 'patient',
    params: { id: 'openCheckin', linkId: 'checkinItem' },
    body: { fields: { value: { kind: 'answer', required: true } }, valid: () => ({ value: 'A private note' }) },
  },
  {
    method: 'DELETE',
    path: '/api/checkins/:id/answers/:linkId',
    actor: 'patient',
    params: { id: 'openCheckin', linkId: 'checkinItem' },
    body: 'none',
  },
  {
    method: 'POST',
    path: '/api/checkins/:id/submit',
    actor: 'patient',
    params: { id: 'openCheckin' },
    body: 'none',
    query: { lang: { kind: 'enum', values: LANGS } },
  },
  { method: 'GET', path: '/api/checkins/:id/fhir', actor: 'clinician', params: { id: 'checkin' } },
  {
    method: 'POST',
    path: '/api/checkins/:id/alerts/:code/acknowledge',
    actor: 'clinician',
    params: { id: 'checkin', code: 'alertCode' },
    body: 'none',
  },
  {
    method: 'GET',
    path: '/api/patients/:id/checkins',
    actor: 'clinician',
    params: { id: 'patient' },
    query: { instrumentId: { kind: 'slug' } },
  },
  { method: 'GET', path: '/api/patients/:id/measurement-plan', actor: 'clinician', params: { id: 'patient' } },
  {
    method: 'PUT',
    path: '/api/patients/:id/measurement-plan',
    actor: 'clinician',
    params: { id: 'patient' },
    body: {
      // A list of { instrumentId, frequency } objects; the table has no kind for that, and every wrong
      // type, string and payload the 'text' kind generates must be refused as a list just the same.
      fields: { items: { kind: 'text', required: true } },
      // Empty: the valid plan clears the world patient's plan, so the waiting-room controls send nothing extra.
      valid: () => ({ items: [] }),
    },
  },
  // the care plan: the sub-item ids name the world's patient (no such item: 404 after the body checks);
  // the positive controls give the ids of items the earlier controls made
  { method: 'GET', path: '/api/patients/:id/care-plan', actor: 'clinician', params: { id: 'patient' } },
  {
    method: 'POST',
    path: '/api/patients/:id/care-plan/goals',
    actor: 'clinician',
    params: { id: 'patient' },
    body: { fields: { text: { kind: 'text', required: true, max: 500 }, ownerId: { kind: 'uuid', nullable: true } }, valid: () => ({ text: 'Sleep through the night' }) },
  },
  {
    method: 'PATCH',
    path: '/api/patients/:id/care-plan/goals/:goalId',
    actor: 'clinician',
    params: { id: 'patient', goalId: 'patient' },
    body: {
      fields: { text: { kind: 'text', max: 500 }, ownerId: { kind: 'uuid', nullable: true }, status: { kind: 'enum', values: ['active', 'met', 'dropped'] } },
      valid: () => ({ status: 'met' }),
      emptyRejected: true,
    },
  },
  {
    method: 'POST',
    path: '/api/patients/:id/care-plan/problems',
    actor: 'clinician',
    params: { id: 'patient' },
    body: { fields: { text: { kind: 'text', required: true, max: 500 }, ownerId: { kind: 'uuid', nullable: true } }, valid: () => ({ text: 'Low desire' }) },
  },
  {
    method: 'PATCH',
    path: '/api/patients/:id/care-plan/problems/:problemId',
    actor: 'clinician',
    params: { id: 'patient', problemId: 'patient' },
    body: {
      fields: { text: { kind: 'text', max: 500 }, ownerId: { kind: 'uuid', nullable: true }, status: { kind: 'enum', values: ['active', 'resolved'] } },
      valid: () => ({ status: 'resolved' }),
      emptyRejected: true,
    },
  },
  {
    method: 'POST',
    path: '/api/patients/:id/care-plan/medications',
    actor: 'clinician',
    params: { id: 'patient' },
    body: {
      fields: {
        name: { kind: 'text', required: true, max: 200 },
        dose: { kind: 'text', max: 200, nullable: true, emptyOk: true },
        startedOn: { kind: 'date', required: true },
        prescriber: { kind: 'text', max: 200, nullable: true, emptyOk: true },
        watchSexualSideEffects: { kind: 'bool' },
      },
      valid: () => ({ name: 'Sertraline', dose: '50 mg', startedOn: '2024-01-15', watchSexualSideEffects: true }),
    },
  },
  {
    method: 'PATCH',
    path: '/api/patients/:id/care-plan/medications/:mid',
    actor: 'clinician',
    params: { id: 'patient', mid: 'patient' },
    body: {
      fields: { prescriber: { kind: 'text', max: 200, nullable: true, emptyOk: true }, watchSexualSideEffects: { kind: 'bool' } },
      valid: () => ({ watchSexualSideEffects: false }),
      emptyRejected: true,
    },
  },
  {
    method: 'POST',
    path: '/api/patients/:id/care-plan/medications/:mid/dose-changes',
    actor: 'clinician',
    params: { id: 'patient', mid: 'patient' },
    body: { fields: { dose: { kind: 'text', required: true, max: 200 }, on: { kind: 'date', required: true } }, valid: () => ({ dose: '100 mg', on: '2024-02-01' }) },
  },
  {
    method: 'POST',
    path: '/api/patients/:id/care-plan/medications/:mid/stop',
    actor: 'clinician',
    params: { id: 'patient', mid: 'patient' },
    body: { fields: { on: { kind: 'date', required: true } }, valid: () => ({ on: '2024-03-01' }) },
  },
  {
    method: 'POST',
    path: '/api/patients/:id/care-plan/referrals',
    actor: 'clinician',
    params: { id: 'patient' },
    body: {
      fields: {
        to: { kind: 'text', required: true, max: 200 },
        reason: { kind: 'text', required: true, max: 1000 },
        status: { kind: 'enum', values: ['proposed', 'sent', 'accepted', 'completed', 'declined'] },
        referredOn: { kind: 'date', required: true },
      },
      valid: () => ({ to: 'Sleep clinic', reason: 'Insomnia', referredOn: '2024-01-20' }),
    },
  },
  {
    method: 'PATCH',
    path: '/api/patients/:id/care-plan/referrals/:referralId',
    actor: 'clinician',
    params: { id: 'patient', referralId: 'patient' },
    body: {
      fields: {
        to: { kind: 'text', max: 200 },
        reason: { kind: 'text', max: 1000 },
        status: { kind: 'enum', values: ['proposed', 'sent', 'accepted', 'completed', 'declined'] },
        on: { kind: 'date' },
      },
      valid: () => ({ status: 'sent', on: '2024-01-21' }),
      emptyRejected: true,
    },
  },
  { method: 'GET', path: '/api/patients/:id/fhir', actor: 'clinician', params: { id: 'patient' } },

  // visit notes: clinicians with clinical access to the patient only (everyone else 404)
  {
    method: 'GET',
    path: '/api/visits/:id/notes',
    actor: 'clinician',
    params: { id: 'visit' },
  },
  {
    method: 'POST',
    path: '/api/visits/:id/notes',
    actor: 'clinician',
    params: { id: 'visit' },
    body: {
      fields: { summary: { kind: 'text', max: 4000, emptyOk: true }, plan: { kind: 'text', max: 4000, emptyOk: true }, handoff: { kind: 'text', max: 4000, emptyOk: true } },
      valid: () => ({ summary: 'Summary', plan: 'Plan', handoff: 'For the next clinician' }),
      emptyRejected: true,
    },
  },
  {
    method: 'PATCH',
    path: '/api/visit-notes/:id',
    actor: 'clinician',
    params: { id: 'visitNote' },
    body: {
      fields: { summary: { kind: 'text', max: 4000, emptyOk: true }, plan: { kind: 'text', max: 4000, emptyOk: true }, handoff: { kind: 'text', max: 4000, emptyOk: true } },
      valid: () => ({ plan: 'A changed plan' }),
      emptyRejected: true,
    },
  },
  {
    method: 'POST',
    path: '/api/visit-notes/:id/amendments',
    actor: 'clinician',
    params: { id: 'visitNote' },
    body: { fields: { text: { kind: 'text', required: true, max: 4000 } }, valid: () => ({ text: 'An amendment' }) },
  },
  { method: 'GET', path: '/api/patients/:id/notes', actor: 'clinician', params: { id: 'patient' } },
  // audit trail
  { method: 'GET', path: '/api/audit', actor: 'admin', query: { ...auditFilters, limit: { kind: 'int' }, cursor: { kind: 'int' } } },
  { method: 'GET', path: '/api/audit/verify', actor: 'admin', query: {} },
  { method: 'GET', path: '/api/audit.csv', actor: 'admin', query: auditFilters },
];

/** Socket events a client may emit, with who emits them and a valid payload. */
export interface SocketEventSpec {
  event: string;
  actor: 'clinician' | 'patient';
  valid: (w: WorldIds) => unknown;
}

export const SOCKET_EVENTS: SocketEventSpec[] = [
  { event: 'visit:watch', actor: 'clinician', valid: (w) => ({ visitId: w.visit }) },
  { event: 'visit:unwatch', actor: 'clinician', valid: (w) => ({ visitId: w.visit }) },
];

/** The route's path with its parameters filled in (values are URL-encoded unless `raw`). */
export function fillPath(route: RouteSpec, values: Record<string, string>, raw = false): string {
  return route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for :${name} in ${route.path}`);
    return raw ? v : encodeURIComponent(v);
  });
}

export const isStateChanging = (r: RouteSpec) => r.method !== 'GET';

/** The staff roles a route admits (empty for patient and anonymous routes). */
export function rolesOf(r: RouteSpec): ('admin' | 'scheduler' | 'clinician')[] {
  if (r.roles) return r.roles;
  switch (r.actor) {
    case 'admin':
      return ['admin'];
    case 'scheduler':
      return ['scheduler', 'admin'];
    case 'clinician':
    case 'staff':
      return ['admin', 'scheduler', 'clinician'];
    case 'patient':
    case 'anyone':
      return [];
  }
}

/** POST /api/livekit/webhook: signed by LiveKit, not by a session, so it has its own cases. */
export const WEBHOOK_PATH = '/api/livekit/webhook';
