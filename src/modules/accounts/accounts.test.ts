import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { type JobQueue, startJobQueue } from '../../platform/jobs/jobs.ts';
import { notificationJobDefinitions } from '../notifications/index.ts';
import { AccountLocked } from './index.ts';

const PASSWORD = 'a long enough passphrase';

describe.each(testDatabaseKinds())('the accounts service (%s)', (kind) => {
  let t: TestApp;
  let queue: JobQueue;
  beforeAll(async () => {
    t = await createTestApp(kind, { GUILDHALL_DEMO_ADDRESSES: '50' });
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

  const context = () => systemAuditContext(t.councilId, 'test');
  const accounts = () => t.runtime.services.accounts;
  const tokenFor = async (email: string) => {
    const messages = await t.runtime.services.notifications.list(t.councilId, { q: email }, 5);
    const url = String(
      messages.find((m) => m.template === 'email_verification')?.personalisation.verificationUrl,
    );
    return url.split('token=')[1] ?? '';
  };

  it('refuses a weak password or a malformed address, naming the field', async () => {
    await expect(
      accounts().create(
        t.councilId,
        { givenNames: 'A', familyName: 'B', email: 'x@', password: 'short' },
        context(),
      ),
    ).rejects.toMatchObject({
      fieldErrors: [
        { field: 'email', message: expect.stringContaining('correct format') },
        { field: 'password', message: 'Your password must be at least 12 characters long' },
      ],
    });
  });

  it('stores only the token’s hash, and refuses an expired link', async () => {
    const email = 'expiring@example.com';
    await accounts().create(
      t.councilId,
      { givenNames: 'Ex', familyName: 'Piry', email, password: PASSWORD },
      context(),
    );
    const token = await tokenFor(email);
    const stored = await sql<{ id: string }>`select t.id from citizen_account_token t
      join citizen_account a on a.id = t.account_id where a.email = ${email}`.execute(t.runtime.database.db);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]?.id).not.toContain(token);
    await sql`update citizen_account_token set expires_at = now() - interval '1 second'`.execute(
      t.runtime.database.db,
    );
    expect(await accounts().verify(t.councilId, token, context())).toBeNull();
  });

  it('never picks one of several people who share an email address: a new person is made', async () => {
    const email = 'shared.family@example.com';
    const parties = t.runtime.services.parties;
    const first = await parties.createParty(
      t.councilId,
      { kind: 'person', givenNames: 'Sam', familyName: 'Share', email },
      context(),
    );
    const second = await parties.createParty(
      t.councilId,
      { kind: 'person', givenNames: 'Alex', familyName: 'Share', email },
      context(),
    );
    await accounts().create(
      t.councilId,
      { givenNames: 'Sam', familyName: 'Share', email, password: PASSWORD },
      context(),
    );
    const account = await accounts().verify(t.councilId, await tokenFor(email), context());
    expect(account?.partyId).toBeTruthy();
    expect([first.id, second.id]).not.toContain(account?.partyId);
  });

  it('follows a merge: the account moves to the surviving person', async () => {
    const email = 'merged.person@example.com';
    await accounts().create(
      t.councilId,
      { givenNames: 'Mo', familyName: 'Merge', email, password: PASSWORD },
      context(),
    );
    const account = await accounts().verify(t.councilId, await tokenFor(email), context());
    const survivor = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'person', givenNames: 'Mo', familyName: 'Merge' },
      context(),
    );
    await t.runtime.services.parties.merge(t.councilId, survivor.id, account?.partyId ?? '', {}, context());
    const signedIn = await accounts().signIn(t.councilId, email, PASSWORD, context());
    expect(signedIn).toMatchObject({ ok: true, account: { partyId: survivor.id } });
  });
  // ---------- Forgotten password, changes from My details, deleting the account ----------

  const db = () => t.runtime.database.db;
  /** The emails sent to an address with this template, newest first. */
  const sent = async (email: string, template: string) =>
    (await t.runtime.services.notifications.list(t.councilId, { q: email }, 20)).filter(
      (m) => m.recipient === email && m.template === template,
    );
  const tokenIn = (url: unknown) => String(url ?? '').split('token=')[1] ?? '';
  const accountRow = async (email: string) =>
    (
      await sql<{ id: string; party_id: string | null; email_verified_at: Date | null }>`
        select id, party_id, email_verified_at from citizen_account where email = ${email}`.execute(db())
    ).rows[0];
  /** A verified account linked to its person, as after following the verification link. */
  async function verifiedAccount(email: string, names = ['Val', 'Idated']) {
    await accounts().create(
      t.councilId,
      { givenNames: names[0], familyName: names[1], email, password: PASSWORD },
      context(),
    );
    const account = await accounts().verify(t.councilId, await tokenFor(email), context());
    if (!account) throw new Error('not verified');
    return account;
  }
  /** A portal session signed in to the account, as the sign-in page makes. */
  async function sessionFor(accountId: string): Promise<string> {
    const token = `session-${Math.random().toString(36).slice(2)}`;
    await t.runtime.services.portalSessions.save(token, t.councilId, {
      journeys: {},
      requests: [],
      accountId,
    });
    return token;
  }
  const signedIn = async (token: string) =>
    (await t.runtime.services.portalSessions.load(token, t.councilId)).accountId;
  /** Lets the next email of a kind go, as if the one-a-minute limit had passed. */
  const aMinuteLater = () =>
    sql`update citizen_account_token set created_at = created_at - interval '2 minutes'`.execute(db());

  it('resets a forgotten password with a single-use link that expires, signing the account out everywhere', async () => {
    const email = 'forgetful@example.com';
    const account = await verifiedAccount(email);
    const elsewhere = await sessionFor(account.id);

    // An unknown address: nothing is sent, and nothing says so.
    await accounts().requestPasswordReset(t.councilId, 'nobody.here@example.com', 'en', context());
    expect(await sent('nobody.here@example.com', 'password_reset')).toHaveLength(0);
    await expect(
      accounts().requestPasswordReset(t.councilId, 'not-an-email', 'en', context()),
    ).rejects.toMatchObject({
      fieldErrors: [{ field: 'email', message: expect.stringContaining('correct format') }],
    });

    await accounts().requestPasswordReset(t.councilId, ' Forgetful@Example.com ', 'cy', context());
    const [first] = await sent(email, 'password_reset');
    expect(first?.language).toBe('cy');
    expect(first?.personalisation.expiresInHours).toBe(1);
    const firstToken = tokenIn(first?.personalisation.resetUrl);
    expect(firstToken.length).toBeGreaterThanOrEqual(40);
    expect(await accounts().passwordResetUsable(t.councilId, firstToken)).toBe(true);

    // A second request within the minute sends nothing; after it, a new link replaces the first.
    await accounts().requestPasswordReset(t.councilId, email, 'en', context());
    expect(await sent(email, 'password_reset')).toHaveLength(1);
    await aMinuteLater();
    await accounts().requestPasswordReset(t.councilId, email, 'en', context());
    const resets = await sent(email, 'password_reset');
    expect(resets).toHaveLength(2);
    const token = tokenIn(resets[0]?.personalisation.resetUrl);
    expect(await accounts().passwordResetUsable(t.councilId, firstToken)).toBe(false);
    // A verification link is no reset link.
    expect(await accounts().passwordResetUsable(t.councilId, await tokenFor(email))).toBe(false);

    // The new password meets the same rules as a new account's, twice the same.
    await expect(
      accounts().resetPassword(
        t.councilId,
        token,
        { password: 'short', confirmPassword: 'short' },
        context(),
      ),
    ).rejects.toMatchObject({
      fieldErrors: [{ field: 'password', message: 'Your password must be at least 12 characters long' }],
    });
    await expect(
      accounts().resetPassword(
        t.councilId,
        token,
        { password: 'a brand new passphrase', confirmPassword: 'a brand new passphrasf' },
        context(),
      ),
    ).rejects.toMatchObject({
      fieldErrors: [{ field: 'confirmPassword', message: 'The passwords do not match' }],
    });
    expect(await accounts().passwordResetUsable(t.councilId, token)).toBe(true);

    // A change of address someone started with the account is stopped by the reset.
    await accounts().requestEmailChange(
      t.councilId,
      account.id,
      { email: 'intruder@example.com', currentPassword: PASSWORD },
      'en',
      context(),
    );
    const intruder = tokenIn(
      (await sent('intruder@example.com', 'email_change_verification'))[0]?.personalisation.confirmUrl,
    );
    expect(await accounts().emailChangeUsable(t.councilId, intruder)).toBe(true);

    const reset = await accounts().resetPassword(
      t.councilId,
      token,
      { password: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' },
      context(),
    );
    expect(await accounts().emailChangeUsable(t.councilId, intruder)).toBe(false);
    expect(reset?.id).toBe(account.id);
    expect(await signedIn(elsewhere)).toBeUndefined();
    expect(await accounts().signIn(t.councilId, email, PASSWORD, context())).toMatchObject({ ok: false });
    expect(await accounts().signIn(t.councilId, email, 'a brand new passphrase', context())).toMatchObject({
      ok: true,
    });
    // Single use.
    expect(
      await accounts().resetPassword(
        t.councilId,
        token,
        { password: 'another new passphrase', confirmPassword: 'another new passphrase' },
        context(),
      ),
    ).toBeNull();
    const audit = await sql<{ action: string }>`select action from audit_event
      where subject_id = ${account.id} and action like 'account.password_reset%' order by id`.execute(db());
    expect(audit.rows.map((r) => r.action)).toEqual([
      'account.password_reset_requested',
      'account.password_reset_requested',
      'account.password_reset_requested',
      'account.password_reset',
    ]);
  });

  it('refuses an expired reset link; a reset unlocks a locked account and confirms an unverified address', async () => {
    const email = 'locked.out@example.com';
    await accounts().create(
      t.councilId,
      { givenNames: 'Lock', familyName: 'Tout', email, password: PASSWORD },
      context(),
    );
    for (let i = 0; i < 5; i++) await accounts().signIn(t.councilId, email, 'not the password!', context());
    expect(await accounts().signIn(t.councilId, email, PASSWORD, context())).toMatchObject({
      reason: 'locked',
    });

    await accounts().requestPasswordReset(t.councilId, email, 'en', context());
    const expiring = tokenIn((await sent(email, 'password_reset'))[0]?.personalisation.resetUrl);
    await sql`update citizen_account_token set expires_at = now() - interval '1 second'
      where purpose = 'reset_password'`.execute(db());
    expect(await accounts().passwordResetUsable(t.councilId, expiring)).toBe(false);
    const newPassword = { password: 'unlocked at last!', confirmPassword: 'unlocked at last!' };
    expect(await accounts().resetPassword(t.councilId, expiring, newPassword, context())).toBeNull();

    await aMinuteLater();
    await accounts().requestPasswordReset(t.councilId, email, 'en', context());
    const token = tokenIn((await sent(email, 'password_reset'))[0]?.personalisation.resetUrl);
    const account = await accounts().resetPassword(t.councilId, token, newPassword, context());
    expect(account?.emailVerifiedAt).not.toBeNull();
    expect(account?.partyId).toBeTruthy();
    expect(await accounts().signIn(t.councilId, email, 'unlocked at last!', context())).toMatchObject({
      ok: true,
    });
  });

  it('tells an account without a password (OIDC only) where it signs in, rather than sending a link', async () => {
    const email = 'oidc.only@example.com';
    await accounts().signInWithOidc(
      t.councilId,
      {
        issuer: 'https://oidc.example',
        subject: 'sub-1',
        email,
        emailVerified: true,
        givenName: 'O',
        familyName: 'Idc',
      },
      context(),
    );
    await accounts().requestPasswordReset(t.councilId, email, 'en', context());
    const [message] = await sent(email, 'password_reset');
    expect(message?.personalisation).toMatchObject({
      signInUrl: expect.stringMatching(/\/account\/sign-in$/),
    });
    expect(message?.personalisation.resetUrl).toBeUndefined();
  });

  it('changes the password with the current one: a wrong one counts towards the lock, and other sessions end', async () => {
    const email = 'changer@example.com';
    const account = await verifiedAccount(email);
    const elsewhere = await sessionFor(account.id);
    const change = (currentPassword: string) =>
      accounts().changePassword(
        t.councilId,
        account.id,
        { currentPassword, password: 'my second passphrase', confirmPassword: 'my second passphrase' },
        context(),
      );
    await expect(
      accounts().changePassword(t.councilId, account.id, { currentPassword: '', password: 'x' }, context()),
    ).rejects.toMatchObject({
      fieldErrors: [
        { field: 'currentPassword', message: 'Enter your current password' },
        { field: 'password', message: 'Your password must be at least 12 characters long' },
        { field: 'confirmPassword', message: 'Enter your new password again' },
      ],
    });
    await expect(change('a wrong password')).rejects.toMatchObject({
      fieldErrors: [{ field: 'currentPassword', message: 'Your password is not right' }],
    });
    expect(await signedIn(elsewhere)).toBe(account.id);
    await change(PASSWORD);
    expect(await signedIn(elsewhere)).toBeUndefined();
    expect(await accounts().signIn(t.councilId, email, 'my second passphrase', context())).toMatchObject({
      ok: true,
    });

    // Guessing locks the account, for changes and for signing in alike.
    for (let i = 0; i < 4; i++)
      await expect(change('guess')).rejects.toMatchObject({ code: 'ValidationFailed' });
    await expect(change('guess')).rejects.toBeInstanceOf(AccountLocked);
    await expect(change('my second passphrase')).rejects.toBeInstanceOf(AccountLocked);
    expect(await accounts().signIn(t.councilId, email, 'my second passphrase', context())).toMatchObject({
      reason: 'locked',
    });
  });

  it('changes the email address only when the link sent to the new one is followed, and tells the old one', async () => {
    const email = 'old.address@example.com';
    const account = await verifiedAccount(email, ['Ed', 'Dress']);
    await verifiedAccount('someone.else@example.com');
    const request = (input: { email?: string; currentPassword?: string }) =>
      accounts().requestEmailChange(t.councilId, account.id, input, 'en', context());

    await expect(request({ email: 'nope', currentPassword: '' })).rejects.toMatchObject({
      fieldErrors: [
        { field: 'email', message: expect.stringContaining('correct format') },
        { field: 'currentPassword', message: 'Enter your current password' },
      ],
    });
    await expect(request({ email, currentPassword: PASSWORD })).rejects.toMatchObject({
      fieldErrors: [{ field: 'email', message: 'This is already your email address' }],
    });
    await expect(
      request({ email: 'new.address@example.com', currentPassword: 'wrong!' }),
    ).rejects.toMatchObject({
      fieldErrors: [{ field: 'currentPassword', message: 'Your password is not right' }],
    });
    await expect(
      request({ email: 'Someone.Else@example.com', currentPassword: PASSWORD }),
    ).rejects.toMatchObject({
      fieldErrors: [{ field: 'email', message: 'This email address already has an account' }],
    });
    expect(await sent('someone.else@example.com', 'email_change_verification')).toHaveLength(0);

    await request({ email: 'New.Address@example.com', currentPassword: PASSWORD });
    // A second click sends nothing more.
    await request({ email: 'new.address@example.com', currentPassword: PASSWORD });
    const links = await sent('new.address@example.com', 'email_change_verification');
    expect(links).toHaveLength(1);
    const token = tokenIn(links[0]?.personalisation.confirmUrl);
    expect((await accountRow('old.address@example.com'))?.id).toBe(account.id);
    expect(await accounts().emailChangeUsable(t.councilId, token)).toBe(true);

    await accounts().requestPasswordReset(t.councilId, email, 'en', context());
    const oldReset = tokenIn((await sent(email, 'password_reset'))[0]?.personalisation.resetUrl);
    expect(await accounts().passwordResetUsable(t.councilId, oldReset)).toBe(true);
    const confirmed = await accounts().confirmEmailChange(t.councilId, token, 'en', context());
    expect(confirmed).toMatchObject({
      ok: true,
      account: { id: account.id, email: 'new.address@example.com' },
    });
    expect(await accountRow('old.address@example.com')).toBeUndefined();
    // A reset link sent to the old address no longer works.
    expect(await accounts().passwordResetUsable(t.councilId, oldReset)).toBe(false);
    const [notice] = await sent('old.address@example.com', 'email_changed');
    expect(notice?.personalisation.newEmail).toBe('n***@example.com');
    // The person's preferred email address is the new, verified one; the old one stays on record.
    const points = await sql<{ value: string; is_preferred: boolean; is_verified: boolean }>`
      select value, is_preferred, is_verified from contact_point
       where party_id = ${account.partyId} and kind = 'email' order by value`.execute(db());
    expect(points.rows).toEqual([
      { value: 'new.address@example.com', is_preferred: true, is_verified: true },
      { value: 'old.address@example.com', is_preferred: false, is_verified: true },
    ]);
    expect(
      await accounts().signIn(t.councilId, 'new.address@example.com', PASSWORD, context()),
    ).toMatchObject({
      ok: true,
    });
    // Single use.
    expect(await accounts().confirmEmailChange(t.councilId, token, 'en', context())).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('refuses a change of address link that expired, or whose address another account took meanwhile', async () => {
    const account = await verifiedAccount('mover@example.com');
    const request = (email: string) =>
      accounts().requestEmailChange(
        t.councilId,
        account.id,
        { email, currentPassword: PASSWORD },
        'en',
        context(),
      );
    await request('first.choice@example.com');
    const expired = tokenIn(
      (await sent('first.choice@example.com', 'email_change_verification'))[0]?.personalisation.confirmUrl,
    );
    await sql`update citizen_account_token set expires_at = now() - interval '1 second'
      where purpose = 'change_email' and account_id = ${account.id}`.execute(db());
    expect(await accounts().confirmEmailChange(t.councilId, expired, 'en', context())).toEqual({
      ok: false,
      reason: 'invalid',
    });

    await aMinuteLater();
    await request('contested@example.com');
    const token = tokenIn(
      (await sent('contested@example.com', 'email_change_verification'))[0]?.personalisation.confirmUrl,
    );
    await verifiedAccount('contested@example.com');
    expect(await accounts().confirmEmailChange(t.councilId, token, 'en', context())).toEqual({
      ok: false,
      reason: 'taken',
    });
    expect((await accountRow('mover@example.com'))?.id).toBe(account.id);
  });

  it('does not let an OIDC account change the address its provider gave', async () => {
    const account = await accounts().signInWithOidc(
      t.councilId,
      {
        issuer: 'https://oidc.example',
        subject: 'sub-2',
        email: 'from.provider@example.com',
        emailVerified: true,
      },
      context(),
    );
    await expect(
      accounts().requestEmailChange(
        t.councilId,
        account.id,
        { email: 'elsewhere@example.com', currentPassword: 'x' },
        'en',
        context(),
      ),
    ).rejects.toMatchObject({
      fieldErrors: [
        { field: 'email', message: 'Your email address comes from the provider you sign in with' },
      ],
    });
  });

  it('audits a phone added and removed in My details with a masked number, never the whole of it', async () => {
    const account = await verifiedAccount('masked.phone@example.com', ['Mo', 'Masked']);
    const partyId = account.partyId ?? '';
    const update = (phone: string) =>
      t.runtime.services.selfService.updateOwnDetails(
        t.councilId,
        partyId,
        { givenNames: 'Mo', familyName: 'Masked', phone },
        context(),
      );
    await update('07911 123 456');
    await update('');
    const audited = async (action: string) =>
      (await t.runtime.services.governance.listAudit(t.councilId, { action, subjectId: partyId }, 5))[0]
        ?.details;
    expect(await audited('party.contact_point_added')).toMatchObject({
      kind: 'phone',
      masked: 'phone ending 3456',
    });
    const removed = await audited('party.contact_point_removed');
    expect(removed).toMatchObject({ kind: 'phone', masked: 'phone ending 3456' });
    expect(JSON.stringify(removed)).not.toContain('7911123456');
  });

  it('deletes the account with its password: sign-in, links and sessions go, consents are withdrawn, the person and requests stay', async () => {
    const email = 'leaving@example.com';
    const account = await verifiedAccount(email, ['Lee', 'Ving']);
    const partyId = account.partyId ?? '';
    await t.runtime.services.selfService.updateOwnDetails(
      t.councilId,
      partyId,
      {
        givenNames: 'Lee',
        familyName: 'Ving',
        phone: '07911 123 456',
        consents: { email_updates: true, sms_updates: true, surveys: true },
      },
      context(),
    );
    const request = await t.runtime.services.cases.create(
      t.councilId,
      {
        serviceCode: 'street-light-fault',
        channel: 'web',
        partyId,
        answers: { column_number: 'SL-9', fault: 'out' },
        locationText: 'outside the library',
      },
      context(),
    );
    const session = await sessionFor(account.id);
    await accounts().requestPasswordReset(t.councilId, email, 'en', context());

    await expect(
      accounts().deleteAccount(t.councilId, account.id, { currentPassword: '' }, context()),
    ).rejects.toMatchObject({ fieldErrors: [{ field: 'currentPassword', message: 'Enter your password' }] });
    await expect(
      accounts().deleteAccount(t.councilId, account.id, { currentPassword: 'not my password' }, context()),
    ).rejects.toMatchObject({
      fieldErrors: [{ field: 'currentPassword', message: 'Your password is not right' }],
    });
    expect(await accountRow(email)).toBeDefined();

    await accounts().deleteAccount(t.councilId, account.id, { currentPassword: PASSWORD }, context());
    expect(await accountRow(email)).toBeUndefined();
    expect(await accounts().get(t.councilId, account.id)).toBeNull();
    const tokens = await sql`select 1 from citizen_account_token where account_id = ${account.id}`.execute(
      db(),
    );
    expect(tokens.rows).toHaveLength(0);
    expect(await signedIn(session)).toBeUndefined();
    expect(await accounts().signIn(t.councilId, email, PASSWORD, context())).toMatchObject({ ok: false });

    // The person and their request stay; the request can still be tracked by its reference.
    const party = await t.runtime.services.parties.getParty(t.councilId, partyId);
    expect(party.status).toBe('active');
    const kept = await t.runtime.services.cases.get(t.councilId, request.body.reference);
    expect(kept.record.requesterPartyId).toBe(partyId);
    // Consents withdrawn, each recorded; nobody is contacted on the strength of the old ones.
    const history = await t.runtime.services.selfService.consentHistory(t.councilId, partyId);
    expect(
      history
        .slice(0, 3)
        .map((c) => [c.purpose, c.granted])
        .sort(),
    ).toEqual([
      ['email_updates', false],
      ['sms_updates', false],
      ['surveys', false],
    ]);
    const points = await sql<{ do_not_contact: boolean }>`select do_not_contact from contact_point
      where party_id = ${partyId}`.execute(db());
    expect(points.rows.every((p) => p.do_not_contact)).toBe(true);
    const audit = await sql<{
      action: string;
      details: Record<string, unknown>;
    }>`select action, details from audit_event
      where subject_id = ${account.id} and action = 'account.deleted'`.execute(db());
    expect(audit.rows).toEqual([
      {
        action: 'account.deleted',
        details: { partyId, consentsWithdrawn: ['email_updates', 'sms_updates', 'surveys'] },
      },
    ]);
    // The address is free for a new account.
    await accounts().create(
      t.councilId,
      { givenNames: 'Lee', familyName: 'Ving', email, password: PASSWORD },
      context(),
    );
    expect((await accountRow(email))?.id).not.toBe(account.id);
  });

  it('deletes an account without a password (OIDC) only when the citizen confirms', async () => {
    const account = await accounts().signInWithOidc(
      t.councilId,
      {
        issuer: 'https://oidc.example',
        subject: 'sub-3',
        email: 'oidc.leaver@example.com',
        emailVerified: true,
      },
      context(),
    );
    await expect(accounts().deleteAccount(t.councilId, account.id, {}, context())).rejects.toMatchObject({
      fieldErrors: [{ field: 'confirmed', message: expect.stringContaining('Select that you understand') }],
    });
    await accounts().deleteAccount(t.councilId, account.id, { confirmed: true }, context());
    expect(await accounts().get(t.councilId, account.id)).toBeNull();
  });
});
