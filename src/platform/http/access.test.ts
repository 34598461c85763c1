import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  createToken,
  type StaffSession,
  signInAs,
  type TestApp,
} from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { can, ROLES, type Role } from '../auth/permissions.ts';
import { registeredRoutes } from './access.ts';

// Stand-ins for path parameters: the access check runs before any lookup, so any value will do.
const fill = (url: string) =>
  url.replace(/:[A-Za-z]+/g, '0190a0e4-0000-7000-8000-000000000000').replace('*', 'x');

describe.each(testDatabaseKinds())('access control on every route (%s)', (kind) => {
  let t: TestApp;
  const sessions = new Map<Role, StaffSession>();
  let integrationToken: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    for (const role of ROLES) if (role !== 'integration') sessions.set(role, await signInAs(t.app, role));
    integrationToken = await createToken(t, 'integration');
  });
  afterAll(() => t?.close());

  const protectedRoutes = () => registeredRoutes(t.app).filter((r) => !r.public && r.method !== 'HEAD');

  it('knows every route and every route declares who may use it', () => {
    const routes = registeredRoutes(t.app);
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) expect(route.public || route.permission !== undefined).toBe(true);
    expect(protectedRoutes().length).toBeGreaterThan(3);
  });

  it('refuses anonymous callers: 401 on the API, a redirect to sign-in on pages', async () => {
    for (const route of protectedRoutes()) {
      const response = await t.app.inject({ method: route.method as 'GET', url: fill(route.url) });
      if (route.url.startsWith('/api/')) {
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(response.headers['content-type']).toContain('application/problem+json');
      } else {
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(303);
        expect(response.headers.location).toMatch(/^\/staff\/sign-in/);
      }
    }
  });

  it('refuses every role that lacks the route’s permission with 403, and lets the others through', async () => {
    for (const route of protectedRoutes()) {
      const permission = route.permission;
      if (!permission) continue;
      for (const role of ROLES) {
        // A permitted POST really runs (sign-out ends its session), so it gets a session of its own;
        // a refused one must not run at all, so it shares the role's session like a GET.
        const permitted = can(role, permission);
        const session =
          role === 'integration'
            ? undefined
            : route.method === 'GET' || !permitted
              ? sessions.get(role)
              : await signInAs(t.app, role);
        const headers: Record<string, string> = session
          ? { cookie: session.cookie, 'x-csrf-token': session.csrfToken }
          : { authorization: `Bearer ${integrationToken}` };
        const response = await t.app.inject({ method: route.method as 'GET', url: fill(route.url), headers });
        const label = `${role} ${route.method} ${route.url}`;
        if (permitted) {
          expect([401, 403], label).not.toContain(response.statusCode);
        } else {
          expect(response.statusCode, label).toBe(403);
        }
      }
    }
    // Every permitted POST signs in afresh (argon2), once per role: this walk grows with every module.
  }, 240_000);

  it('rejects a wrong or revoked-looking bearer token with 401 problem+json', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/council',
      headers: { authorization: 'Bearer ghk_not-a-real-token' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ status: 401, code: 'InvalidToken' });
  });

  it('accepts a valid bearer token and answers JSON', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/council',
      headers: { authorization: `Bearer ${integrationToken}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'Demo Borough Council', slug: 'demo-borough' });
  });

  it('refuses a form post without the CSRF token, even when signed in', async () => {
    const session = sessions.get('agent');
    const response = await t.app.inject({
      method: 'POST',
      url: '/staff/sign-out',
      headers: { cookie: session?.cookie ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('This form has expired');
  });
});
