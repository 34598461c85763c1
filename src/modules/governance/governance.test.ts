import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cookieHeader,
  createTestApp,
  csrfFrom,
  demoEmail,
  signIn,
  signInAs,
  type TestApp,
} from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { DEMO_PASSWORD } from '../../councils/demo.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { assertProductionReady } from '../../runtime.ts';

describe.each(testDatabaseKinds())('staff sign-in, sessions and audit (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { SIGN_IN_MAX_ATTEMPTS: '3', SESSION_IDLE_MINUTES: '30' });
  });
  afterAll(() => t?.close());

  const auditActions = async () => {
    const events = await t.runtime.services.governance.listAudit(t.councilId, {}, 500);
    return events.map((e) => e.action);
  };

  it('gives each role a home page with its own work and a search box, and names the user plainly', async () => {
    const home = async (role: 'agent' | 'officer' | 'supervisor') => {
      const session = await signInAs(t.app, role);
      return (await t.app.inject({ method: 'GET', url: '/staff', headers: { cookie: session.cookie } })).body;
    };
    const tasks = (html: string) =>
      [...(/data-test="home-tasks">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '').matchAll(/href="([^"]+)"/g)].map(
        (m) => m[1],
      );
    const agent = await home('agent');
    expect(agent).toContain('<form method="get" action="/staff/search" data-test="home-search">');
    expect(agent).toContain('<label class="govuk-label govuk-label--m moj-search__label" for="home-search">');
    expect(tasks(agent)).toEqual(['/staff/contacts/today', '/staff/contacts/new']);
    // Heard as "Signed in as Amira Agent, contact centre agent", not "Amira Agent signed in as(…)".
    expect(agent).toContain(
      '<span data-test="signed-in-user"><span class="govuk-visually-hidden">Signed in as </span>Amira Agent<span class="govuk-visually-hidden">, contact centre agent</span><span aria-hidden="true"> (Contact centre agent)</span></span>',
    );
    expect(tasks(await home('officer'))).toEqual(['/staff/queues/mine', '/staff/queues']);
    expect(tasks(await home('supervisor'))).toEqual([
      '/staff/queues/mine',
      '/staff/queues',
      '/staff/supervisor',
    ]);
  });

  it('signs in with the right password, sets a secure httpOnly cookie and audits it', async () => {
    const response = await signIn(t.app, demoEmail('agent'), DEMO_PASSWORD);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/staff');
    const cookie = (
      response.cookies as { name: string; httpOnly?: boolean; secure?: boolean; sameSite?: string }[]
    ).find((c) => c.name === 'guildhall_session');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' });
    const home = await t.app.inject({ url: '/staff', headers: { cookie: response.session?.cookie ?? '' } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Amira Agent');
    expect(await auditActions()).toContain('auth.sign_in');
  });

  it('shows a GOV.UK error summary for a wrong password and audits the failure', async () => {
    const response = await signIn(t.app, demoEmail('officer'), 'wrong password!');
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('govuk-error-summary');
    expect(response.body).toContain('The email address or password is not right');
    expect(await auditActions()).toContain('auth.sign_in_failed');
  });

  it('names each missing field', async () => {
    const response = await signIn(t.app, '', '');
    expect(response.body).toContain('Enter your email address');
    expect(response.body).toContain('Enter your password');
  });

  it('locks an account after repeated failures, even against the right password, and audits the lock', async () => {
    const email = demoEmail('supervisor');
    for (let i = 0; i < 3; i++) await signIn(t.app, email, 'not the password');
    const locked = await signIn(t.app, email, DEMO_PASSWORD);
    expect(locked.statusCode).toBe(400);
    expect(locked.body).toContain('This account is locked');
    expect(await auditActions()).toContain('auth.account_locked');
    // Once the lock has passed, the right password works again.
    await sql`update staff_user set locked_until = now() - interval '1 minute' where lower(email) = ${email}`.execute(
      t.runtime.database.db,
    );
    expect((await signIn(t.app, email, DEMO_PASSWORD)).statusCode).toBe(303);
  });

  it('signs out, ends the session server-side and audits it', async () => {
    const session = await signInAs(t.app, 'admin');
    const out = await t.app.inject({
      method: 'POST',
      url: '/staff/sign-out',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(session.csrfToken)}`,
    });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/staff/sign-in?signedOut=1');
    // Replaying the old cookie does not work.
    const replay = await t.app.inject({ url: '/staff', headers: { cookie: session.cookie } });
    expect(replay.statusCode).toBe(303);
    expect(await auditActions()).toContain('auth.sign_out');
  });

  it('ends a session after the idle timeout and after the absolute timeout', async () => {
    const idle = await signInAs(t.app, 'officer');
    await sql`update staff_session set last_seen_at = now() - interval '31 minutes'`.execute(
      t.runtime.database.db,
    );
    expect((await t.app.inject({ url: '/staff', headers: { cookie: idle.cookie } })).statusCode).toBe(303);

    const old = await signInAs(t.app, 'officer');
    await sql`update staff_session set expires_at = now() - interval '1 second'`.execute(
      t.runtime.database.db,
    );
    expect((await t.app.inject({ url: '/staff', headers: { cookie: old.cookie } })).statusCode).toBe(303);
  });

  it('only returns to pages inside the staff area after sign-in', async () => {
    const page = await t.app.inject({ url: '/staff/sign-in?returnTo=https://evil.example/' });
    const cookie = cookieHeader(page);
    const response = await t.app.inject({
      method: 'POST',
      url: '/staff/sign-in',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        email: demoEmail('agent'),
        password: DEMO_PASSWORD,
        _csrf: csrfFrom(page.body),
        returnTo: 'https://evil.example/',
      }).toString(),
    });
    expect(response.headers.location).toBe('/staff');
  });

  it('lets an auditor list and filter the audit trail, and download it as CSV', async () => {
    const auditor = await signInAs(t.app, 'auditor');
    const page = await t.app.inject({
      url: '/staff/audit?action=auth.sign_in_failed',
      headers: { cookie: auditor.cookie },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Staff sign-in failed');
    expect(page.body).toContain('data-action="auth.sign_in_failed"');
    expect(page.body).not.toContain('data-action="auth.sign_out"');

    const bad = await t.app.inject({
      url: '/staff/audit?from=2026-13-45',
      headers: { cookie: auditor.cookie },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Enter a real date');

    const csv = await t.app.inject({
      url: '/staff/audit.csv?action=auth.*',
      headers: { cookie: auditor.cookie },
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'id,occurred_at,actor_type,actor_id,actor,action,action_description,subject_type,subject_id,record,record_reference,purpose,correlation_id,ip,details',
    );
    expect(lines.length).toBeGreaterThan(3);
  });

  describe('naming what each event is about', () => {
    let party: { id: string; reference: string };
    let request: { id: string; reference: string };
    let auditor: Awaited<ReturnType<typeof signInAs>>;
    const auditPage = (query: string) =>
      t.app.inject({ url: `/staff/audit?${query}`, headers: { cookie: auditor.cookie } });
    const rowsOf = (html: string) => html.match(/<tr class="govuk-table__row">\s*<td/g)?.length ?? 0;

    beforeAll(async () => {
      const context = systemAuditContext(t.councilId, 'test');
      party = await t.runtime.services.parties.createParty(
        t.councilId,
        { kind: 'person', givenName: 'Nerys', familyName: 'Audited' },
        context,
      );
      const created = await t.runtime.services.cases.create(
        t.councilId,
        {
          serviceCode: 'pothole',
          channel: 'phone',
          partyId: party.id,
          description: 'Outside the library',
          location: { easting: 530_100, northing: 180_100 },
          answers: { where_on_road: 'carriageway', depth: 'shallow', damage_claim: false },
        },
        context,
      );
      request = { id: created.body.id, reference: created.body.reference };
      const agent = await signInAs(t.app, 'agent');
      const viewed = await t.app.inject({
        url: `/staff/parties/${party.id}`,
        headers: { cookie: agent.cookie },
      });
      expect(viewed.statusCode).toBe(200);
      auditor = await signInAs(t.app, 'auditor');
    });

    it("shows a person's name and reference, linking to their record, and the action in words", async () => {
      const page = await auditPage(`subjectId=${party.id}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(
        `<a class="govuk-link" href="/staff/parties/${party.id}">Nerys Audited</a>`,
      );
      expect(page.body).toContain(party.reference);
      expect(page.body).toContain('Record viewed');
      expect(page.body).toContain('<code>party.viewed</code>');
      expect(page.body).toContain('Record created');
    });

    it('names records without writing audit events of its own', async () => {
      const count = async () =>
        (await t.runtime.services.governance.listAudit(t.councilId, {}, 10_000)).length;
      const before = await count();
      await auditPage(`subjectId=${party.reference}`);
      await t.app.inject({
        url: `/staff/audit.csv?subjectId=${party.id}`,
        headers: { cookie: auditor.cookie },
      });
      expect(await count()).toBe(before);
    });

    it('finds the events about a person by their reference, typed loosely', async () => {
      const byId = rowsOf((await auditPage(`subjectId=${party.id}`)).body);
      expect(byId).toBeGreaterThanOrEqual(2);
      for (const typed of [
        party.reference,
        party.reference.toLowerCase(),
        party.reference.replace(/-/g, ''),
      ]) {
        const page = await auditPage(`subjectId=${encodeURIComponent(typed)}`);
        expect(page.statusCode).toBe(200);
        expect(rowsOf(page.body)).toBe(byId);
      }
    });

    it('finds and names a service request by its GH- reference', async () => {
      const compact = request.reference.toLowerCase().replace(/-/g, '');
      const page = await auditPage(`subjectId=${compact}`);
      expect(page.statusCode).toBe(200);
      expect(rowsOf(page.body)).toBeGreaterThanOrEqual(1);
      expect(page.body).toContain(`href="/staff/cases/${request.id}"`);
      expect(page.body).toContain(request.reference);
      expect(page.body).toContain('Request created');
    });

    it('shows the type and id of a record no module names', async () => {
      const page = await auditPage('action=auth.sign_in');
      expect(page.body).toMatch(
        /staff_user<br><span class="govuk-hint govuk-!-font-size-14">[0-9a-f-]{36}<\/span>/,
      );
    });

    it('offers actions in plain words in the filter, filtering on the code', async () => {
      const page = await auditPage('');
      expect(page.body).toMatch(/<option value="party.viewed"[^>]*>Record viewed<\/option>/);
      const filtered = await auditPage('action=party.viewed');
      expect(filtered.body).toContain('data-action="party.viewed"');
      expect(filtered.body).not.toContain('data-action="party.created"');
    });

    it("adds the record's name and reference to the CSV", async () => {
      const csv = await t.app.inject({
        url: `/staff/audit.csv?subjectId=${party.reference}`,
        headers: { cookie: auditor.cookie },
      });
      const lines = csv.body.trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(3);
      for (const line of lines.slice(1)) expect(line).toContain(`,Nerys Audited,${party.reference},`);
      expect(csv.body).toContain('party.viewed,Record viewed,party,');
    });
  });

  it('keeps the audit trail append-only', async () => {
    await expect(
      sql`update audit_event set action = 'tampered'`.execute(t.runtime.database.db),
    ).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_event`.execute(t.runtime.database.db)).rejects.toThrow(/append-only/);
  });

  it('refuses to run in production while demo accounts exist', async () => {
    await expect(
      assertProductionReady({ ...t.runtime, config: { ...t.runtime.config, nodeEnv: 'production' } }),
    ).rejects.toThrow(/demo account/);
  });

  it('stores API tokens hashed, never in the clear', async () => {
    const created = await t.runtime.services.governance.createApiToken(
      { councilId: t.councilId, name: 'hash check', role: 'integration' },
      {
        councilId: t.councilId,
        actorType: 'system',
        actorId: null,
        actorLabel: 'test',
        correlationId: null,
        ip: null,
      },
    );
    const { rows } = await sql<{
      token_hash: string;
    }>`select token_hash from api_token where id = ${created.id}`.execute(t.runtime.database.db);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.token_hash).not.toContain(created.token);
  });
});
