import { randomUUID } from 'node:crypto';
import { UUID_REFS, isStateChanging, rolesOf, type Field, type RouteSpec, type WorldIds } from './routes';

/** How a case authenticates: as the route's actor, or as one of the impostors. */
export type As =
  | 'actor'
  | 'none'
  | 'forged'
  | 'wrongSecret'
  | 'expired'
  | 'algNone'
  | 'garbage'
  | 'hugeGarbage'
  | 'revoked'
  | 'wrongRole'
  | 'foreign'
  | 'patientCookie'
  | 'staffCookie';

export type CaseBody =
  | { kind: 'none' }
  | { kind: 'json'; value: (w: WorldIds) => unknown }
  | { kind: 'raw'; contentType: string; text: (w: WorldIds) => string };

export interface Case {
  name: string;
  route: RouteSpec;
  /** `reject`: 4xx with the envelope and nothing written. `tolerate`: anything but a 5xx (payloads a field may legitimately store). */
  expect: 'reject' | 'tolerate';
  /** The statuses allowed for a `reject` case (any 4xx when absent). */
  status?: number[];
  /** For a 400 validation_failed: the field its details must name. */
  namesField?: string;
  as: As;
  /** Raw (already encoded) path parameter overrides. */
  params?: Record<string, string>;
  query?: (w: WorldIds) => string;
  headers?: Record<string, string>;
  body: CaseBody;
}

const SQLI = ["' OR '1'='1", '1; DROP TABLE staff; --', "' UNION SELECT password_hash FROM staff --"];
const SCRIPT = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)'];
const ODD_TEXT = ['\u202eevil\u202c', '{{7*7}}${7*7}', 'emoji 🙂 and accents ñ é', 'line\r\nbreak'];
const PATH_ATTACKS: [string, string][] = [
  ['path traversal', '..%2F..%2F..%2Fetc%2Fpasswd'],
  ['dot-dot', '..'],
  ['encoded NUL', 'abc%00def'],
  ['SQL injection', encodeURIComponent("1' OR '1'='1")],
  ['not a UUID', 'not-a-uuid'],
  ['a number', '12345'],
  ['UUID with junk', '00000000-0000-4000-8000-000000000000x'],
  ['very long id', 'a'.repeat(2000)],
  ['script', encodeURIComponent('<script>alert(1)</script>')],
];

/** A JSON text nested `depth` levels deep. */
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

function withField(base: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> {
  return { ...base, [field]: value };
}
function without(base: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...base };
  delete copy[field];
  return copy;
}

/** Values of the wrong JSON type for a field of this kind. */
function wrongTypes(f: Field): [string, unknown][] {
  const out: [string, unknown][] = [
    ['an object', { $gt: '' }],
    ['an array', ['x']],
  ];
  if (!['int'].includes(f.kind)) out.push(['a number', 12345]);
  if (!['bool', 'true'].includes(f.kind)) out.push(['a boolean', true]);
  if (['int', 'bool', 'true', 'uuid[]'].includes(f.kind)) out.push(['a string', 'yes']);
  if (!f.nullable) out.push(['null', null]);
  if (f.kind === 'answer') return out.filter(([n]) => n !== 'an array');
  return out;
}

