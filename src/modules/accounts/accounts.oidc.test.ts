import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, createTestApp, csrfFrom, signInAs, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { clientKeyPair, type FakeOidc, startFakeOidc } from '../../../test/support/fake-oidc.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { createOidcProvider, type OidcProvider } from './accounts.oidc.ts';

const REDIRECT = 'http://localhost/account/oidc/callback';

/** Plays the citizen's browser at the provider: follows /authorize to the redirect back. */
async function authorize(url: string): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

describe('OpenID Connect sign-in against a local provider', () => {
  let fake: FakeOidc;
  let provider: OidcProvider;
  beforeAll(async () => {
    fake = await startFakeOidc();
    provider = createOidcProvider({
      issuer: fake.issuer,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      redirectUri: REDIRECT,
    });
  });
  afterAll(() => fake?.close());

  const signInOnce = async (p: OidcProvider = provider) => {
    const { url, pending } = await p.start({ locale: 'cy' });
    expect(new URL(url).searchParams.get('ui_locales')).toBe('cy');
    const back = await authorize(url);
    return { query: Object.fromEntries(back.searchParams), pending };
  };

  it('runs the authorization-code flow with PKCE and a nonce, and reads the email from userinfo', async () => {
    const { query, pending } = await signInOnce();
    const identity = await provider.complete(query, pending);
    expect(identity).toMatchObject({
      issuer: fake.issuer,
      subject: fake.user.sub,
      email: 'one.login@example.com',
      emailVerified: true,
    });
    expect(fake.lastClientAuth).toBe('basic');
  });

  it('authenticates with a signed client assertion (private_key_jwt) when given a private key', async () => {
    const keys = clientKeyPair();
    fake.clientKey = keys.publicKey;
    const withKey = createOidcProvider({
      issuer: fake.issuer,
      clientId: fake.clientId,
      privateKey: keys.pem,
      redirectUri: REDIRECT,
    });
    const { query, pending } = await signInOnce(withKey);
    expect((await withKey.complete(query, pending)).subject).toBe(fake.user.sub);
    expect(fake.lastClientAuth).toBe('private_key_jwt');
  });

  it('refuses a wrong state, a wrong PKCE verifier, a bad signature, a wrong nonce, audience or an expired token', async () => {
    let { query, pending } = await signInOnce();
    await expect(provider.complete({ ...query, state: 'forged' }, pending)).rejects.toThrow(/state/);
    ({ query, pending } = await signInOnce());
    await expect(provider.complete(query, { ...pending, verifier: 'x'.repeat(43) })).rejects.toThrow(/400/);
    for (const [tamper, message] of [
      [{ signature: true }, /signature/],
      [{ nonce: 'another' }, /nonce/],
      [{ audience: 'someone-else' }, /another client/],
      [{ expired: true }, /expired/],
    ] as const) {
      fake.tamper = tamper;
      ({ query, pending } = await signInOnce());
      await expect(provider.complete(query, pending)).rejects.toThrow(message);
    }
    fake.tamper = {};
  });
});

describe.each(testDatabaseKinds())('signing in to the portal with GOV.UK One Login (%s)', (kind) => {
  let fake: FakeOidc;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOidc();
    t = await createTestApp(kind, {
      GUILDHALL_DEMO_ADDRESSES: '100',
      OIDC_ISSUER: fake.issuer,
      OIDC_CLIENT_ID: fake.clientId,
      OIDC_CLIENT_SECRET: fake.clientSecret,
      OIDC_REDIRECT_URI: REDIRECT,
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('offers the button, signs in through the provider, and links the verified email to the same person', async () => {
    const person = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'person', givenNames: 'Olu', familyName: 'Login', email: fake.user.email },
      systemAuditContext(t.councilId, 'test'),
    );
    const page = await t.app.inject({ method: 'GET', url: '/account/sign-in' });
    expect(page.body).toContain('Sign in with GOV.UK One Login');
    let cookie = cookieHeader(page);
    const started = await t.app.inject({
      method: 'POST',
      url: '/account/oidc/start',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(page.body) }).toString(),
    });
    expect(started.statusCode).toBe(303);
    expect(started.headers.location).toMatch(new RegExp(`^${fake.issuer}/authorize\\?`));
    cookie = cookieHeader(started, cookie);
    const back = await authorize(String(started.headers.location));
    const before = cookie;
    const done = await t.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie },
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/account');
    cookie = cookieHeader(done, cookie);
    expect(cookie).not.toBe(before);
    const account = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
    expect(account.body).toContain(fake.user.email);
    const row = await sql<{ party_id: string; oidc_subject: string; email_verified_at: Date | null }>`
      select party_id, oidc_subject, email_verified_at from citizen_account where email = ${fake.user.email}`.execute(
      t.runtime.database.db,
    );
    expect(row.rows[0]).toMatchObject({ party_id: person.id, oidc_subject: fake.user.sub });
    expect(row.rows[0]?.email_verified_at).not.toBeNull();

    // A replayed callback (the sign-in is no longer under way) is refused with a clear message.
    const replay = await t.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie },
    });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('We could not sign you in with GOV.UK One Login');

    const staff = await signInAs(t.app, 'agent');
    const partyPage = await t.app.inject({
      method: 'GET',
      url: `/staff/parties/${person.id}`,
      headers: { cookie: staff.cookie },
    });
    expect(partyPage.body).toContain('Has an online account');
    expect(partyPage.body).toContain('GOV.UK One Login');
  });
});
