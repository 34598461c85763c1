import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createToken, signInAs, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';

describe.each(testDatabaseKinds())('operations endpoints and error handling (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t?.close());

  it('answers /health with status ok and the database status', async () => {
    const response = await t.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ok',
      database: { status: 'ok', kind: kind === 'pglite' ? 'embedded' : 'server' },
    });
  });

  it('exposes Prometheus metrics with request durations by route pattern', async () => {
    await t.app.inject({ url: '/health' });
    const response = await t.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain('guildhall_http_request_duration_seconds_bucket');
    expect(response.body).toContain('route="/health"');
    expect(response.body).toContain('guildhall_db_pool_total');
  });

  it('publishes OpenAPI 3.1 generated from the route schemas, and browsable docs', async () => {
    const spec = (await t.app.inject({ url: '/api/openapi.json' })).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toContain('/api/v1/council');
    expect(Object.keys(spec.paths).every((p: string) => p.startsWith('/api/v1'))).toBe(true);
    const docs = await t.app.inject({ url: '/api/docs' });
    expect([200, 302]).toContain(docs.statusCode);
  });

  it('returns problem+json for an unknown API endpoint', async () => {
    const response = await t.app.inject({ url: '/api/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 404, code: 'NotFound' });
  });

  it('shows a GOV.UK 404 page for an unknown page', async () => {
    const response = await t.app.inject({ url: '/staff/no-such-page' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('Page not found');
  });

  it('sets a nonce-based Content Security Policy and uses the nonce on inline script', async () => {
    const response = await t.app.inject({ url: '/staff/sign-in' });
    const csp = String(response.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.body).toContain(`<script nonce="${nonce}">`);
  });

  it('sends the same security headers on JSON, with no nonce where nothing is rendered', async () => {
    const response = await t.app.inject({ url: '/api/openapi.json' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('nonce-');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    // Two pages never share a nonce.
    const nonces = await Promise.all(
      [1, 2].map(async () => {
        const page = await t.app.inject({ url: '/staff/sign-in' });
        return /script-src[^;]*'nonce-([^']+)'/.exec(String(page.headers['content-security-policy']))?.[1];
      }),
    );
    expect(nonces[0]).toBeTruthy();
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    const ok = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers['x-request-id']).toBe('abc-123');
    const unsafe = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'a b\nc' } });
    expect(unsafe.headers['x-request-id']).not.toBe('a b\nc');
  });

  it('serves the design systems’ CSS and fonts locally', async () => {
    for (const url of [
      '/assets/govuk/govuk-frontend.min.css',
      '/assets/moj/moj-frontend.min.css',
      '/assets/govuk/govuk-frontend.min.js',
      '/assets/app/init.js',
      '/assets/fonts/bold-b542beb274-v2.woff2',
      '/assets/images/icon-search-black.svg',
    ]) {
      expect((await t.app.inject({ url })).statusCode, url).toBe(200);
    }
    expect((await t.app.inject({ url: '/assets/govuk/template.njk' })).statusCode).not.toBe(200);
  });

  it('shows staff the navigation their role allows', async () => {
    const agent = await signInAs(t.app, 'agent');
    const agentHome = await t.app.inject({ url: '/staff', headers: { cookie: agent.cookie } });
    expect(agentHome.body).not.toContain('href="/staff/audit"');
    const auditor = await signInAs(t.app, 'auditor');
    const auditorHome = await t.app.inject({ url: '/staff', headers: { cookie: auditor.cookie } });
    expect(auditorHome.body).toContain('href="/staff/audit"');
  });
});

describe('errors that reach users', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(() => t?.close());

  it('never shows a stack trace', async () => {
    const { app } = await createTestApp('pglite').then(async (other) => {
      other.app.get('/staff/boom', { config: { public: true } }, async () => {
        throw new Error('secret internal detail');
      });
      other.app.get('/api/v1/boom', { config: { public: true } }, async () => {
        throw new Error('secret internal detail');
      });
      await other.app.ready();
      return other;
    });
    const page = await app.inject({ url: '/staff/boom' });
    expect(page.statusCode).toBe(500);
    expect(page.body).toContain('Sorry, there is a problem with the service');
    expect(page.body).not.toContain('secret internal detail');
    const api = await app.inject({ url: '/api/v1/boom' });
    expect(api.statusCode).toBe(500);
    expect(api.body).not.toContain('secret internal detail');
    await app.close();
  });

  it('names the offending field when an API request fails validation', async () => {
    t.app.post(
      '/api/v1/echo',
      {
        config: { permission: 'council.read' },
        schema: {
          body: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, age: { type: 'integer' } },
          },
        },
      },
      async (request) => request.body,
    );
    await t.app.ready();
    const token = await createToken(t, 'integration');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      payload: { age: 'old' },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problem = response.json();
    expect(problem).toMatchObject({ status: 400, code: 'ValidationFailed' });
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'name is required' },
        expect.objectContaining({ field: 'age' }),
      ]),
    );
  });
});
