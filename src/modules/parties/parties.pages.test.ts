import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type StaffSession, signInAs, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';

const form = (values: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) for (const item of [v].flat()) params.append(k, item);
  return params.toString();
};

describe.each(testDatabaseKinds())('parties staff pages (%s)', (kind) => {
  let t: TestApp;
  let agent: StaffSession;
  let supervisor: StaffSession;

  const get = (session: StaffSession, url: string) =>
    t.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  const post = (session: StaffSession, url: string, values: Record<string, string | string[]>) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: session.csrfToken, ...values }),
    });
  const firstPartyLink = (html: string) => /href="\/staff\/parties\/([0-9a-f-]{36})"/.exec(html)?.[1];

  beforeAll(async () => {
    t = await createTestApp(kind);
    agent = await signInAs(t.app, 'agent');
    supervisor = await signInAs(t.app, 'supervisor');
  });
  afterAll(() => t?.close());

  it('says the search shows only the best 20 when there are more, and prints a postcode once', async () => {
    const context = systemAuditContext(t.councilId, 'test');
    await t.runtime.services.parties.createParty(
      t.councilId,
      {
        kind: 'person',
        givenName: 'Ada',
        familyName: 'Quillfeather',
        address: { text: '3 Mill Lane, Demoton, DB5 0EF', postcode: 'DB5 0EF' },
      },
      context,
    );
    await t.runtime.services.parties.createParty(
      t.councilId,
      {
        kind: 'person',
        givenName: 'Bea',
        familyName: 'Quillfeather',
        address: { text: '4 Mill Lane, Demoton', postcode: 'DB5 0EF' },
      },
      context,
    );
    const few = await get(agent, '/staff/parties?q=Quillfeather');
    expect(few.body).toMatch(/data-test="results-heading">2 matches for ‘Quillfeather’/);
    expect(few.body).not.toContain('data-test="narrow-search"');
    expect(few.body).toContain('3 Mill Lane, Demoton, DB5 0EF</td>');
    expect(few.body).not.toContain('DB5 0EF, DB5 0EF');
    expect(few.body).toContain('4 Mill Lane, Demoton, DB5 0EF</td>');
    for (let i = 0; i < 20; i++)
      await t.runtime.services.parties.createParty(
        t.councilId,
        { kind: 'person', givenName: `Cai${String.fromCharCode(97 + i)}`, familyName: 'Quillfeather' },
        context,
      );
    const many = await get(agent, '/staff/parties?q=Quillfeather');
    expect(many.body).toMatch(/data-test="results-heading">Showing the best 20 matches for ‘Quillfeather’/);
    expect(many.body).toContain('Add a date of birth or postcode to narrow the search.');
    expect(many.body.match(/<tr class="govuk-table__row">\s*<td/g)).toHaveLength(20);
  });

  it('finds the seeded caller from the header search box by nickname, with the reason', async () => {
    const page = await get(agent, '/staff/search?q=maggie+thompson');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Margaret Thompson');
    expect(page.body).toContain('is a form of Margaret');
  });

  it('does not match the start of a request reference against names by sound', async () => {
    await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'person', givenName: 'Ruth', familyName: 'Kay' },
      systemAuditContext(t.councilId, 'test'),
    );
    expect((await get(agent, '/staff/search?q=Kay')).body).toContain('Ruth Kay');
    for (const typed of ['GH-', 'GH-G78T']) {
      const page = await get(agent, `/staff/search?q=${encodeURIComponent(typed)}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('Ruth Kay');
      expect(page.body).not.toContain('sounds like');
    }
  });

  it('shows the single view with alerts, household, contact details and identifiers, and audits the read', async () => {
    const search = await get(agent, '/staff/parties?q=margaret+thompson+12/03/1957');
    const id = firstPartyLink(search.body);
    expect(id).toBeDefined();
    const page = await get(agent, `/staff/parties/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Vulnerable person');
    expect(page.body).toContain('Thompson household');
    expect(page.body).toContain('Cared for by');
    expect(page.body).toContain('020 7946 0001');
    expect(page.body).toContain('943 476 5919');
    const audit = await t.runtime.services.governance.listAudit(
      t.councilId,
      { action: 'party.viewed', subjectId: id },
      5,
    );
    expect(audit[0]?.purpose).toBe('staff single view');
  });

  it('hides alerts from roles they are not shown to', async () => {
    const search = await get(agent, '/staff/parties?q=020+7946+0001');
    const id = firstPartyLink(search.body);
    const auditor = await signInAs(t.app, 'auditor');
    const page = await get(auditor, `/staff/parties/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Vulnerable person');
  });

  it('shows a GOV.UK error summary naming each bad field on the create form', async () => {
    const response = await post(agent, '/staff/parties/new', {
      kind: 'person',
      givenNames: 'Test',
      familyName: '',
      'dateOfBirth-day': '31',
      'dateOfBirth-month': '2',
      'dateOfBirth-year': '1980',
      email: 'nope',
      'address-text': '1 High Street',
      'address-postcode': 'XX',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('govuk-error-summary');
    expect(response.body).toContain('href="#familyName"');
    expect(response.body).toContain('href="#dateOfBirth-day"');
    expect(response.body).toContain('href="#email"');
    expect(response.body).toContain('href="#address-postcode"');
    expect(response.body).toContain('Enter a real postcode');
  });

  it('asks "Is this one of these people?" before creating a likely duplicate, then creates on confirmation', async () => {
    const values = {
      kind: 'person',
      givenNames: 'Margret',
      familyName: 'Thompson',
      'dateOfBirth-day': '12',
      'dateOfBirth-month': '3',
      'dateOfBirth-year': '1957',
    };
    const check = await post(agent, '/staff/parties/new', values);
    expect(check.statusCode).toBe(200);
    expect(check.body).toContain('Is this one of these people?');
    expect(check.body).toContain('Margaret Thompson');
    const created = await post(agent, '/staff/parties/new', { ...values, confirmedNew: 'yes' });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toMatch(/^\/staff\/parties\/[0-9a-f-]{36}\?created=1$/);
    const page = await get(agent, String(created.headers.location));
    expect(page.body).toContain('Record added');
    expect(page.body).toContain('Margret Thompson');
  });

  it('creates someone new without a duplicate check page when nobody matches', async () => {
    const created = await post(agent, '/staff/parties/new', {
      kind: 'person',
      givenNames: 'Zebedee',
      familyName: 'Quixlington',
    });
    expect(created.statusCode).toBe(303);
  });

  it('lets a supervisor merge a duplicate field by field and undo it; agents cannot merge', async () => {
    const search = await get(supervisor, '/staff/parties?q=020+7946+0001');
    const ids = [...search.body.matchAll(/href="\/staff\/parties\/([0-9a-f-]{36})"/g)].map(
      (m) => m[1] as string,
    );
    const views = await Promise.all(
      ids.map(async (id) => ({ id, html: (await get(supervisor, `/staff/parties/${id}`)).body })),
    );
    const margaret = views.find((v) => v.html.includes('Margaret Thompson'))?.id as string;
    const maggie = views.find((v) => v.html.includes('Maggie Thomson'))?.id as string;
    expect(margaret && maggie).toBeTruthy();

    expect((await get(agent, `/staff/parties/${margaret}/merge?with=${maggie}`)).statusCode).toBe(403);
    const choose = await get(supervisor, `/staff/parties/${margaret}/merge?with=${maggie}`);
    expect(choose.statusCode).toBe(200);
    expect(choose.body).toContain('Merge Maggie Thomson into Margaret Thompson');

    const merged = await post(supervisor, `/staff/parties/${margaret}/merge`, {
      mergedId: maggie,
      'choice-preferredName': 'survivor',
    });
    expect(merged.statusCode, merged.body.slice(0, 3000)).toBe(303);
    const after = await get(supervisor, String(merged.headers.location));
    expect(after.body).toContain('Records merged');
    expect(after.body).toContain('housing key'); // the duplicate's source key moved across
    const old = await get(supervisor, `/staff/parties/${maggie}`);
    expect(old.body).toContain('This record was merged into');
    // Searching by the duplicate's name now finds the survivor.
    const bySpelling = await t.runtime.services.parties.search(t.councilId, 'Maggie Thomson', 5);
    expect(bySpelling[0]?.party.id).toBe(margaret);

    const mergeId = /action="\/staff\/parties\/merges\/([0-9a-f-]{36})\/undo"/.exec(after.body)?.[1];
    const undone = await post(supervisor, `/staff/parties/merges/${mergeId}/undo`, {});
    expect(undone.statusCode).toBe(303);
    const restored = await get(supervisor, `/staff/parties/${maggie}`);
    expect(restored.body).not.toContain('This record was merged into');
    expect(restored.body).toContain('housing key');
    const survivor = await get(supervisor, `/staff/parties/${margaret}`);
    expect(survivor.body).not.toContain('housing key');
    const actions = (
      await t.runtime.services.governance.listAudit(t.councilId, { subjectId: margaret }, 50)
    ).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['party.merged', 'party.unmerged']));
  });

  it('answers 404 with a GOV.UK page for an unknown party', async () => {
    const page = await get(agent, '/staff/parties/0190a0e4-0000-7000-8000-000000000000');
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('govuk-heading-l');
  });
});
