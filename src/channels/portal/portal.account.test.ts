import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, createTestApp, csrfFrom, signInAs, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { notificationJobDefinitions } from '../../modules/notifications/index.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { type JobQueue, startJobQueue } from '../../platform/jobs/jobs.ts';

const PASSWORD = 'correct horse battery staple';

describe.each(testDatabaseKinds())('citizen accounts on the portal (%s)', (kind) => {
  let t: TestApp;
  let queue: JobQueue;
  beforeAll(async () => {
    t = await createTestApp(kind, { GUILDHALL_DEMO_ADDRESSES: '200', SIGN_IN_MAX_ATTEMPTS: '3' });
    // Emails are queued for delivery in the same transaction; the queue must exist (nothing works it here).
    queue = await startJobQueue({
      pool: t.runtime.database.pool,
      definitions: notificationJobDefinitions(t.runtime.services.notifications),
      work: false,
    });
  });
  afterAll(async () => {
    await queue?.stop();
    await t?.close();
  });

  /** A visitor's browser: keeps cookies and the latest CSRF token. */
  function visitor(startCookie = '') {
    let cookie = startCookie;
    let csrf = '';
    const remember = (response: LightMyRequestResponse) => {
      cookie = cookieHeader(response, cookie);
      if (response.body.includes('name="_csrf"')) csrf = csrfFrom(response.body);
      return response;
    };
    return {
      cookie: () => cookie,
      get: async (url: string) => remember(await t.app.inject({ method: 'GET', url, headers: { cookie } })),
      post: async (url: string, form: Record<string, string | string[]>, withCsrf = true) => {
        const body = new URLSearchParams(withCsrf ? { _csrf: csrf } : {});
        for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
        return remember(
          await t.app.inject({
            method: 'POST',
            url,
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
            payload: body.toString(),
          }),
        );
      },
    };
  }

  /** The emails sent to an address, newest first, as the notifications module holds them. */
  const messagesTo = async (email: string) =>
    (await t.runtime.services.notifications.list(t.councilId, { q: email }, 20)).filter(
      (m) => m.recipient === email,
    );
  const verificationPath = async (email: string) => {
    const [message] = (await messagesTo(email)).filter((m) => m.template === 'email_verification');
    const url = String(message?.personalisation.verificationUrl ?? '');
    expect(url).toMatch(/^http:\/\/localhost:\d+\/account\/verify\?token=[\w-]{40,}$/);
    return url.replace(/^http:\/\/localhost:\d+/, '');
  };

  async function createAccount(
    browser: ReturnType<typeof visitor>,
    email: string,
    names = ['Ada', 'Lovelace'],
  ) {
    await browser.get('/account/create');
    return browser.post('/account/create', {
      givenNames: names[0] ?? '',
      familyName: names[1] ?? '',
      email,
      password: PASSWORD,
    });
  }

  async function signIn(browser: ReturnType<typeof visitor>, email: string, password = PASSWORD) {
    await browser.get('/account/sign-in');
    return browser.post('/account/sign-in', { email, password });
  }

  async function verify(browser: ReturnType<typeof visitor>, email: string) {
    const page = await browser.get(await verificationPath(email));
    expect(page.body).toContain('Confirm email address');
    const token = /name="token" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return browser.post('/account/verify', { token });
  }

  it('shows "Sign in" in the header, and checks a new account’s fields with GOV.UK errors', async () => {
    const browser = visitor();
    const home = await browser.get('/');
    expect(home.body).toContain('href="/account/sign-in"');
    await browser.get('/account/create');
    const bad = await browser.post('/account/create', { email: 'nope', password: 'short' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('govuk-error-summary');
    expect(bad.body).toContain('Enter your first name');
    expect(bad.body).toContain('Enter an email address in the correct format');
    expect(bad.body).toContain('Your password must be at least 12 characters long');
    expect(bad.body).not.toContain('value="short"');
    // Without OIDC configured there is no provider button.
    expect((await browser.get('/account/sign-in')).body).not.toContain('One Login');
    const welsh = await browser.get('/account/create?lang=cy');
    expect(welsh.body).toContain('Creu cyfrif');
  });

  it('refuses a form without its CSRF token', async () => {
    const browser = visitor();
    await browser.get('/account/sign-in');
    const forged = await browser.post(
      '/account/sign-in',
      { email: 'a@example.com', password: PASSWORD },
      false,
    );
    expect(forged.statusCode).toBe(403);
  });

  it('creates an account, lets it sign in unverified with a reminder, and verifies it with a single-use link', async () => {
    const email = 'ada.account@example.com';
    const browser = visitor();
    const created = await createAccount(browser, email);
    expect(created.headers.location).toBe('/account/check-email');
    expect((await browser.get('/account/check-email')).body).toContain('Check your email');
    const stored = await sql<{ password_hash: string; email_verified_at: Date | null }>`
      select password_hash, email_verified_at from citizen_account where email = ${email}`.execute(
      t.runtime.database.db,
    );
    expect(stored.rows[0]?.password_hash).toMatch(/^\$argon2id\$/);
    expect(stored.rows[0]?.email_verified_at).toBeNull();

    const before = browser.cookie();
    const signedIn = await signIn(browser, email);
    expect(signedIn.headers.location).toBe('/account');
    // The session id changes at sign-in, so one planted beforehand is worth nothing.
    const portalCookie = (c: string) => /guildhall_portal=([^;]+)/.exec(c)?.[1];
    expect(portalCookie(browser.cookie())).toBeTruthy();
    expect(portalCookie(browser.cookie())).not.toBe(portalCookie(before));
    const account = await browser.get('/account');
    expect(account.body).toContain('data-test="unverified"');
    expect(account.body).toContain('data-test="sign-out"');
    expect(account.body).toContain('Your account');
    const details = await browser.get('/account/details');
    expect(details.body).toContain('data-test="details-unverified"');

    // Resending replaces the first link.
    const firstLink = await verificationPath(email);
    await sql`update citizen_account_token set created_at = now() - interval '2 minutes'`.execute(
      t.runtime.database.db,
    );
    expect((await browser.post('/account/verify/resend', {})).headers.location).toBe('/account?resent=1');
    const secondLink = await verificationPath(email);
    expect(secondLink).not.toBe(firstLink);
    const stale = visitor();
    await stale.get(firstLink);
    const staleToken = firstLink.split('token=')[1] ?? '';
    expect((await stale.post('/account/verify', { token: staleToken })).statusCode).toBe(400);

    const verified = await verify(browser, email);
    expect(verified.headers.location).toBe('/account?verified=1');
    expect((await browser.get('/account')).body).not.toContain('data-test="unverified"');
    // Single use: the same link a second time is refused.
    const again = visitor();
    await again.get(secondLink);
    const reused = await again.post('/account/verify', { token: secondLink.split('token=')[1] ?? '' });
    expect(reused.statusCode).toBe(400);
    expect(reused.body).toContain('This link has expired or has already been used');

    // Verified: linked to a new person in the party register, with the email verified.
    const row = await sql<{
      party_id: string;
    }>`select party_id from citizen_account where email = ${email}`.execute(t.runtime.database.db);
    const partyId = row.rows[0]?.party_id ?? '';
    const party = await t.runtime.services.parties.getParty(t.councilId, partyId);
    expect(party.displayName).toBe('Ada Lovelace');
  });

  it('does not reveal that an address already has an account, and emails its owner instead', async () => {
    const email = 'taken@example.com';
    await createAccount(visitor(), email);
    const second = await createAccount(visitor(), email, ['Someone', 'Else']);
    expect(second.headers.location).toBe('/account/check-email');
    const templates = (await messagesTo(email)).map((m) => m.template);
    expect(templates).toContain('account_exists');
    expect(templates.filter((x) => x === 'email_verification')).toHaveLength(1);
  });

  it('says the same for an unknown address and a wrong password, and locks after repeated failures', async () => {
    const email = 'lock.me@example.com';
    await createAccount(visitor(), email);
    const browser = visitor();
    const unknown = await signIn(browser, 'nobody@example.com');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('The email address or password is not right');
    const wrong = await signIn(browser, email, 'wrong password 123');
    expect(wrong.body).toContain('The email address or password is not right');
    await signIn(browser, email, 'wrong password 123');
    const locked = await signIn(browser, email, 'wrong password 123');
    expect(locked.body).toContain('You have tried too many times');
    // Locked even with the right password, until the lock passes.
    expect((await signIn(browser, email)).body).toContain('You have tried too many times');
    await sql`update citizen_account set locked_until = now() - interval '1 minute' where email = ${email}`.execute(
      t.runtime.database.db,
    );
    expect((await signIn(browser, email)).headers.location).toBe('/account');
    const actions = await sql<{
      action: string;
    }>`select action from audit_event where action like 'account.%'`.execute(t.runtime.database.db);
    expect(actions.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['account.locked', 'account.sign_in_failed']),
    );
  });

  it('links to the existing person with that email, prefills and credits reports, lists them, and shows their tracking page', async () => {
    const email = 'grace.hopper@example.com';
    const existing = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'person', givenNames: 'Grace', familyName: 'Hopper', email, phone: '07911 123 789' },
      systemAuditContext(t.councilId, 'test'),
    );
    const browser = visitor();
    await createAccount(browser, email, ['Grace', 'Hopper']);
    await signIn(browser, email);
    // Before verifying, My requests shows only this browser's requests: none yet.
    expect((await browser.get('/account/requests')).body).toContain('data-test="no-requests"');
    await verify(browser, email);
    const row = await sql<{
      party_id: string;
    }>`select party_id from citizen_account where email = ${email}`.execute(t.runtime.database.db);
    expect(row.rows[0]?.party_id).toBe(existing.id);

    // A report made while signed in: the details step is prefilled and the party is the requester.
    await browser.get('/services/street-light-fault');
    await browser.post('/services/street-light-fault/start', {});
    await browser.post('/services/street-light-fault/request/where', { description: 'by the school gates' });
    await browser.post('/services/street-light-fault/request/1', { column_number: 'SL-1' });
    await browser.post('/services/street-light-fault/request/3', { fault: 'out' });
    await browser.post('/services/street-light-fault/request/5', { contact_phone: '' });
    const details = await browser.get('/services/street-light-fault/request/details');
    expect(details.body).toContain('value="Grace"');
    expect(details.body).toContain(`value="${email}"`);
    await browser.post('/services/street-light-fault/request/details', {
      firstName: 'Grace',
      lastName: 'Hopper',
      email,
      phone: '',
    });
    const sent = await browser.post('/services/street-light-fault/request/check', {});
    const reference = /\/track\/(GH-[0-9A-Z-]+)\?sent=1/.exec(sent.headers.location ?? '')?.[1] ?? '';
    expect(reference).not.toBe('');
    expect((await t.runtime.services.cases.get(t.councilId, reference)).record.requesterPartyId).toBe(
      existing.id,
    );

    // A request staff raised for the same person shows too; newest first.
    const byPhone = await t.runtime.services.cases.create(
      t.councilId,
      {
        serviceCode: 'street-light-fault',
        channel: 'phone',
        partyId: existing.id,
        answers: { column_number: 'SL-2', fault: 'out' },
        locationText: 'outside the library',
      },
      systemAuditContext(t.councilId, 'test'),
    );
    const mine = await browser.get('/account/requests');
    const listed = [...mine.body.matchAll(/href="\/track\/(GH-[0-9A-Z-]+)"/g)].map((m) => m[1]);
    expect(listed).toEqual([byPhone.body.reference, reference]);
    // One summary card a request, whose rows stack on a phone; a five-column table did not fit 390 px.
    expect(mine.body.match(/class="govuk-summary-card" data-test="my-request"/g)).toHaveLength(2);
    expect(mine.body).not.toContain('<table');

    // Signed in on another browser, the tracking page needs no proof.
    const other = visitor();
    await signIn(other, email);
    const tracked = await other.get(`/track/${reference}`);
    expect(tracked.statusCode).toBe(200);
    expect(tracked.body).toContain(reference);
    // Signed out, it does.
    const signOutPage = await other.get('/account');
    expect(signOutPage.body).toContain('action="/account/sign-out"');
    expect((await other.post('/account/sign-out', {})).headers.location).toBe('/account/sign-in?signedOut=1');
    expect((await other.get(`/track/${reference}`)).statusCode).toBe(303);
    expect((await other.get('/account')).headers.location).toBe('/account/sign-in');

    // "Sign out on every device" ends the first browser's session too.
    const third = visitor();
    await signIn(third, email);
    await third.get('/account');
    await third.post('/account/sign-out-everywhere', {});
    expect((await browser.get('/account')).headers.location).toBe('/account/sign-in');
  });

  /** The value of the input with this id on a page. */
  const inputValue = (html: string, id: string) =>
    /value="([^"]*)"/.exec(new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(html)?.[0] ?? '')?.[1];

  it('uses the sign-up name when the linked person never had a proper name, keeping the old one as history', async () => {
    const email = 'pat.walker@example.com';
    // An earlier street-light report gave only a made-up surname with this email.
    const earlier = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'person', familyName: 'Walker82037', email },
      systemAuditContext(t.councilId, 'test'),
    );
    const browser = visitor();
    await createAccount(browser, email, ['Pat', 'Walker']);
    await signIn(browser, email);
    await verify(browser, email);
    const row = await sql<{ party_id: string }>`
      select party_id from citizen_account where email = ${email}`.execute(t.runtime.database.db);
    expect(row.rows[0]?.party_id).toBe(earlier.id);

    const details = await browser.get('/account/details');
    expect(details.statusCode).toBe(200);
    expect(inputValue(details.body, 'givenNames')).toBe('Pat');
    expect(inputValue(details.body, 'familyName')).toBe('Walker');
    expect(details.body).not.toContain('Walker82037');
    expect(details.body).not.toContain('data-test="name-at-sign-up"');
    const party = await t.runtime.services.parties.getParty(t.councilId, earlier.id);
    expect(party).toMatchObject({ givenNames: 'Pat', familyName: 'Walker' });
    const names = await sql<{ family_name: string; use: string }>`
      select family_name, use from party_name where party_id = ${earlier.id}`.execute(t.runtime.database.db);
    expect(names.rows).toContainEqual(
      expect.objectContaining({ family_name: 'Walker82037', use: 'previous' }),
    );
  });

  it('keeps a proper name on the linked person, and My details shows the sign-up name so it can be corrected', async () => {
    const email = 'patricia.walker@example.com';
    const known = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'person', givenNames: 'Patricia', familyName: 'Walker', email },
      systemAuditContext(t.councilId, 'test'),
    );
    const browser = visitor();
    await createAccount(browser, email, ['Pat', 'Walker']);
    await signIn(browser, email);
    await verify(browser, email);
    const details = await browser.get('/account/details');
    expect(inputValue(details.body, 'givenNames')).toBe('Patricia');
    const notice = /data-test="name-at-sign-up">([^<]*)</.exec(details.body)?.[1] ?? '';
    expect(notice).toContain('You gave your name as Pat Walker');
    expect(notice).toContain('Patricia Walker');
    expect((await t.runtime.services.parties.getParty(t.councilId, known.id)).givenNames).toBe('Patricia');

    const saved = await browser.post('/account/details', {
      givenNames: 'Pat',
      familyName: 'Walker',
      phone: '',
      addressText: '',
      postcode: '',
      preferredChannel: 'email',
      language: 'en',
    });
    expect(saved.headers.location).toBe('/account?saved=1');
    expect((await t.runtime.services.parties.getParty(t.councilId, known.id)).givenNames).toBe('Pat');
    expect((await browser.get('/account/details')).body).not.toContain('data-test="name-at-sign-up"');
  });

  it('changes My details and consents through the parties module, recording each consent with its time and source', async () => {
    const email = 'my.details@example.com';
    const browser = visitor();
    await createAccount(browser, email, ['Mary', 'Details']);
    await signIn(browser, email);
    await verify(browser, email);
    const page = await browser.get('/account/details');
    expect(page.body).toContain('value="Mary"');

    const bad = await browser.post('/account/details', {
      givenNames: 'Mary',
      familyName: '',
      phone: '12',
      preferredChannel: 'sms',
      language: 'en',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Enter your last name');
    expect(bad.body).toContain('Enter a phone number, like 07911 123 456');

    const saved = await browser.post('/account/details', {
      givenNames: 'Mary',
      familyName: 'Jones',
      phone: '07911 123 456',
      addressText: '1 Station Road, Demoton',
      postcode: 'se1 7pb',
      preferredChannel: 'sms',
      language: 'cy',
      consents: ['sms_updates', 'surveys'],
    });
    expect(saved.headers.location).toBe('/account?saved=1');
    const row = await sql<{
      party_id: string;
    }>`select party_id from citizen_account where email = ${email}`.execute(t.runtime.database.db);
    const partyId = row.rows[0]?.party_id ?? '';
    const party = await t.runtime.services.parties.getParty(t.councilId, partyId);
    expect(party).toMatchObject({ familyName: 'Jones', preferredChannel: 'sms', language: 'cy' });
    const points = await sql<{ kind: string; value: string; do_not_contact: boolean }>`
      select kind, value, do_not_contact from contact_point where party_id = ${partyId} order by kind`.execute(
      t.runtime.database.db,
    );
    expect(points.rows).toEqual([
      { kind: 'email', value: email, do_not_contact: true },
      { kind: 'phone', value: '+447911123456', do_not_contact: false },
    ]);
    let history = await t.runtime.services.selfService.consentHistory(t.councilId, partyId);
    expect(history.map((c) => [c.purpose, c.granted, c.source]).sort()).toEqual([
      ['email_updates', false, 'web'],
      ['sms_updates', true, 'web'],
      ['surveys', true, 'web'],
    ]);

    // Withdrawing one consent adds one record; the others stay as they were.
    await browser.get('/account/details');
    await browser.post('/account/details', {
      givenNames: 'Mary',
      familyName: 'Jones',
      phone: '07911 123 456',
      addressText: '1 Station Road, Demoton',
      postcode: 'SE1 7PB',
      preferredChannel: 'sms',
      language: 'cy',
      consents: ['sms_updates'],
    });
    history = await t.runtime.services.selfService.consentHistory(t.councilId, partyId);
    expect(history).toHaveLength(4);
    expect(history[0]).toMatchObject({ purpose: 'surveys', granted: false, source: 'web' });
    const audit = await sql<{ action: string }>`select action from audit_event
      where subject_id = ${partyId} and action like 'party.consent_%' order by id`.execute(
      t.runtime.database.db,
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'party.consent_withdrawn',
      'party.consent_given',
      'party.consent_given',
      'party.consent_withdrawn',
    ]);

    // Staff see the online account and the consent history on the party page.
    const staff = await signInAs(t.app, 'agent');
    const partyPage = await t.app.inject({
      method: 'GET',
      url: `/staff/parties/${partyId}`,
      headers: { cookie: staff.cookie },
    });
    expect(partyPage.body).toContain('Has an online account');
    expect(partyPage.body).toContain('data-test="consent-history"');
    expect(partyPage.body).toContain('Satisfaction surveys');
  });
  // ---------- Forgotten password, changes from My details, deleting the account ----------

  /** The path of the newest emailed link of this template and personalisation field. */
  const linkPath = async (email: string, template: string, field: string) => {
    const [message] = (await messagesTo(email)).filter((m) => m.template === template);
    return String(message?.personalisation[field] ?? '').replace(/^http:\/\/localhost:\d+/, '');
  };
  const hiddenToken = (html: string) => /name="token" value="([^"]+)"/.exec(html)?.[1] ?? '';
  /** A browser signed in to an existing account (one made through OIDC, say), as the sign-in pages leave it. */
  async function signedInBrowser(accountId: string) {
    const token = `test-session-${Math.random().toString(36).slice(2)}`;
    await t.runtime.services.portalSessions.save(token, t.councilId, {
      journeys: {},
      requests: [],
      accountId,
    });
    return visitor(`guildhall_portal=${token}`);
  }
  async function verifiedAccount(email: string, names = ['Ada', 'Lovelace']) {
    const browser = visitor();
    await createAccount(browser, email, names);
    await signIn(browser, email);
    await verify(browser, email);
    return browser;
  }

  it('resets a forgotten password: the same answer for any address, a single-use link, GOV.UK errors, signed out everywhere', async () => {
    const email = 'forgot.me@example.com';
    const signedInElsewhere = await verifiedAccount(email);
    expect((await signedInElsewhere.get('/account')).statusCode).toBe(200);

    const browser = visitor();
    const signInPage = await browser.get('/account/sign-in');
    expect(signInPage.body).toContain(
      '<a class="govuk-link" href="/account/password-reset">Forgotten your password?</a>',
    );
    expect((await browser.get('/account/password-reset')).body).toContain('Reset your password');
    const empty = await browser.post('/account/password-reset', { email: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('govuk-error-summary');
    expect(empty.body).toContain('href="#email">Enter your email address</a>');
    expect((await browser.post('/account/password-reset', { email: 'a@' })).body).toContain(
      'Enter an email address in the correct format',
    );
    expect(
      (await browser.post('/account/password-reset', { email: 'a@example.com' }, false)).statusCode,
    ).toBe(403);

    // No account enumeration: an unknown address and a known one get the same answer.
    const unknown = await browser.post('/account/password-reset', { email: 'no.account@example.com' });
    const known = await browser.post('/account/password-reset', { email });
    expect(unknown.headers.location).toBe('/account/password-reset/sent');
    expect(known.headers.location).toBe('/account/password-reset/sent');
    const sentPage = await browser.get('/account/password-reset/sent');
    expect(sentPage.body).toContain('If there is an account with that email address, we have sent it a link');
    expect(await messagesTo('no.account@example.com')).toHaveLength(0);

    const resetPath = await linkPath(email, 'password_reset', 'resetUrl');
    expect(resetPath).toMatch(/^\/account\/password-reset\/new\?token=[\w-]{40,}$/);
    const form = await browser.get(resetPath);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Choose a new password');
    const token = hiddenToken(form.body);
    const mismatch = await browser.post('/account/password-reset/new', {
      token,
      password: 'a fresh passphrase',
      confirmPassword: 'a fresh passphrasf',
    });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.body).toContain('href="#confirmPassword">The passwords do not match');
    expect(mismatch.body).toContain(`name="token" value="${token}"`);
    expect(mismatch.body).not.toContain('value="a fresh passphrase"');
    const short = await browser.post('/account/password-reset/new', {
      token,
      password: 'short',
      confirmPassword: 'short',
    });
    expect(short.body).toContain('href="#password">Your password must be at least 12 characters long');

    const done = await browser.post('/account/password-reset/new', {
      token,
      password: 'a fresh passphrase',
      confirmPassword: 'a fresh passphrase',
    });
    expect(done.headers.location).toBe('/account/sign-in?reset=1');
    expect((await browser.get('/account/sign-in?reset=1')).body).toContain(
      'Your password has been changed. Sign in with your new password.',
    );
    // The browser that was signed in is signed out.
    expect((await signedInElsewhere.get('/account')).headers.location).toBe('/account/sign-in');
    expect((await signIn(browser, email)).statusCode).toBe(400);
    expect((await signIn(browser, email, 'a fresh passphrase')).headers.location).toBe('/account');

    // The link works once; used, it offers a new one.
    const again = await visitor().get(resetPath);
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('This link has expired or has already been used');
    expect(again.body).toContain('href="/account/password-reset" data-test="new-link">Get a new link</a>');
    const reused = await visitor();
    await reused.get('/account/password-reset');
    expect(
      (
        await reused.post('/account/password-reset/new', {
          token,
          password: 'yet another passphrase',
          confirmPassword: 'yet another passphrase',
        })
      ).body,
    ).toContain('This link has expired or has already been used');
    const audit = await sql<{ action: string }>`select action from audit_event
      where action like 'account.password_reset%' order by id`.execute(t.runtime.database.db);
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['account.password_reset_requested', 'account.password_reset']),
    );

    const welsh = await visitor().get('/account/password-reset?lang=cy');
    expect(welsh.body).toContain('Ailosod eich cyfrinair');
    expect((await visitor().get('/account/sign-in?lang=cy')).body).toContain('Wedi anghofio eich cyfrinair?');
  });

  it('changes the password from My details: the current one is checked, this browser stays signed in, others do not', async () => {
    const email = 'change.password@example.com';
    const browser = await verifiedAccount(email);
    const other = visitor();
    await signIn(other, email);
    const details = await browser.get('/account/details');
    expect(details.body).toContain('href="/account/password"');
    expect(details.body).toContain('href="/account/email"');
    expect(details.body).toContain('href="/account/delete"');

    await browser.get('/account/password');
    const wrong = await browser.post('/account/password', {
      currentPassword: 'not the password',
      password: 'my new passphrase',
      confirmPassword: 'my new passphrase',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('href="#currentPassword">Your password is not right</a>');
    const changed = await browser.post('/account/password', {
      currentPassword: PASSWORD,
      password: 'my new passphrase',
      confirmPassword: 'my new passphrase',
    });
    expect(changed.headers.location).toBe('/account?passwordChanged=1');
    const home = await browser.get('/account?passwordChanged=1');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('You have been signed out on your other devices');
    expect((await other.get('/account')).headers.location).toBe('/account/sign-in');
    expect((await signIn(visitor(), email, 'my new passphrase')).headers.location).toBe('/account');
  });

  it('changes the email address from My details once the new address is confirmed; refuses one another account has', async () => {
    const email = 'before.move@example.com';
    const browser = await verifiedAccount(email, ['Mo', 'Ver']);
    await createAccount(visitor(), 'already.taken@example.com');
    const page = await browser.get('/account/email');
    expect(page.body).toContain('Your email address is before.move@example.com.');

    const taken = await browser.post('/account/email', {
      email: 'already.taken@example.com',
      currentPassword: PASSWORD,
    });
    expect(taken.statusCode).toBe(400);
    expect(taken.body).toContain(
      'href="#email">This email address already has an account. Enter a different one</a>',
    );
    expect(taken.body).toContain('value="already.taken@example.com"');
    const noPassword = await browser.post('/account/email', { email: 'after.move@example.com' });
    expect(noPassword.body).toContain('href="#currentPassword">Enter your current password</a>');

    const asked = await browser.post('/account/email', {
      email: 'after.move@example.com',
      currentPassword: PASSWORD,
    });
    expect(asked.headers.location).toBe('/account/email/check');
    expect((await browser.get('/account/email/check')).body).toContain(
      'Your email address will change when you follow it',
    );
    // Nothing has changed yet.
    expect((await browser.get('/account')).body).toContain('Signed in as before.move@example.com');

    const confirmPath = await linkPath('after.move@example.com', 'email_change_verification', 'confirmUrl');
    expect(confirmPath).toMatch(/^\/account\/email\/confirm\?token=[\w-]{40,}$/);
    const confirmPage = await browser.get(confirmPath);
    expect(confirmPage.body).toContain('Confirm your new email address');
    const confirmed = await browser.post('/account/email/confirm', { token: hiddenToken(confirmPage.body) });
    expect(confirmed.headers.location).toBe('/account?emailChanged=1');
    expect((await browser.get('/account?emailChanged=1')).body).toContain(
      'Signed in as after.move@example.com',
    );
    expect((await messagesTo(email)).map((m) => m.template)).toContain('email_changed');
    const used = await visitor().get(confirmPath);
    expect(used.statusCode).toBe(400);
    expect(used.body).toContain('This link has expired or has already been used');
    expect((await signIn(visitor(), 'after.move@example.com')).headers.location).toBe('/account');
  });

  it('tells an account that signs in through OIDC that its email address comes from the provider', async () => {
    const account = await t.runtime.services.accounts.signInWithOidc(
      t.councilId,
      {
        issuer: 'https://oidc.example',
        subject: 'portal-1',
        email: 'provider.made@example.com',
        emailVerified: true,
      },
      systemAuditContext(t.councilId, 'test'),
    );
    const browser = await signedInBrowser(account.id);
    const page = await browser.get('/account/email');
    expect(page.body).toContain('data-test="email-from-provider"');
    expect(page.body).not.toContain('name="currentPassword"');
    const forced = await browser.post('/account/email', {
      email: 'elsewhere@example.com',
      currentPassword: 'x',
    });
    expect(forced.statusCode).toBe(400);
    expect(forced.body).toContain('Your email address comes from your sign-in provider');
    expect((await browser.get('/account/password')).body).toContain('data-test="no-password"');
    expect((await browser.get('/account/details')).body).not.toContain('href="/account/password"');
  });

  it('deletes an account after a warning that says what happens; the request stays and is still tracked by reference', async () => {
    const email = 'delete.me@example.com';
    const browser = await verifiedAccount(email, ['Del', 'Eted']);
    const row = await sql<{ id: string; party_id: string }>`
      select id, party_id from citizen_account where email = ${email}`.execute(t.runtime.database.db);
    const { id: accountId, party_id: partyId } = row.rows[0] ?? { id: '', party_id: '' };
    const made = await t.runtime.services.cases.create(
      t.councilId,
      {
        serviceCode: 'street-light-fault',
        channel: 'phone',
        partyId,
        answers: { column_number: 'SL-3', fault: 'out' },
        locationText: 'outside the station',
      },
      systemAuditContext(t.councilId, 'test'),
    );
    const reference = made.body.reference;

    const page = await browser.get('/account/delete');
    expect(page.body).toContain('govuk-warning-text');
    expect(page.body).toContain('Deleting your account cannot be undone.');
    expect(page.body).toContain('you will not be able to sign in as delete.me@example.com');
    expect(page.body).toContain('the permissions you gave us to contact you are withdrawn');
    expect(page.body).toContain('Requests you have already made stay with the council');
    expect(page.body).toContain('govuk-button--warning');
    const wrong = await browser.post('/account/delete', { currentPassword: 'not it at all' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('href="#currentPassword">Your password is not right</a>');
    expect((await browser.post('/account/delete', {}, false)).statusCode).toBe(403);

    const deleted = await browser.post('/account/delete', { currentPassword: PASSWORD });
    expect(deleted.headers.location).toBe('/account/deleted');
    const confirmation = await browser.get('/account/deleted');
    expect(confirmation.body).toContain('govuk-panel');
    expect(confirmation.body).toContain('Your account has been deleted');
    expect((await browser.get('/account')).headers.location).toBe('/account/sign-in');
    expect((await signIn(visitor(), email)).body).toContain('The email address or password is not right');
    const actions = await sql<{ action: string }>`select action from audit_event
      where subject_id = ${accountId} and action = 'account.deleted'`.execute(t.runtime.database.db);
    expect(actions.rows).toHaveLength(1);

    // The request is the council's: still there, and still tracked with its reference and the email.
    expect((await t.runtime.services.cases.get(t.councilId, reference)).record.requesterPartyId).toBe(
      partyId,
    );
    const tracker = visitor();
    await tracker.get('/track');
    const tracked = await tracker.post('/track', { reference, proof: email });
    expect(tracked.headers.location).toBe(`/track/${reference}`);
    expect((await tracker.get(`/track/${reference}`)).statusCode).toBe(200);
  });

  it('deletes an account without a password only when the box is ticked', async () => {
    const account = await t.runtime.services.accounts.signInWithOidc(
      t.councilId,
      {
        issuer: 'https://oidc.example',
        subject: 'portal-2',
        email: 'oidc.delete@example.com',
        emailVerified: true,
      },
      systemAuditContext(t.councilId, 'test'),
    );
    const browser = await signedInBrowser(account.id);
    const page = await browser.get('/account/delete');
    expect(page.body).toContain('I understand that my account will be deleted');
    expect(page.body).not.toContain('name="currentPassword"');
    const unticked = await browser.post('/account/delete', {});
    expect(unticked.statusCode).toBe(400);
    expect(unticked.body).toContain(
      'href="#confirmed">Select that you understand your account will be deleted</a>',
    );
    expect((await browser.post('/account/delete', { confirmed: 'yes' })).headers.location).toBe(
      '/account/deleted',
    );
    expect(await t.runtime.services.accounts.get(t.councilId, account.id)).toBeNull();
  });
});
