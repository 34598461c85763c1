import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';
import type { OidcIdentity } from './accounts.service.ts';

/** What the portal keeps between sending the citizen to the provider and their coming back. */
export interface OidcPending {
  state: string;
  nonce: string;
  verifier: string;
}

/**
 * A citizen identity provider speaking OpenID Connect (GOV.UK One Login, or any other): the portal
 * sends the citizen to `authorizationUrl`, and on their return hands the query to `complete`.
 */
export interface OidcProvider {
  /** The provider's name on the sign-in button, e.g. "GOV.UK One Login". */
  readonly name: string;
  start(options?: { locale?: 'en' | 'cy' }): Promise<{ url: string; pending: OidcPending }>;
  complete(query: Record<string, string | undefined>, pending: OidcPending): Promise<OidcIdentity>;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** client_secret_basic when set; otherwise `privateKey` signs a private_key_jwt (One Login's way). */
  clientSecret?: string | undefined;
  /** PEM (PKCS#8 RSA or EC). */
  privateKey?: string | undefined;
  redirectUri: string;
  scopes?: string | undefined;
  name?: string | undefined;
}

export class OidcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OidcError';
  }
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
}

const b64url = (buffer: Buffer) => buffer.toString('base64url');
const json = (part: string): Record<string, unknown> => {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new OidcError('The ID token is not a JWT');
  }
};
/** Tolerance for clocks that differ a little between us and the provider. */
const SKEW_SECONDS = 120;

async function getJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  if (!response.ok) throw new OidcError(`${url} answered ${response.status}: ${body.slice(0, 200)}`);
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new OidcError(`${url} did not answer with JSON`);
  }
}

/**
 * The authorization-code flow with PKCE (S256) and a nonce: discovery document, /authorize, /token,
 * and the ID token's signature checked against the provider's JWKS (RS256 or ES256) with Node's crypto.
 */
