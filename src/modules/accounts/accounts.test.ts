import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { type JobQueue, startJobQueue } from '../../platform/jobs/jobs.ts';
import { notificationJobDefinitions } from '../notifications/index.ts';

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
});
