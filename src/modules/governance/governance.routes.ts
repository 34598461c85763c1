import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditFilter } from '../../platform/audit/audit.repository.ts';
import { auditContextFor } from '../../platform/audit/audit.ts';
import type { AuditSubjectProvider } from '../../platform/audit/subjects.ts';
import { can, ROLE_LABELS } from '../../platform/auth/permissions.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { SESSION_COOKIE } from '../../platform/http/access.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import type { HomeTask, SearchProvider } from '../../platform/search/search.ts';
import { AuditQuery, CouncilResponse, SignInBody } from './governance.schemas.ts';
import type { GovernanceService } from './governance.service.ts';

export interface GovernanceRouteOptions {
  service: GovernanceService;
  secureCookies: boolean;
  sessionAbsoluteHours: number;
  searchProviders: () => readonly SearchProvider[];
  /** What each module's records are called on the audit trail (and their references). */
  auditSubjects: () => readonly AuditSubjectProvider[];
  /** Links to each role's work, for the home page. */
  homeTasks?: () => readonly HomeTask[];
}

const AUDIT_PAGE_SIZE = 50;
const AUDIT_CSV_LIMIT = 50_000;

/** Only return to pages inside the staff area, never to another site. */
function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/staff(\/|$|\?)/.test(value) && !value.startsWith('//')
    ? value
    : '/staff';
}

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

function parseDate(
  value: string | undefined,
  field: string,
  errors: FieldError[],
  endOfDay = false,
): Date | undefined {
  if (!value) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    errors.push({ field, message: 'Enter a real date, like 2026-11-22' });
    return undefined;
  }
  return endOfDay ? new Date(date.getTime() + 86_400_000) : date;
}

function auditFilterFrom(query: AuditQuery, errors: FieldError[]): AuditFilter {
  const from = parseDate(query.from, 'from', errors);
  const to = parseDate(query.to, 'to', errors, true);
  if (from && to && from >= to)
    errors.push({ field: 'to', message: 'The end date must be on or after the start date' });
  return {
    action: query.action || undefined,
    actor: query.actor || undefined,
    subjectType: query.subjectType || undefined,
    subjectId: query.subjectId || undefined,
    from,
    to,
    before: query.before,
  };
}

