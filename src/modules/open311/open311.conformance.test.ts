import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createToken, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { type JobQueue, startJobQueue } from '../../platform/jobs/jobs.ts';
import { jobDefinitions } from '../../services.ts';

/**
 * A GeoReport v2 conformance check, written as an outside client would: it knows the spec, the
 * demo council's endpoint and a point inside the council (lat 51.5072, long -0.1276), and reads
 * everything else from the API. XML is parsed with a real parser and checked by structure.
 */

const BASE = '/open311/v2';
const AT = { lat: '51.5072', long: '-0.1276' };
const DATATYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] as const;
/** W3C date and time with a zone, as the spec requires. */
const W3C = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const XML_DECLARATION = /^<\?xml version="1\.0" encoding="UTF-8"\?>/;
const XML_TYPE = /^(text|application)\/xml; charset=utf-8$/;
const JSON_TYPE = 'application/json; charset=utf-8';
/** The elements that are items of a list in GeoReport v2 (and FixMyStreet's extension). */
const LIST_ITEMS = new Set([
  'endpoint',
  'format',
  'service',
  'attribute',
  'value',
  'request',
  'request_update',
  'error',
]);
const SERVICE_FIELDS = [
  'service_code',
  'service_name',
  'description',
  'metadata',
  'type',
  'keywords',
  'group',
] as const;
const ATTRIBUTE_FIELDS = [
  'variable',
  'code',
  'datatype',
  'required',
  'datatype_description',
  'order',
  'description',
] as const;
const REQUEST_FIELDS = [
  'service_request_id',
  'status',
  'status_notes',
  'service_name',
  'service_code',
  'description',
  'agency_responsible',
  'service_notice',
  'requested_datetime',
  'updated_datetime',
  'expected_datetime',
  'address',
  'address_id',
  'zipcode',
  'lat',
  'long',
  'media_url',
] as const;
const UPDATE_FIELDS = [
  'update_id',
  'service_request_id',
  'status',
  'updated_datetime',
  'description',
  'media_url',
  'external_status_code',
] as const;
/** The statuses FixMyStreet's servicerequestupdates extension knows. */
const UPDATE_STATUSES = [
  'OPEN',
  'CLOSED',
  'FIXED',
  'INVESTIGATING',
  'IN_PROGRESS',
  'ACTION_SCHEDULED',
  'DUPLICATE',
  'NOT_COUNCILS_RESPONSIBILITY',
  'NO_FURTHER_ACTION',
  'UNABLE_TO_FIX',
  'INTERNAL_REFERRAL',
];

type Xml = Record<string, unknown>;
type Json = Record<string, unknown>;

const parser = new XMLParser({
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => LIST_ITEMS.has(name),
});

/** Checks the answer is well-formed XML with the spec's declaration, and parses it. */
function xmlOf(response: LightMyRequestResponse): Xml {
  expect(response.headers['content-type']).toMatch(XML_TYPE);
  expect(response.body).toMatch(XML_DECLARATION);
  expect(XMLValidator.validate(response.body)).toBe(true);
  return parser.parse(response.body) as Xml;
}

function jsonOf(response: LightMyRequestResponse): unknown {
  expect(response.headers['content-type']).toBe(JSON_TYPE);
  return response.json();
}

/** The one root element of an XML document, by name. */
function root(doc: Xml, name: string): Xml {
  expect(Object.keys(doc)).toEqual([name]);
  const value = doc[name];
  return value === '' ? {} : (value as Xml);
}

/** The items of an XML list (`<services><service>…`): none when the list is empty. */
function items(list: Xml, item: string): Xml[] {
  expect(Object.keys(list).filter((k) => k !== item)).toEqual([]);
  return (list[item] as Xml[] | undefined) ?? [];
}

/** How a JSON value is written in XML: booleans as true/false, null as an empty element. */
const asXmlText = (value: unknown) => (value === null || value === undefined ? '' : String(value));

/** An XML record holds exactly the JSON record's fields, with the same values as text. */
function expectSameRecord(xml: Xml, json: Json, fields: readonly string[]) {
  for (const field of fields) expect(asXmlText(xml[field]), field).toBe(asXmlText(json[field]));
}

/** A form body, as the spec and FixMyStreet send it; repeated keys for attribute[code][]. */
function form(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  return params.toString();
}

