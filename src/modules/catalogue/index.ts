import { ttlCache } from '../../platform/cache/ttl-cache.ts';
import type { NavItem, SearchProvider } from '../../platform/search/search.ts';
import { INTERACTION_LABELS, type InteractionType } from './catalogue.schemas.ts';
import type { CatalogueService, ServiceRecord } from './catalogue.service.ts';

export {
  InvalidServiceDefinition,
  NothingToPublish,
  ServiceCodeTaken,
  ServiceNotFound,
  ServiceVersionNotFound,
} from './catalogue.errors.ts';
export { importLibraryDirectory, readLibraryDirectory, STARTER_LIBRARY_DIR } from './catalogue.files.ts';
export { type CatalogueRouteOptions, catalogueRoutes, rawFrom } from './catalogue.routes.ts';
export {
  CHANNELS,
  type Condition,
  INTERACTION_LABELS,
  INTERACTION_TYPES,
  type InteractionType,
  PRIORITIES,
  type Priority,
  QUESTION_TYPES,
  type Question,
  type QuestionType,
  SERVICE_AREAS,
  type ServiceArea,
  type ServiceDefinition,
} from './catalogue.schemas.ts';
export type {
  CatalogueDeps,
  CatalogueService,
  ImportItem,
  ImportReport,
  ResponsibleBodyQuery,
  ResponsibleBodyResolver,
  RouteResult,
  ServiceRecord,
  ServiceView,
  VersionRecord,
} from './catalogue.service.ts';
export { createCatalogueService } from './catalogue.service.ts';
export {
  type Answers,
  type CheckAnswersRow,
  checkAnswersRows,
  displayAnswer,
  type FormPage,
  formPages,
  isShown,
  type Open311Attribute,
  toOpen311Attributes,
  toRawAnswers,
  validateAnswers,
  validatePage,
  visiblePages,
} from './form.ts';
export { checkEligibility, type EligibilityOutcome, evaluate, type Facts } from './rules.ts';

export const catalogueNavigation: readonly NavItem[] = [
  { href: '/staff/services/find', text: 'Find a service', permission: 'catalogue.read' },
  { href: '/staff/admin/services', text: 'Service catalogue', permission: 'catalogue.manage' },
];

/** Lets staff find a council service from the header search box. */
export function serviceSearchProvider(service: CatalogueService): SearchProvider {
  return {
    id: 'services',
    title: 'Council services',
    permission: 'catalogue.read',
    async search(principal, query, limit) {
      const hits = await service.find(principal.councilId, query, Math.min(limit, 8));
      const top = hits[0]?.score ?? 1;
      return hits.map((h) => ({
        title: h.name,
        href: `/staff/services/${encodeURIComponent(h.code)}`,
        summary: [
          h.serviceArea,
          INTERACTION_LABELS[h.interaction as InteractionType] ?? h.interaction,
          `LGSL ${h.lgslCode}`,
          h.informationOnly ? 'information only' : '',
        ]
          .filter(Boolean)
          .join(' · '),
        reason: h.informationOnly ? 'Service list entry matches' : 'Service matches',
        // Scale into the 0–0.5 band so people and cases found by name still come first.
        score: 0.5 * (h.score / top),
      }));
    },
  };
}

/**
 * Finds services by code or by name, as an agent types them (any case, spaces collapsed): for other
 * modules that let staff name a service, such as the contacts recorded by an agent. Keyed by each value
 * as given; a value that names no service is missing. Where two services share a name, a published
 * service people can request beats an information entry. The council's list is kept a minute and
 * read again when a value is not in it, so a service created a moment ago is still found.
 */
export function serviceLookup(
  service: CatalogueService,
): (
  councilId: string,
  codesOrNames: readonly string[],
) => Promise<Map<string, { code: string; name: string }>> {
  type Directory = {
    byCode: Map<string, { code: string; name: string }>;
    byName: Map<string, { code: string; name: string }>;
  };
  const nameKey = (value: string) => value.trim().replace(/\s+/g, ' ').toLowerCase();
  const rank = (s: ServiceRecord) => (s.status === 'published' ? 0 : 2) + (s.informationOnly ? 1 : 0);
  const directories = ttlCache(60_000, async (councilId: string): Promise<Directory> => {
    const all: ServiceRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.list(councilId, {
        status: 'all',
        limit: 2000,
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.results);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const byCode = new Map<string, { code: string; name: string }>();
    const byName = new Map<string, { code: string; name: string }>();
    for (const s of all.sort((a, b) => rank(a) - rank(b))) {
      byCode.set(s.code, { code: s.code, name: s.name });
      if (!byName.has(nameKey(s.name))) byName.set(nameKey(s.name), { code: s.code, name: s.name });
    }
    return { byCode, byName };
  });
  const find = (d: Directory, value: string) => d.byCode.get(value.trim()) ?? d.byName.get(nameKey(value));
  return async (councilId, codesOrNames) => {
    let directory = await directories.get(councilId);
    if (codesOrNames.some((v) => !find(directory, v))) {
      directories.forget(councilId);
      directory = await directories.get(councilId);
    }
    const found = new Map<string, { code: string; name: string }>();
    for (const value of codesOrNames) {
      const match = find(directory, value);
      if (match) found.set(value, match);
    }
    return found;
  };
}