export async function governanceRoutes(app: FastifyInstance, options: GovernanceRouteOptions): Promise<void> {
  const { service } = options;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  const setSessionCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secureCookies,
      maxAge: options.sessionAbsoluteHours * 3600,
    });

  typed.get('/staff/sign-in', { config: { public: true } }, async (request, reply) => {
    if (request.principal?.kind === 'staff') return reply.redirect('/staff', 303);
    const query = request.query as Record<string, string | undefined>;
    return reply.view('governance/views/sign-in.njk', {
      returnTo: safeReturnTo(query.returnTo),
      signedOut: query.signedOut === '1',
      values: {},
    });
  });

  typed.post(
    '/staff/sign-in',
    { config: { public: true }, schema: { body: SignInBody } },
    async (request, reply) => {
      const body = request.body;
      const email = (body.email ?? '').trim();
      const password = body.password ?? '';
      const returnTo = safeReturnTo(body.returnTo);
      const errors: FieldError[] = [];
      if (email === '') errors.push({ field: 'email', message: 'Enter your email address' });
      if (password === '') errors.push({ field: 'password', message: 'Enter your password' });
      if (errors.length === 0) {
        const result = await service.signIn(email, password, auditContextFor(null, request));
        if (result.ok) {
          setSessionCookie(reply, result.sessionToken);
          return reply.redirect(returnTo, 303);
        }
        if (result.reason === 'locked') {
          const minutes = Math.max(
            1,
            Math.ceil(((result.lockedUntil?.getTime() ?? Date.now()) - Date.now()) / 60_000),
          );
          errors.push({
            field: 'email',
            message: `This account is locked after too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask an administrator.`,
          });
        } else {
          errors.push({ field: 'email', message: 'The email address or password is not right' });
        }
      }
      return reply.code(errors.length ? 400 : 200).view('governance/views/sign-in.njk', {
        errors: errors.map((e) => ({ text: e.message, href: `#${e.field}` })),
        fieldErrors: Object.fromEntries(errors.map((e) => [e.field, e.message])),
        values: { email },
        returnTo,
      });
    },
  );

  typed.post('/staff/sign-out', { config: { permission: 'staff.access' } }, async (request, reply) => {
    const principal = principalOf(request);
    await service.signOut(principal, auditContextFor(principal, request));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/staff/sign-in?signedOut=1', 303);
  });

  typed.get('/staff', { config: { permission: 'staff.access' } }, async (request, reply) => {
    const principal = principalOf(request);
    const [council, sites, teams] = await Promise.all([
      service.getCouncil(principal.councilId),
      service.listSites(principal.councilId),
      service.listTeams(principal.councilId),
    ]);
    const tasks = (options.homeTasks?.() ?? []).filter(
      (task) => task.roles.includes(principal.role) && can(principal.role, task.permission),
    );
    return reply.view('governance/views/home.njk', {
      council,
      sites,
      teams,
      tasks,
      canAudit: can(principal.role, 'audit.read'),
      canManageUsers: can(principal.role, 'users.manage'),
    });
  });

  typed.get('/staff/search', { config: { permission: 'staff.access' } }, async (request, reply) => {
    const principal = principalOf(request);
    const q = String((request.query as Record<string, unknown>).q ?? '').trim();
    const providers = options.searchProviders().filter((p) => can(principal.role, p.permission));
    const groups = q
      ? await Promise.all(
          providers.map(async (provider) => ({ provider, hits: await provider.search(principal, q, 20) })),
        )
      : [];
    const hits = groups
      .flatMap((g) => g.hits.map((hit) => ({ ...hit, source: g.provider.title })))
      .sort((a, b) => b.score - a.score);
    reply.locals.searchQuery = q;
    return reply.view('governance/views/search.njk', { q, hits, providers });
  });

  typed.get(
    '/staff/audit',
    { config: { permission: 'audit.read' }, schema: { querystring: AuditQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      const errors: FieldError[] = [];
      const filter = auditFilterFrom(request.query, errors);
      const events = errors.length
        ? []
        : await service.auditTrail(principal.councilId, filter, AUDIT_PAGE_SIZE + 1, options.auditSubjects());
      const hasMore = events.length > AUDIT_PAGE_SIZE;
      const page = events.slice(0, AUDIT_PAGE_SIZE);
      const { before: _before, ...filterQuery } = request.query;
      return reply.code(errors.length ? 400 : 200).view('governance/views/audit.njk', {
        events: page,
        query: filterQuery,
        actions: await service.auditActionOptions(principal.councilId),
        nextBefore: hasMore ? page.at(-1)?.id : undefined,
        errors: errors.map((e) => ({ text: e.message, href: `#${e.field}` })),
        fieldErrors: Object.fromEntries(errors.map((e) => [e.field, e.message])),
      });
    },
  );

  typed.get(
    '/staff/audit.csv',
    { config: { permission: 'audit.read' }, schema: { querystring: AuditQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      const errors: FieldError[] = [];
      const filter = auditFilterFrom(request.query, errors);
      if (errors.length)
        return reply
          .code(400)
          .type('text/plain')
          .send(errors.map((e) => e.message).join('\n'));
      const events = await service.auditTrail(
        principal.councilId,
        filter,
        AUDIT_CSV_LIMIT,
        options.auditSubjects(),
      );
      const csv = stringify(
        events.map((e) => [
          e.id,
          e.occurredAt.toISOString(),
          e.actorType,
          e.actorId ?? '',
          e.actorLabel ?? '',
          e.action,
          e.actionLabel,
          e.subjectType ?? '',
          e.subjectId ?? '',
          e.subject?.label ?? '',
          e.subject?.reference ?? '',
          e.purpose ?? '',
          e.correlationId ?? '',
          e.ip ?? '',
          JSON.stringify(e.details),
        ]),
        {
          header: true,
          columns: [
            'id',
            'occurred_at',
            'actor_type',
            'actor_id',
            'actor',
            'action',
            'action_description',
            'subject_type',
            'subject_id',
            'record',
            'record_reference',
            'purpose',
            'correlation_id',
            'ip',
            'details',
          ],
        },
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit-events.csv"')
        .send(csv);
    },
  );

  typed.get('/staff/admin/users', { config: { permission: 'users.manage' } }, async (request, reply) => {
    const principal = principalOf(request);
    const q = String((request.query as Record<string, unknown>).q ?? '').trim();
    const [users, tokens] = await Promise.all([
      service.listUsers(principal.councilId, q || undefined),
      service.listApiTokens(principal.councilId),
    ]);
    return reply.view('governance/views/users.njk', {
      users,
      tokens,
      q,
      roleLabels: ROLE_LABELS,
      now: new Date(),
    });
  });

  typed.get(
    '/api/v1/council',
    {
      config: { permission: 'council.read' },
      schema: {
        summary: 'The council this deployment serves',
        tags: ['council'],
        security: [{ bearerAuth: [] }],
        response: { 200: CouncilResponse },
      },
    },
    async (request) => {
      const council = await service.getCouncil(principalOf(request).councilId);
      return { id: council.id, slug: council.slug, name: council.name, area: council.area };
    },
  );
}
