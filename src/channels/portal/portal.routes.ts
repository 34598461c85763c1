import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CouncilProfile } from '../../councils/index.ts';
import type { AccountsService, OidcProvider } from '../../modules/accounts/index.ts';
import type { BookingsService } from '../../modules/bookings/index.ts';
import type { ServiceRequests } from '../../modules/cases/index.ts';
import type { CatalogueService } from '../../modules/catalogue/index.ts';
import type { GazetteerService } from '../../modules/gazetteer/index.ts';
import type { SelfServiceParties } from '../../modules/parties/index.ts';
import type { PublicErrorPages } from '../../platform/http/error-handler.ts';
import { chooseLocale, type Locale, type Translate, translator } from '../../platform/i18n/i18n.ts';
import { accountDetailsForJourney, accountRoutes } from './portal.account.ts';
import { bookingJourneyRoutes } from './portal.bookings.ts';
import {
  type CouncilBox,
  canRequestOnline,
  type RequestJourneyDeps,
  requestJourneyRoutes,
} from './portal.requests.ts';
import { type PortalSessions, signedInAccountId } from './portal.sessions.ts';

export interface PortalCouncil {
  readonly id: string;
  readonly name: string;
  readonly profile: CouncilProfile;
  /** The council's area, for refusing points outside it and centring the map. */
  readonly area?: CouncilBox | undefined;
}

export interface PortalRouteOptions {
  catalogue: CatalogueService;
  gazetteer: GazetteerService;
  requests: ServiceRequests;
  bookings: BookingsService;
  requesterEmail: RequestJourneyDeps['requesterEmail'];
  sessions: PortalSessions;
  uploads: RequestJourneyDeps['uploads'];
  /** A slippy-map tile URL template (MAP_TILE_URL); without one the "where" page has no map. */
  mapTileUrl?: string | undefined;
  /** The council this deployment serves (one per deployment today). */
  council: () => Promise<PortalCouncil>;
  secureCookies: boolean;
  /** Citizen accounts; the portal works without them (no sign-in link) when absent. */
  accounts?: AccountsService | undefined;
  selfService?: SelfServiceParties | undefined;
  oidc?: OidcProvider | undefined;
  /** The platform's error pages for public paths, which the portal answers in its layout and language. */
  errorPages?: PublicErrorPages | undefined;
}

const LANG_COOKIE = 'lang';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');

interface PortalService {
  code: string;
  name: string;
  /** What the A to Z files it under: the name without its leading verb ("Defective street light"). */
  subject: string;
  summary: string;
  interaction: string;
  informationOnly: boolean;
}

// "Report a defective street light" belongs under D, not R: people look for the thing, not the verb.
const LEADING_VERB =
  /^(report|request|apply|book|pay|register|make|tell us about|ask for|order|get|find|check|contact|challenge|renew|give notice of|hire|join|comment on|claim|change|cancel)\b( for| to| about| on)?( an| a| the| your| my)?\s+/i;

function subjectOf(name: string): string {
  const subject = name.trim().replace(LEADING_VERB, '');
  return subject ? subject.charAt(0).toUpperCase() + subject.slice(1) : name.trim();
}

