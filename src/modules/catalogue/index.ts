import type { NavItem, SearchProvider } from '../../platform/search/search.ts';
import { INTERACTION_LABELS, type InteractionType } from './catalogue.schemas.ts';
import type { CatalogueService } from './catalogue.service.ts';

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