export function createOidcProvider(config: OidcConfig, now: () => Date = () => new Date()): OidcProvider {
  const issuer = config.issuer.replace(/\/+$/, '');
  const privateKey = config.privateKey ? createPrivateKey(config.privateKey) : undefined;
  let discovery: Promise<Discovery> | undefined;
  let keys: Map<string, JsonWebKey & { kid?: string }> | undefined;

  function discover(): Promise<Discovery> {
    discovery ??= getJson(`${issuer}/.well-known/openid-configuration`).then((doc) => {
      for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'])
        if (typeof doc[field] !== 'string') throw new OidcError(`The discovery document has no ${field}`);
      if (String(doc.issuer).replace(/\/+$/, '') !== issuer)
        throw new OidcError('The discovery document is for a different issuer');
      return doc as unknown as Discovery;
    });
    discovery.catch(() => {
      discovery = undefined;
    });
    return discovery;
  }

  async function keyFor(kid: string | undefined): Promise<JsonWebKey> {
    const find = () => (kid ? keys?.get(kid) : keys && keys.size === 1 ? [...keys.values()][0] : undefined);
    if (!find()) {
      // Unknown key id: the provider may have rotated its keys since we last looked.
      const set = await getJson((await discover()).jwks_uri);
      keys = new Map(
        ((set.keys as (JsonWebKey & { kid?: string })[] | undefined) ?? []).map((k, i) => [
          k.kid ?? String(i),
          k,
        ]),
      );
    }
    const key = find();
    if (!key) throw new OidcError('The ID token is signed with a key the provider does not publish');
    return key;
  }

  function clientAssertion(audience: string): string {
    if (!privateKey) throw new OidcError('No client secret or private key is configured');
    const ec = privateKey.asymmetricKeyType === 'ec';
    const header = { alg: ec ? 'ES256' : 'RS256', typ: 'JWT' };
    const iat = Math.floor(now().getTime() / 1000);
    const claims = {
      iss: config.clientId,
      sub: config.clientId,
      aud: audience,
      jti: randomUUID(),
      iat,
      exp: iat + 300,
    };
    const input = `${b64url(Buffer.from(JSON.stringify(header)))}.${b64url(Buffer.from(JSON.stringify(claims)))}`;
    const signature = sign(
      'sha256',
      Buffer.from(input),
      ec ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey,
    );
    return `${input}.${b64url(signature)}`;
  }

  async function verifyIdToken(token: string, nonce: string): Promise<Record<string, unknown>> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new OidcError('The ID token is not a JWT');
    const [h = '', p = '', s = ''] = parts;
    const header = json(h);
    if (header.alg !== 'RS256' && header.alg !== 'ES256')
      throw new OidcError(`The ID token is signed with ${String(header.alg)}, which is not accepted`);
    const jwk = await keyFor(typeof header.kid === 'string' ? header.kid : undefined);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      throw new OidcError('The provider published a key that cannot be read');
    }
    const es = header.alg === 'ES256';
    if ((es && key.asymmetricKeyType !== 'ec') || (!es && key.asymmetricKeyType !== 'rsa'))
      throw new OidcError('The ID token’s algorithm does not match its key');
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      es ? { key, dsaEncoding: 'ieee-p1363' } : key,
      Buffer.from(s, 'base64url'),
    );
    if (!ok) throw new OidcError('The ID token’s signature is not valid');
    const claims = json(p);
    const at = now().getTime() / 1000;
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (String(claims.iss).replace(/\/+$/, '') !== issuer)
      throw new OidcError('The ID token is from another issuer');
    if (!aud.includes(config.clientId)) throw new OidcError('The ID token is for another client');
    if (typeof claims.exp !== 'number' || claims.exp < at - SKEW_SECONDS)
      throw new OidcError('The ID token has expired');
    if (typeof claims.iat === 'number' && claims.iat > at + SKEW_SECONDS)
      throw new OidcError('The ID token was issued in the future');
    if (claims.nonce !== nonce) throw new OidcError('The ID token’s nonce does not match');
    if (typeof claims.sub !== 'string' || !claims.sub) throw new OidcError('The ID token has no subject');
    return claims;
  }

  return {
    name: config.name ?? 'GOV.UK One Login',

    async start(options = {}) {
      const doc = await discover();
      const pending: OidcPending = {
        state: b64url(randomBytes(24)),
        nonce: b64url(randomBytes(24)),
        verifier: b64url(randomBytes(32)),
      };
      const url = new URL(doc.authorization_endpoint);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: config.clientId,
        redirect_uri: config.redirectUri,
        scope: config.scopes ?? 'openid email',
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: b64url(createHash('sha256').update(pending.verifier).digest()),
        code_challenge_method: 'S256',
        ...(options.locale ? { ui_locales: options.locale } : {}),
      }).toString();
      return { url: url.toString(), pending };
    },

    async complete(query, pending) {
      if (query.error) throw new OidcError(`The provider refused: ${query.error}`);
      if (!query.state || query.state !== pending.state) throw new OidcError('The state does not match');
      if (!query.code) throw new OidcError('The provider sent no code');
      const doc = await discover();
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.code,
        redirect_uri: config.redirectUri,
        code_verifier: pending.verifier,
      });
      const headers: Record<string, string> = {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      };
      if (config.clientSecret) {
        const basic = `${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`;
        headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
      } else {
        form.set('client_id', config.clientId);
        form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
        form.set('client_assertion', clientAssertion(doc.token_endpoint));
      }
      const tokens = await getJson(doc.token_endpoint, { method: 'POST', headers, body: form.toString() });
      if (typeof tokens.id_token !== 'string') throw new OidcError('The provider sent no ID token');
      const claims = await verifyIdToken(tokens.id_token, pending.nonce);
      let profile: Record<string, unknown> = claims;
      // One Login gives the email address from userinfo, not in the ID token.
      if (
        typeof claims.email !== 'string' &&
        doc.userinfo_endpoint &&
        typeof tokens.access_token === 'string'
      ) {
        const info = await getJson(doc.userinfo_endpoint, {
          headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' },
        });
        if (info.sub !== claims.sub) throw new OidcError('The userinfo is about someone else');
        profile = { ...info, ...claims, email: info.email, email_verified: info.email_verified };
      }
      return {
        issuer,
        subject: String(claims.sub),
        email: typeof profile.email === 'string' ? profile.email : null,
        emailVerified: profile.email_verified === true,
        givenName: typeof profile.given_name === 'string' ? profile.given_name : null,
        familyName: typeof profile.family_name === 'string' ? profile.family_name : null,
      };
    },
  };
}