/** Citizen pages: the start page, the A to Z, service search and service pages, in English or Welsh. */
export async function portalRoutes(app: FastifyInstance, options: PortalRouteOptions): Promise<void> {
  const { catalogue } = options;
  const pub = { config: { public: true } } as const;

  const toPortalService = (s: Omit<PortalService, 'subject'>): PortalService => ({
    code: s.code,
    name: s.name,
    subject: subjectOf(s.name),
    summary: s.summary,
    interaction: s.interaction,
    informationOnly: s.informationOnly,
  });

  // The published catalogue changes rarely; keep the listing for half a minute rather than read it
  // on every page view.
  let listing: { councilId: string; at: number; services: PortalService[] } | undefined;
  async function publishedServices(councilId: string): Promise<PortalService[]> {
    if (listing && listing.councilId === councilId && Date.now() - listing.at < 30_000)
      return listing.services;
    // The council's own services: bare LGSL entries it has written nothing for are staff-only.
    const { results } = await catalogue.list(councilId, { limit: 2000, placeholders: false });
    listing = { councilId, at: Date.now(), services: results.map(toPortalService) };
    return listing.services;
  }

  function localeOf(
    request: FastifyRequest,
    reply: FastifyReply,
    welsh: boolean,
  ): { locale: Locale; t: Translate } {
    const query = (request.query as Record<string, unknown> | undefined)?.lang;
    const chosen = welsh
      ? chooseLocale(query, request.cookies[LANG_COOKIE], request.headers['accept-language'])
      : 'en';
    if (query === chosen && request.cookies[LANG_COOKIE] !== chosen) {
      reply.setCookie(LANG_COOKIE, chosen, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secureCookies,
        maxAge: 365 * 24 * 3600,
      });
    }
    return { locale: chosen, t: translator(chosen) };
  }

  /** What every citizen page needs: the language, its switcher link and the council. */
  async function pageContext(request: FastifyRequest, reply: FastifyReply) {
    const council = await options.council();
    const { locale, t } = localeOf(request, reply, council.profile.features.welsh);
    const path = request.url.split('?')[0] ?? '/';
    const params = new URLSearchParams(request.url.split('?')[1] ?? '');
    params.set('lang', locale === 'en' ? 'cy' : 'en');
    const accountId = options.accounts
      ? await signedInAccountId(options.sessions, request, council.id)
      : undefined;
    return {
      council,
      locale,
      t,
      accounts: Boolean(options.accounts),
      signedIn: Boolean(accountId),
      accountPage: path.startsWith('/account'),
      serviceName: council.profile.branding.serviceName,
      switchLanguageHref: council.profile.features.welsh ? `${path}?${params.toString()}` : null,
    };
  }

  if (options.errorPages) {
    options.errorPages.notFound = async (request, reply) =>
      reply.code(404).view('portal/views/not-found.njk', await pageContext(request, reply));
    // A domain error's own explanation is in English: a Welsh page gives its Welsh general text instead.
    options.errorPages.error = async (request, reply, error) => {
      const page = await pageContext(request, reply);
      return reply.code(error.status).view('portal/views/error.njk', {
        ...page,
        error: { ...error, message: page.locale === 'en' ? error.message : undefined },
      });
    };
  }

  app.get('/', pub, async (request, reply) => {
    const page = await pageContext(request, reply);
    const byCode = new Map((await publishedServices(page.council.id)).map((s) => [s.code, s]));
    const topTasks = page.council.profile.topTasks
      .map((code) => byCode.get(code))
      .filter((s) => s !== undefined);
    return reply.view('portal/views/start.njk', { ...page, topTasks, letters: LETTERS });
  });

  app.get('/services', pub, async (request, reply) => {
    const page = await pageContext(request, reply);
    const raw = String((request.query as Record<string, unknown>).letter ?? 'A').toUpperCase();
    const letter = LETTERS.includes(raw) ? raw : 'A';
    const published = await publishedServices(page.council.id);
    const services = published
      .filter((s) => s.subject.toUpperCase().startsWith(letter))
      .sort((a, b) => a.subject.localeCompare(b.subject, 'en-GB'));
    const available = new Set(published.map((s) => s.subject.charAt(0).toUpperCase()));
    return reply.view('portal/views/a-to-z.njk', {
      ...page,
      letter,
      services,
      letters: LETTERS.map((l) => ({ letter: l, current: l === letter, empty: !available.has(l) })),
    });
  });

  app.get('/search', pub, async (request, reply) => {
    const page = await pageContext(request, reply);
    const q = String((request.query as Record<string, unknown>).q ?? '')
      .trim()
      .slice(0, 200);
    const results = q ? (await catalogue.searchForCitizens(page.council.id, q, 20)).map(toPortalService) : [];
    return reply.view('portal/views/search.njk', { ...page, q, results });
  });

  app.get('/services/:code', pub, async (request, reply) => {
    const page = await pageContext(request, reply);
    const { code } = request.params as { code: string };
    const service = (await publishedServices(page.council.id)).find((s) => s.code === code);
    if (!service) {
      return reply
        .code(404)
        .view('portal/views/not-found.njk', { ...page, message: page.t('service.notFound') });
    }
    // An information page says what the council wrote for it (entries without any are not listed).
    const guidance = service.informationOnly
      ? (await catalogue.get(page.council.id, service.code)).definition.knowledge.webGuidance
          .split(/\n\s*\n/)
          .map((p) => p.trim())
          .filter(Boolean)
      : [];
    const bookable =
      service.interaction === 'booking' &&
      (await options.bookings.resources(page.council.id, service.code, { publicOnly: true })).length > 0;
    return reply.view('portal/views/service.njk', {
      ...page,
      service,
      guidance,
      startHref: bookable
        ? `/services/${service.code}/book`
        : canRequestOnline(service)
          ? `/services/${service.code}/start`
          : null,
      startIsLink: bookable,
    });
  });

  await requestJourneyRoutes(app, {
    catalogue,
    gazetteer: options.gazetteer,
    requests: options.requests,
    requesterEmail: options.requesterEmail,
    sessions: options.sessions,
    uploads: options.uploads,
    mapTileUrl: options.mapTileUrl,
    secureCookies: options.secureCookies,
    pageContext,
    ...(options.accounts && options.selfService
      ? { account: accountDetailsForJourney(options.accounts, options.selfService) }
      : {}),
  });
  if (options.accounts && options.selfService)
    await accountRoutes(app, {
      accounts: options.accounts,
      parties: options.selfService,
      requests: options.requests,
      oidc: options.oidc,
      sessions: options.sessions,
      secureCookies: options.secureCookies,
      pageContext,
    });
  await bookingJourneyRoutes(app, {
    bookings: options.bookings,
    sessions: options.sessions,
    secureCookies: options.secureCookies,
    serviceName: async (councilId, code) =>
      (await publishedServices(councilId)).find((s) => s.code === code)?.name ?? null,
    pageContext,
  });
}
