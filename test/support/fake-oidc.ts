import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenID Connect provider speaking the real protocol over HTTP, in the manner of GOV.UK One
 * Login: discovery, /authorize (redirects straight back with a code, as if the person had signed in),
 * /token (client_secret_basic or private_key_jwt, PKCE checked), /jwks with a generated RSA key, and
 * /userinfo with the email address.
 */
export interface FakeOidc {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The person who "signs in" next. */
  user: { sub: string; email: string; emailVerified: boolean };
  /** Ways to misbehave, to test that the client refuses. */
  tamper: { signature?: boolean; nonce?: string; audience?: string; expired?: boolean };
  /** The client's public key, for private_key_jwt; set it to accept assertions signed by its private key. */
  clientKey?: KeyObject;
  /** What the token endpoint last saw of the client's authentication. */
  lastClientAuth: 'basic' | 'private_key_jwt' | null;
  close(): Promise<void>;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeOidc(): Promise<FakeOidc> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const codes = new Map<string, { nonce: string; challenge: string; redirectUri: string; sub: string }>();
  const accessTokens = new Map<string, FakeOidc['user']>();

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', fake.issuer);
    const send = (status: number, json: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(json));
    };
    if (url.pathname === '/.well-known/openid-configuration')
      return send(200, {
        issuer: fake.issuer,
        authorization_endpoint: `${fake.issuer}/authorize`,
        token_endpoint: `${fake.issuer}/token`,
        jwks_uri: `${fake.issuer}/.well-known/jwks.json`,
        userinfo_endpoint: `${fake.issuer}/userinfo`,
        token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    if (url.pathname === '/.well-known/jwks.json')
      return send(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      if (
        q.get('response_type') !== 'code' ||
        q.get('client_id') !== fake.clientId ||
        q.get('code_challenge_method') !== 'S256' ||
        !q.get('code_challenge') ||
        !q.get('nonce') ||
        !q.get('state') ||
        !q.get('scope')?.split(' ').includes('openid')
      )
        return send(400, { error: 'invalid_request' });
      const code = randomBytes(16).toString('hex');
      codes.set(code, {
        nonce: q.get('nonce') ?? '',
        challenge: q.get('code_challenge') ?? '',
        redirectUri: q.get('redirect_uri') ?? '',
        sub: fake.user.sub,
      });
      const back = new URL(q.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      response.writeHead(302, { location: back.toString() });
      return response.end();
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(await body(request));
      const basic = request.headers.authorization?.replace(/^Basic /, '');
      if (basic) {
        const [id, secret] = Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent);
        if (id !== fake.clientId || secret !== fake.clientSecret)
          return send(401, { error: 'invalid_client' });
        fake.lastClientAuth = 'basic';
      } else {
        const assertion = form.get('client_assertion') ?? '';
        const [h = '', p = '', s = ''] = assertion.split('.');
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString() || '{}') as Record<string, unknown>;
        const ok =
          fake.clientKey &&
          form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
          verify('sha256', Buffer.from(`${h}.${p}`), fake.clientKey, Buffer.from(s, 'base64url')) &&
          claims.iss === fake.clientId &&
          claims.sub === fake.clientId &&
          claims.aud === `${fake.issuer}/token` &&
          typeof claims.exp === 'number' &&
          claims.exp > Date.now() / 1000;
        if (!ok) return send(401, { error: 'invalid_client' });
        fake.lastClientAuth = 'private_key_jwt';
      }
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!grant || grant.redirectUri !== form.get('redirect_uri'))
        return send(400, { error: 'invalid_grant' });
      const challenge = createHash('sha256')
        .update(form.get('code_verifier') ?? '')
        .digest('base64url');
      if (challenge !== grant.challenge)
        return send(400, { error: 'invalid_grant', error_description: 'PKCE' });
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', typ: 'JWT', kid };
      const claims = {
        iss: fake.issuer,
        sub: grant.sub,
        aud: fake.tamper.audience ?? fake.clientId,
        iat: now,
        exp: fake.tamper.expired ? now - 3600 : now + 180,
        nonce: fake.tamper.nonce ?? grant.nonce,
        vot: 'Cl.Cm',
      };
      const input = `${b64(header)}.${b64(claims)}`;
      let signature = sign('sha256', Buffer.from(input), privateKey).toString('base64url');
      if (fake.tamper.signature) signature = `${signature.slice(0, -6)}AAAAAA`;
      const accessToken = randomBytes(16).toString('hex');
      accessTokens.set(accessToken, { ...fake.user, sub: grant.sub });
      return send(200, {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: 180,
        id_token: `${input}.${signature}`,
      });
    }
    if (url.pathname === '/userinfo') {
      const user = accessTokens.get(request.headers.authorization?.replace(/^Bearer /, '') ?? '');
      if (!user) return send(401, { error: 'invalid_token' });
      return send(200, { sub: user.sub, email: user.email, email_verified: user.emailVerified });
    }
    return send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeOidc = {
    issuer: `http://127.0.0.1:${port}`,
    clientId: 'guildhall-test-client',
    clientSecret: randomBytes(16).toString('hex'),
    user: { sub: 'urn:fdc:gov.uk:2022:test-subject', email: 'one.login@example.com', emailVerified: true },
    tamper: {},
    lastClientAuth: null,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** A client key pair for private_key_jwt: the PEM for Guildhall, the public key for the fake. */
export function clientKeyPair(): { pem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey,
  };
}
