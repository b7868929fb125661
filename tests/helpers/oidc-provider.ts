import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

/** One person the provider can sign in. */
export interface OidcAccount {
  sub: string;
  email: string;
  emailVerified: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who signs in at the provider's login step of the next authorization. */
  signInAs(account: OidcAccount): void;
  /**
   * Ways the provider misbehaves from now on, for the refusal tests: `audience` re-signs the ID token
   * (with the provider's own key) for another client.
   */
  tamper(t: { audience?: string }): void;
  /**
   * Plays the browser: follows the authorization URL through the provider's login and consent until it
   * redirects to `redirectUri`, and returns the query it carries back (`code`, `state`, `iss`).
   */
  authorize(url: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * A real, certified OpenID provider (`oidc-provider`) on a free loopback port, in the test process:
 * one confidential client with the given redirect URI, PKCE S256, RS256 ID tokens, and an interaction
 * step that signs in whoever `signInAs` named and grants the requested scopes.
 */
export async function startOidcProvider(redirectUri: string): Promise<TestOidcProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'alcove-test';
  const clientSecret = 'a-client-secret-that-is-long-enough-for-hs256-use';

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

  let account: OidcAccount | undefined;
  const accounts = new Map<string, OidcAccount>();
  let tampering: { audience?: string } = {};

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['oidc-test-cookie-key'] },
    // Explicit lifetimes (the defaults print a notice each).
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    findAccount: (_ctx, id) => {
      const a = accounts.get(id);
      return a ? { accountId: id, claims: () => ({ sub: a.sub, email: a.email, email_verified: a.emailVerified }) } : undefined;
    },
  });
  // Quiet: the refusal tests make the provider report errors on purpose.
  provider.on('server_error', () => undefined);

  // The token endpoint's answer, re-signed for another audience when a test asks for it.
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && tampering.audience && body?.id_token) {
      const claims = decodeJwt(body.id_token);
      body.id_token = await new SignJWT({ ...claims, aud: tampering.audience })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
        .sign(privateKey);
    }
  });

  const callback = provider.callback();
  server.on('request', (req, res) => {
    const match = /^\/interaction\/([^/?]+)/.exec(req.url ?? '');
    if (!match) return void callback(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name === 'login') {
          if (!account) throw new Error('signInAs() first');
          accounts.set(account.sub, account);
          await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
          return;
        }
        const grant = new provider.Grant({ accountId: details.session!.accountId, clientId });
        const missing = details.prompt.details as { missingOIDCScope?: string[] };
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err));
      }
    })();
  });

  return {
    issuer,
    clientId,
    clientSecret,
    signInAs(a) {
      account = a;
    },
    tamper(t) {
      tampering = t;
    },
    async authorize(url) {
      const jar = new Map<string, string>();
      let next = url;
      for (let hop = 0; hop < 12; hop++) {
        if (next.startsWith(redirectUri)) return Object.fromEntries(new URL(next).searchParams);
        const res = await fetch(next, {
          redirect: 'manual',
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        for (const line of res.headers.getSetCookie()) {
          const [pair] = line.split(';');
          const eq = pair!.indexOf('=');
          jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        const location = res.headers.get('location');
        if (!location) throw new Error(`the provider stopped at ${res.status}: ${(await res.text()).slice(0, 300)}`);
        await res.arrayBuffer().catch(() => undefined);
        next = new URL(location, next).toString();
      }
      throw new Error('too many redirects at the provider');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
