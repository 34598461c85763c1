import { type AuditContext, recordAudit } from '../../platform/audit/audit.ts';
import type { Executor } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import {
  InvalidServiceDefinition,
  NothingToPublish,
  ServiceCodeTaken,
  ServiceNotFound,
  ServiceVersionNotFound,
} from './catalogue.errors.ts';
import * as repo from './catalogue.repository.ts';
import {
  CHANNELS,
  type Priority,
  type ServiceDefinition,
  type ServiceListQuery,
  type Tier,
} from './catalogue.schemas.ts';
import {
  checkDefinition,
  contentHash,
  searchTerms,
  type TeamDirectory,
  teamDirectory,
  toSource,
} from './definition.ts';
import type { Answers } from './form.ts';
import { guessArea, lgslServices, lgslStockGuidance } from './lgsl.ts';
import { checkEligibility, evaluate, type Facts } from './rules.ts';

export type { FinderRow, ServiceRecord, VersionRecord } from './catalogue.repository.ts';

export interface TeamSource {
  listTeams(councilId: string): Promise<readonly { id: string; name: string; kind: string }[]>;
}

export interface ResponsibleBodyQuery {
  councilId: string;
  serviceCode: string;
  lgsl: number;
  tier: Tier;
  uprn?: string;
  point?: { lat: number; long: number };
}

/**
 * Where a request at a location should go. The gazetteer module provides one (two-tier areas: the
 * district does planning, the county highways); until then, and whenever it returns null, a request
 * goes to the service's routing rules and then its owning team.
 */
export interface ResponsibleBodyResolver {
  responsibleTeam(query: ResponsibleBodyQuery): Promise<string | null>;
}

export interface CatalogueDeps {
  teams: TeamSource;
  responsibleBody?: ResponsibleBodyResolver;
}

export interface ImportItem {
  /** Where it came from, for the report: "waste.yaml#3", "API item 2". */
  source: string;
  definition: unknown;
}

export interface ImportReport {
  created: number;
  newVersions: number;
  unchanged: number;
  rejected: { source: string; code: string | null; errors: FieldError[] }[];
}

export interface ServiceView {
  service: repo.ServiceRecord;
  version: repo.VersionRecord;
  definition: ServiceDefinition;
  owningTeamName: string;
  teams: TeamDirectory;
}

export interface RouteResult {
  teamId: string;
  priority: Priority;
  reason: 'location' | 'answer' | 'owning_team';
}

function header(def: ServiceDefinition): repo.ServiceHeader {
  return {
    name: def.name,
    summary: def.summary,
    lgslCode: def.lgsl,
    lgslLabel: lgslServices().get(def.lgsl)?.label ?? '',
    serviceArea: def.serviceArea,
    functionGroup: def.functionGroup,
    interaction: def.interaction,
    informationOnly: def.informationOnly ?? false,
    placeholder: isPlaceholder(def),
    owningTeamId: def.owningTeam,
    searchTerms: searchTerms(def),
  };
}

/**
 * Whether an entry is only information with nothing of the council's in it: no web guidance, or
 * still the stock LGSL text the import gave it. Citizens are not shown these; staff still find them.
 */
export function isPlaceholder(def: ServiceDefinition): boolean {
  if (!def.informationOnly) return false;
  const guidance = def.knowledge.webGuidance.trim();
  return guidance === '' || guidance === lgslStockGuidance(def.lgsl).slice(0, 6000).trim();
}

/** How close to the best hit's score a citizen search result must be (see `searchForCitizens`). */
const CITIZEN_RELEVANCE = 2 / 3;

