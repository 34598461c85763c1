import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createToken, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { serviceRequestFeed, serviceRequests } from '../cases/index.ts';
import { createOpen311Requests } from './index.ts';

/** Open311 POST bodies are form-encoded; repeated keys (attribute[x][]) are kept. */
function form(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  return params.toString();
}

/**
 * The same fields as multipart/form-data, written out as curl or a mobile app sends them (CRLF, one
 * part per value); `files` adds file parts.
 */
function multipart(
  fields: Record<string, string | string[]>,
  files: { name: string; filename: string; type: string; content: string }[] = [],
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '------------------------a1b2c3d4e5f60718';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value])
      parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${v}\r\n`);
  for (const f of files)
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n${f.content}\r\n`,
    );
  return {
    payload: Buffer.from(`${parts.join('')}--${boundary}--\r\n`),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const AT = { lat: '51.5072', long: '-0.1276' };
const REFERENCE = /^GH-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

/** A whole-second W3C time this many seconds ago, as a client dates an update. */
function secondsAgo(seconds: number): string {
  return `${new Date(Date.now() - seconds * 1000).toISOString().slice(0, 19)}Z`;
}

function dayOffset(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

describe.each(testDatabaseKinds())('Open311 service requests (%s)', (kind) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    key = await createToken(t, 'integration', 'FixMyStreet');
  });
  afterAll(() => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const post = (url: string, fields: Record<string, string | string[]>) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form(fields),
    });
  const postMultipart = (url: string, body: ReturnType<typeof multipart>) =>
    t.app.inject({ method: 'POST', url, ...body });
  const errorsOf = (response: LightMyRequestResponse) =>
    response.json() as { code: number; description: string }[];

  const pothole = (extra: Record<string, string | string[]> = {}) => ({
    api_key: key,
    service_code: 'pothole',
    ...AT,
    'attribute[where_on_road]': 'carriageway',
    'attribute[depth]': 'deep',
    'attribute[damage_claim]': 'no',
    ...extra,
  });

  async function createPothole(extra: Record<string, string | string[]> = {}): Promise<string> {
    const response = await post('/open311/v2/requests.json', pothole(extra));
    expect(response.statusCode, response.body).toBe(200);
    const [item] = response.json() as { service_request_id: string }[];
    return item?.service_request_id ?? '';
  }

  it('POST requests (form, XML): creates a request at lat/long with singlevaluelist attributes', async () => {
    const response = await post(
      '/open311/v2/requests.xml',
      pothole({
        email: 'pat.reporter@example.com',
        first_name: 'Pat',
        last_name: 'Reporter',
        phone: '07700 900123',
        description: 'A deep pothole by the bus stop',
        media_url: 'https://fixmystreet.example/photo/1.jpeg',
        device_id: 'device-1',
        account_id: 'fms-42',
      }),
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(response.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<service_requests><request><service_request_id>GH-[0-9A-Z]{4}-[0-9A-Z]{4}<\/service_request_id><service_notice>phone was left out: Enter a phone number[^<]*<\/service_notice><account_id>fms-42<\/account_id><\/request><\/service_requests>$/,
    );
    const id = /<service_request_id>([^<]+)</.exec(response.body)?.[1] ?? '';
    const view = await t.runtime.services.cases.get(t.councilId, id);
    expect(view.record).toMatchObject({
      channel: 'open311',
      serviceCode: 'pothole',
      description: 'A deep pothole by the bus stop',
      lat: 51.5072,
      long: -0.1276,
      answers: expect.objectContaining({ where_on_road: 'carriageway', depth: 'deep', damage_claim: false }),
    });
    // The requester became a party, matched next time by email.
    expect(view.record.requesterPartyId).not.toBeNull();
    const again = await post('/open311/v2/requests.json', pothole({ email: 'pat.reporter@example.com' }));
    const [second] = again.json() as { service_request_id: string }[];
    const secondView = await t.runtime.services.cases.get(t.councilId, second?.service_request_id ?? '');
    expect(secondView.record.requesterPartyId).toBe(view.record.requesterPartyId);
  });

  it('POST requests (JSON body, JSON answer): a list of one with service_request_id', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      payload: {
        api_key: key,
        service_code: 'pothole',
        lat: 51.5072,
        long: -0.1276,
        attribute: { where_on_road: 'junction', depth: 'shallow', damage_claim: 'yes' },
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual([
      { service_request_id: expect.stringMatching(REFERENCE), service_notice: '', account_id: null },
    ]);
  });

  it('POST requests: string, number, text and multivaluelist attributes at an address_string', async () => {
    const response = await post('/open311/v2/requests.json', {
      api_key: key,
      service_code: 'bulky-waste',
      address_string: '12 High Street, Westbrook',
      'attribute[items][]': ['sofa', 'other'],
      'attribute[other_items]': 'An old piano',
      'attribute[item_count]': '3',
      'attribute[location_of_items]': 'Front garden',
      'attribute[reduction]': 'no',
    });
    expect(response.statusCode, response.body).toBe(200);
    const [item] = response.json() as { service_request_id: string }[];
    const view = await t.runtime.services.cases.get(t.councilId, item?.service_request_id ?? '');
    expect(view.record.locationText).toBe('12 High Street, Westbrook');
    expect(view.record.answers).toMatchObject({
      items: ['sofa', 'other'],
      other_items: 'An old piano',
      item_count: 3,
      location_of_items: 'Front garden',
      reduction: false,
    });
  });

  it('POST requests (multipart/form-data): the same fields make the same request, lists and all', async () => {
    const fields = {
      api_key: key,
      service_code: 'bulky-waste',
      address_string: '12 High Street, Westbrook',
      'attribute[items][]': ['sofa', 'other'],
      'attribute[other_items]': 'An old piano – “Bechstein”',
      'attribute[item_count]': '3',
      'attribute[location_of_items]': 'Front garden',
      'attribute[reduction]': 'no',
      email: 'multi.part@example.com',
      first_name: 'Multi',
      description: 'Collect from the front garden',
      media_url: 'https://fixmystreet.example/photo/9.jpeg',
      account_id: 'fms-multipart',
    };
    const response = await postMultipart('/open311/v2/requests.xml', multipart(fields));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(response.body).toContain('<account_id>fms-multipart</account_id>');
    const reference = /<service_request_id>([^<]+)</.exec(response.body)?.[1] ?? '';
    const view = await t.runtime.services.cases.get(t.councilId, reference);
    expect(view.record).toMatchObject({
      channel: 'open311',
      serviceCode: 'bulky-waste',
      description: 'Collect from the front garden',
      locationText: '12 High Street, Westbrook',
      answers: expect.objectContaining({
        items: ['sofa', 'other'],
        other_items: 'An old piano – “Bechstein”',
        item_count: 3,
        reduction: false,
      }),
    });
    const [published] = (await get(`/open311/v2/requests/${reference}.json`)).json() as Record<
      string,
      string
    >[];
    expect(published?.media_url).toBe('https://fixmystreet.example/photo/9.jpeg');

    // The same fields urlencoded make the same request.
    const formResponse = await post('/open311/v2/requests.json', fields);
    const [formItem] = formResponse.json() as { service_request_id: string }[];
    const formView = await t.runtime.services.cases.get(t.councilId, formItem?.service_request_id ?? '');
    expect(formView.record.answers).toEqual(view.record.answers);
    expect(formView.record.requesterPartyId).toBe(view.record.requesterPartyId);
  });

  it('POST requests (multipart/form-data): exactly the errors of the urlencoded form; files and broken bodies refused', async () => {
    const bad: Record<string, string | string[]>[] = [
      { service_code: 'pothole', ...AT },
      pothole({ api_key: 'gh_not_a_real_key' }),
      { api_key: key, ...AT },
      pothole({ service_code: 'no-such-service' }),
      pothole({ lat: '53.4808', long: '-2.2426', 'attribute[depth]': 'bottomless', email: 'nope' }),
      pothole({ 'attribute[no good]': 'x', zipcode: 'ZZ1' }),
    ];
    for (const fields of bad)
      for (const format of ['json', 'xml']) {
        const url = `/open311/v2/requests.${format}`;
        const asForm = await post(url, fields);
        const asMultipart = await postMultipart(url, multipart(fields));
        expect(asForm.statusCode).toBeGreaterThanOrEqual(400);
        expect({ status: asMultipart.statusCode, body: asMultipart.body }).toEqual({
          status: asForm.statusCode,
          body: asForm.body,
        });
      }

    // Too big is too big either way (the app's 1 MB body limit).
    const huge = pothole({ description: 'x'.repeat(1_100_000) });
    const hugeForm = await post('/open311/v2/requests.json', huge);
    const hugeMultipart = await postMultipart('/open311/v2/requests.json', multipart(huge));
    expect(hugeForm.statusCode).toBe(413);
    expect(hugeMultipart.statusCode).toBe(413);
    expect(hugeMultipart.json()).toEqual(hugeForm.json());

    // Open311 takes a link to a photo, not the photo: a file part is refused by name, nothing is made.
    const before = (await t.runtime.services.cases.list(t.councilId, { pageSize: 1 })).total;
    const withFile = await postMultipart(
      '/open311/v2/requests.xml',
      multipart(pothole(), [{ name: 'media', filename: 'pothole.jpg', type: 'image/jpeg', content: 'JFIF' }]),
    );
    expect(withFile.statusCode).toBe(400);
    expect(withFile.body).toContain(
      '<error><code>400</code><description>media is a file: Open311 takes media_url, a link to the photo or file, not the file itself</description></error>',
    );
    expect((await t.runtime.services.cases.list(t.councilId, { pageSize: 1 })).total).toBe(before);

    const broken = await t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { 'content-type': 'multipart/form-data; boundary=nowhere' },
      payload: 'service_code=pothole',
    });
    expect(broken.statusCode).toBe(400);
    expect(errorsOf(broken)).toEqual([
      { code: 400, description: expect.stringMatching(/^The multipart\/form-data body could not be read/) },
    ]);
  });

  it('servicerequestupdates POST (multipart/form-data): read as the form is', async () => {
    const reference = await createPothole();
    const response = await postMultipart(
      '/open311/v2/servicerequestupdates.json',
      multipart({
        api_key: key,
        service_request_id: reference,
        update_id: 'fms-multipart-1',
        status: 'FIXED',
        updated_datetime: secondsAgo(60),
        description: 'Patched',
      }),
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual([
      expect.objectContaining({ update_id: 'fms-multipart-1', status: 'FIXED' }),
    ]);
    expect((await get(`/open311/v2/requests/${reference}.json`)).json()[0].status).toBe('closed');
  });

  it('POST requests: a datetime attribute at an address_id (UPRN)', async () => {
    const found = await t.runtime.services.gazetteer.searchAddresses(t.councilId, '12 high street', 1);
    const uprn = found.results[0]?.uprn;
    expect(uprn).toBeDefined();
    const response = await post('/open311/v2/requests.json', {
      api_key: key,
      service_code: 'missed-bin',
      address_id: String(uprn),
      'attribute[bin_type]': 'refuse',
      'attribute[put_out_time]': 'yes',
      'attribute[collection_date]': `${dayOffset(-1)}T07:00:00Z`,
      'attribute[details]': 'Left at the kerb',
    });
    expect(response.statusCode, response.body).toBe(200);
    const [item] = response.json() as { service_request_id: string }[];
    const view = await t.runtime.services.cases.get(t.councilId, item?.service_request_id ?? '');
    expect(view.record.uprn).toBe(uprn);
    expect(view.record.answers).toMatchObject({
      collection_date: dayOffset(-1),
      details: 'Left at the kerb',
    });
    const listed = await get(`/open311/v2/requests/${item?.service_request_id}.json`);
    expect(listed.json()[0]).toMatchObject({
      address_id: String(uprn),
      address: expect.stringMatching(/High Street/),
    });
  });

  it('POST requests: 403 without a valid integration api_key', async () => {
    const missing = await post('/open311/v2/requests.xml', { service_code: 'pothole', ...AT });
    expect(missing.statusCode).toBe(403);
    expect(missing.body).toContain('<errors><error><code>403</code><description>api_key is required');
    const wrong = await post('/open311/v2/requests.json', pothole({ api_key: 'gh_not_a_real_key' }));
    expect(wrong.statusCode).toBe(403);
    expect(errorsOf(wrong)).toEqual([{ code: 403, description: expect.stringContaining('api_key') }]);
    const officerKey = await createToken(t, 'officer');
    const officer = await post('/open311/v2/requests.json', pothole({ api_key: officerKey }));
    expect(officer.statusCode).toBe(403);
  });

  it('POST requests: 400 for a missing service_code, 404 for an unknown one', async () => {
    const missing = await post('/open311/v2/requests.json', { api_key: key, ...AT });
    expect(missing.statusCode).toBe(400);
    expect(errorsOf(missing)[0]?.description).toMatch(/^service_code is required/);
    const unknown = await post('/open311/v2/requests.xml', pothole({ service_code: 'no-such-service' }));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('<code>404</code><description>The service no-such-service was not found');
  });

  it('POST requests: 400 for no location, or lat/long outside the council area', async () => {
    const none = await post('/open311/v2/requests.json', {
      api_key: key,
      service_code: 'pothole',
      'attribute[where_on_road]': 'carriageway',
    });
    expect(none.statusCode).toBe(400);
    expect(errorsOf(none)[0]?.description).toMatch(/lat and long, address_string, address_id or zipcode/);
    const outside = await post('/open311/v2/requests.json', pothole({ lat: '53.4808', long: '-2.2426' }));
    expect(outside.statusCode).toBe(400);
    expect(errorsOf(outside)).toEqual([
      { code: 400, description: expect.stringMatching(/^lat\/long 53.4808, -2.2426 is outside/) },
    ]);
    const half = await post('/open311/v2/requests.json', pothole({ long: '' }));
    expect(half.statusCode).toBe(400);
    expect(errorsOf(half)[0]?.description).toMatch(/lat and long/);
  });

  it('POST requests: 400 naming each missing or bad attribute, of every datatype', async () => {
    const cases: [Record<string, string | string[]>, string][] = [
      [pothole({ 'attribute[where_on_road]': '' }), 'where_on_road'],
      [pothole({ 'attribute[depth]': 'bottomless' }), 'depth'],
      [
        {
          api_key: key,
          service_code: 'bulky-waste',
          address_string: '1 High Street',
          'attribute[items][]': ['sofa', 'spaceship'],
          'attribute[item_count]': 'lots',
          'attribute[location_of_items]': 'Garden',
          'attribute[reduction]': 'no',
        },
        'items',
      ],
      [
        {
          api_key: key,
          service_code: 'bulky-waste',
          address_string: '1 High Street',
          'attribute[items][]': ['sofa'],
          'attribute[item_count]': 'lots',
          'attribute[location_of_items]': 'Garden',
          'attribute[reduction]': 'no',
        },
        'item_count',
      ],
      [
        {
          api_key: key,
          service_code: 'bulky-waste',
          address_string: '1 High Street',
          'attribute[items][]': ['other'],
          'attribute[item_count]': '1',
          'attribute[location_of_items]': 'Garden',
          'attribute[reduction]': 'no',
        },
        'other_items',
      ],
      [
        {
          api_key: key,
          service_code: 'bulky-waste',
          address_string: '1 High Street',
          'attribute[items][]': ['sofa'],
          'attribute[item_count]': '1',
          'attribute[reduction]': 'no',
        },
        'location_of_items',
      ],
      [
        {
          api_key: key,
          service_code: 'missed-bin',
          address_string: '1 High Street',
          'attribute[bin_type]': 'refuse',
          'attribute[put_out_time]': 'yes',
          'attribute[collection_date]': 'last tuesday',
        },
        'collection_date',
      ],
    ];
    for (const [fields, code] of cases) {
      const response = await post('/open311/v2/requests.json', fields);
      expect(response.statusCode, `${code}: ${response.body}`).toBe(400);
      expect(
        errorsOf(response).some((e) => e.code === 400 && e.description.includes(`attribute[${code}]`)),
        `${code}: ${response.body}`,
      ).toBe(true);
    }
    const badField = await post('/open311/v2/requests.xml', pothole({ 'attribute[no good]': 'x' }));
    expect(badField.statusCode).toBe(400);
    expect(badField.body).toContain('attribute[no good] has an invalid code');
  });

  it('GET requests/{id}: one request, as a list of one, by reference or uuid; no personal data', async () => {
    const reference = await createPothole({
      email: 'secret.person@example.com',
      first_name: 'Secret',
      last_name: 'Person',
      phone: '020 7946 0999',
      description: 'Outside the library',
      media_url: 'https://fixmystreet.example/p/2.jpeg',
    });
    const json = await get(`/open311/v2/requests/${reference}.json`);
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual([
      {
        service_request_id: reference,
        status: 'open',
        status_notes: '',
        service_name: 'Report a pothole',
        service_code: 'pothole',
        description: 'Outside the library',
        agency_responsible: 'Demo Borough Council',
        service_notice: '',
        requested_datetime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        updated_datetime: expect.stringMatching(/Z$/),
        expected_datetime: expect.stringMatching(/Z$/),
        address: '',
        address_id: '',
        zipcode: '',
        lat: 51.5072,
        long: -0.1276,
        media_url: 'https://fixmystreet.example/p/2.jpeg',
      },
    ]);
    expect(json.body).not.toMatch(/secret|7946/i);
    const xml = await get(`/open311/v2/requests/${reference.toLowerCase()}.xml`);
    expect(xml.statusCode).toBe(200);
    expect(xml.body).toContain(
      `<service_requests><request><service_request_id>${reference}</service_request_id><status>open</status>`,
    );
    expect(xml.body).toContain('<lat>51.5072</lat><long>-0.1276</long>');
    const view = await t.runtime.services.cases.get(t.councilId, reference);
    const byUuid = await get(`/open311/v2/requests/${view.record.id}.json`);
    expect(byUuid.json()[0].service_request_id).toBe(reference);
    const unknown = await get('/open311/v2/requests/GH-0000-0000.xml');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('<error><code>404</code>');
    expect((await get('/open311/v2/requests/not-a-request.json')).statusCode).toBe(404);
  });

  it('GET tokens/{token}: the request id itself is a token', async () => {
    const reference = await createPothole();
    const json = await get(`/open311/v2/tokens/${reference}.json`);
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual([{ service_request_id: reference, token: reference }]);
    const xml = await get(`/open311/v2/tokens/${reference}.xml`);
    expect(xml.body).toContain(
      `<service_requests><request><service_request_id>${reference}</service_request_id><token>${reference}</token></request></service_requests>`,
    );
    const unknown = await get('/open311/v2/tokens/GH-0000-0000.json');
    expect(unknown.statusCode).toBe(404);
    expect(errorsOf(unknown)[0]?.code).toBe(404);
  });

  it('GET requests: newest first, filtered by id, service_code, status and dates, and paged', async () => {
    const first = await createPothole();
    const second = await createPothole();
    const all = await get('/open311/v2/requests.json');
    expect(all.statusCode).toBe(200);
    const items = all.json() as { service_request_id: string; requested_datetime: string; status: string }[];
    expect(items.length).toBeGreaterThan(2);
    const times = items.map((i) => i.requested_datetime);
    expect([...times].sort().reverse()).toEqual(times);
    expect(items.map((i) => i.service_request_id)).toEqual(expect.arrayContaining([first, second]));
    expect(all.body).not.toContain('pat.reporter@example.com');

    const view = await t.runtime.services.cases.get(t.councilId, second);
    const byIds = await get(`/open311/v2/requests.json?service_request_id=${first},${view.record.id}`);
    expect(
      (byIds.json() as { service_request_id: string }[]).map((i) => i.service_request_id).sort(),
    ).toEqual([first, second].sort());

    const bulky = await get('/open311/v2/requests.json?service_code=bulky-waste,missed-bin');
    const codes = new Set((bulky.json() as { service_code: string }[]).map((i) => i.service_code));
    expect([...codes].sort()).toEqual(['bulky-waste', 'missed-bin']);

    const xml = await get('/open311/v2/requests.xml?service_code=pothole&page_size=1');
    expect(xml.body.match(/<request>/g)).toHaveLength(1);
    const page1 = await get('/open311/v2/requests.json?page_size=2&page=1');
    const page2 = await get('/open311/v2/requests.json?page_size=2&page=2');
    expect(page1.json()).toHaveLength(2);
    expect(page2.json()).toHaveLength(2);
    expect(page1.json()[1].service_request_id).toBe(items[1]?.service_request_id);
    expect(page2.json()[0].service_request_id).toBe(items[2]?.service_request_id);

    const future = new Date(Date.now() + 86_400_000).toISOString();
    const past = new Date(Date.now() - 365 * 86_400_000).toISOString();
    expect(await get(`/open311/v2/requests.json?start_date=${future}`).then((r) => r.json())).toEqual([]);
    expect(await get(`/open311/v2/requests.json?end_date=${past}`).then((r) => r.json())).toEqual([]);
    const hourAgo = new Date(Date.now() - 3_600_000);
    const window = await get(
      `/open311/v2/requests.json?start_date=${encodeURIComponent(hourAgo.toISOString().replace('Z', '+00:00'))}&end_date=${future}`,
    );
    // The demo seed's requests are spread over the past weeks; only the last hour's are in the window.
    expect(window.json()).toHaveLength(items.filter((i) => new Date(i.requested_datetime) >= hourAgo).length);

    type Listed = { service_request_id: string; status: string };
    const closed = (await get('/open311/v2/requests.json?status=closed').then((r) => r.json())) as Listed[];
    const open = (await get('/open311/v2/requests.json?status=open').then((r) => r.json())) as Listed[];
    expect(closed.every((i) => i.status === 'closed')).toBe(true);
    expect(open.every((i) => i.status === 'open')).toBe(true);
    expect(open.map((i) => i.service_request_id)).toEqual(expect.arrayContaining([first, second]));
    expect(closed.map((i) => i.service_request_id)).not.toContain(first);
    expect(await get('/open311/v2/requests.json?status=open,closed').then((r) => r.json())).toHaveLength(
      open.length + closed.length,
    );
    expect(open.length + closed.length).toBe(items.length);

    const badDate = await get('/open311/v2/requests.json?start_date=2026-11-01');
    expect(badDate.statusCode).toBe(400);
    expect(errorsOf(badDate)[0]?.description).toMatch(/^start_date must be an ISO 8601/);
    const badStatus = await get('/open311/v2/requests.xml?status=pending');
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.body).toContain('status pending is not open or closed');
    expect((await get('/open311/v2/requests.json?page_size=0')).statusCode).toBe(400);
    expect((await get('/open311/v2/requests.json?jurisdiction_id=elsewhere')).statusCode).toBe(404);
    expect((await get('/open311/v2/requests.json?jurisdiction_id=demo-borough')).statusCode).toBe(200);
  });

  it('servicerequestupdates: POST CLOSED closes the request once per update_id; GET lists public updates', async () => {
    const reference = await createPothole({ email: 'closer@example.com', last_name: 'Closer' });
    const startedAt = new Date(Date.now() - 120_000).toISOString();
    // The client dates its update a minute ago; it is published at that time.
    const postedAt = secondsAgo(60);
    const update = {
      api_key: key,
      service_request_id: reference,
      update_id: 'fms-update-1',
      status: 'CLOSED',
      updated_datetime: postedAt.replace('Z', '+00:00'),
      description: 'Filled in by the highways crew',
      media_url: 'https://fixmystreet.example/u/1.jpeg',
      external_status_code: 'REPAIRED',
    };
    const response = await post('/open311/v2/servicerequestupdates.xml', update);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<service_request_updates><request_update><update_id>fms-update-1</update_id><service_request_id>${reference}</service_request_id><status>CLOSED</status><updated_datetime>${postedAt}</updated_datetime><description>Filled in by the highways crew</description><media_url>https://fixmystreet.example/u/1.jpeg</media_url><external_status_code>REPAIRED</external_status_code></request_update></service_request_updates>`,
    );
    const detail = await t.runtime.services.cases.detail(t.councilId, reference);
    expect(detail.open311.status).toBe('closed');
    const updateCount = detail.updates.length;
    expect(detail.updates.some((u) => u.kind === 'status' && u.statusTo === 'resolved')).toBe(true);
    expect(detail.updates.some((u) => u.kind === 'public' && u.body.startsWith('Filled in by'))).toBe(true);

    // The same update_id again: the same answer, nothing applied twice.
    const retry = await post('/open311/v2/servicerequestupdates.json', update);
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual([
      {
        update_id: 'fms-update-1',
        service_request_id: reference,
        status: 'CLOSED',
        updated_datetime: postedAt,
        description: 'Filled in by the highways crew',
        media_url: 'https://fixmystreet.example/u/1.jpeg',
        external_status_code: 'REPAIRED',
      },
    ]);
    expect((await t.runtime.services.cases.detail(t.councilId, reference)).updates).toHaveLength(updateCount);

    const closed = await get(`/open311/v2/requests/${reference}.json`);
    expect(closed.json()[0]).toMatchObject({ status: 'closed', status_notes: 'No further action' });
    expect((await get('/open311/v2/requests.json?status=closed')).json()).toEqual(
      expect.arrayContaining([expect.objectContaining({ service_request_id: reference })]),
    );

    // Reopened with an extended status.
    const reopened = await post('/open311/v2/servicerequestupdates.json', {
      ...update,
      update_id: 'fms-update-2',
      status: 'IN_PROGRESS',
      description: 'Reopened: the patch failed',
    });
    expect(reopened.statusCode).toBe(200);
    expect((await get(`/open311/v2/requests/${reference}.json`)).json()[0].status).toBe('open');
    await t.runtime.services.cases.addUpdate(
      t.councilId,
      reference,
      { body: 'A crew is booked for Monday', public: true },
      systemAuditContext(t.councilId, 'test'),
    );

    const feed = await get(
      `/open311/v2/servicerequestupdates.json?start_date=${startedAt}&end_date=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(feed.statusCode).toBe(200);
    const feedItems = (feed.json() as Record<string, string>[]).filter(
      (u) => u.service_request_id === reference,
    );
    // Each posted update comes back once, as it was posted, under the client's own update_id (so
    // FixMyStreet knows it for its own); the officer's update comes under Guildhall's id.
    expect(feedItems).toEqual([
      {
        update_id: 'fms-update-1',
        service_request_id: reference,
        status: 'CLOSED',
        updated_datetime: postedAt,
        description: 'Filled in by the highways crew',
        media_url: 'https://fixmystreet.example/u/1.jpeg',
        external_status_code: 'REPAIRED',
      },
      expect.objectContaining({ update_id: 'fms-update-2', status: 'IN_PROGRESS' }),
      {
        update_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        service_request_id: reference,
        status: 'IN_PROGRESS',
        updated_datetime: expect.stringMatching(/Z$/),
        description: 'A crew is booked for Monday',
        media_url: '',
        external_status_code: 'in_progress',
      },
    ]);
    const xmlFeed = await get(`/open311/v2/servicerequestupdates.xml?start_date=${startedAt}`);
    expect(xmlFeed.body).toMatch(/^<\?xml[^>]+>\n<service_request_updates><request_update><update_id>/);
    const later = await get(
      `/open311/v2/servicerequestupdates.json?start_date=${new Date(Date.now() + 60_000).toISOString()}&end_date=${new Date(Date.now() + 120_000).toISOString()}`,
    );
    expect(later.json()).toEqual([]);
    expect((await get('/open311/v2/servicerequestupdates.json?start_date=yesterday')).statusCode).toBe(400);
  });

  it('servicerequestupdates GET: two statements (the council’s updates, the clients’), whether one request changed in the window or twenty', async () => {
    // Open311 over the app's own database, counting every statement it runs.
    let statements = 0;
    const counted = t.runtime.database.db.withPlugin({
      transformQuery: (args) => {
        statements += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const open311 = createOpen311Requests({
      db: counted,
      requests: serviceRequests(t.runtime.services.cases),
      feed: serviceRequestFeed(counted),
      resolver: t.runtime.services.governance.resolver,
      open311: t.runtime.services.open311,
      council: () => t.runtime.services.governance.defaultCouncil(),
    });
    const context = systemAuditContext(t.councilId, 'test');
    const touch = async (reference: string, status: 'in_progress' | 'resolved') =>
      t.runtime.services.cases.externalUpdate(
        t.councilId,
        reference,
        {
          status,
          ...(status === 'resolved' ? { outcome: 'fixed' as const } : {}),
          description: `Now ${status}`,
        },
        context,
      );
    const from = new Date();
    await touch(await createPothole(), 'in_progress');
    const middle = new Date();
    const many: string[] = [];
    for (let i = 0; i < 20; i++) many.push(await createPothole());
    for (const reference of many) await touch(reference, 'resolved');
    const to = new Date();

    const feed = async (start: Date, end: Date) => {
      statements = 0;
      const items = (await open311.updates({
        start_date: start.toISOString(),
        end_date: end.toISOString(),
      })) as { service_request_id: string; status: string }[];
      return { items, statements };
    };
    await feed(from, middle); // the council is looked up (and kept) on the first call
    const one = await feed(from, middle);
    const twenty = await feed(middle, to);
    expect(new Set(one.items.map((u) => u.service_request_id)).size).toBe(1);
    expect(new Set(twenty.items.map((u) => u.service_request_id))).toEqual(new Set(many));
    expect(twenty.items.filter((u) => u.status === 'FIXED')).toHaveLength(40);
    expect(one.statements).toBe(2);
    expect(twenty.statements).toBe(2);
  });

  it('POST requests: an unreadable phone is left out with a notice, even when an optional attribute is too', async () => {
    // A new requester (names, a new email), an optional attribute the form refuses (a registration of
    // more than 8 characters) and a phone number the party register cannot hold: the report is made.
    const response = await post('/open311/v2/requests.json', {
      api_key: key,
      service_code: 'abandoned-vehicle',
      ...AT,
      email: `new.${Date.now()}@example.com`,
      first_name: 'Conformance',
      last_name: 'Checker',
      phone: '07700 900123',
      'attribute[make_colour]': 'Blue estate',
      'attribute[condition][]': 'burnt',
      'attribute[registration]': 'Conformance check',
    });
    expect(response.statusCode, response.body).toBe(200);
    const [item] = response.json() as { service_request_id: string; service_notice: string }[];
    expect(item?.service_notice).toMatch(/attribute\[registration\] was left out: .+; phone was left out: /);
    // The notice is published with the request.
    const [published] = (await get(`/open311/v2/requests/${item?.service_request_id}.json`)).json();
    expect(published.service_notice).toBe(item?.service_notice);
  });

  it('shows and updates only requests for the services it lists: a safeguarding referral is not public', async () => {
    const context = systemAuditContext(t.councilId, 'test');
    const created = await t.runtime.services.cases.create(
      t.councilId,
      {
        serviceCode: 'child-protection-concern',
        channel: 'phone',
        answers: { immediate_danger: 'no', details: 'Worried about a neighbour', professional: 'no' },
        location: { lat: 51.5072, long: -0.1276 },
      },
      context,
    );
    const reference = created.body.reference;
    expect((await get('/open311/v2/services/child-protection-concern.json')).statusCode).toBe(404);
    expect((await get(`/open311/v2/requests/${reference}.json`)).statusCode).toBe(404);
    expect((await get(`/open311/v2/tokens/${reference}.json`)).statusCode).toBe(404);
    expect((await get(`/open311/v2/requests.json?service_request_id=${reference}`)).json()).toEqual([]);
    expect((await get('/open311/v2/requests.json?service_code=child-protection-concern')).json()).toEqual([]);
    const all = (await get('/open311/v2/requests.json')).json() as { service_code: string }[];
    const listed = new Set(
      ((await get('/open311/v2/services.json')).json() as { service_code: string }[]).map(
        (x) => x.service_code,
      ),
    );
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((r) => !listed.has(r.service_code))).toEqual([]);
    const closing = await post('/open311/v2/servicerequestupdates.json', {
      api_key: key,
      service_request_id: reference,
      update_id: 'sg-1',
      status: 'CLOSED',
    });
    expect(closing.statusCode).toBe(404);
    expect((await t.runtime.services.cases.get(t.councilId, reference)).record.status).toBe('submitted');
  });

  it('answers 405 naming the allowed methods for a method a resource does not take', async () => {
    const put = await t.app.inject({ method: 'PUT', url: '/open311/v2/requests.json' });
    expect(put.statusCode).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect(put.json()).toEqual([{ code: 405, description: expect.stringMatching(/^PUT is not allowed/) }]);
    const del = await t.app.inject({ method: 'DELETE', url: '/open311/v2/services.xml' });
    expect(del.statusCode).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD');
    expect(del.body).toContain('<errors><error><code>405</code>');
    const postServices = await t.app.inject({ method: 'POST', url: '/open311/v2/services/pothole.json' });
    expect(postServices.statusCode).toBe(405);
    const options = await t.app.inject({ method: 'OPTIONS', url: '/open311/v2/servicerequestupdates.json' });
    expect(options.statusCode).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST');
    // A long id is looked up like any other: a 404 in the errors format, not the router's own answer.
    const long = await get(`/open311/v2/services/${'a'.repeat(101)}.xml`);
    expect(long.statusCode).toBe(404);
    expect(long.body).toContain('<errors><error><code>404</code>');
  });

  it('filters to the second, as times are published: end_date includes its second, updated_after excludes it', async () => {
    const reference = await createPothole();
    const [item] = (await get(`/open311/v2/requests/${reference}.json`)).json();
    const at = item.requested_datetime as string;
    const updated = item.updated_datetime as string;
    const ids = (url: string) =>
      get(url).then((r) => (r.json() as { service_request_id: string }[]).map((x) => x.service_request_id));
    expect(
      await ids(`/open311/v2/requests.json?service_code=pothole&start_date=${at}&end_date=${at}`),
    ).toContain(reference);
    expect(
      await ids(`/open311/v2/requests.json?service_code=pothole&updated_after=${updated}`),
    ).not.toContain(reference);
    // An unencoded + in a zone offset arrives as a space, and is read as the + it was.
    const plus = await get(`/open311/v2/requests.json?start_date=${at.replace('Z', '+00:00')}`);
    expect(plus.statusCode, plus.body).toBe(200);
    expect((plus.json() as { service_request_id: string }[]).map((x) => x.service_request_id)).toContain(
      reference,
    );
    for (const bad of ['2026-02-30T00:00:00Z', '2026-11-20T25:00:00Z', '2026-11-20T10:00:00+99:00'])
      expect(
        (await get(`/open311/v2/requests.json?start_date=${encodeURIComponent(bad)}`)).statusCode,
        bad,
      ).toBe(400);
  });

  it('POST requests: values outside an attribute’s published datatype are a 400, optional or not', async () => {
    const cases: [Record<string, string | string[]>, string][] = [
      [pothole({ 'attribute[damage_claim]': 'true' }), 'damage_claim'],
      [pothole({ 'attribute[where_on_road]': ['carriageway', 'junction'] }), 'where_on_road'],
      [
        {
          api_key: key,
          service_code: 'dead-animal',
          ...AT,
          'attribute[animal]': 'fox',
          'attribute[collar]': 'maybe',
        },
        'collar',
      ],
      [pothole({ description: 'x'.repeat(4001) }), 'description'],
    ];
    for (const [fields, field] of cases) {
      const response = await post('/open311/v2/requests.json', fields);
      expect(response.statusCode, `${field}: ${response.body}`).toBe(400);
      expect(
        errorsOf(response).some((e) => e.description.includes(field)),
        response.body,
      ).toBe(true);
    }
  });

  it('reads a field sent twice as clients mean it: statuses as a list, the api_key as itself', async () => {
    const reference = await createPothole();
    const both = await get('/open311/v2/requests.json?service_code=pothole&status=open&status=closed');
    expect((both.json() as { service_request_id: string }[]).map((r) => r.service_request_id)).toContain(
      reference,
    );
    const closed = await get('/open311/v2/requests.json?service_code=pothole&status=closed');
    expect(
      (closed.json() as { service_request_id: string }[]).map((r) => r.service_request_id),
    ).not.toContain(reference);
    const twice = await post('/open311/v2/requests.json', { ...pothole(), api_key: [key, key] });
    expect(twice.statusCode, twice.body).toBe(200);
  });

  it('POST requests: address_id sent with lat/long keeps the property', async () => {
    const found = await t.runtime.services.gazetteer.searchAddresses(t.councilId, '12 high street', 1);
    const uprn = String(found.results[0]?.uprn ?? '');
    expect(uprn).not.toBe('');
    const reference = await createPothole({ address_id: uprn });
    const [item] = (await get(`/open311/v2/requests/${reference}.json`)).json();
    expect(item.address_id).toBe(uprn);
  });

  it('servicerequestupdates: an update_id is the client’s own within one request, not across them', async () => {
    const first = await createPothole();
    const second = await createPothole();
    for (const reference of [first, second]) {
      const response = await post('/open311/v2/servicerequestupdates.json', {
        api_key: key,
        service_request_id: reference,
        update_id: '778',
        status: 'FIXED',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()[0].service_request_id).toBe(reference);
      expect((await get(`/open311/v2/requests/${reference}.json`)).json()[0].status).toBe('closed');
    }
  });

  it('servicerequestupdates: updates posted at once all land, whichever moves the request first', async () => {
    const reference = await createPothole();
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post('/open311/v2/servicerequestupdates.json', {
          api_key: key,
          service_request_id: reference,
          update_id: `burst-${i}`,
          status: 'IN_PROGRESS',
          description: `Crew note ${i}`,
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    const detail = await t.runtime.services.cases.detail(t.councilId, reference);
    expect(detail.record.status).toBe('in_progress');
    expect(detail.updates.filter((u) => u.kind === 'status' && u.statusTo === 'in_progress')).toHaveLength(1);
    expect(detail.updates.filter((u) => u.kind === 'public' && u.body.startsWith('Crew note'))).toHaveLength(
      8,
    );
  });

  it('servicerequestupdates: every accepted update comes back, even one that changes nothing, at the time it gave', async () => {
    const reference = await createPothole();
    const start = secondsAgo(120);
    const postedAt = secondsAgo(30);
    for (const [updateId, status] of [
      ['noop-open', 'OPEN'],
      ['noop-fixed', 'FIXED'],
      ['noop-fixed-again', 'FIXED'],
    ] as const) {
      const response = await post('/open311/v2/servicerequestupdates.json', {
        api_key: key,
        service_request_id: reference,
        update_id: updateId,
        status,
        updated_datetime: postedAt,
      });
      expect(response.statusCode, response.body).toBe(200);
    }
    const feed = (
      await get(`/open311/v2/servicerequestupdates.json?start_date=${start}&end_date=${secondsAgo(-60)}`)
    ).json() as { update_id: string; service_request_id: string; updated_datetime: string }[];
    const mine = feed.filter((u) => u.service_request_id === reference);
    expect(mine.map((u) => u.update_id)).toEqual(['noop-open', 'noop-fixed', 'noop-fixed-again']);
    expect(mine.every((u) => u.updated_datetime === postedAt)).toBe(true);
    // The whole answer is within the window and oldest first.
    const times = feed.map((u) => u.updated_datetime);
    expect(times).toEqual([...times].sort());
    expect(times.every((t) => t >= start)).toBe(true);
    // A time the update could not have had is refused.
    for (const when of ['2020-01-01T00:00:00Z', '2031-01-01T00:00:00Z']) {
      const response = await post('/open311/v2/servicerequestupdates.json', {
        api_key: key,
        service_request_id: reference,
        update_id: `when-${when}`,
        status: 'OPEN',
        updated_datetime: when,
      });
      expect(response.statusCode, when).toBe(400);
      expect(errorsOf(response)[0]?.description).toMatch(/^updated_datetime /);
    }
  });

  it('a NUL character in any field is a 400 naming it, never a 500', async () => {
    const bad = await post('/open311/v2/requests.json', pothole({ description: 'a\u0000b' }));
    expect(bad.statusCode, bad.body).toBe(400);
    expect(errorsOf(bad)[0]?.description).toMatch(/^description contains a NUL character/);
    const json = await t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.xml',
      payload: { api_key: key, service_code: 'pothole', address_string: 'x\u0000y' },
    });
    expect(json.statusCode, json.body).toBe(400);
    expect(json.body).toContain('address_string contains a NUL character');
    const update = await post('/open311/v2/servicerequestupdates.json', {
      api_key: key,
      service_request_id: await createPothole(),
      update_id: 'nu\u0000l',
      status: 'OPEN',
    });
    expect(update.statusCode).toBe(400);
    expect((await get('/open311/v2/requests.json?service_code=a%00b')).statusCode).toBe(400);
  });

  it('POST requests: an optional attribute sent empty is one not answered', async () => {
    const response = await post('/open311/v2/requests.json', {
      api_key: key,
      service_code: 'dead-animal',
      ...AT,
      'attribute[animal]': 'fox',
      'attribute[collar]': '',
    });
    expect(response.statusCode, response.body).toBe(200);
    const required = await post('/open311/v2/requests.json', pothole({ 'attribute[depth]': '' }));
    expect(required.statusCode).toBe(400);
    expect(errorsOf(required)[0]?.description).toMatch(/^attribute\[depth\]/);
  });

  it('an id of any length that is not known is a 404', async () => {
    for (const url of [
      `/open311/v2/requests/${'X'.repeat(300)}.json`,
      `/open311/v2/tokens/${'X'.repeat(300)}.xml`,
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(404);
    }
  });

  it('servicerequestupdates POST: 403, 400 and 404 as the spec says', async () => {
    const reference = await createPothole();
    const base = { api_key: key, service_request_id: reference, update_id: 'u-errors', status: 'FIXED' };
    expect((await post('/open311/v2/servicerequestupdates.json', { ...base, api_key: '' })).statusCode).toBe(
      403,
    );
    const badStatus = await post('/open311/v2/servicerequestupdates.json', { ...base, status: 'SORTED' });
    expect(badStatus.statusCode).toBe(400);
    expect(errorsOf(badStatus)[0]?.description).toMatch(/^status SORTED is not known/);
    const noId = await post('/open311/v2/servicerequestupdates.json', { ...base, update_id: '' });
    expect(noId.statusCode).toBe(400);
    expect(errorsOf(noId)[0]?.description).toMatch(/^update_id is required/);
    const badDate = await post('/open311/v2/servicerequestupdates.json', {
      ...base,
      updated_datetime: 'now',
    });
    expect(badDate.statusCode).toBe(400);
    const unknown = await post('/open311/v2/servicerequestupdates.xml', {
      ...base,
      service_request_id: 'GH-0000-0000',
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('<code>404</code>');
    // A failed update leaves its update_id free; FIXED then resolves with that outcome.
    const fixed = await post('/open311/v2/servicerequestupdates.json', base);
    expect(fixed.statusCode).toBe(200);
    expect((await get(`/open311/v2/requests/${reference}.json`)).json()[0]).toMatchObject({
      status: 'closed',
      status_notes: 'Fixed',
    });
  });
});
