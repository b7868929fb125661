import { createHash, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import * as client from 'openid-client';
import type { Config } from '../config';
import { HttpError } from '../http-error';

type OidcSettings = NonNullable<Config['oidc']>;

/** What the browser keeps between leaving for the provider and coming back (signed, httpOnly, 10 minutes). */
interface PendingOidc {
  state: string;
  nonce: string;
  verifier: string;
}

/** The person the provider vouches for. */
export interface OidcIdentity {
  sub: string;
  email: string | undefined;
  emailVerified: boolean;
}

export const OIDC_COOKIE = 'alcove_sso';
export const OIDC_COOKIE_PATH = '/api/auth/sso';
const PENDING_MINUTES = 10;

const unavailable = () => new HttpError(503, 'sso_unavailable', 'The clinic’s sign-in service cannot be reached. Try again in a minute.');

/**
 * OpenID Connect sign-in with `openid-client` (a certified relying party): authorization code flow
 * with PKCE (S256), state and nonce. The provider's metadata is discovered on first use and kept;
 * a failed discovery is retried on the next sign-in. The ID token's signature, issuer, audience,
 * expiry and nonce are checked by the library.
 */
export class OidcSignIn {
  private discovered?: Promise<client.Configuration>;
  private readonly key: KeyObject;

  constructor(
    private readonly settings: OidcSettings,
    sessionSecret: string,
    /** Plain-http issuers are for development and tests only (config refuses them in production). */
    private readonly allowHttp: boolean,
  ) {
    this.key = createSecretKey(createHash('sha256').update(`alcove sso pending\0${sessionSecret}`).digest());
  }

  private configuration(): Promise<client.Configuration> {
    this.discovered ??= client
      .discovery(new URL(this.settings.issuer), this.settings.clientId, undefined, client.ClientSecretBasic(this.settings.clientSecret), {
        timeout: 5,
        ...(this.allowHttp && this.settings.issuer.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        this.discovered = undefined;
        throw err;
      });
    return this.discovered;
  }

  /** The provider's authorization URL for a new sign-in, and the signed token to keep in the browser meanwhile. */
  async start(): Promise<{ url: string; pending: string }> {
    const config = await this.configuration().catch(() => {
      throw unavailable();
    });
    const pending: PendingOidc = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email',
      response_type: 'code',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    const token = jwt.sign(pending, this.key, { algorithm: 'HS256', expiresIn: PENDING_MINUTES * 60 });
    return { url: url.href, pending: token };
  }

  /**
   * Finishes a sign-in: checks the returned state against the browser's pending token, exchanges the
   * code (with the PKCE verifier) and validates the ID token. Throws 400 `sso_invalid_state`,
   * 401 `sso_rejected` (the provider refused the code: replayed, expired, or not ours),
   * 401 `sso_invalid_token` (signature, issuer, audience, nonce or expiry wrong) or 503.
   */
  async finish(pendingToken: string | undefined, params: { code: string; state: string; iss?: string }): Promise<OidcIdentity> {
    const pending = this.readPending(pendingToken);
    if (!pending || !sameText(pending.state, params.state)) {
      throw new HttpError(400, 'sso_invalid_state', 'This sign-in did not start here or has expired. Start again with the sign-in button.');
    }
    const config = await this.configuration().catch(() => {
      throw unavailable();
    });
    const current = new URL(this.settings.redirectUri);
    current.searchParams.set('code', params.code);
    current.searchParams.set('state', params.state);
    if (params.iss) current.searchParams.set('iss', params.iss);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw classify(err);
    }
    const claims = tokens.claims();
    if (!claims) throw new HttpError(401, 'sso_invalid_token', 'The identity provider sent no ID token.');
    let email = typeof claims.email === 'string' ? claims.email : undefined;
    let verified = claims.email_verified === true;
    if (email === undefined && tokens.access_token) {
      // Providers that keep ID tokens small put the email in UserInfo only.
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub).catch((err: unknown) => {
        throw classify(err);
      });
      email = typeof info.email === 'string' ? info.email : undefined;
      verified = info.email_verified === true;
    }
    return { sub: claims.sub, email, emailVerified: verified };
  }

  private readPending(token: string | undefined): PendingOidc | undefined {
    if (!token || token.length > 4096) return undefined;
    try {
      const p = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as Partial<PendingOidc>;
      return typeof p.state === 'string' && typeof p.nonce === 'string' && typeof p.verifier === 'string'
        ? { state: p.state, nonce: p.nonce, verifier: p.verifier }
        : undefined;
    } catch {
      return undefined;
    }
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The library's errors as ours: the provider's own refusal, a bad ID token, or no provider at all. */
function classify(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof client.ResponseBodyError || err instanceof client.AuthorizationResponseError) {
    return new HttpError(
      401,
      'sso_rejected',
      'The identity provider refused this sign-in (the link may have been used already). Start again.',
    );
  }
  // The library names the ID token claim that failed its check (aud, nonce, iss, exp…).
  type Caused = { cause?: Caused; claim?: unknown };
  const cause = (err as Caused).cause;
  const claim = cause?.claim ?? cause?.cause?.claim;
  if (typeof claim === 'string') {
    return new HttpError(
      401,
      'sso_invalid_token',
      `The identity provider’s ID token did not check out: its "${claim}" is not what this sign-in expects.`,
      { claim },
    );
  }
  if (err instanceof TypeError || (err as { name?: string }).name === 'TimeoutError') return unavailable();
  return new HttpError(401, 'sso_invalid_token', 'The identity provider’s answer did not check out (signature, issuer or form).');
}