/** Values of the right JSON type that no valid request carries. */
function badValues(f: Field, w?: WorldIds): [string, unknown][] {
  void w;
  const long = (n: number) => 'x'.repeat(n);
  switch (f.kind) {
    case 'text':
    case 'secret':
      return [
        ...(f.max ? ([[`${f.max + 1} characters`, long(f.max + 1)]] as [string, unknown][]) : []),
        ['60k characters', long(60_000)],
        ...(f.emptyOk || f.kind === 'secret' ? [] : ([['an empty string', '']] as [string, unknown][])),
      ];
    case 'email':
      return [
        ['not an email', 'not-an-email'],
        ['an email with a script', '<script>@x.test'],
        ['300 characters', `${long(290)}@x.test`],
        ['an empty string', ''],
      ];
    case 'uuid':
      return [
        ['not a UUID', 'not-a-uuid'],
        ['path traversal', '../../etc/passwd'],
        ['SQL injection', "' OR 1=1 --"],
        ['an empty string', ''],
        ['a UUID of nothing', randomUUID()],
      ];
    case 'uuid[]':
      return [
        ['an empty list', []],
        ['a list with a non-UUID', ['not-a-uuid']],
        ['a nested list', [[randomUUID()]]],
        ['10k UUIDs', Array.from({ length: 10_000 }, () => '00000000-0000-4000-8000-000000000000')],
        ['a repeated UUID', ['00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000000']],
        ['UUIDs of nobody', [randomUUID()]],
      ];
    case 'int':
      return [
        ['negative', -1],
        ['zero', 0],
        ['a fraction', 1.5],
        ['enormous', 1e308],
        ['beyond safe integers', 2 ** 53 + 1],
        ['below int32', -2147483649],
        ['a numeric string', '30'],
      ];
    case 'datetime':
      return [
        ['year zero', '0000-00-00T00:00:00Z'],
        ['30 February', '2030-02-30T10:00:00Z'],
        ['out-of-range clock', '2030-01-01T25:61:00Z'],
        ['far past', '1970-01-01T00:00:00Z'],
        ['far future', '9999-12-31T23:59:59Z'],
        ['beyond the Date range', '+275760-09-13T00:00:00.001Z'],
        ['no time zone', '2030-01-01T10:00:00'],
        ['a word', 'tomorrow'],
        ['epoch milliseconds', 1893456000000],
        ['an empty string', ''],
      ];
    case 'date':
      return [
        ['30 February', '2024-02-30'],
        ['year zero', '0000-00-00'],
        ['far future', '9999-12-31'],
        ['before 1900', '1899-12-31'],
        ['unpadded', '2024-1-1'],
        ['with a time', '2024-01-01T00:00:00Z'],
        ['SQL injection', "2024-01-01' OR '1'='1"],
        ...(f.emptyOk ? [] : ([['an empty string', '']] as [string, unknown][])),
      ];
    case 'bool':
      return [
        ['the string "true"', 'true'],
        ['one', 1],
      ];
    case 'true':
      return [
        ['false', false],
        ['the string "true"', 'true'],
        ['one', 1],
      ];
    case 'enum':
      return [
        ['an unknown value', 'superuser'],
        ['upper case', (f.values?.[0] ?? 'x').toUpperCase()],
        ['an empty string', ''],
        ['SQL injection', "admin' --"],
      ];
    case 'slug':
      return [
        ['one of nothing', 'no-such-thing'],
        ['path traversal', '../../etc/passwd'],
        ['SQL injection', "x' OR '1'='1"],
        ['200 characters', long(200)],
        ['an empty string', ''],
      ];
    case 'token':
      return [
        ['an empty string', ''],
        ['201 characters', long(201)],
        ['a made-up token', 'A'.repeat(43)],
        ['SQL injection', "' OR '1'='1"],
        ['path traversal', '../../../etc/passwd'],
      ];
    case 'answer':
      return [
        ['10k codes', Array.from({ length: 10_000 }, () => 'x')],
        ['a deeply nested list', JSON.parse(deepArray(200)) as unknown],
        ['60k characters', long(60_000)],
      ];
  }
}

const isTextual = (f: Field) => f.kind === 'text' || f.kind === 'answer';

