import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  createToken,
  type StaffSession,
  signInAs,
  type TestApp,
} from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { readLibraryDirectory, STARTER_LIBRARY_DIR } from './catalogue.files.ts';
import { SERVICE_AREAS } from './catalogue.schemas.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
// Read straight from the reference file, independently of the module's own loader.
const LGSL_CODES = new Set(
  (
    parse(readFileSync(path.join(ROOT, 'seeds/data/lgsl/services.csv')), {
      columns: true,
      relax_column_count: true,
    }) as { Identifier: string }[]
  ).map((r) => Number(r.Identifier)),
);

const MUST_HAVE = [
  'missed-bin',
  'bulky-waste',
  'street-light-fault',
  'pothole',
  'fly-tipping',
  'pest-control',
  'noise-nuisance',
  'housing-repair',
  'council-tax-enquiry',
  'council-tax-moving',
  'benefit-claim',
  'blue-badge',
  'free-school-meals',
  'primary-school-admission',
  'student-grant',
  'planning-application-enquiry',
  'building-control-application',
  'tennis-court-booking',
  'register-death',
  'premises-licence',
  'taxi-driver-licence',
  'job-application',
  'complaint',
];

describe('starter library files', () => {
  const { items, rejected } = readLibraryDirectory(STARTER_LIBRARY_DIR);
  const defs = items.map(
    (i) => i.definition as { code: string; lgsl: number; serviceArea: string; questions: unknown[] },
  );

  it('parses, has at least 120 processes, 5 or more in each of the 16 areas, each with a real LGSL code', () => {
    expect(rejected).toEqual([]);
    expect(defs.length).toBeGreaterThanOrEqual(120);
    for (const area of SERVICE_AREAS) {
      expect(defs.filter((d) => d.serviceArea === area).length, area).toBeGreaterThanOrEqual(5);
    }
    for (const d of defs) expect(LGSL_CODES.has(d.lgsl), `${d.code} LGSL ${d.lgsl}`).toBe(true);
    expect(new Set(defs.map((d) => d.code)).size).toBe(defs.length);
  });

  it('includes the processes the council asked for, each asking questions', () => {
    for (const code of MUST_HAVE) {
      const def = defs.find((d) => d.code === code);
      expect(def, code).toBeDefined();
      expect(def?.questions.length, code).toBeGreaterThanOrEqual(2);
    }
  });
});

