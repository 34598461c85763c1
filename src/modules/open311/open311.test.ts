import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cookieHeader,
  createTestApp,
  createToken,
  type StaffSession,
  signInAs,
  type TestApp,
} from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { ValidationFailed } from '../../platform/http/errors.ts';
import { parseAttributes, requireApiKey, serialise } from './index.ts';

describe.each(testDatabaseKinds())('Open311 GeoReport v2 (%s)', (kind) => {
  let t: TestApp;
  let officer: StaffSession;

  beforeAll(async () => {
    t = await createTestApp(kind);
    // A stand-in for the POST endpoints that come with cases: api_key, then attributes.
    t.app.post<{ Params: { format: string }; Body: Record<string, unknown> }>(
      '/open311/v2/test-post.:format',
      { config: { public: true } },
      async (request, reply) => {
        const principal = await requireApiKey(t.runtime.services.governance.resolver, request.body?.api_key);
        const { attributes, errors } = parseAttributes(request.body);
        if (errors.length) throw new ValidationFailed(errors);
        const format = request.params.format === 'json' ? 'json' : 'xml';
        return reply
          .type(format === 'json' ? 'application/json; charset=utf-8' : 'text/xml; charset=utf-8')
          .send(serialise(format, 'service_requests', [{ token: principal.label, ...attributes }]));
      },
    );
    officer = await signInAs(t.app, 'officer');
  });
  afterAll(() => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it('answers discovery in XML and JSON with the right content types', async () => {
    const xml = await get('/open311/v2/discovery.xml');
    expect(xml.statusCode).toBe(200);
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(xml.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<discovery><changeset>\d{4}-\d\d-\d\dT[\d:]+Z<\/changeset>/,
    );
    expect(xml.body).toContain(
      '<formats><format>text/xml</format><format>application/json</format></formats>',
    );
    const json = await get('/open311/v2/discovery.json');
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.json()).toEqual({
      changeset: expect.stringMatching(/Z$/),
      contact: expect.any(String),
      key_service: expect.stringContaining('api_key'),
      endpoints: [
        {
          specification: 'http://wiki.open311.org/GeoReport_v2',
          url: 'http://localhost:80/open311/v2',
          changeset: expect.any(String),
          type: 'production',
          formats: ['text/xml', 'application/json'],
        },
      ],
    });
    // No session or CSRF cookie is handed to API clients.
    expect(json.headers['set-cookie']).toBeUndefined();
  });

  it('lists the published services that take Open311 requests, from the demo catalogue', async () => {
    const json = await get('/open311/v2/services.json');
    expect(json.statusCode).toBe(200);
    const services = json.json() as Record<string, unknown>[];
    expect(services.length).toBeGreaterThan(5);
    expect(services.find((s) => s.service_code === 'pothole')).toEqual({
      service_code: 'pothole',
      service_name: 'Report a pothole',
      description: 'Report a pothole or damaged road surface so it can be inspected and repaired.',
      metadata: true,
      type: 'realtime',
      keywords: expect.stringContaining('pothole, potholes, road'),
      group: 'Highways',
    });
    // Housing repairs are not offered over Open311 in the demo catalogue.
    expect(services.some((s) => s.service_code === 'housing-repair')).toBe(false);
    const xml = await get('/open311/v2/services.xml');
    expect(xml.body).toContain('<services><service><service_code>');
    expect(xml.body).toContain(
      '<service_code>pothole</service_code><service_name>Report a pothole</service_name>',
    );
    expect((xml.body.match(/<service>/g) ?? []).length).toBe(services.length);
  });

  it('describes a service with its attributes and allowed values', async () => {
    const json = await get('/open311/v2/services/pothole.json');
    expect(json.statusCode).toBe(200);
    const definition = json.json() as { service_code: string; attributes: Record<string, unknown>[] };
    expect(definition.service_code).toBe('pothole');
    expect(definition.attributes.find((a) => a.code === 'depth')).toEqual({
      variable: true,
      code: 'depth',
      datatype: 'singlevaluelist',
      required: true,
      datatype_description: '',
      order: expect.any(Number),
      description: 'About how deep is it?',
      values: [
        { key: 'shallow', name: 'Less than 4cm' },
        { key: 'medium', name: '4cm to 10cm' },
        { key: 'deep', name: 'More than 10cm' },
      ],
    });
    const xml = await get('/open311/v2/services/pothole.xml');
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(xml.body).toContain(
      '<service_definition><service_code>pothole</service_code><attributes><attribute>',
    );
    expect(xml.body).toContain(
      '<values><value><key>shallow</key><name>Less than 4cm</name></value><value><key>medium</key>',
    );
  });

  it('reports errors as errors/error, in the format the suffix asks for', async () => {
    const xml = await get('/open311/v2/services/no-such-service.xml');
    expect(xml.statusCode).toBe(404);
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(xml.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<errors><error><code>404</code><description>The service no-such-service was not found</description></error></errors>',
    );
    const json = await get('/open311/v2/services/housing-repair.json');
    expect(json.statusCode).toBe(404);
    expect(json.json()).toEqual([{ code: 404, description: 'The service housing-repair was not found' }]);
    const unknownPath = await get('/open311/v2/nothing-here');
    expect(unknownPath.statusCode).toBe(404);
    expect(unknownPath.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(unknownPath.body).toContain(
      '<errors><error><code>404</code><description>No such Open311 resource',
    );
    const unknownFormat = await get('/open311/v2/services.html');
    expect(unknownFormat.statusCode).toBe(404);
    expect(unknownFormat.body).toContain('The format .html (use .xml or .json) was not found');
    const jurisdiction = await get('/open311/v2/services.json?jurisdiction_id=elsewhere');
    expect(jurisdiction.statusCode).toBe(404);
    expect(jurisdiction.json()).toEqual([
      { code: 404, description: expect.stringMatching(/^jurisdiction_id elsewhere was not found/) },
    ]);
  });

  const post = (url: string, form: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: form,
    });

  it('takes api_key from integration tokens only, refusing others with 403', async () => {
    const integration = await createToken(t, 'integration', 'open311 client');
    const officerToken = await createToken(t, 'officer');
    const missing = await post('/open311/v2/test-post.json', 'service_code=pothole');
    expect(missing.statusCode).toBe(403);
    expect(missing.json()).toEqual([
      { code: 403, description: expect.stringMatching(/^api_key is required/) },
    ]);
    const wrong = await post('/open311/v2/test-post.xml', 'api_key=gh_not-a-real-key');
    expect(wrong.statusCode).toBe(403);
    expect(wrong.body).toContain('<code>403</code><description>api_key is not valid: it is unknown');
    const notIntegration = await post('/open311/v2/test-post.json', `api_key=${officerToken}`);
    expect(notIntegration.statusCode).toBe(403);
    expect(notIntegration.json()[0].description).toMatch(/not valid for Open311/);
    const ok = await post(
      '/open311/v2/test-post.json',
      `api_key=${integration}&attribute[depth]=deep&attribute[items][]=a&attribute[items][]=b`,
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual([{ token: 'open311 client', depth: 'deep', items: ['a', 'b'] }]);
    const badAttribute = await post(
      '/open311/v2/test-post.json',
      `api_key=${integration}&attribute[no good]=x`,
    );
    expect(badAttribute.statusCode).toBe(400);
    expect(badAttribute.json()).toEqual([
      {
        code: 400,
        description: 'attribute[no good] has an invalid code; codes are letters, digits, _, . and -',
      },
    ]);
  });

  it('needs no CSRF token from Open311 clients, but staff pages and cookie-bearing requests still do', async () => {
    const integration = await createToken(t, 'integration');
    // An Open311 client: no cookies, no CSRF token.
    const client = await post('/open311/v2/test-post.json', `api_key=${integration}`);
    expect(client.statusCode).toBe(200);
    // A staff page POST without the CSRF token is still refused.
    const staff = await post('/staff/sign-out', '', { cookie: officer.cookie });
    expect(staff.statusCode).toBe(403);
    expect(staff.body).toContain('<html');
    // A browser carrying a staff session to /open311 must still show the token (a forged request).
    const forged = await post('/open311/v2/test-post.json', `api_key=${integration}`, {
      cookie: officer.cookie,
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()[0].description).toMatch(/CSRF token/);
    // The staff session is unharmed.
    const home = await t.app.inject({
      method: 'GET',
      url: '/staff',
      headers: { cookie: cookieHeader(staff, officer.cookie) },
    });
    expect(home.statusCode).toBe(200);
  });
});