/** Query-string values no valid request carries (query values are always strings). */
function queryBadValues(f: Field): [string, string][] {
  const empty: [string, string][] = f.emptyOk ? [] : [['an empty value', '']];
  switch (f.kind) {
    case 'uuid':
      return [['not a UUID', 'not-a-uuid'], ['path traversal', '../../etc/passwd'], ['SQL injection', "' OR 1=1 --"], ...empty];
    case 'datetime':
      return [
        ['year zero', '0000-00-00T00:00:00Z'],
        ['30 February', '2030-02-30T10:00:00Z'],
        ['no time zone', '2030-01-01T10:00:00'],
        ['beyond the Date range', '+275760-09-13T00:00:00.001Z'],
        ['a word', 'tomorrow'],
        ...empty,
      ];
    case 'date':
      return [
        ['30 February', '2024-02-30'],
        ['year zero', '0000-00-00'],
        ['unpadded', '2024-1-1'],
        ['five-digit year', '99999-01-01'],
        ['SQL injection', "2024-01-01' OR '1'='1"],
        ...empty,
      ];
    case 'slug':
      return [
        ['path traversal', '../../etc/passwd'],
        ['upper case', 'PHQ-9'],
        ['SQL injection', "x' OR '1'='1"],
        ['spaces', 'phq 9'],
        ...empty,
      ];
    case 'enum':
      return [['an unknown value', 'superuser'], ['upper case', (f.values?.[0] ?? 'x').toUpperCase()], ...empty];
    case 'int':
      return [
        ['negative', '-1'],
        ['a fraction', '1.5'],
        ['a word', 'abc'],
        ['exponent notation', '1e3'],
        ['20 digits', '9'.repeat(20)],
        ...empty,
      ];
    default:
      return [];
  }
}

