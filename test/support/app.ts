import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { DEMO_PASSWORD, demoUsers } from '../../src/councils/demo.ts';
import { systemAuditContext } from '../../src/platform/audit/audit.ts';
import type { Role } from '../../src/platform/auth/permissions.ts';
import { openDemoTestRuntime, type TestDatabaseKind, type TestRuntime } from './databases.ts';

export interface TestApp {
  app: FastifyInstance;
  runtime: TestRuntime;
  councilId: string;
  close(): Promise<void>;
}

/** The real app on a fresh database of the given kind, with the demo council seeded (a copy of the run's template). */
export async function createTestApp(
  kind: TestDatabaseKind,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const runtime = await openDemoTestRuntime(kind, env);
  const council = await runtime.services.governance.defaultCouncil();
  const app = await buildApp({
    config: runtime.config,
    database: runtime.database,
    services: runtime.services,
  });
  return {
    app,
    runtime,
    councilId: council.id,
    close: async () => {
      await app.close();
      await runtime.close();
    },
  };
}

export function cookieHeader(response: LightMyRequestResponse, existing = ''): string {
  const jar = new Map<string, string>();
  for (const part of existing.split('; ').filter(Boolean)) {
    const [name, ...value] = part.split('=');
    if (name) jar.set(name, value.join('='));
  }
  for (const cookie of response.cookies as {
    name: string;
    value: string;
    maxAge?: number;
    expires?: Date;
  }[]) {
    const cleared = cookie.value === '' || (cookie.expires && cookie.expires.getTime() < Date.now());
    if (cleared) jar.delete(cookie.name);
    else jar.set(cookie.name, cookie.value);
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token in page');
  return match[1];
}

export interface StaffSession {
  cookie: string;
  csrfToken: string;
}

/** Signs in through the real sign-in form, as a browser would. */
export async function signIn(
  app: FastifyInstance,
  email: string,
  password: string,
): Promise<LightMyRequestResponse & { session: StaffSession | null }> {
  const page = await app.inject({ method: 'GET', url: '/staff/sign-in' });
  const anonCookie = cookieHeader(page);
  const response = await app.inject({
    method: 'POST',
    url: '/staff/sign-in',
    headers: { cookie: anonCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      email,
      password,
      _csrf: csrfFrom(page.body),
      returnTo: '/staff',
    }).toString(),
  });
  const cookie = cookieHeader(response, anonCookie);
  if (response.statusCode !== 303 || !cookie.includes('guildhall_session='))
    return Object.assign(response, { session: null });
  const home = await app.inject({ method: 'GET', url: '/staff', headers: { cookie } });
  return Object.assign(response, { session: { cookie, csrfToken: csrfFrom(home.body) } });
}

export function demoEmail(role: Role): string {
  const user = demoUsers.find((u) => u.role === role);
  if (!user) throw new Error(`no demo user for ${role}`);
  return user.email;
}

export async function signInAs(
  app: FastifyInstance,
  role: Exclude<Role, 'integration'>,
): Promise<StaffSession> {
  const response = await signIn(app, demoEmail(role), DEMO_PASSWORD);
  if (!response.session) throw new Error(`could not sign in as ${role}: ${response.statusCode}`);
  return response.session;
}

export async function createToken(
  testApp: TestApp,
  role: Role,
  name = `test ${role} ${Math.random()}`,
): Promise<string> {
  const created = await testApp.runtime.services.governance.createApiToken(
    { councilId: testApp.councilId, name, role },
    systemAuditContext(testApp.councilId, 'test'),
  );
  return created.token;
}