/** Words for the finder's full-text query: any may match; the last may be a prefix (typing as you go). */
export function finderQuery(text: string): { text: string; tsquery: string } {
  const clean = text.toLowerCase().replace(/['’]/g, '').slice(0, 200);
  const words = (clean.match(/[a-z0-9]+/g) ?? []).slice(0, 12);
  const terms = words.map((w, i) => (i === words.length - 1 && w.length >= 3 ? `${w}:*` : w));
  return { text: words.join(' '), tsquery: terms.join(' | ') };
}

export function createCatalogueService(db: Executor, deps: CatalogueDeps) {
  async function teams(councilId: string): Promise<TeamDirectory> {
    return teamDirectory(await deps.teams.listTeams(councilId));
  }

  async function requireService(councilId: string, code: string): Promise<repo.ServiceRecord> {
    const service = await repo.findServiceByCode(db, councilId, code);
    if (!service) throw new ServiceNotFound(code);
    return service;
  }

  async function view(councilId: string, code: string, version?: number): Promise<ServiceView> {
    const service = await requireService(councilId, code);
    const wanted = version ?? service.publishedVersion ?? service.latestVersion;
    const record = await repo.findVersion(db, councilId, service.id, wanted);
    if (!record) throw new ServiceVersionNotFound(code, wanted);
    const directory = await teams(councilId);
    return {
      service,
      version: record,
      definition: record.definition,
      owningTeamName: directory.byId.get(record.definition.owningTeam) ?? 'Unknown team',
      teams: directory,
    };
  }

  async function importDefinitions(
    councilId: string,
    items: readonly ImportItem[],
    context: AuditContext,
    options: { publish?: boolean } = {},
  ): Promise<ImportReport> {
    const report = await importInTransaction(councilId, items, context, options);
    if (report.created + report.newVersions > 50) await repo.analyseCatalogue(db);
    return report;
  }

  async function importInTransaction(
    councilId: string,
    items: readonly ImportItem[],
    context: AuditContext,
    options: { publish?: boolean },
  ): Promise<ImportReport> {
    const publish = options.publish ?? true;
    const directory = await teams(councilId);
    const report: ImportReport = { created: 0, newVersions: 0, unchanged: 0, rejected: [] };
    const incomingCodes = items
      .map((i) => (i.definition as { code?: unknown } | null)?.code)
      .filter((c): c is string => typeof c === 'string');
    return inTransaction(db, async (tx) => {
      const existing = new Map((await repo.listCodes(tx, councilId)).map((s) => [s.code, s]));
      const known = new Set([...existing.keys(), ...incomingCodes]);
      const seen = new Set<string>();
      const fresh: { def: ServiceDefinition; hash: string }[] = [];
      for (const item of items) {
        const code = (item.definition as { code?: unknown } | null)?.code;
        const { definition, errors } = checkDefinition(
          item.definition,
          { teams: directory, knownCodes: known },
          'source',
        );
        if (!definition) {
          report.rejected.push({ source: item.source, code: typeof code === 'string' ? code : null, errors });
          continue;
        }
        if (seen.has(definition.code)) {
          report.rejected.push({
            source: item.source,
            code: definition.code,
            errors: [
              { field: 'code', message: `“${definition.code}” appears more than once in this import` },
            ],
          });
          continue;
        }
        seen.add(definition.code);
        const hash = contentHash(definition);
        if (!existing.has(definition.code)) {
          fresh.push({ def: definition, hash });
          continue;
        }
        const service = await repo.lockServiceByCode(tx, councilId, definition.code);
        if (!service) continue;
        const latest = await repo.findVersion(tx, councilId, service.id, service.latestVersion);
        const current =
          service.publishedVersion !== null && service.publishedVersion !== service.latestVersion
            ? await repo.findVersion(tx, councilId, service.id, service.publishedVersion)
            : latest;
        if (current?.contentHash === hash) {
          report.unchanged++;
          continue;
        }
        if (latest?.status === 'draft') {
          report.rejected.push({
            source: item.source,
            code: definition.code,
            errors: [
              {
                field: 'code',
                message: `“${definition.code}” has an unpublished draft (version ${service.latestVersion}); publish or discard it before importing a new version`,
              },
            ],
          });
          continue;
        }
        const version = service.latestVersion + 1;
        // Retire the current version first: at most one version is published at a time.
        if (publish && service.publishedVersion !== null) {
          await repo.setVersionStatus(tx, service.id, service.publishedVersion, 'retired');
        }
        await repo.insertVersions(tx, [
          {
            councilId,
            serviceId: service.id,
            version,
            status: publish ? 'published' : 'draft',
            definition,
            contentHash: hash,
            createdBy: context.actorLabel,
          },
        ]);
        await repo.updateService(tx, service.id, {
          ...(publish || service.publishedVersion === null ? header(definition) : {}),
          status: publish ? 'published' : service.status,
          publishedVersion: publish ? version : service.publishedVersion,
          latestVersion: version,
        });
        report.newVersions++;
      }
      if (fresh.length) {
        const ids = await repo.insertServices(
          tx,
          fresh.map(({ def }) => ({
            councilId,
            code: def.code,
            status: publish ? 'published' : 'draft',
            publishedVersion: publish ? 1 : null,
            latestVersion: 1,
            ...header(def),
          })),
        );
        await repo.insertVersions(
          tx,
          fresh.map(({ def, hash }) => ({
            councilId,
            serviceId: ids.get(def.code) as string,
            version: 1,
            status: publish ? 'published' : 'draft',
            definition: def,
            contentHash: hash,
            createdBy: context.actorLabel,
          })),
        );
        report.created = fresh.length;
      }
      await recordAudit(tx, context, {
        action: 'catalogue.imported',
        subjectType: 'catalogue',
        details: {
          created: report.created,
          newVersions: report.newVersions,
          unchanged: report.unchanged,
          rejected: report.rejected.length,
        },
      });
      return report;
    });
  }

  /**
   * Every LGSL service that no definition covers becomes an information-only service (code
   * `lgsl-<n>`), owned by the front office, so the finder can answer "does the council do X?".
   */
  async function importLgslInformationOnly(
    councilId: string,
    context: AuditContext,
  ): Promise<{ created: number; alreadyCovered: number }> {
    const list = await deps.teams.listTeams(councilId);
    const owner = list.find((t) => t.kind === 'front_office') ?? list[0];
    if (!owner)
      throw new InvalidServiceDefinition([{ field: 'owningTeam', message: 'The council has no teams' }]);
    const definitions: ServiceDefinition[] = [];
    let alreadyCovered = 0;
    await inTransaction(db, async (tx) => {
      const existing = await repo.listCodes(tx, councilId);
      const codes = new Set(existing.map((e) => e.code));
      const covered = new Set(existing.map((e) => e.lgslCode));
      for (const lgsl of lgslServices().values()) {
        if (covered.has(lgsl.code) || codes.has(`lgsl-${lgsl.code}`)) {
          alreadyCovered++;
          continue;
        }
        const { area, functionGroup } = guessArea(lgsl.label);
        const description = lgslStockGuidance(lgsl.code);
        definitions.push({
          code: `lgsl-${lgsl.code}`,
          name: lgsl.label,
          summary: description.slice(0, 1000),
          lgsl: lgsl.code,
          serviceArea: area,
          functionGroup,
          owningTeam: owner.id,
          tier: 'unitary',
          interaction: 'enquiry',
          channels: CHANNELS.filter((c) => c !== 'open311'),
          synonyms: [],
          keywords: [],
          informationOnly: true,
          questions: [],
          routing: {},
          sla: { unit: 'working_days', targets: { normal: 10 } },
          knowledge: {
            agentScript:
              `Information only: Guildhall has no process for this service yet. Tell the caller: ${description} If they need more than information, take a general enquiry for ${owner.name} to pass on.`.slice(
                0,
                4000,
              ),
            webGuidance: description.slice(0, 6000),
            smsText: `${lgsl.label}: contact the council for details.`.slice(0, 160),
          },
        });
      }
      if (definitions.length === 0) return;
      const ids = await repo.insertServices(
        tx,
        definitions.map((def) => ({
          councilId,
          code: def.code,
          status: 'published',
          publishedVersion: 1,
          latestVersion: 1,
          ...header(def),
        })),
      );
      await repo.insertVersions(
        tx,
        definitions.map((def) => ({
          councilId,
          serviceId: ids.get(def.code) as string,
          version: 1,
          status: 'published',
          definition: def,
          contentHash: contentHash(def),
          createdBy: context.actorLabel,
        })),
      );
      await recordAudit(tx, context, {
        action: 'catalogue.lgsl_imported',
        subjectType: 'catalogue',
        details: { created: definitions.length, alreadyCovered },
      });
    });
    if (definitions.length) await repo.analyseCatalogue(db);
    return { created: definitions.length, alreadyCovered };
  }

  async function list(
    councilId: string,
    query: ServiceListQuery & {
      /** False leaves out bare LGSL entries the council has written nothing for (citizen views). */
      placeholders?: boolean;
    },
  ): Promise<{ results: (repo.ServiceRecord & { score?: number })[]; nextCursor: string | null }> {
    // A plain listing returns a large first page by default (500 of about 1,500); a search returns the best 50.
    const limit = query.limit ?? (query.q?.trim() ? 50 : 500);
    const q = query.q?.trim();
    if (q) {
      // Search ranks; it is one page of the best matches, filtered afterwards.
      const hits = await find(councilId, q, Math.min(200, limit * 4), {
        placeholders: query.placeholders !== false,
      });
      const results = hits
        .filter((h) => !query.area || h.serviceArea === query.area)
        .filter((h) => !query.type || h.interaction === query.type)
        .filter((h) => query.informationOnly === undefined || h.informationOnly === query.informationOnly)
        .slice(0, limit);
      return { results, nextCursor: null };
    }
    let after: repo.ServiceFilter['after'];
    if (query.cursor) {
      try {
        const parsed = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) as unknown;
        if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string')
          after = { name: parsed[0], code: parsed[1] };
      } catch {
        after = undefined;
      }
      if (!after) throw new InvalidServiceDefinition([{ field: 'cursor', message: 'cursor is not valid' }]);
    }
    const status = query.status === 'all' ? undefined : (query.status ?? 'published');
    const rows = await repo.listServices(
      db,
      councilId,
      {
        ...(status ? { status } : {}),
        ...(query.area ? { area: query.area } : {}),
        ...(query.type ? { interaction: query.type } : {}),
        ...(query.informationOnly !== undefined ? { informationOnly: query.informationOnly } : {}),
        ...(query.placeholders === false ? { placeholders: false } : {}),
        ...(after ? { after } : {}),
      },
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      results: page,
      nextCursor:
        rows.length > limit && last
          ? Buffer.from(JSON.stringify([last.name, last.code]), 'utf8').toString('base64url')
          : null,
    };
  }

  async function find(
    councilId: string,
    text: string,
    limit = 10,
    options: { placeholders?: boolean } = {},
  ): Promise<repo.FinderRow[]> {
    const q = finderQuery(text);
    if (!q.text) return [];
    return repo.findServices(db, councilId, q.text, q.tsquery, limit, options.placeholders !== false);
  }

  async function saveDraft(
    councilId: string,
    input: unknown,
    context: AuditContext,
    options: { isNew: boolean },
  ): Promise<{ code: string; version: number }> {
    const directory = await teams(councilId);
    const known = new Set((await repo.listCodes(db, councilId)).map((s) => s.code));
    const { definition, errors } = checkDefinition(input, { teams: directory, knownCodes: known }, 'stored');
    if (!definition) throw new InvalidServiceDefinition(errors);
    const hash = contentHash(definition);
    return inTransaction(db, async (tx) => {
      const service = await repo.lockServiceByCode(tx, councilId, definition.code);
      if (options.isNew && service) throw new ServiceCodeTaken(definition.code);
      if (!service) {
        const ids = await repo.insertServices(tx, [
          {
            councilId,
            code: definition.code,
            status: 'draft',
            publishedVersion: null,
            latestVersion: 1,
            ...header(definition),
          },
        ]);
        const serviceId = ids.get(definition.code) as string;
        await repo.insertVersions(tx, [
          {
            councilId,
            serviceId,
            version: 1,
            status: 'draft',
            definition,
            contentHash: hash,
            createdBy: context.actorLabel,
          },
        ]);
        await recordAudit(tx, context, {
          action: 'catalogue.draft_saved',
          subjectType: 'service',
          subjectId: definition.code,
          details: { version: 1 },
        });
        return { code: definition.code, version: 1 };
      }
      const latest = await repo.findVersion(tx, councilId, service.id, service.latestVersion);
      let version = service.latestVersion;
      if (latest?.status === 'draft') {
        await repo.updateDraftVersion(tx, latest.id, definition, hash, context.actorLabel);
      } else {
        version = service.latestVersion + 1;
        await repo.insertVersions(tx, [
          {
            councilId,
            serviceId: service.id,
            version,
            status: 'draft',
            definition,
            contentHash: hash,
            createdBy: context.actorLabel,
          },
        ]);
      }
      await repo.updateService(tx, service.id, {
        ...(service.publishedVersion === null ? header(definition) : {}),
        latestVersion: version,
      });
      await recordAudit(tx, context, {
        action: 'catalogue.draft_saved',
        subjectType: 'service',
        subjectId: definition.code,
        details: { version },
      });
      return { code: definition.code, version };
    });
  }

  async function publish(
    councilId: string,
    code: string,
    context: AuditContext,
  ): Promise<{ version: number }> {
    // Read the teams before the transaction: on embedded PGlite a second connection waits for the first.
    const directory = await teams(councilId);
    return inTransaction(db, async (tx) => {
      const service = await repo.lockServiceByCode(tx, councilId, code);
      if (!service) throw new ServiceNotFound(code);
      const draft = await repo.findVersion(tx, councilId, service.id, service.latestVersion);
      if (draft?.status !== 'draft') throw new NothingToPublish(code);
      // Teams may have changed since the draft was saved; never publish a definition that routes nowhere.
      const { errors } = checkDefinition(draft.definition, { teams: directory }, 'stored');
      if (errors.length) throw new InvalidServiceDefinition(errors);
      if (service.publishedVersion !== null)
        await repo.setVersionStatus(tx, service.id, service.publishedVersion, 'retired');
      await repo.setVersionStatus(tx, service.id, draft.version, 'published');
      await repo.updateService(tx, service.id, {
        ...header(draft.definition),
        status: 'published',
        publishedVersion: draft.version,
      });
      await recordAudit(tx, context, {
        action: 'catalogue.published',
        subjectType: 'service',
        subjectId: code,
        details: { version: draft.version, previous: service.publishedVersion },
      });
      return { version: draft.version };
    });
  }

  async function retire(councilId: string, code: string, context: AuditContext): Promise<void> {
    await inTransaction(db, async (tx) => {
      const service = await repo.lockServiceByCode(tx, councilId, code);
      if (!service) throw new ServiceNotFound(code);
      if (service.publishedVersion !== null)
        await repo.setVersionStatus(tx, service.id, service.publishedVersion, 'retired');
      await repo.deleteDraftVersion(tx, service.id);
      const latest = service.publishedVersion ?? service.latestVersion;
      await repo.updateService(tx, service.id, {
        status: 'retired',
        publishedVersion: null,
        latestVersion: latest,
      });
      await recordAudit(tx, context, {
        action: 'catalogue.retired',
        subjectType: 'service',
        subjectId: code,
        details: { version: service.publishedVersion },
      });
    });
  }

  async function discardDraft(councilId: string, code: string, context: AuditContext): Promise<void> {
    await inTransaction(db, async (tx) => {
      const service = await repo.lockServiceByCode(tx, councilId, code);
      if (!service) throw new ServiceNotFound(code);
      if (service.publishedVersion === null || service.latestVersion === service.publishedVersion)
        throw new NothingToPublish(code);
      await repo.deleteDraftVersion(tx, service.id);
      await repo.updateService(tx, service.id, { latestVersion: service.publishedVersion });
      await recordAudit(tx, context, {
        action: 'catalogue.draft_discarded',
        subjectType: 'service',
        subjectId: code,
      });
    });
  }

  /**
   * Where a request goes: the body responsible at its location (when the service routes by location and
   * a resolver is configured), else the first routing rule whose condition the answers meet, else the
   * owning team.
   */
  async function route(
    councilId: string,
    definition: ServiceDefinition,
    answers: Answers,
    location?: { uprn?: string; point?: { lat: number; long: number } },
  ): Promise<RouteResult> {
    const defaultPriority = definition.sla.defaultPriority ?? 'normal';
    let priority: Priority = defaultPriority;
    let answerTeam: string | undefined;
    for (const rule of definition.routing.rules ?? []) {
      if (evaluate(rule.when, { answers }) === true) {
        answerTeam = rule.team;
        priority = rule.priority ?? defaultPriority;
        break;
      }
    }
    if (definition.routing.byLocation && deps.responsibleBody && (location?.uprn || location?.point)) {
      const team = await deps.responsibleBody.responsibleTeam({
        councilId,
        serviceCode: definition.code,
        lgsl: definition.lgsl,
        tier: definition.tier,
        ...(location.uprn ? { uprn: location.uprn } : {}),
        ...(location.point ? { point: location.point } : {}),
      });
      if (team) return { teamId: team, priority, reason: 'location' };
    }
    if (answerTeam) return { teamId: answerTeam, priority, reason: 'answer' };
    return { teamId: definition.owningTeam, priority, reason: 'owning_team' };
  }

  /**
   * The citizen portal's search: the council's own services only (no bare LGSL entries), and only
   * those that match nearly as well as the best. Every word is ORed in the finder, so "street lamp not
   * working" also matches anything about work; what scores under two thirds of the best is such a
   * stray word, and is left out rather than padding the page.
   */
  async function searchForCitizens(councilId: string, text: string, limit = 20): Promise<repo.FinderRow[]> {
    const hits = await find(councilId, text, Math.max(limit, 50), { placeholders: false });
    const best = hits[0]?.score ?? 0;
    return hits.filter((h) => h.score >= best * CITIZEN_RELEVANCE).slice(0, limit);
  }

  return {
    teams,
    importDefinitions,
    importLgslInformationOnly,
    list,
    find,
    searchForCitizens,
    get: view,
    /** The version an administrator edits: the draft if there is one, else the current version. */
    async editable(councilId: string, code: string): Promise<ServiceView> {
      const service = await requireService(councilId, code);
      return view(councilId, code, service.latestVersion);
    },
    versions: async (councilId: string, code: string) =>
      repo.listVersions(db, councilId, (await requireService(councilId, code)).id),
    saveDraft,
    publish,
    retire,
    discardDraft,
    route,
    areaCounts: (councilId: string) => repo.countByArea(db, councilId),
    async exportDefinitions(councilId: string, options: { includeInformationOnly?: boolean } = {}) {
      const directory = await teams(councilId);
      const defs = await repo.listPublishedDefinitions(
        db,
        councilId,
        options.includeInformationOnly ?? false,
      );
      return defs.map((d) => toSource(d, directory));
    },
    /** The SLA target for a priority, falling back to the normal target. */
    slaTarget(
      definition: ServiceDefinition,
      priority: Priority,
    ): { unit: ServiceDefinition['sla']['unit']; amount: number } {
      return {
        unit: definition.sla.unit,
        amount: definition.sla.targets[priority] ?? definition.sla.targets.normal,
      };
    },
    eligibility: (definition: ServiceDefinition, facts: Facts) =>
      checkEligibility(definition.eligibility, facts),
  };
}

export type CatalogueService = ReturnType<typeof createCatalogueService>;
export type { ServiceStatus } from './catalogue.repository.ts';
