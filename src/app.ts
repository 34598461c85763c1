import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { portalRoutes } from './channels/portal/portal.routes.ts';
import type { Config } from './config.ts';
import { profileFor } from './councils/index.ts';
import { accountPartyPanel } from './modules/accounts/index.ts';
import { bookingsNavigation, bookingsRoutes } from './modules/bookings/index.ts';
import {
  casePartyPanel,
  caseRequesterEmail,
  caseSearchProvider,
  casesHomeTasks,
  casesNavigation,
  casesRoutes,
  caseTimelineSource,
  normaliseReference,
  serviceRequestFeed,
  serviceRequests,
} from './modules/cases/index.ts';
import { catalogueNavigation, catalogueRoutes, serviceSearchProvider } from './modules/catalogue/index.ts';
import { contactHistoryPanel, contactsNavigation, contactsRoutes } from './modules/contacts/index.ts';
import { addressSearchProvider, gazetteerNavigation, gazetteerRoutes } from './modules/gazetteer/index.ts';
import { governanceNavigation, governanceRoutes, staffSearchProvider } from './modules/governance/index.ts';
import { identityNavigation, identityRoutes } from './modules/identity/index.ts';
import { notificationsNavigation, notificationsRoutes } from './modules/notifications/index.ts';
import { createOpen311Requests, open311Routes } from './modules/open311/index.ts';
import {
  partiesAtProperty,
  partiesNavigation,
  partiesRoutes,
  partyAlerts,
  partyAuditSubjects,
  partySearchProvider,
} from './modules/parties/index.ts';
import type { AuditSubjectProvider } from './platform/audit/subjects.ts';
import { can, type Permission, ROLE_LABELS } from './platform/auth/permissions.ts';
import type { Database } from './platform/db/database.ts';
import { healthRoutes } from './platform/health/health.routes.ts';
import { csrfTokenFor, registerAccessControl } from './platform/http/access.ts';
import { type PublicErrorPages, registerErrorHandling } from './platform/http/error-handler.ts';
import { refuseNulCharacters } from './platform/http/nul-characters.ts';
import { registerSecurityHeaders } from './platform/http/security-headers.ts';
import { loggerOptions } from './platform/logging/logging.ts';
import type { HomeTask, NavItem, SearchProvider } from './platform/search/search.ts';
import { registerViews } from './platform/views/views.ts';
import type { Services } from './services.ts';

export interface AppDeps {
  config: Config;
  database: Database;
  services: Services;
}

