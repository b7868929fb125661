import { isIP } from 'node:net';
import { z } from 'zod';
import type { PgTimeouts, SqliteSynchronous } from './db/database';
import { CrisisResourcesSchema, DEFAULT_CRISIS_RESOURCES, type CrisisResources } from '@shared/api/checkins.schema';

const DEV_LIVEKIT_KEY = 'devkey';
const DEV_LIVEKIT_SECRET = 'secret';
const DEV_SESSION_SECRET = 'alcove-development-session-secret-not-for-production';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const positiveInt = z.coerce.number().int().positive();

/** proxy-addr's named ranges, which Express accepts in a trust-proxy list. */
const PROXY_PRESETS = ['loopback', 'linklocal', 'uniquelocal'];

/** One trust-proxy list item: a named range, an address, or a subnet (CIDR prefix, or an IPv4 netmask). */
function isProxyAddress(item: string): boolean {
  if (PROXY_PRESETS.includes(item)) return true;
  const [address = '', range, ...rest] = item.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) >= 1 && Number(range) <= (family === 4 ? 32 : 128);
  if (family !== 4 || isIP(range) !== 4) return false;
  // A netmask must be contiguous ones then zeros, and not all zeros (Express refuses the rest at start).
  const mask = range.split('.').reduce((m, octet) => m * 256 + Number(octet), 0);
  const hostBits = 2 ** 32 - 1 - mask;
  return mask !== 0 && (hostBits & (hostBits + 1)) === 0;
}

const TRUST_PROXY_FORMS =
  'must be true, false, a hop count (e.g. 1), or a comma list of proxy addresses, subnets (CIDR) or loopback/linklocal/uniquelocal';

/**
 * Which peers may set X-Forwarded-For, in Express's own forms. The default trusts nobody: a
 * client's forged header then changes neither its rate-limit key nor the address in the audit.
 */
