import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { DomainError, Forbidden } from '../../platform/http/errors.ts';

describe.each(testDatabaseKinds())('error pages on public paths (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    // Routes that fail as a real page can, on each kind of path.
    for (const prefix of ['', '/staff', '/api/v1']) {
      t.app.get(`${prefix}/test-failure`, { config: { public: true } }, async () => {
        throw new Error('the database went away (with a detail no citizen should see)');
      });
      t.app.get(`${prefix}/test-forbidden`, { config: { public: true } }, async () => {
        throw new Forbidden('This request belongs to someone else');
      });
      t.app.get(`${prefix}/test-conflict`, { config: { public: true } }, async () => {
        throw new DomainError('BookingNotCancellable', 'This booking can no longer be cancelled', 409);
      });
    }
  });
  afterAll(() => t?.close());

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers });
  const portalLayout = (body: string) => {
    expect(body).toContain('Demo Borough Council');
    expect(body).not.toContain('Go to the staff home page');
    expect(body).not.toContain('IT service desk');
    expect(body).not.toContain('moj-header');
  };

  it('answers a failure on a public page with the portal’s 500 page, in its language, without the detail', async () => {
    const failed = await get('/test-failure');
    expect(failed.statusCode).toBe(500);
    expect(failed.body).toContain('<html lang="en"');
    expect(failed.body).toContain('Sorry, there is a problem with the service');
    expect(failed.body).not.toContain('database went away');
    portalLayout(failed.body);
    const welsh = await get('/test-failure', { cookie: 'lang=cy' });
    expect(welsh.statusCode).toBe(500);
    expect(welsh.body).toContain('<html lang="cy"');
    expect(welsh.body).toContain('mae problem gyda’r gwasanaeth');
  });

  it('answers a refusal on a public page with the portal’s 403 page', async () => {
    const refused = await get('/test-forbidden');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('You cannot use this page');
    portalLayout(refused.body);
    const welsh = await get('/test-forbidden', { cookie: 'lang=cy' });
    expect(welsh.body).toContain('Ni allwch ddefnyddio’r dudalen hon');
    // Other client errors keep their explanation (in English only: a Welsh page gets Welsh text).
    const conflict = await get('/test-conflict');
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toContain('This booking can no longer be cancelled');
    portalLayout(conflict.body);
    const conflictCy = await get('/test-conflict', { cookie: 'lang=cy' });
    expect(conflictCy.body).not.toContain('This booking can no longer be cancelled');
    expect(conflictCy.body).toContain('Mae problem wedi codi');
  });

  it('explains an expired form on a public page in the portal’s layout', async () => {
    const expired = await t.app.inject({
      method: 'POST',
      url: '/services/street-light-fault/start',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '_csrf=wrong',
    });
    expect(expired.statusCode).toBe(403);
    expect(expired.body).toContain('This form has expired');
    expect(expired.body).toContain('Nothing was saved');
    portalLayout(expired.body);
  });

  it('keeps the staff layout on staff paths, and their own formats on the API and Open311', async () => {
    const staffFailure = await get('/staff/test-failure');
    expect(staffFailure.statusCode).toBe(500);
    expect(staffFailure.body).toContain('IT service desk');
    const staffForbidden = await get('/staff/test-forbidden');
    expect(staffForbidden.statusCode).toBe(403);
    expect(staffForbidden.body).toContain('Go to the staff home page');
    const apiFailure = await get('/api/v1/test-failure');
    expect(apiFailure.statusCode).toBe(500);
    expect(apiFailure.headers['content-type']).toContain('application/problem+json');
    const apiForbidden = await get('/api/v1/test-forbidden');
    expect(apiForbidden.headers['content-type']).toContain('application/problem+json');
    expect(apiForbidden.json()).toMatchObject({ status: 403, code: 'Forbidden' });
    const open311 = await t.app.inject({ method: 'POST', url: '/open311/v2/requests.xml' });
    expect(open311.headers['content-type']).toContain('xml');
    expect(open311.body).toContain('<errors>');
  });
});