interface Attribute {
  variable: boolean;
  code: string;
  datatype: string;
  required: boolean;
  datatype_description: string;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

interface RequestItem {
  service_request_id: string;
  status: string;
  service_code: string;
  requested_datetime: string;
  updated_datetime: string;
  [field: string]: unknown;
}

describe.each(testDatabaseKinds())('Open311 GeoReport v2 conformance (%s)', (kind) => {
  let t: TestApp;
  let key: string;
  let queue: JobQueue;
  const definitions = new Map<string, Attribute[]>();
  /** Requests this check made, by the datatype each was made to exercise. */
  const created = new Map<string, { id: string; service: string }>();
  let startedAt: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    key = await createToken(t, 'integration', 'Conformance check');
    // The job queues must exist for the notifications a closed request sends; jobs are worked below.
    queue = await startJobQueue({
      pool: t.runtime.database.pool,
      definitions: jobDefinitions(t.runtime.services, t.runtime.database),
      work: false,
    });
    startedAt = new Date(Date.now() - 1000).toISOString();
  });
  afterAll(async () => {
    await queue?.stop();
    await t?.close();
  });

  const get = (url: string) => t.app.inject({ method: 'GET', url: `${BASE}/${url}` });
  const post = (url: string, fields: Record<string, string | string[]>) =>
    t.app.inject({
      method: 'POST',
      url: `${BASE}/${url}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      payload: form(fields),
    });

  /** errors/error in both formats: the HTTP status and every code match, each has a description. */
  async function expectError(
    call: (format: 'json' | 'xml') => Promise<LightMyRequestResponse>,
    status: number,
    description?: RegExp,
  ) {
    const json = await call('json');
    expect(json.statusCode, json.body).toBe(status);
    const errors = jsonOf(json) as { code: number; description: string }[];
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(Object.keys(e).sort()).toEqual(['code', 'description']);
      expect(e.code).toBe(status);
      expect(e.description.length).toBeGreaterThan(0);
    }
    if (description) expect(errors.map((e) => e.description).join('\n')).toMatch(description);
    const xml = await call('xml');
    expect(xml.statusCode, xml.body).toBe(status);
    const xmlErrors = items(root(xmlOf(xml), 'errors'), 'error');
    expect(xmlErrors).toHaveLength(errors.length);
    for (const e of xmlErrors) {
      expect(Object.keys(e).sort()).toEqual(['code', 'description']);
      expect(e.code).toBe(String(status));
      expect(String(e.description).length).toBeGreaterThan(0);
    }
    if (description) expect(xmlErrors.map((e) => e.description).join('\n')).toMatch(description);
  }

  /**
   * A value a client would send for an attribute of this datatype. For a string, a careful client
   * reads datatype_description (the spec's "so the end user knows how to respond") and follows its
   * example when it gives one ("like AB12 CDE").
   */
  function valueFor(attribute: Attribute): string | string[] {
    switch (attribute.datatype) {
      case 'string':
        return (
          /\blike (.+?)(?:,|;| or |\.\s|\.$|$)/.exec(attribute.datatype_description)?.[1] ??
          'Conformance check'
        );
      case 'text':
        return 'Conformance check:\nwritten over two lines';
      case 'number':
        return '3';
      case 'datetime':
        return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      case 'singlevaluelist':
        return attribute.values?.[0]?.key ?? '';
      default:
        return (attribute.values ?? []).slice(0, 2).map((v) => v.key);
    }
  }

  function attributeFields(attributes: Attribute[]): Record<string, string | string[]> {
    const fields: Record<string, string | string[]> = {};
    for (const a of attributes) {
      const value = valueFor(a);
      fields[Array.isArray(value) ? `attribute[${a.code}][]` : `attribute[${a.code}]`] = value;
    }
    return fields;
  }

  it('discovery: where the endpoint is and what it speaks, in JSON and XML', async () => {
    const json = (await get('discovery.json').then(jsonOf)) as Json;
    expect(json.changeset).toMatch(W3C);
    expect(typeof json.contact).toBe('string');
    expect(typeof json.key_service).toBe('string');
    const endpoints = json.endpoints as Json[];
    const v2 = endpoints.find((e) => e.specification === 'http://wiki.open311.org/GeoReport_v2');
    expect(v2).toMatchObject({
      url: expect.stringMatching(/\/open311\/v2$/),
      changeset: expect.stringMatching(W3C),
    });
    expect(v2?.formats).toEqual(expect.arrayContaining(['text/xml', 'application/json']));
    expect(['production', 'test']).toContain(v2?.type);

    const xml = root(xmlOf(await get('discovery.xml')), 'discovery');
    expect(xml.changeset).toBe(json.changeset);
    const xmlEndpoints = items(xml.endpoints as Xml, 'endpoint');
    expect(xmlEndpoints).toHaveLength(endpoints.length);
    expect(items(xmlEndpoints[0]?.formats as Xml, 'format')).toEqual(endpoints[0]?.formats);
  });

  it('services: every service with the spec fields, the same in JSON and XML', async () => {
    const json = (await get('services.json').then(jsonOf)) as Json[];
    expect(json.length).toBeGreaterThan(0);
    for (const service of json) {
      expect(Object.keys(service)).toEqual([...SERVICE_FIELDS]);
      expect(service.service_code).toMatch(/^\S+$/);
      expect(typeof service.service_name).toBe('string');
      expect(typeof service.metadata).toBe('boolean');
      expect(['realtime', 'batch', 'blackbox']).toContain(service.type);
      expect(typeof service.keywords).toBe('string');
      expect(typeof service.group).toBe('string');
    }
    const xml = items(root(xmlOf(await get('services.xml')), 'services'), 'service');
    expect(xml).toHaveLength(json.length);
    for (const [i, service] of xml.entries()) {
      expect(Object.keys(service)).toEqual([...SERVICE_FIELDS]);
      expectSameRecord(service, json[i] as Json, SERVICE_FIELDS);
      expect(['true', 'false']).toContain(service.metadata);
    }
    // No suffix is XML, the format the spec requires; the suffix is read in any case.
    const bare = await get('services');
    expect(items(root(xmlOf(bare), 'services'), 'service')).toHaveLength(json.length);
    expect((await get('services.JSON').then(jsonOf)) as Json[]).toHaveLength(json.length);
    // jurisdiction_id is accepted when it names this council.
    expect((await get('services.json?jurisdiction_id=demo-borough')).statusCode).toBe(200);
  });

  it('services/{code}: every definition, its attributes complete and consistent in JSON and XML', async () => {
    const services = (await get('services.json').then(jsonOf)) as {
      service_code: string;
      metadata: boolean;
    }[];
    const seen = new Set<string>();
    for (const { service_code: code, metadata } of services) {
      const json = (await get(`services/${code}.json`).then(jsonOf)) as {
        service_code: string;
        attributes: Attribute[];
      };
      expect(Object.keys(json)).toEqual(['service_code', 'attributes']);
      expect(json.service_code).toBe(code);
      expect(json.attributes.length > 0).toBe(metadata);
      for (const [i, a] of json.attributes.entries()) {
        const lists = a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist';
        expect(Object.keys(a)).toEqual(lists ? [...ATTRIBUTE_FIELDS, 'values'] : [...ATTRIBUTE_FIELDS]);
        expect(DATATYPES).toContain(a.datatype);
        expect(typeof a.variable).toBe('boolean');
        expect(typeof a.required).toBe('boolean');
        expect(a.code).toMatch(/^[A-Za-z0-9_.-]+$/);
        expect(a.order).toBe(i + 1);
        expect(a.description.length).toBeGreaterThan(0);
        if (lists) {
          expect(a.values?.length).toBeGreaterThan(0);
          for (const v of a.values ?? []) expect(Object.keys(v)).toEqual(['key', 'name']);
        }
        seen.add(a.datatype);
      }
      definitions.set(code, json.attributes);

      const xml = root(xmlOf(await get(`services/${code}.xml`)), 'service_definition');
      expect(Object.keys(xml)).toEqual(['service_code', 'attributes']);
      expect(xml.service_code).toBe(code);
      const xmlAttributes = items((xml.attributes || {}) as Xml, 'attribute');
      expect(xmlAttributes).toHaveLength(json.attributes.length);
      for (const [i, a] of xmlAttributes.entries()) {
        const expected = json.attributes[i] as unknown as Json;
        expectSameRecord(a, expected, ATTRIBUTE_FIELDS);
        const values = expected.values as { key: string; name: string }[] | undefined;
        if (values) expect(items(a.values as Xml, 'value')).toEqual(values);
        else expect(a.values).toBeUndefined();
      }
    }
    // The demo catalogue offers every datatype.
    expect([...seen].sort()).toEqual([...DATATYPES].sort());
  });

  it('POST requests: a request for a service of each datatype, every attribute filled', async () => {
    expect(definitions.size).toBeGreaterThan(0);
    for (const datatype of DATATYPES) {
      // The first service (in the list's order) that asks for this datatype, as a client would pick.
      const [service, attributes] =
        [...definitions].find(([, attributes]) => attributes.some((a) => a.datatype === datatype)) ?? [];
      if (!service || !attributes) throw new Error(`no service asks for a ${datatype}`);
      const required = attributes.filter((a) => a.required);
      const format = created.size % 2 === 0 ? 'json' : 'xml';
      const response = await post(`requests.${format}`, {
        api_key: key,
        service_code: service,
        ...AT,
        email: `conformance+${datatype}@example.com`,
        first_name: 'Conformance',
        last_name: 'Checker',
        description: `Conformance check for ${datatype}`,
        ...attributeFields(required.length ? required : attributes),
        ...attributeFields(attributes.filter((a) => a.datatype === datatype)),
      });
      expect(response.statusCode, `${service}: ${response.body}`).toBe(200);
      let item: Json;
      if (format === 'json') {
        const list = jsonOf(response) as Json[];
        expect(list).toHaveLength(1);
        item = list[0] as Json;
        expect(Object.keys(item).sort()).toEqual(['account_id', 'service_notice', 'service_request_id']);
      } else {
        const list = items(root(xmlOf(response), 'service_requests'), 'request');
        expect(list).toHaveLength(1);
        item = list[0] as Xml;
      }
      expect(item.service_request_id).toMatch(/^\S+$/);
      expect(item.token).toBeUndefined();
      created.set(datatype, { id: String(item.service_request_id), service });
    }
  });

  it('POST requests: the answers are kept with their datatypes', async () => {
    const stored = async (datatype: string) => {
      const entry = created.get(datatype);
      return (await t.runtime.services.cases.get(t.councilId, entry?.id ?? '')).record;
    };
    const answerOf = async (datatype: string) => {
      const entry = created.get(datatype);
      const code = definitions.get(entry?.service ?? '')?.find((a) => a.datatype === datatype)?.code ?? '';
      return (await stored(datatype)).answers[code];
    };
    expect(await answerOf('number')).toBe(3);
    expect(await answerOf('datetime')).toBe(new Date().toISOString().slice(0, 10));
    expect(Array.isArray(await answerOf('multivaluelist'))).toBe(true);
    // The first service with a text attribute may ask it only under a condition, which its
    // datatype_description states; an answer given when the condition is not met is ignored.
    const text = created.get('text');
    const textAttribute = definitions.get(text?.service ?? '')?.find((a) => a.datatype === 'text');
    if (/Needed only when/.test(String(textAttribute?.datatype_description)))
      expect(await answerOf('text')).toBeUndefined();
    else expect(await answerOf('text')).toBe('Conformance check:\nwritten over two lines');
    const record = await stored('string');
    expect(record).toMatchObject({ channel: 'open311', lat: 51.5072, long: -0.1276 });
    // The requester was matched to a party (or one was made).
    expect(record.requesterPartyId).not.toBeNull();
  });

  it('POST requests: address_string, address_id (a UPRN), zipcode, a JSON body and the optional fields', async () => {
    const pothole = definitions.get('pothole') ?? [];
    const attributes = attributeFields(pothole.filter((a) => a.required));
    const byAddress = await post('requests.json', {
      api_key: key,
      service_code: 'pothole',
      address_string: '12 High Street, Westbrook',
      ...attributes,
    });
    expect(byAddress.statusCode, byAddress.body).toBe(200);
    const [address] = jsonOf(byAddress) as Json[];
    const [addressView] = (await get(`requests/${address?.service_request_id}.json`).then(jsonOf)) as Json[];
    expect(addressView).toMatchObject({ address: '12 High Street, Westbrook', lat: null, long: null });

    const found = await t.runtime.services.gazetteer.searchAddresses(t.councilId, '12 high street', 1);
    const uprn = String(found.results[0]?.uprn ?? '');
    const byUprn = await post('requests.xml', {
      api_key: key,
      service_code: 'pothole',
      address_id: uprn,
      ...attributes,
    });
    expect(byUprn.statusCode, byUprn.body).toBe(200);
    const [uprnItem] = items(root(xmlOf(byUprn), 'service_requests'), 'request');
    const [uprnView] = (await get(`requests/${uprnItem?.service_request_id}.json`).then(jsonOf)) as Json[];
    expect(uprnView).toMatchObject({ address_id: uprn, lat: expect.any(Number), long: expect.any(Number) });

    const byZipcode = await post('requests.json', {
      api_key: key,
      service_code: 'pothole',
      zipcode: 'sw1a2aa',
      ...attributes,
    });
    expect(byZipcode.statusCode, byZipcode.body).toBe(200);
    const [zip] = jsonOf(byZipcode) as Json[];
    const [zipView] = (await get(`requests/${zip?.service_request_id}.json`).then(jsonOf)) as Json[];
    expect(zipView).toMatchObject({ zipcode: 'SW1A 2AA', address: 'SW1A 2AA' });

    const viaJson = await t.app.inject({
      method: 'POST',
      url: `${BASE}/requests.json`,
      payload: {
        api_key: key,
        service_code: 'pothole',
        lat: 51.5072,
        long: -0.1276,
        zipcode: 'SW1A 2AA',
        media_url: 'https://example.org/photos/1.jpeg',
        device_id: 'conformance-device',
        account_id: 'conformance-account',
        phone: '07700 900123',
        attribute: Object.fromEntries(pothole.filter((a) => a.required).map((a) => [a.code, valueFor(a)])),
      },
    });
    expect(viaJson.statusCode, viaJson.body).toBe(200);
    const [jsonItem] = jsonOf(viaJson) as Json[];
    expect(jsonItem?.account_id).toBe('conformance-account');
    const [jsonView] = (await get(`requests/${jsonItem?.service_request_id}.json`).then(jsonOf)) as Json[];
    expect(jsonView).toMatchObject({
      media_url: 'https://example.org/photos/1.jpeg',
      zipcode: 'SW1A 2AA',
      lat: 51.5072,
      long: -0.1276,
    });
    // Nothing personal is ever published.
    expect(JSON.stringify(jsonView)).not.toMatch(/07700|conformance-account|conformance-device/);
  });

  it('GET requests/{id} and tokens/{token}: a list of one, the same in JSON and XML', async () => {
    for (const { id, service } of created.values()) {
      const json = (await get(`requests/${id}.json`).then(jsonOf)) as RequestItem[];
      expect(json).toHaveLength(1);
      const [item] = json;
      if (!item) throw new Error('no item');
      expect(Object.keys(item)).toEqual([...REQUEST_FIELDS]);
      expect(item).toMatchObject({ service_request_id: id, service_code: service, status: 'open' });
      expect(item.requested_datetime).toMatch(W3C);
      expect(item.updated_datetime).toMatch(W3C);
      if (item.expected_datetime !== null) expect(item.expected_datetime).toMatch(W3C);
      expect(item.lat).toBe(51.5072);
      expect(item.long).toBe(-0.1276);
      expect(typeof item.agency_responsible).toBe('string');
      expect(JSON.stringify(item)).not.toContain('example.com');

      const xml = items(root(xmlOf(await get(`requests/${id}.xml`)), 'service_requests'), 'request');
      expect(xml).toHaveLength(1);
      expect(Object.keys(xml[0] ?? {})).toEqual([...REQUEST_FIELDS]);
      expectSameRecord(xml[0] ?? {}, item, REQUEST_FIELDS);

      const token = (await get(`tokens/${id}.json`).then(jsonOf)) as Json[];
      expect(token).toEqual([{ service_request_id: id, token: id }]);
      const tokenXml = items(root(xmlOf(await get(`tokens/${id}.xml`)), 'service_requests'), 'request');
      expect(tokenXml).toEqual([{ service_request_id: id, token: id }]);
    }
    const [first] = created.values();
    expect(
      items(root(xmlOf(await get(`requests/${first?.id}`)), 'service_requests'), 'request'),
    ).toHaveLength(1);
  });

  it('GET requests: the default window and every filter, paged, in JSON and XML', async () => {
    const ids = [...created.values()].map((c) => c.id);
    const all = (await get('requests.json').then(jsonOf)) as RequestItem[];
    expect(all.length).toBeLessThanOrEqual(1000);
    expect(all.map((r) => r.service_request_id)).toEqual(expect.arrayContaining(ids));
    const times = all.map((r) => Date.parse(r.requested_datetime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The default window is the last 90 days.
    for (const time of times) expect(time).toBeGreaterThan(Date.now() - 91 * 86_400_000);
    const xml = items(root(xmlOf(await get('requests.xml')), 'service_requests'), 'request');
    expect(xml.map((r) => r.service_request_id)).toEqual(all.map((r) => r.service_request_id));

    const list = async (query: string) => (await get(`requests.json?${query}`).then(jsonOf)) as RequestItem[];
    const two = ids.slice(0, 2);
    const byId = await list(`service_request_id=${two.join(',')}&status=closed&service_code=none`);
    expect(byId.map((r) => r.service_request_id).sort()).toEqual([...two].sort());

    const service = created.get('number')?.service ?? '';
    const byService = await list(`service_code=${service}`);
    expect(byService.length).toBeGreaterThan(0);
    for (const r of byService) expect(r.service_code).toBe(service);

    const now = new Date(Date.now() + 60_000).toISOString();
    const inWindow = await list(`start_date=${startedAt}&end_date=${now}`);
    expect(inWindow.map((r) => r.service_request_id)).toEqual(expect.arrayContaining(ids));
    for (const r of inWindow)
      expect(Date.parse(r.requested_datetime)).toBeGreaterThanOrEqual(Date.parse(startedAt));
    const before = await list(`start_date=2020-01-01T00:00:00%2B01:00&end_date=${startedAt}`);
    for (const r of before) expect(ids).not.toContain(r.service_request_id);

    const open = await list('status=open');
    expect(open.map((r) => r.service_request_id)).toEqual(expect.arrayContaining(ids));
    for (const r of open) expect(r.status).toBe('open');
    for (const r of await list('status=closed')) expect(r.status).toBe('closed');
    expect((await list('status=open,closed')).length).toBe(all.length);

    const changed = await list(`updated_after=${startedAt}`);
    expect(changed.map((r) => r.service_request_id)).toEqual(expect.arrayContaining(ids));
    for (const r of changed) expect(Date.parse(r.updated_datetime)).toBeGreaterThan(Date.parse(startedAt));
    for (const r of await list(`updated_before=${startedAt}`)) {
      expect(ids).not.toContain(r.service_request_id);
      expect(Date.parse(r.updated_datetime)).toBeLessThan(Date.parse(startedAt));
    }

    const page1 = await list('page_size=2&page=1');
    const page2 = await list('page_size=2&page=2');
    expect(page1).toHaveLength(2);
    expect(page1.map((r) => r.service_request_id)).toEqual(all.slice(0, 2).map((r) => r.service_request_id));
    expect(page2.map((r) => r.service_request_id)).toEqual(all.slice(2, 4).map((r) => r.service_request_id));
    expect(await list('page=100000')).toEqual([]);
  });

  it('errors: 403 for the key, 404 for what is not there, 400 naming the bad field, in both formats', async () => {
    const required = (definitions.get('pothole') ?? []).filter((a) => a.required);
    const good: Record<string, string | string[]> = {
      api_key: key,
      service_code: 'pothole',
      ...AT,
      ...attributeFields(required),
    };
    const officerKey = await createToken(t, 'officer');

    // 403: no key, an unknown key, a key that is not an integration key; before any other check.
    const { api_key: _key, ...keyless } = good;
    await expectError((f) => post(`requests.${f}`, keyless), 403, /api_key/);
    await expectError((f) => post(`requests.${f}`, { ...good, api_key: 'not-a-key' }), 403, /api_key/);
    await expectError((f) => post(`requests.${f}`, { ...good, api_key: officerKey }), 403, /api_key/);
    await expectError((f) => post(`requests.${f}`, { api_key: 'not-a-key', service_code: 'nope' }), 403);
    await expectError((f) => post(`servicerequestupdates.${f}`, { service_request_id: 'x' }), 403);

    // 404: unknown service, request, token, jurisdiction, resource, format.
    await expectError((f) => get(`services/no-such-service.${f}`), 404, /no-such-service/);
    await expectError(
      (f) => post(`requests.${f}`, { ...good, service_code: 'no-such-service' }),
      404,
      /no-such-service/,
    );
    await expectError((f) => get(`requests/GH-0000-0000.${f}`), 404);
    await expectError((f) => get(`requests/not-a-request.${f}`), 404);
    await expectError((f) => get(`tokens/not-a-token.${f}`), 404);
    await expectError((f) => get(`services.${f}?jurisdiction_id=elsewhere.gov`), 404, /jurisdiction_id/);
    await expectError(
      (f) => get(`services/pothole.${f}?jurisdiction_id=elsewhere.gov`),
      404,
      /jurisdiction_id/,
    );
    await expectError((f) => get(`requests.${f}?jurisdiction_id=elsewhere.gov`), 404, /jurisdiction_id/);
    await expectError(
      (f) => post(`requests.${f}`, { ...good, jurisdiction_id: 'elsewhere.gov' }),
      404,
      /jurisdiction_id/,
    );
    await expectError((f) => get(`no-such-thing.${f}`), 404);
    expect((await get('services.html')).statusCode).toBe(404);
    await expectError(
      (f) =>
        post(`servicerequestupdates.${f}`, {
          api_key: key,
          service_request_id: 'GH-0000-0000',
          update_id: 'x',
          status: 'CLOSED',
        }),
      404,
    );

    // 400: bad input, each error naming the field or attribute.
    const { service_code: _code, ...codeless } = good;
    await expectError((f) => post(`requests.${f}`, codeless), 400, /service_code/);
    const { lat: _lat, long: _long, ...nowhere } = good;
    await expectError((f) => post(`requests.${f}`, nowhere), 400, /lat/);
    await expectError(
      (f) => post(`requests.${f}`, { ...good, lat: '53.4808', long: '-2.2426' }),
      400,
      /lat\/long/,
    );
    await expectError((f) => post(`requests.${f}`, { ...good, lat: 'north' }), 400, /lat/);
    await expectError(
      (f) => post(`requests.${f}`, { ...nowhere, zipcode: 'not a postcode' }),
      400,
      /zipcode/,
    );
    await expectError((f) => post(`requests.${f}`, { ...good, media_url: 'not a url' }), 400, /media_url/);
    const [firstRequired] = required;
    const { [`attribute[${firstRequired?.code}]`]: _missing, ...incomplete } = good;
    await expectError(
      (f) => post(`requests.${f}`, incomplete),
      400,
      new RegExp(`attribute\\[${firstRequired?.code}\\]`),
    );
    const list = required.find((a) => a.datatype === 'singlevaluelist');
    await expectError(
      (f) => post(`requests.${f}`, { ...good, [`attribute[${list?.code}]`]: 'not-a-key' }),
      400,
      new RegExp(`attribute\\[${list?.code}\\]`),
    );
    const numberService = created.get('number')?.service ?? '';
    const numbers = definitions.get(numberService) ?? [];
    const numberCode = numbers.find((a) => a.datatype === 'number')?.code;
    await expectError(
      (f) =>
        post(`requests.${f}`, {
          api_key: key,
          service_code: numberService,
          ...AT,
          ...attributeFields(numbers.filter((a) => a.required)),
          [`attribute[${numberCode}]`]: 'three',
        }),
      400,
      new RegExp(`attribute\\[${numberCode}\\]`),
    );
    const dateService = created.get('datetime')?.service ?? '';
    const dates = definitions.get(dateService) ?? [];
    const dateCode = dates.find((a) => a.datatype === 'datetime')?.code;
    await expectError(
      (f) =>
        post(`requests.${f}`, {
          api_key: key,
          service_code: dateService,
          ...AT,
          ...attributeFields(dates.filter((a) => a.required)),
          [`attribute[${dateCode}]`]: 'last Tuesday',
        }),
      400,
      new RegExp(`attribute\\[${dateCode}\\]`),
    );
    await expectError((f) => get(`requests.${f}?start_date=2026-11-01`), 400, /start_date/);
    await expectError((f) => get(`requests.${f}?end_date=yesterday`), 400, /end_date/);
    await expectError((f) => get(`requests.${f}?updated_after=2026-11-01T10:00`), 400, /updated_after/);
    await expectError((f) => get(`requests.${f}?status=pending`), 400, /status/);
    await expectError((f) => get(`requests.${f}?page=0`), 400, /page/);
    await expectError((f) => get(`servicerequestupdates.${f}?start_date=2026-11-01`), 400, /start_date/);
    await expectError(
      (f) =>
        post(`servicerequestupdates.${f}`, {
          api_key: key,
          service_request_id: created.get('text')?.id ?? '',
          status: 'CLOSED',
        }),
      400,
      /update_id/,
    );
    await expectError(
      (f) =>
        post(`servicerequestupdates.${f}`, {
          api_key: key,
          service_request_id: created.get('text')?.id ?? '',
          update_id: 'conformance-bad-status',
          status: 'SOLVED',
        }),
      400,
      /status/,
    );
  });

  it('servicerequestupdates: POST CLOSED closes the request and tells the citizen; GET lists the updates', async () => {
    const { id } = created.get('text') ?? { id: '' };
    const update = {
      api_key: key,
      service_request_id: id,
      update_id: 'conformance-update-1',
      status: 'CLOSED',
      updated_datetime: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
      description: 'Cleared by the street cleansing crew',
      media_url: 'https://example.org/after.jpeg',
      external_status_code: 'CLEARED',
    };
    const response = await post('servicerequestupdates.xml', update);
    expect(response.statusCode, response.body).toBe(200);
    const [posted] = items(root(xmlOf(response), 'service_request_updates'), 'request_update');
    expect(Object.keys(posted ?? {})).toEqual([...UPDATE_FIELDS]);
    expect(posted).toMatchObject({
      update_id: 'conformance-update-1',
      service_request_id: id,
      status: 'CLOSED',
    });
    expect(posted?.updated_datetime).toMatch(W3C);

    const [closed] = (await get(`requests/${id}.json`).then(jsonOf)) as RequestItem[];
    expect(closed).toMatchObject({ status: 'closed', expected_datetime: null });
    expect(closed?.status_notes).not.toBe('');
    expect(
      ((await get('requests.json?status=closed').then(jsonOf)) as RequestItem[]).map(
        (r) => r.service_request_id,
      ),
    ).toContain(id);

    // The same update again (a client's retry): the same answer, applied once.
    const retry = await post('servicerequestupdates.json', update);
    expect(retry.statusCode).toBe(200);
    expect(jsonOf(retry)).toEqual([
      expect.objectContaining({ update_id: 'conformance-update-1', status: 'CLOSED' }),
    ]);

    // The citizen who made the request is told it is closed, by email.
    const sent = await workJobs(id);
    expect(sent).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          template: 'status_changed',
          recipient: 'conformance+text@example.com',
          status: 'sent',
        }),
      ]),
    );
    expect(sent.filter((m) => m.template === 'status_changed')).toHaveLength(1);

    // Reopened by a back office with OPEN.
    const reopened = await post('servicerequestupdates.json', {
      ...update,
      update_id: 'conformance-update-2',
      status: 'OPEN',
      description: 'Reopened',
    });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(((await get(`requests/${id}.json`).then(jsonOf)) as RequestItem[])[0]?.status).toBe('open');

    // GET: every public update and status change in the window, oldest first.
    const end = new Date(Date.now() + 60_000).toISOString();
    const json = (await get(`servicerequestupdates.json?start_date=${startedAt}&end_date=${end}`).then(
      jsonOf,
    )) as Json[];
    const mine = json.filter((u) => u.service_request_id === id);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const u of json) {
      expect(Object.keys(u)).toEqual([...UPDATE_FIELDS]);
      expect(UPDATE_STATUSES).toContain(u.status);
      expect(u.updated_datetime).toMatch(W3C);
    }
    const times = json.map((u) => Date.parse(String(u.updated_datetime)));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(mine.some((u) => String(u.description).includes('Cleared by the street cleansing crew'))).toBe(
      true,
    );
    const xml = items(
      root(
        xmlOf(await get(`servicerequestupdates.xml?start_date=${startedAt}&end_date=${end}`)),
        'service_request_updates',
      ),
      'request_update',
    );
    expect(xml).toHaveLength(json.length);
    for (const [i, u] of xml.entries()) expectSameRecord(u, json[i] as Json, UPDATE_FIELDS);
    const later = new Date(Date.now() + 120_000).toISOString();
    expect(await get(`servicerequestupdates.json?start_date=${end}&end_date=${later}`).then(jsonOf)).toEqual(
      [],
    );
  });

  /**
   * Works the background jobs a worker would: domain events to their subscribers, then each queued
   * notification job through its real handler, until none is left. Answers the messages for a request.
   */
  async function workJobs(reference: string) {
    const { services, database } = t.runtime;
    const handlers = new Map(jobDefinitions(services, database).map((d) => [d.name, d.handler]));
    await services.events.dispatch();
    const done = new Set<string>();
    for (;;) {
      const { rows } = await sql<{ id: string; name: string; data: Record<string, unknown> }>`
        select id, name, data from pgboss.job where name like 'notifications.%' and state = 'created'
        order by created_on`.execute(database.db);
      const todo = rows.filter((r) => !done.has(r.id));
      if (todo.length === 0) break;
      for (const job of todo) {
        done.add(job.id);
        await handlers.get(job.name)?.(job.data);
      }
    }
    return services.notifications.list(t.councilId, { q: reference }, 20);
  }
});