/** Every attack case for one route. */
export function casesFor(route: RouteSpec): Case[] {
  const cases: Case[] = [];
  const add = (c: Omit<Case, 'route'>) => cases.push({ ...c, route });
  const hasBody = route.body !== undefined && route.body !== 'none';
  const validBody: CaseBody =
    route.body && route.body !== 'none'
      ? { kind: 'json', value: (route.body as Exclude<RouteSpec['body'], 'none' | undefined>).valid }
      : { kind: 'none' };

  // Who is asking: missing, forged, stale and foreign sessions.
  if (route.actor !== 'anyone') {
    for (const as of ['none', 'forged', 'wrongSecret', 'expired', 'algNone', 'garbage', 'hugeGarbage'] as const) {
      add({ name: `session: ${as}`, expect: 'reject', status: [401], as, body: validBody });
    }
    if (route.actor !== 'patient')
      add({ name: 'session: revoked by sign-out', expect: 'reject', status: [401], as: 'revoked', body: validBody });
    const roles = rolesOf(route);
    if (route.actor !== 'patient' && roles.length < 3)
      add({ name: 'session: a role not allowed', expect: 'reject', status: [403], as: 'wrongRole', body: validBody });
    // A clinician reaching for a visit or patient of someone else's care team.
    if (roles.includes('clinician') && Object.values(route.params ?? {}).some((r) => r === 'visit' || r === 'patient')) {
      add({ name: 'session: a clinician not on this visit', expect: 'reject', status: [404], as: 'foreign', body: validBody });
    }
    if (route.actor === 'patient') {
      add({ name: "session: another visit's patient", expect: 'reject', status: [404], as: 'foreign', body: validBody });
      add({
        name: 'session: a staff member instead of the patient',
        expect: 'reject',
        status: [401, 403],
        as: 'staffCookie',
        body: validBody,
      });
    } else if (!route.patientToo) {
      add({ name: 'session: a patient instead of staff', expect: 'reject', status: [401, 403], as: 'patientCookie', body: validBody });
    }
  }

  // Cross-site requests: a foreign Origin, a null Origin, a cross-site fetch.
  if (isStateChanging(route)) {
    add({
      name: 'CSRF: foreign Origin',
      expect: 'reject',
      status: [403],
      as: 'actor',
      headers: { Origin: 'https://evil.example' },
      body: validBody,
    });
    add({ name: 'CSRF: Origin null', expect: 'reject', status: [403], as: 'actor', headers: { Origin: 'null' }, body: validBody });
    add({
      name: 'CSRF: Sec-Fetch-Site cross-site',
      expect: 'reject',
      status: [403],
      as: 'actor',
      headers: { 'Sec-Fetch-Site': 'cross-site' },
      body: validBody,
    });
  }

  // Path parameters.
  for (const [name, ref] of Object.entries(route.params ?? {})) {
    const uuid = UUID_REFS.has(ref);
    for (const [label, raw] of PATH_ATTACKS) {
      add({
        name: `:${name} ${label}`,
        expect: 'reject',
        status: uuid ? [404] : [400, 404],
        as: 'actor',
        params: { [name]: raw },
        body: validBody,
      });
    }
    if (uuid) {
      add({
        name: `:${name} a UUID of nothing`,
        expect: 'reject',
        status: [404],
        as: 'actor',
        params: { [name]: randomUUID() },
        body: validBody,
      });
      add({
        name: `:${name} upper-case UUID of nothing`,
        expect: 'reject',
        status: [404],
        as: 'actor',
        params: { [name]: randomUUID().toUpperCase() },
        body: validBody,
      });
    }
  }

  // Query strings of routes that validate them.
  if (route.query) {
    add({ name: 'query: unknown parameter', expect: 'reject', status: [400], as: 'actor', query: () => 'isAdmin=true', body: validBody });
    add({
      name: 'query: __proto__ parameter',
      expect: 'reject',
      status: [400],
      as: 'actor',
      query: () => '__proto__=x&constructor=y',
      body: validBody,
    });
    for (const [field, f] of Object.entries(route.query)) {
      const q = (v: string) => () => `${encodeURIComponent(field)}=${encodeURIComponent(v)}`;
      add({ name: `query ${field}: a NUL character`, expect: 'reject', status: [400], as: 'actor', query: q('a\u0000b'), body: validBody });
      add({
        name: `query ${field}: repeated`,
        expect: 'reject',
        status: [400],
        as: 'actor',
        query: () => `${field}=a&${field}=b`,
        body: validBody,
      });
      add({
        name: `query ${field}: 5k characters`,
        expect: 'reject',
        status: [400],
        as: 'actor',
        query: q('x'.repeat(5000)),
        body: validBody,
      });
      for (const [label, value] of queryBadValues(f)) {
        add({ name: `query ${field}: ${label}`, expect: 'reject', status: [400], as: 'actor', query: q(value), body: validBody });
      }
      if (f.kind === 'text') {
        for (const p of [...SQLI, ...SCRIPT])
          add({ name: `query ${field}: payload ${p.slice(0, 24)}`, expect: 'tolerate', as: 'actor', query: q(p), body: validBody });
      }
    }
  }

  // Bodies.
  if (route.body === 'none') {
    const raw = (label: string, text: string, status = [400]) =>
      add({
        name: `no-body route: ${label}`,
        expect: 'reject',
        status,
        as: 'actor',
        body: { kind: 'raw', contentType: 'application/json', text: () => text },
      });
    raw('an unknown field', '{"evil":true}');
    raw('__proto__ key', '{"__proto__":{"polluted":true}}');
    raw('constructor key', '{"constructor":{"prototype":{"polluted":true}}}');
    raw('a non-empty array', '[1]');
    raw('a string', '"x"');
    raw('5000-deep object', deepObject(5000));
    raw('malformed JSON', '{"a":');
    raw('too large', JSON.stringify({ a: 'x'.repeat(100_000) }), [413]);
  }
  if (hasBody) {
    const spec = route.body as Exclude<RouteSpec['body'], 'none' | undefined>;
    const json = (name: string, value: (w: WorldIds) => unknown, status: number[] | undefined, namesField?: string) =>
      add({
        name,
        expect: 'reject',
        ...(status ? { status } : {}),
        ...(namesField ? { namesField } : {}),
        as: 'actor',
        body: { kind: 'json', value },
      });
    const raw = (name: string, contentType: string, text: (w: WorldIds) => string, status?: number[]) =>
      add({ name, expect: 'reject', ...(status ? { status } : {}), as: 'actor', body: { kind: 'raw', contentType, text } });
    const validText = (w: WorldIds) => JSON.stringify(spec.valid(w));
    const spliced = (w: WorldIds, extra: string) => `{${extra},${validText(w).slice(1)}`;

    raw('content type text/plain', 'text/plain', validText, [400, 415]);
    raw('content type form-urlencoded', 'application/x-www-form-urlencoded', () => 'a=1&b=2', [400, 415]);
    raw(
      'content type multipart',
      'multipart/form-data; boundary=x',
      () => '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
      [400, 415],
    );
    raw('content type XML', 'application/xml', () => '<a>1</a>', [400, 415]);
    raw('malformed JSON', 'application/json', () => '{"a":', [400]);
    raw('JSON null', 'application/json', () => 'null', [400]);
    raw('a JSON array', 'application/json', (w) => `[${validText(w)}]`, [400]);
    raw('a JSON string', 'application/json', () => '"hello"', [400]);
    raw('a JSON number', 'application/json', () => '42', [400]);
    raw('5000-deep object', 'application/json', () => deepObject(5000), [400]);
    raw('5000-deep array', 'application/json', () => deepArray(5000), [400]);
    raw('__proto__ key', 'application/json', (w) => spliced(w, '"__proto__":{"polluted":true,"role":"admin"}'), [400]);
    raw('constructor.prototype key', 'application/json', (w) => spliced(w, '"constructor":{"prototype":{"polluted":true}}'), [400]);
    raw('100k body', 'application/json', (w) => spliced(w, `"padding":"${'x'.repeat(100_000)}"`), [413]);
    raw('charset the server cannot read', 'application/json; charset=iso-8859-1', validText, [400, 415]);
    json('an unknown field', (w) => ({ ...spec.valid(w), isAdmin: true }), [400], 'isAdmin');
    if (spec.emptyRejected || Object.values(spec.fields).some((f) => f.required)) json('an empty object', () => ({}), [400]);

    for (const [field, f] of Object.entries(spec.fields)) {
      if (f.required) json(`${field}: missing`, (w) => without(spec.valid(w), field), [400], field);
      for (const [label, value] of wrongTypes(f)) json(`${field}: ${label}`, (w) => withField(spec.valid(w), field, value), [400], field);
      for (const [label, value] of badValues(f)) {
        const huge = typeof value === 'string' && value.length >= 60_000;
        const status = huge ? [400, 413] : ['uuid', 'uuid[]', 'token', 'date', 'answer', 'slug'].includes(f.kind) ? undefined : [400];
        json(`${field}: ${label}`, (w) => withField(spec.valid(w), field, value), status, status?.length === 1 ? field : undefined);
      }
      // PostgreSQL cannot store NUL in text; it must be refused up front, never reach an insert.
      json(`${field}: a NUL character`, (w) => withField(spec.valid(w), field, 'a\u0000b'), [400], field);
      json(`${field}: 100k characters`, (w) => withField(spec.valid(w), field, 'x'.repeat(100_000)), [413]);
      if (f.kind === 'email') {
        for (const p of ["o'brien--@clinic.test", 'a+<b>@clinic.test']) {
          add({
            name: `${field}: payload ${p}`,
            expect: 'tolerate',
            as: 'actor',
            body: { kind: 'json', value: (w) => withField(spec.valid(w), field, p.replace('@', `-${randomUUID().slice(0, 8)}@`)) },
          });
        }
      }
      if (isTextual(f)) {
        for (const p of [...SQLI, ...SCRIPT, ...ODD_TEXT]) {
          add({
            name: `${field}: payload ${JSON.stringify(p).slice(0, 30)}`,
            expect: 'tolerate',
            as: 'actor',
            body: { kind: 'json', value: (w) => withField(spec.valid(w), field, p) },
          });
        }
      }
    }
  }
  return cases;
}