const trustProxy = z.string().transform((raw, ctx): boolean | number | string[] => {
  const v = raw.trim();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops <= 32) return hops === 0 ? false : hops;
  } else {
    const items = v.split(',').map((s) => s.trim());
    const bad = items.filter((item) => !isProxyAddress(item));
    if (!bad.length) return items;
    ctx.addIssue({ code: 'custom', message: `${TRUST_PROXY_FORMS}; not: ${bad.map((b) => JSON.stringify(b)).join(', ')}` });
    return z.NEVER;
  }
  ctx.addIssue({ code: 'custom', message: TRUST_PROXY_FORMS });
  return z.NEVER;
});
/** A rate-limit window; fractions allowed (tests use a second or two). */
const windowMinutes = z.coerce.number().positive().max(24 * 60);

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: z
      .string()
      .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:PATH or postgres://…')
      .default('sqlite:./data/alcove.db'),
    DB_WAIT_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
    SQLITE_SYNCHRONOUS: z.enum(['full', 'normal']).default('full'),
    DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    SESSION_SECRET: z.string().optional(),
    SESSION_TTL_MINUTES: positiveInt.max(24 * 60).default(30),
    LIVEKIT_URL: z.url({ protocol: /^wss?$/ }).optional(),
    LIVEKIT_API_KEY: z.string().min(1).default(DEV_LIVEKIT_KEY),
    LIVEKIT_API_SECRET: z.string().min(1).default(DEV_LIVEKIT_SECRET),
    ALLOWED_ORIGINS: z.string().default(''),
    TRUST_PROXY: trustProxy.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    LOGIN_LIMIT_PER_ACCOUNT: positiveInt.default(5),
    LOGIN_LIMIT_PER_ADDRESS: positiveInt.default(30),
    LOGIN_LIMIT_WINDOW_MINUTES: windowMinutes.default(15),
    LOGIN_LIMIT_ACCOUNT_WIDE: positiveInt.default(50),
    ADMIN_EMAIL: z.email().max(254).optional(),
    STAFF_INVITE_HOURS: positiveInt.max(24 * 14).default(72),
    JOIN_LIMIT_WINDOW_MINUTES: windowMinutes.default(15),
    VIDEO_TOKEN_LIMIT_PER_PARTICIPANT: positiveInt.default(30),
    VIDEO_TOKEN_LIMIT_WINDOW_MINUTES: windowMinutes.default(1),
    ANSWER_LIMIT_PER_PARTICIPANT: positiveInt.default(600),
    ANSWER_LIMIT_WINDOW_MINUTES: windowMinutes.default(10),
    RATE_LIMIT_REDIS_PREFIX: z.string().min(1).max(100).default('alcove:rl:'),
    REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(200),
    REALTIME_REDIS_PREFIX: z.string().min(1).max(100).default('alcove:io'),
    SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(8000).default(0),
    BODY_LIMIT_KB: positiveInt.max(1024).default(64),
    PRESENCE_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    SOCKET_PING_INTERVAL_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
    SOCKET_PING_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(5000),
    ALERT_REPUSH_AFTER_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
    CARE_RELATIONSHIP_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
    VISIT_NOTE_EDIT_MINUTES: z.coerce.number().int().min(0).max(525_600).default(1440),
    MAX_IN_FLIGHT_REQUESTS: z.coerce.number().int().min(0).max(100_000).default(64),
    MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(100),
    INSTRUMENTS_DIR: z.string().min(1).optional(),
    E2EE_ENABLED: bool.default(true),
    E2EE_ALLOW_UNENCRYPTED: bool.default(false),
    JOIN_OPENS_MINUTES_BEFORE: z.coerce.number().int().min(0).max(24 * 60).default(30),
    JOIN_GRACE_MINUTES: z.coerce.number().int().min(0).max(24 * 60).default(60),
    JOIN_LIMIT_PER_ADDRESS: positiveInt.default(60),
    CLINIC_NAME: z.string().trim().min(1).max(120).default('Alcove Clinic'),
    REQUIRE_2FA_FOR: z
      .string()
      .transform((s) => [...new Set(s.split(',').map((r) => r.trim()).filter(Boolean))])
      .pipe(z.array(z.enum(['admin', 'scheduler', 'clinician'], { message: 'must list roles: admin, scheduler, clinician' })))
      .optional(),
    OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    OIDC_CLIENT_ID: z.string().min(1).max(512).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).max(2048).optional(),
    OIDC_BUTTON_LABEL: z.string().trim().min(1).max(80).default('Sign in with your clinic account'),
    SSO_ONLY: bool.default(false),
    CRISIS_RESOURCES: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be JSON (see .env.example)' });
          return z.NEVER;
        }
      })
      .pipe(CrisisResourcesSchema)
      .optional(),
  })
  .superRefine((env, ctx) => {
    const oidcSet = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET].filter((v) => v !== undefined).length;
    if (oidcSet !== 0 && oidcSet !== 3) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together' });
    }
    if (env.SSO_ONLY && oidcSet !== 3) {
      ctx.addIssue({ code: 'custom', path: ['SSO_ONLY'], message: 'needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET' });
    }
    if (env.NODE_ENV !== 'production') return;
    if (env.OIDC_ISSUER && !env.OIDC_ISSUER.startsWith('https:')) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'must be https:// in production' });
    }
    if (!env.SESSION_SECRET || env.SESSION_SECRET.length < 32) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET'],
        message: 'is required in production and must be at least 32 characters',
      });
    }
    if (env.LIVEKIT_API_KEY === DEV_LIVEKIT_KEY || env.LIVEKIT_API_SECRET === DEV_LIVEKIT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['LIVEKIT_API_SECRET'],
        message: 'the development LiveKit key/secret (devkey/secret) are refused in production',
      });
    }
    if (env.LIVEKIT_API_SECRET.length < 32 && env.LIVEKIT_API_SECRET !== DEV_LIVEKIT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['LIVEKIT_API_SECRET'], message: 'must be at least 32 characters in production' });
    }
    if (!env.PUBLIC_URL) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'is required in production' });
    }
  });

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Origin that patients and staff reach us on; join links are built from it. */
  publicUrl: string;
  databaseUrl: string;
  /** How long start-up waits for an unreachable database, and PostgreSQL's time limits. */
  database: { waitSeconds: number; timeouts: PgTimeouts; sqliteSynchronous: SqliteSynchronous };
  sessionSecret: string;
  sessionTtlMinutes: number;
  livekit: { url: string; apiKey: string; apiSecret: string; explicit: boolean };
  /** Origins allowed to make state-changing requests, besides publicUrl. */
  allowedOrigins: string[];
  /** Express's 'trust proxy': false, a hop count, or the proxies' addresses and subnets (true trusts any peer). */
  trustProxy: boolean | number | string[];
  logLevel: string;
  redisUrl?: string;
  /** Redis channel prefix of the socket.io adapter; processes serving one deployment share it. */
  realtimeRedisPrefix: string;
  /** On SIGTERM, how long /readyz answers 503 before the process stops accepting (the balancer's notice time). */
  shutdownDrainDelayMs: number;
  limits: {
    loginPerAccount: number;
    loginPerAddress: number;
    loginWindowMinutes: number;
    /** Failed sign-ins to one account from all addresses; past it only the account's known devices and addresses may try. */
    loginAccountWide: number;
    /** Per address; the count itself is join.limitPerAddress. */
    joinWindowMinutes: number;
    videoTokenPerParticipant: number;
    videoTokenWindowMinutes: number;
    answersPerParticipant: number;
    answersWindowMinutes: number;
    /** Key prefix in Redis, so several deployments can share one Redis. */
    redisPrefix: string;
    /** A Redis command slower than this counts as failed (the limit then fails open). */
    redisCommandTimeoutMs: number;
  };
  bodyLimitBytes: number;
  /** How long a waiting patient whose connection dropped keeps their place before leaving the waiting room. */
  presenceGraceSeconds: number;
  /** socket.io heartbeat: a connection silent for interval + timeout is closed (so a lost network shows within seconds). */
  socketPing: { intervalMs: number; timeoutMs: number };
  /** A safety alert whose live push has not gone out this long after it was raised is pushed again (by any process). */
  alertRepushAfterSeconds: number;
  /** A clinician reads a patient's history only while on the care team of an uncancelled visit starting within this many days back (or later). */
  careRelationshipDays: number;
  /** A visit note's author may edit it this long after writing it; afterwards only amendments (0: never editable). */
  visitNoteEditMinutes: number;
  /** Past either limit, new API requests are shed with 503 `overloaded` (0 turns a limit off). */
  overload: { maxInFlightRequests: number; maxEventLoopDelayMs: number };
  /** Folder of clinic-supplied instrument files (FHIR Questionnaire + Alcove scoring), read at start-up. */
  instrumentsDir?: string;
  /** End-to-end encryption of visit media; the clinic decides whether browsers without it may join. */
  e2ee: { enabled: boolean; allowUnencryptedFallback: boolean };
  /** Patient join links: open this long before the start, work until the end plus grace. */
  join: { opensMinutesBefore: number; graceMinutes: number; limitPerAddress: number };
  /** The only thing a join page shows before the date-of-birth check. */
  clinicName: string;
  /** Shown to a patient at once after a safety-positive answer (en, optionally es). */
  crisisResources: CrisisResources;
  /** Roles that must sign in with a second factor (TOTP); they are sent to enrol at sign-in. */
  twoFactorRequiredFor: ('admin' | 'scheduler' | 'clinician')[];
  /** Single sign-on through the clinic's OpenID provider, when configured. */
  oidc?: { issuer: string; clientId: string; clientSecret: string; redirectUri: string; buttonLabel: string };
  /** Password sign-in is refused: staff sign in through the OpenID provider only. */
  ssoOnly: boolean;
  /** The first administrator's email, when chosen ahead of the first start. */
  adminEmail?: string;
  /** How long an invitation or password-reset link works. */
  staffInviteHours: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a Config, or throws ConfigError listing every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings are treated as unset so `FOO=` in a .env file means "use the default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const extraOrigins = e.ALLOWED_ORIGINS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (e.NODE_ENV !== 'production') extraOrigins.push('http://localhost:5173', 'http://127.0.0.1:5173');
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    database: {
      waitSeconds: e.DB_WAIT_SECONDS,
      sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
      timeouts: {
        connectMs: e.DB_CONNECT_TIMEOUT_MS,
        statementMs: e.DB_STATEMENT_TIMEOUT_MS,
        queryMs: e.DB_QUERY_TIMEOUT_MS,
        idleInTransactionMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      },
    },
    sessionSecret: e.SESSION_SECRET ?? DEV_SESSION_SECRET,
    sessionTtlMinutes: e.SESSION_TTL_MINUTES,
    livekit: {
      url: e.LIVEKIT_URL ?? 'ws://127.0.0.1:7880',
      apiKey: e.LIVEKIT_API_KEY,
      apiSecret: e.LIVEKIT_API_SECRET,
      explicit: e.LIVEKIT_URL !== undefined,
    },
    allowedOrigins: [new URL(publicUrl).origin, ...extraOrigins],
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    realtimeRedisPrefix: e.REALTIME_REDIS_PREFIX,
    shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS,
    limits: {
      loginPerAccount: e.LOGIN_LIMIT_PER_ACCOUNT,
      loginPerAddress: e.LOGIN_LIMIT_PER_ADDRESS,
      loginWindowMinutes: e.LOGIN_LIMIT_WINDOW_MINUTES,
      loginAccountWide: e.LOGIN_LIMIT_ACCOUNT_WIDE,
      joinWindowMinutes: e.JOIN_LIMIT_WINDOW_MINUTES,
      videoTokenPerParticipant: e.VIDEO_TOKEN_LIMIT_PER_PARTICIPANT,
      videoTokenWindowMinutes: e.VIDEO_TOKEN_LIMIT_WINDOW_MINUTES,
      answersPerParticipant: e.ANSWER_LIMIT_PER_PARTICIPANT,
      answersWindowMinutes: e.ANSWER_LIMIT_WINDOW_MINUTES,
      redisPrefix: e.RATE_LIMIT_REDIS_PREFIX,
      redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    },
    bodyLimitBytes: e.BODY_LIMIT_KB * 1024,
    presenceGraceSeconds: e.PRESENCE_GRACE_SECONDS,
    alertRepushAfterSeconds: e.ALERT_REPUSH_AFTER_SECONDS,
    careRelationshipDays: e.CARE_RELATIONSHIP_DAYS,
    visitNoteEditMinutes: e.VISIT_NOTE_EDIT_MINUTES,
    socketPing: { intervalMs: e.SOCKET_PING_INTERVAL_MS, timeoutMs: e.SOCKET_PING_TIMEOUT_MS },
    overload: { maxInFlightRequests: e.MAX_IN_FLIGHT_REQUESTS, maxEventLoopDelayMs: e.MAX_EVENT_LOOP_DELAY_MS },
    instrumentsDir: e.INSTRUMENTS_DIR,
    e2ee: { enabled: e.E2EE_ENABLED, allowUnencryptedFallback: e.E2EE_ALLOW_UNENCRYPTED },
    join: {
      opensMinutesBefore: e.JOIN_OPENS_MINUTES_BEFORE,
      graceMinutes: e.JOIN_GRACE_MINUTES,
      limitPerAddress: e.JOIN_LIMIT_PER_ADDRESS,
    },
    clinicName: e.CLINIC_NAME,
    ...(e.ADMIN_EMAIL ? { adminEmail: e.ADMIN_EMAIL.toLowerCase() } : {}),
    staffInviteHours: e.STAFF_INVITE_HOURS,
    crisisResources: e.CRISIS_RESOURCES ?? DEFAULT_CRISIS_RESOURCES,
    twoFactorRequiredFor: e.REQUIRE_2FA_FOR ?? [],
    ...(e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
      ? {
          oidc: {
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID,
            clientSecret: e.OIDC_CLIENT_SECRET,
            // The provider sends the browser back to this client page, which hands the result to the API.
            redirectUri: `${publicUrl}/signin/sso`,
            buttonLabel: e.OIDC_BUTTON_LABEL,
          },
        }
      : {}),
    ssoOnly: e.SSO_ONLY,
  };
}