/**
 * The one wiring point: platform plugins first, then each module's routes, registered explicitly.
 * Routes receive the services they use; nothing is looked up globally.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database, services } = deps;
  const secureCookies = config.nodeEnv === 'production' || config.secureCookies;

  const app = Fastify({
    ...loggerOptions(config.logLevel),
    trustProxy: config.trustProxy,
    bodyLimit: 1_048_576,
    // An id in a path (an Open311 service code or request id) may be long; a longer one than this
    // is refused by the router before any route sees it.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });

  registerSecurityHeaders(app, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: config.nodeEnv === 'production' ? [] : null,
      },
    },
    // HSTS only makes sense behind HTTPS, which production always is.
    hsts: config.nodeEnv === 'production',
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await registerViews(app, { cache: config.nodeEnv === 'production' });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Guildhall REST API',
        version: '1',
        description:
          'The REST API of Guildhall, the council CRM. Authenticate with `Authorization: Bearer <token>`; create tokens with `guildhall token create`. Errors are application/problem+json (RFC 9457) and name the offending field.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
    // Only /api/v1 belongs in the API description; pages and operations endpoints do not.
    transform: ({ schema, url }) => ({
      schema: url.startsWith('/api/v1') ? schema : { ...(schema ?? {}), hide: true },
      url,
    }),
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    // Swagger UI sets inline styles from its script; the docs page holds no personal data.
    transformStaticCSP: (header) =>
      header.replace("style-src 'self' https:", "style-src 'self' 'unsafe-inline'"),
  });

  const navigation: NavItem[] = [
    ...governanceNavigation,
    ...partiesNavigation,
    ...gazetteerNavigation,
    ...catalogueNavigation,
    ...casesNavigation,
    ...bookingsNavigation,
    ...notificationsNavigation,
    ...contactsNavigation,
    ...identityNavigation,
  ];
  const homeTasks: HomeTask[] = [
    // The contacts module's own list belongs in its index.ts; it was being changed when this was added.
    {
      href: '/staff/contacts/today',
      text: 'My contacts today',
      description: 'The contacts you have recorded since midnight, with totals by outcome and channel.',
      permission: 'contacts.record',
      roles: ['agent'],
    },
    {
      href: '/staff/contacts/new',
      text: 'Record an anonymous contact',
      description: 'For a caller who does not give their name; for anyone else, find them first.',
      permission: 'contacts.record',
      roles: ['agent'],
    },
    ...casesHomeTasks,
  ];
  const searchProviders: SearchProvider[] = [
    staffSearchProvider(services.governance),
    partySearchProvider(services.parties),
    addressSearchProvider(services.gazetteer),
    serviceSearchProvider(services.catalogue),
    caseSearchProvider(services.cases),
  ];
  // What the audit trail's records are: each module names its own, a page's worth at a time.
  const auditSubjects: AuditSubjectProvider[] = [
    partyAuditSubjects(services.parties),
    caseAuditSubjects(services.cases),
  ];

  let councilName: { value: string | undefined; at: number } = { value: undefined, at: 0 };
  const currentCouncilName = (): string | undefined => {
    // One council per deployment today; refresh the cached name now and then.
    if (Date.now() - councilName.at > 60_000) {
      councilName = { value: councilName.value, at: Date.now() };
      services.governance
        .defaultCouncil()
        .then((c) => {
          councilName = { value: c.name, at: Date.now() };
        })
        .catch(() => {});
    }
    return councilName.value;
  };
  currentCouncilName();

  refuseNulCharacters(app);
  // The citizen portal, registered below, answers errors on public pages (not found, forbidden, an
  // expired form, a failure) in its own layout and language.
  const publicErrorPages: PublicErrorPages = {};
  registerAccessControl(app, {
    resolver: services.governance.resolver,
    secureCookies,
    publicErrorPages,
    pageLocals: (request, reply) => {
      const principal = request.principal?.kind === 'staff' ? request.principal : null;
      const path = request.url.split('?')[0] ?? '/';
      return {
        principal,
        roleLabel: principal ? ROLE_LABELS[principal.role] : undefined,
        // Lets a page offer a link into another module only to those who may follow it.
        can: (permission: Permission) => (principal ? can(principal.role, permission) : false),
        nav: principal
          ? navigation
              .filter((item) => can(principal.role, item.permission))
              .map((item) => ({
                ...item,
                active: item.href === '/staff' ? path === '/staff' : path.startsWith(item.href),
              }))
          : [],
        csrfToken: csrfTokenFor(request, reply, secureCookies),
        cspNonce: reply.cspNonce(),
        councilName: currentCouncilName(),
      };
    },
  });
  registerErrorHandling(app, { publicErrorPages });

  await app.register(healthRoutes, { database });
  app.get('/api/openapi.json', { config: { public: true } }, async () => app.swagger());
  await app.register(portalRoutes, {
    errorPages: publicErrorPages,
    catalogue: services.catalogue,
    gazetteer: services.gazetteer,
    requests: serviceRequests(services.cases),
    bookings: services.bookings,
    requesterEmail: caseRequesterEmail(services.cases),
    sessions: services.portalSessions,
    uploads: services.portalUploads,
    mapTileUrl: config.mapTileUrl,
    secureCookies,
    accounts: services.accounts,
    selfService: services.selfService,
    oidc: services.oidc,
    council: async () => {
      const council = await services.governance.defaultCouncil();
      return {
        id: council.id,
        name: council.name,
        profile: profileFor(council.profile),
        area: council.area,
      };
    },
  });

  await app.register(governanceRoutes, {
    service: services.governance,
    secureCookies,
    sessionAbsoluteHours: config.sessionAbsoluteHours,
    searchProviders: () => searchProviders,
    auditSubjects: () => auditSubjects,
    homeTasks: () => homeTasks,
  });
  await app.register(catalogueRoutes, { service: services.catalogue });
  await app.register(gazetteerRoutes, {
    service: services.gazetteer,
    mapTileUrl: config.mapTileUrl,
    partiesAtProperty: partiesAtProperty(services.parties),
  });
  // Every module's entries on a party's timeline: contacts and requests, interleaved.
  const timelineSources = [services.contacts.timelineSource(), caseTimelineSource(services.cases)];
  await app.register(partiesRoutes, {
    service: services.parties,
    panels: [
      casePartyPanel(services.cases),
      contactHistoryPanel(() => timelineSources),
      accountPartyPanel(services.accounts, services.selfService),
    ],
  });
  await app.register(contactsRoutes, {
    service: services.contacts,
    timelineSources,
    partyName: (councilId, partyId) =>
      services.parties.getParty(councilId, partyId).then(
        (p) => p.displayName,
        () => null,
      ),
    // The council's own requestable services, not the ~1,500 national information entries: any
    // service can still be typed by name or code, but the page stays small.
    serviceOptions: async (councilId) =>
      (
        await services.catalogue.list(councilId, { status: 'published', informationOnly: false, limit: 500 })
      ).results.map((s) => ({ code: s.code, name: s.name })),
  });
  await app.register(casesRoutes, {
    service: services.cases,
    reports: services.caseReports,
    catalogue: services.catalogue,
    partyAlerts: partyAlerts(services.parties),
  });
  await app.register(bookingsRoutes, { service: services.bookings });
  await app.register(notificationsRoutes, { service: services.notifications });
  await app.register(open311Routes, {
    service: services.open311,
    requests: createOpen311Requests({
      db: database.db,
      requests: serviceRequests(services.cases),
      feed: serviceRequestFeed(database.db),
      resolver: services.governance.resolver,
      open311: services.open311,
      council: () => services.governance.defaultCouncil(),
    }),
  });
  await app.register(identityRoutes, { service: services.identity });

  return app;
}

/**
 * Names service requests on the audit trail by reference ("Street light fault (GH-7KQ2-M4XD)"),
 * through the cases module's public list (which reads without auditing). It belongs in the cases
 * module's index.ts beside its search provider; it is here while that module is being reworked.
 */
function caseAuditSubjects(service: Services['cases']): AuditSubjectProvider {
  const CHUNK = 500; // the list's largest page
  return {
    subjectType: 'case',
    async describe(councilId, ids) {
      const described = new Map<string, { label: string; reference: string; href: string }>();
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const page = await service.list(councilId, { ids: chunk, pageSize: chunk.length });
        for (const c of page.items)
          described.set(c.id, { label: c.serviceName, reference: c.reference, href: `/staff/cases/${c.id}` });
      }
      return described;
    },
    async idForReference(councilId, text) {
      const reference = normaliseReference(text);
      if (!reference) return undefined;
      return service.get(councilId, reference).then(
        (view) => view.record.id,
        () => undefined,
      );
    },
  };
}
