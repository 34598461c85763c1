import type {} from '@fastify/cookie';
import type {} from '@fastify/view';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type Permission } from '../auth/permissions.ts';
import type { PrincipalResolver } from '../auth/principal.ts';
import { randomToken, safeEqual } from '../auth/tokens.ts';
import { type PublicErrorPages, renderHtmlError } from './error-handler.ts';
import { isOpen311Request, sendOpen311Errors } from './open311.ts';
import { isApiRequest, sendProblem } from './problem.ts';

export const SESSION_COOKIE = 'guildhall_session';
const CSRF_COOKIE = 'guildhall_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Routes that plugins register for themselves (static files, API docs) are public by nature.
const PUBLIC_PREFIXES = ['/assets/', '/api/docs'];

export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly public: boolean;
  readonly permission: Permission | undefined;
}

const routeTables = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered after access control, with what it requires (used by the access tests). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return routeTables.get(app) ?? [];
}

export interface AccessOptions {
  resolver: PrincipalResolver;
  /** Send cookies only over HTTPS (browsers also accept them on http://localhost). */
  secureCookies: boolean;
  /** What every page's template needs (signed-in user, navigation, CSRF token, CSP nonce). */
  pageLocals(request: FastifyRequest, reply: FastifyReply): Record<string, unknown>;
  /** The public site's error pages, so a citizen's expired form is explained in the portal's layout. */
  publicErrorPages?: PublicErrorPages;
}

function signInRedirect(request: FastifyRequest, reply: FastifyReply) {
  const returnTo = request.method === 'GET' ? `?returnTo=${encodeURIComponent(request.url)}` : '';
  return reply.redirect(`/staff/sign-in${returnTo}`, 303);
}

/** The CSRF token to put in forms: the session's own, or a cookie-bound one before sign-in. */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  if (request.principal?.csrfToken) return request.principal.csrfToken;
  const existing = request.cookies[CSRF_COOKIE];
  if (existing && existing.length >= 32) return existing;
  const token = randomToken();
  reply.setCookie(CSRF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure });
  request.cookies[CSRF_COOKIE] = token;
  return token;
}

/**
 * Authentication, authorisation and CSRF for every route.
 * - Each route must say `config: { public: true }` or `config: { permission }`; registering one that
 *   says neither fails at start-up, so a new route can never be open by accident.
 * - Bearer tokens authenticate API calls; the session cookie authenticates staff pages.
 * - Anonymous callers get 401 on the API and a redirect to sign-in on pages; callers whose role
 *   lacks the permission get 403.
 * - Every state-changing request made with cookies must carry the CSRF token.
 */
export function registerAccessControl(app: FastifyInstance, options: AccessOptions): void {
  app.decorateRequest('principal', null);
  const table: RegisteredRoute[] = [];
  routeTables.set(app, table);

  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path ?? '';
    if (PUBLIC_PREFIXES.some((prefix) => url.startsWith(prefix))) {
      route.config = { ...route.config, public: true };
    }
    const config = route.config ?? {};
    if (!config.public && !config.permission) {
      throw new Error(`Route ${String(route.method)} ${url} must declare config.permission or config.public`);
    }
    for (const method of [route.method].flat()) {
      table.push({ method, url, public: config.public === true, permission: config.permission });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      request.principal = match?.[1] ? await options.resolver.fromApiToken(match[1]) : null;
      if (!request.principal) {
        return sendProblem(
          request,
          reply,
          401,
          'InvalidToken',
          'The API token is missing, malformed, revoked or unknown',
        );
      }
    } else {
      const sessionToken = request.cookies[SESSION_COOKIE];
      if (sessionToken) {
        request.principal = await options.resolver.fromSessionToken(sessionToken);
        if (!request.principal) reply.clearCookie(SESSION_COOKIE, { path: '/' });
      }
    }

    if (!isApiRequest(request) && !isOpen311Request(request) && !request.url.startsWith('/assets/')) {
      reply.locals = { ...reply.locals, ...options.pageLocals(request, reply) };
    }

    const config = request.routeOptions.config;
    if (!config || config.public || !config.permission) return;
    const principal = request.principal;
    if (!principal) {
      if (isApiRequest(request) || authorization !== undefined) {
        return sendProblem(
          request,
          reply,
          401,
          'Unauthenticated',
          'Sign in, or send an API token as Authorization: Bearer <token>',
        );
      }
      return signInRedirect(request, reply);
    }
    if (!can(principal.role, config.permission)) {
      if (isApiRequest(request) || principal.kind === 'api') {
        return sendProblem(
          request,
          reply,
          403,
          'Forbidden',
          `The ${principal.role} role may not ${config.permission}`,
        );
      }
      return reply.code(403).view('errors/403.njk', {});
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || request.principal?.kind === 'api') return;
    // An anonymous API call carries no cookie-borne authority for a forged request to abuse.
    if (isApiRequest(request) && !request.principal) return;
    // Likewise Open311 clients: they authenticate with api_key, never with a session cookie.
    if (isOpen311Request(request) && !request.principal) return;
    const body = request.body as Record<string, unknown> | undefined;
    const sent =
      (typeof body?._csrf === 'string' ? body._csrf : undefined) ?? request.headers['x-csrf-token'];
    const expected = request.principal?.csrfToken ?? request.cookies[CSRF_COOKIE];
    if (typeof sent === 'string' && expected && safeEqual(sent, expected)) return;
    request.log.info('CSRF token missing or wrong');
    if (isOpen311Request(request)) {
      return sendOpen311Errors(request, reply, 403, [
        {
          code: 403,
          description:
            'A request carrying a staff session cookie needs a CSRF token; send api_key without cookies',
        },
      ]);
    }
    if (isApiRequest(request)) {
      return sendProblem(
        request,
        reply,
        403,
        'CsrfTokenInvalid',
        'Send the CSRF token in the X-CSRF-Token header',
      );
    }
    return renderHtmlError(request, reply, options.publicErrorPages, { status: 403, kind: 'form_expired' });
  });
}