describe.each(testDatabaseKinds())('service catalogue (%s)', (kind) => {
  let t: TestApp;
  let token: string;
  let adminToken: string;
  let admin: StaffSession;
  let agent: StaffSession;

  beforeAll(async () => {
    t = await createTestApp(kind);
    token = await createToken(t, 'integration');
    adminToken = await createToken(t, 'admin');
    admin = await signInAs(t.app, 'admin');
    agent = await signInAs(t.app, 'agent');
  });
  afterAll(() => t?.close());

  const api = (url: string, bearer = token) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${bearer}` } });
  const form = (url: string, session: StaffSession, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    body.append('_csrf', session.csrfToken);
    for (const [k, v] of Object.entries(fields))
      for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    return t.app.inject({
      method: 'POST',
      url,
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: body.toString(),
    });
  };
  const page = (url: string, session: StaffSession) =>
    t.app.inject({ url, headers: { cookie: session.cookie } });

  it('lists 120+ published processes across all 16 areas, each with an LGSL code from the list', async () => {
    const all: { code: string; lgsl: number; serviceArea: string; informationOnly: boolean; type: string }[] =
      [];
    let cursor: string | null = null;
    do {
      const response = await api(
        `/api/v1/services?status=published&informationOnly=false&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.statusCode).toBe(200);
      const body = response.json() as { results: typeof all; nextCursor: string | null };
      all.push(...body.results);
      cursor = body.nextCursor;
    } while (cursor);
    expect(all.length).toBeGreaterThanOrEqual(120);
    expect(new Set(all.map((s) => s.serviceArea))).toEqual(new Set(SERVICE_AREAS));
    for (const s of all) expect(LGSL_CODES.has(s.lgsl)).toBe(true);
    expect(all.find((s) => s.code === 'missed-bin')).toMatchObject({
      type: 'report',
      serviceArea: 'Waste Management',
      lgsl: 524,
    });
  });

  it('answers a plain published listing, with no paging parameters, with a full first page of 500', async () => {
    const response = await api('/api/v1/services?status=published');
    const body = response.json() as {
      results: { lgsl: number; serviceArea: string }[];
      nextCursor: string | null;
    };
    expect(body.results).toHaveLength(500);
    expect(body.nextCursor).not.toBeNull();
    expect(new Set(body.results.map((s) => s.serviceArea)).size).toBe(16);
    for (const s of body.results) expect(LGSL_CODES.has(s.lgsl)).toBe(true);
  });

  it('holds the whole LGSL list: every code is covered by a process or an information-only service', async () => {
    const codes = new Set<number>();
    let cursor: string | null = null;
    do {
      const response = await api(
        `/api/v1/services?status=published&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const body = response.json() as { results: { lgsl: number }[]; nextCursor: string | null };
      for (const s of body.results) codes.add(s.lgsl);
      cursor = body.nextCursor;
    } while (cursor);
    expect([...LGSL_CODES].filter((c) => !codes.has(c))).toEqual([]);
  });

  it.each([
    ['street light not working', 'street-light-fault'],
    ['my bin wasnt collected', 'missed-bin'],
    ["my bin wasn't collected", 'missed-bin'],
    ['blue badge', 'blue-badge'],
    ['pay council tax', 'pay-council-tax'],
    ['rats in garden', 'pest-control'],
    ['pothole', 'pothole'],
    ['someone dumped a mattress', 'fly-tipping'],
    ['register a death', 'register-death'],
  ])('the finder puts a matching service in the top 3 for “%s”', async (q, expected) => {
    const response = await api(`/api/v1/services?status=published&q=${encodeURIComponent(q)}&limit=3`);
    expect(response.statusCode).toBe(200);
    const codes = (response.json() as { results: { code: string }[] }).results.map((r) => r.code);
    expect(codes, `${q} → ${codes.join(', ')}`).toContain(expected);
  });

  it('finds information-only LGSL services too, ranked after processes', async () => {
    const response = await api(
      `/api/v1/services?q=${encodeURIComponent('abandoned shopping trolleys')}&limit=5`,
    );
    const results = (response.json() as { results: { code: string; informationOnly: boolean }[] }).results;
    expect(results[0]).toMatchObject({ code: 'lgsl-1152', informationOnly: true });
  });

  it('answers a definition with its questions, eligibility, knowledge and Open311 attributes', async () => {
    const response = await api('/api/v1/services/bulky-waste');
    expect(response.statusCode).toBe(200);
    const body = response.json() as Record<string, unknown> & {
      questions: { code: string; type: string; required: boolean; options?: unknown[] }[];
      open311Attributes: { code: string; datatype: string }[];
    };
    expect(body).toMatchObject({
      code: 'bulky-waste',
      lgsl: 528,
      type: 'booking',
      status: 'published',
      version: 1,
    });
    expect(body.questions.find((q) => q.code === 'items')).toMatchObject({
      type: 'multi_choice',
      required: true,
    });
    expect(body.questions.find((q) => q.code === 'items')?.options?.length).toBeGreaterThan(3);
    expect(body.open311Attributes.find((a) => a.code === 'items')?.datatype).toBe('multivaluelist');
    expect((body.knowledge as { smsText: string }).smsText.length).toBeLessThanOrEqual(160);
  });

  it('answers 404 problem+json for an unknown service and 400 naming a bad query field', async () => {
    const missing = await api('/api/v1/services/no-such-service');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.json()).toMatchObject({ code: 'ServiceNotFound' });
    const bad = await api('/api/v1/services?limit=100000');
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('limit');
  });

  it('imports idempotently; a changed definition becomes a new version and the old version is kept', async () => {
    const exported = await api('/api/v1/service-definitions', adminToken);
    expect(exported.statusCode).toBe(200);
    const services = (exported.json() as { services: Record<string, unknown>[] }).services;
    const pothole = services.find((s) => s.code === 'pothole');
    expect(pothole?.owningTeam).toBe('Highways and Street Lighting');
    const post = (body: unknown) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/service-definitions',
        headers: { authorization: `Bearer ${adminToken}` },
        payload: body as Record<string, unknown>,
      });
    const again = await post({ services: [pothole] });
    expect(again.json()).toMatchObject({ created: 0, newVersions: 0, unchanged: 1, rejected: [] });

    const changed = { ...pothole, name: 'Report a pothole or sunken road' };
    const broken = { ...pothole, code: 'pothole-copy', owningTeam: 'Ministry of Silly Walks', lgsl: 999999 };
    const result = await post({ services: [changed, broken, { code: 42 }] });
    expect(result.statusCode).toBe(200);
    const report = result.json() as {
      newVersions: number;
      rejected: { source: string; code: string | null; errors: { field: string; message: string }[] }[];
    };
    expect(report.newVersions).toBe(1);
    expect(report.rejected.map((r) => r.source)).toEqual(['services[1]', 'services[2]']);
    expect(report.rejected[0]?.errors).toEqual(
      expect.arrayContaining([
        { field: 'owningTeam', message: 'There is no team called “Ministry of Silly Walks”' },
        { field: 'lgsl', message: 'LGSL code 999999 is not in the Local Government Service List' },
      ]),
    );
    const current = (await api('/api/v1/services/pothole')).json() as { name: string; version: number };
    expect(current).toMatchObject({ name: 'Report a pothole or sunken road', version: 2 });
    // A request made under version 1 still sees version 1.
    const original = (await api('/api/v1/services/pothole?version=1')).json() as {
      name: string;
      status: string;
    };
    expect(original).toMatchObject({ name: 'Report a pothole', status: 'retired' });
    expect((await api('/api/v1/services/pothole-copy')).statusCode).toBe(404);
  });

  it('refuses import to roles without catalogue.manage', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service-definitions',
      headers: { authorization: `Bearer ${token}` },
      payload: { services: [{}] },
    });
    expect(response.statusCode).toBe(403);
  });

  it('agent finder page shows the script and eligibility summary', async () => {
    const response = await page('/staff/services/find?q=blue+badge', agent);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Apply for a Blue Badge');
    expect(response.body).toContain('Script:');
    expect(response.body).toContain('Eligibility:');
    expect(response.body).toContain('Lives in the borough');
  });

  it('agent form validates on the server with a GOV.UK error summary, then checks answers, eligibility and routing', async () => {
    const empty = await form('/staff/services/missed-bin/form', agent, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('govuk-error-summary');
    expect(empty.body).toContain('Enter the address of the property');
    expect(empty.body).toContain('href="#collection_date-day"');

    const ok = await form('/staff/services/missed-bin/form', agent, {
      address: '1 Market Square',
      bin_type: 'recycling',
      put_out_time: 'yes',
      'collection_date-day': '2',
      'collection_date-month': '3',
      'collection_date-year': '2025',
      assisted: 'yes',
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Check the answers with the caller');
    expect(ok.body).toContain('Blue bin (mixed recycling)');
    expect(ok.body).toContain('Eligible');
    expect(ok.body).toMatch(/Waste and Recycling, high priority \(by answer\)/);
  });

  it('citizen preview asks one question per page and ends with check answers', async () => {
    const first = await page('/staff/admin/services/noise-nuisance/preview/citizen/1', admin);
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('govuk-fieldset__legend--l');
    const missing = await form('/staff/admin/services/noise-nuisance/preview/citizen/1', admin, {
      _answers: '',
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Select what the noise is');
    const next = await form('/staff/admin/services/noise-nuisance/preview/citizen/1', admin, {
      _answers: '',
      noise_type: 'dog',
    });
    expect(next.statusCode).toBe(303);
    expect(next.headers.location).toMatch(/\/preview\/citizen\/2\?a=/);
    const check = await page((next.headers.location as string).replace(/citizen\/2/, 'citizen/check'), admin);
    expect(check.body).toContain('Check your answers');
    expect(check.body).toContain('Barking dog');
  });

  it('admin edits without code: details, adds and orders questions, previews, publishes a new version', async () => {
    const teams = await t.runtime.services.governance.listTeams(t.councilId);
    const leisure = teams.find((x) => x.name === 'Leisure and Culture')?.id as string;
    const fields = {
      code: 'badminton-court',
      name: 'Book a badminton court',
      summary: 'Book a badminton court at the leisure centre.',
      lgsl: '462',
      serviceArea: 'Leisure',
      functionGroup: 'Sports and sporting venues',
      owningTeam: '0190a0e4-0000-7000-8000-000000000000',
      tier: 'district',
      interaction: 'booking',
      channels: ['web', 'phone'],
      slaUnit: 'working_days',
      sla_normal: '1',
      agentScript: 'Courts are £12 an hour.',
      webGuidance: 'Book a court up to 7 days ahead.',
      smsText: 'Your court is booked.',
    };
    const broken = await form('/staff/admin/services/new', admin, fields);
    expect(broken.statusCode).toBe(400);
    expect(broken.body).toContain('govuk-error-summary');
    expect(broken.body).toContain('Choose a team that exists');

    const created = await form('/staff/admin/services/new', admin, { ...fields, owningTeam: leisure });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe('/staff/admin/services/badminton-court?notice=created');

    const q1 = await form('/staff/admin/services/badminton-court/questions/new', admin, {
      label: 'Date',
      code: 'booking_date',
      type: 'date',
      required: 'yes',
      dateRule: 'future',
    });
    expect(q1.statusCode).toBe(303);
    const q2 = await form('/staff/admin/services/badminton-court/questions/new', admin, {
      label: 'Which court?',
      code: 'court',
      type: 'single_choice',
      required: 'yes',
      options: 'main | Main hall\nsmall | Small hall',
    });
    expect(q2.statusCode).toBe(303);
    const badCondition = await form('/staff/admin/services/badminton-court/questions/new', admin, {
      label: 'Racket hire',
      code: 'rackets',
      type: 'yes_no',
      required: 'yes',
      showWhenQuestion: 'not_a_question',
      showWhenValue: 'yes',
    });
    expect(badCondition.statusCode).toBe(400);
    expect(badCondition.body).toContain('which is not an earlier question');
    await form('/staff/admin/services/badminton-court/questions/move', admin, { action: 'up:court' });

    const draft = await t.runtime.services.catalogue.editable(t.councilId, 'badminton-court');
    expect(draft.definition.questions.map((q) => q.code)).toEqual(['court', 'booking_date']);
    expect(draft.version.status).toBe('draft');
    // Not published yet: the API, the finder and agents do not see it.
    expect((await api('/api/v1/services?q=badminton')).json()).toMatchObject({ results: [] });

    const preview = await page('/staff/services/badminton-court/form?preview=draft', admin);
    expect(preview.body).toContain('Main hall');
    const published = await form('/staff/admin/services/badminton-court/publish', admin, {});
    expect(published.statusCode).toBe(303);
    expect((await api('/api/v1/services/badminton-court')).json()).toMatchObject({
      version: 1,
      status: 'published',
    });

    await form('/staff/admin/services/badminton-court/details', admin, {
      ...fields,
      owningTeam: leisure,
      name: 'Book a badminton or squash court',
    });
    expect((await api('/api/v1/services/badminton-court')).json()).toMatchObject({
      name: 'Book a badminton court',
    });
    await form('/staff/admin/services/badminton-court/publish', admin, {});
    expect((await api('/api/v1/services/badminton-court')).json()).toMatchObject({
      name: 'Book a badminton or squash court',
      version: 2,
    });

    const actions = (await t.runtime.services.governance.listAudit(t.councilId, {}, 200)).map(
      (e) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['catalogue.draft_saved', 'catalogue.published', 'catalogue.imported']),
    );
  });

  it('the admin list searches and filters, and the header search finds services', async () => {
    const list = await page('/staff/admin/services?q=pest&kind=process', admin);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Book pest control treatment');
    const search = await page('/staff/search?q=rats+in+garden', agent);
    expect(search.body).toContain('Book pest control treatment');
  });

  it('routes by location through the responsible-body hook when one is configured', async () => {
    const { createCatalogueService } = await import('./catalogue.service.ts');
    const teams = await t.runtime.services.governance.listTeams(t.councilId);
    const county = teams.find((x) => x.name === 'Customer Services')?.id as string;
    const catalogue = createCatalogueService(t.runtime.database.db, {
      teams: t.runtime.services.governance,
      responsibleBody: { responsibleTeam: async (query) => (query.uprn === '100' ? county : null) },
    });
    const view = await catalogue.get(t.councilId, 'street-light-fault');
    expect(
      await catalogue.route(t.councilId, view.definition, { fault: 'out' }, { uprn: '100' }),
    ).toMatchObject({ teamId: county, reason: 'location' });
    expect(
      await catalogue.route(t.councilId, view.definition, { fault: 'exposed_wires' }, { uprn: '200' }),
    ).toMatchObject({ priority: 'urgent', reason: 'answer' });
    expect(await catalogue.route(t.councilId, view.definition, { fault: 'out' })).toMatchObject({
      teamId: view.definition.owningTeam,
      reason: 'owning_team',
      priority: 'normal',
    });
    expect(catalogue.slaTarget(view.definition, 'urgent')).toEqual({ unit: 'working_days', amount: 0.5 });
  });

  it('re-running the LGSL import adds nothing', async () => {
    const again = await t.runtime.services.catalogue.importLgslInformationOnly(
      t.councilId,
      systemAuditContext(t.councilId, 'test'),
    );
    expect(again.created).toBe(0);
  });
});
