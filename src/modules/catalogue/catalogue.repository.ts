import type { Generated } from 'kysely';
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';
import type { ServiceDefinition } from './catalogue.schemas.ts';

interface CatalogueServiceTable {
  id: Generated<string>;
  council_id: string;
  code: string;
  name: string;
  summary: string;
  lgsl_code: number;
  lgsl_label: string;
  service_area: string;
  function_group: string;
  interaction: string;
  information_only: boolean;
  placeholder: Generated<boolean>;
  owning_team_id: string;
  status: string;
  published_version: number | null;
  latest_version: number;
  search_terms: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

interface CatalogueServiceVersionTable {
  id: Generated<string>;
  council_id: string;
  service_id: string;
  version: number;
  status: string;
  definition: ServiceDefinition;
  content_hash: string;
  created_by: string | null;
  created_at: Generated<Date>;
  published_at: Date | null;
  retired_at: Date | null;
}

type Tables = {
  catalogue_service: CatalogueServiceTable;
  catalogue_service_version: CatalogueServiceVersionTable;
};

const t = (db: Executor) => db.withTables<Tables>();

export type ServiceStatus = 'draft' | 'published' | 'retired';

export interface ServiceHeader {
  name: string;
  summary: string;
  lgslCode: number;
  lgslLabel: string;
  serviceArea: string;
  functionGroup: string;
  interaction: string;
  informationOnly: boolean;
  /** An information-only entry with nothing written by the council (a bare LGSL entry): staff only. */
  placeholder: boolean;
  owningTeamId: string;
  searchTerms: string;
}

export interface ServiceRecord extends ServiceHeader {
  id: string;
  councilId: string;
  code: string;
  status: ServiceStatus;
  publishedVersion: number | null;
  latestVersion: number;
  updatedAt: Date;
}

export interface VersionRecord {
  id: string;
  serviceId: string;
  version: number;
  status: ServiceStatus;
  definition: ServiceDefinition;
  contentHash: string;
  createdBy: string | null;
  createdAt: Date;
  publishedAt: Date | null;
  retiredAt: Date | null;
}

const SERVICE_COLUMNS = [
  'id',
  'council_id',
  'code',
  'name',
  'summary',
  'lgsl_code',
  'lgsl_label',
  'service_area',
  'function_group',
  'interaction',
  'information_only',
  'placeholder',
  'owning_team_id',
  'status',
  'published_version',
  'latest_version',
  'search_terms',
  'updated_at',
] as const;

type ServiceRow = Pick<
  CatalogueServiceTable,
  Exclude<(typeof SERVICE_COLUMNS)[number], 'id' | 'updated_at' | 'placeholder'>
> & {
  id: string;
  placeholder: boolean;
  updated_at: Date;
};

function toService(row: ServiceRow): ServiceRecord {
  return {
    id: row.id,
    councilId: row.council_id,
    code: row.code,
    name: row.name,
    summary: row.summary,
    lgslCode: row.lgsl_code,
    lgslLabel: row.lgsl_label,
    serviceArea: row.service_area,
    functionGroup: row.function_group,
    interaction: row.interaction,
    informationOnly: row.information_only,
    placeholder: row.placeholder,
    owningTeamId: row.owning_team_id,
    status: row.status as ServiceStatus,
    publishedVersion: row.published_version,
    latestVersion: row.latest_version,
    searchTerms: row.search_terms,
    updatedAt: row.updated_at,
  };
}

function headerColumns(h: ServiceHeader) {
  return {
    name: h.name,
    summary: h.summary,
    lgsl_code: h.lgslCode,
    lgsl_label: h.lgslLabel,
    service_area: h.serviceArea,
    function_group: h.functionGroup,
    interaction: h.interaction,
    information_only: h.informationOnly,
    placeholder: h.placeholder,
    owning_team_id: h.owningTeamId,
    search_terms: h.searchTerms,
  };
}

export async function findServiceByCode(
  db: Executor,
  councilId: string,
  code: string,
): Promise<ServiceRecord | undefined> {
  const row = await t(db)
    .selectFrom('catalogue_service')
    .select(SERVICE_COLUMNS)
    .where('council_id', '=', councilId)
    .where('code', '=', code)
    .executeTakeFirst();
  return row ? toService(row) : undefined;
}

/** Locks the service row so that concurrent edits of one service queue behind each other. */
export async function lockServiceByCode(
  db: Executor,
  councilId: string,
  code: string,
): Promise<ServiceRecord | undefined> {
  const row = await t(db)
    .selectFrom('catalogue_service')
    .select(SERVICE_COLUMNS)
    .where('council_id', '=', councilId)
    .where('code', '=', code)
    .forUpdate()
    .executeTakeFirst();
  return row ? toService(row) : undefined;
}

export async function listCodes(
  db: Executor,
  councilId: string,
): Promise<{ code: string; lgslCode: number }[]> {
  const rows = await t(db)
    .selectFrom('catalogue_service')
    .select(['code', 'lgsl_code'])
    .where('council_id', '=', councilId)
    .execute();
  return rows.map((r) => ({ code: r.code, lgslCode: r.lgsl_code }));
}

export interface ServiceFilter {
  status?: ServiceStatus;
  area?: string;
  interaction?: string;
  informationOnly?: boolean;
  /** False leaves out bare LGSL entries the council has written nothing for (citizen views). */
  placeholders?: boolean;
  /** Keyset cursor: the last (name, code) of the previous page. */
  after?: { name: string; code: string };
}

export async function listServices(
  db: Executor,
  councilId: string,
  filter: ServiceFilter,
  limit: number,
): Promise<ServiceRecord[]> {
  let query = t(db)
    .selectFrom('catalogue_service')
    .select(SERVICE_COLUMNS)
    .where('council_id', '=', councilId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.area) query = query.where('service_area', '=', filter.area);
  if (filter.interaction) query = query.where('interaction', '=', filter.interaction);
  if (filter.informationOnly !== undefined)
    query = query.where('information_only', '=', filter.informationOnly);
  if (filter.placeholders === false) query = query.where('placeholder', '=', false);
  if (filter.after) {
    const { name, code } = filter.after;
    query = query.where((eb) =>
      eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('code', '>', code)])]),
    );
  }
  const rows = await query.orderBy('name').orderBy('code').limit(limit).execute();
  return rows.map(toService);
}

export async function countByArea(
  db: Executor,
  councilId: string,
): Promise<{ area: string; processes: number; informationOnly: number }[]> {
  const rows = await t(db)
    .selectFrom('catalogue_service')
    .select((eb) => [
      'service_area',
      eb.fn.countAll<number>().filterWhere('information_only', '=', false).as('processes'),
      eb.fn.countAll<number>().filterWhere('information_only', '=', true).as('information_only'),
    ])
    .where('council_id', '=', councilId)
    .where('status', '=', 'published')
    .groupBy('service_area')
    .orderBy('service_area')
    .execute();
  return rows.map((r) => ({
    area: r.service_area,
    processes: Number(r.processes),
    informationOnly: Number(r.information_only),
  }));
}

export interface FinderRow extends ServiceRecord {
  score: number;
  agentScript: string;
  eligibility: { description: string }[];
}

/**
 * The service finder: full text over name, synonyms, keywords and the LGSL label (any word may match;
 * more and better-placed matches rank higher, and trigram word similarity to the whole phrase breaks
 * ties). Only when no word matches at all does it fall back to trigram similarity, for misspellings:
 * that scan is the expensive part, so the common case never pays for it. Information-only services
 * rank below processes that do the thing.
 */
type FinderSqlRow = ServiceRow & { score: number; agent_script: string | null; eligibility: unknown };

/** The finder's statement, exported so the benchmark can run exactly this SQL raw as its limit. */
export function finderSql(
  councilId: string,
  text: string,
  tsquery: string,
  limit: number,
  placeholders = true,
) {
  return sql<FinderSqlRow>`
    with q as (select to_tsquery('english', ${tsquery}) as tsq),
    -- Rank every word match by full text first (cheap), then refine only the best 50 with trigram
    -- similarity to the whole phrase (dearer), so the cost stays flat as matches grow.
    ranked as (
      select s.id, s.search_text, s.information_only, ts_rank(s.search_vector, q.tsq, 1) * 4 as rank
      from catalogue_service s, q
      where s.council_id = ${councilId} and s.status = 'published' and s.search_vector @@ q.tsq
        and (${placeholders}::boolean or not s.placeholder)
      order by ts_rank(s.search_vector, q.tsq, 1) * (case when s.information_only then 0.55 else 1 end) desc
      limit 50
    ),
    fts as (
      select r.id, (r.rank + word_similarity(${text}, r.search_text))
               * (case when r.information_only then 0.55 else 1 end) as score
      from ranked r
    ),
    fuzzy as (
      select s.id, word_similarity(${text}, s.search_text)
               * (case when s.information_only then 0.55 else 1 end) as score
      from catalogue_service s
      where not exists (select 1 from fts)
        and s.council_id = ${councilId} and s.status = 'published' and ${text} <% s.search_text
        and (${placeholders}::boolean or not s.placeholder)
    ),
    hits as (
      select m.id, m.score, s.name from (select * from fts union all select * from fuzzy) m
      join catalogue_service s on s.id = m.id
      order by m.score desc, s.name
      limit ${limit}
    )
    select s.id, s.council_id, s.code, s.name, s.summary, s.lgsl_code, s.lgsl_label, s.service_area,
           s.function_group, s.interaction, s.information_only, s.owning_team_id, s.status,
           s.published_version, s.latest_version, s.search_terms, s.updated_at, h.score,
           v.definition -> 'knowledge' ->> 'agentScript' as agent_script,
           coalesce(v.definition -> 'eligibility', '[]'::jsonb) as eligibility
    from hits h
    join catalogue_service s on s.id = h.id
    join catalogue_service_version v on v.service_id = s.id and v.version = s.published_version
    order by h.score desc, s.name`;
}

export async function findServices(
  db: Executor,
  councilId: string,
  text: string,
  tsquery: string,
  limit: number,
  placeholders = true,
): Promise<FinderRow[]> {
  const result = await finderSql(councilId, text, tsquery, limit, placeholders).execute(db);
  return result.rows.map((row) => ({
    ...toService(row),
    score: Number(row.score),
    agentScript: row.agent_script ?? '',
    eligibility: Array.isArray(row.eligibility) ? (row.eligibility as { description: string }[]) : [],
  }));
}

/** Fresh planner statistics after a bulk load, so the finder's plans fit the data. */
export async function analyseCatalogue(db: Executor): Promise<void> {
  await sql`analyze catalogue_service`.execute(db);
  await sql`analyze catalogue_service_version`.execute(db);
}

export interface NewService extends ServiceHeader {
  councilId: string;
  code: string;
  status: ServiceStatus;
  publishedVersion: number | null;
  latestVersion: number;
}

export async function insertServices(
  db: Executor,
  services: readonly NewService[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 0; i < services.length; i += 500) {
    const chunk = services.slice(i, i + 500);
    const rows = await t(db)
      .insertInto('catalogue_service')
      .values(
        chunk.map((s) => ({
          council_id: s.councilId,
          code: s.code,
          status: s.status,
          published_version: s.publishedVersion,
          latest_version: s.latestVersion,
          ...headerColumns(s),
        })),
      )
      .returning(['id', 'code'])
      .execute();
    for (const row of rows) ids.set(row.code, row.id);
  }
  return ids;
}

export async function updateService(
  db: Executor,
  id: string,
  changes: Partial<ServiceHeader> & {
    status?: ServiceStatus;
    publishedVersion?: number | null;
    latestVersion?: number;
  },
): Promise<void> {
  const header = changes.name !== undefined ? headerColumns(changes as ServiceHeader) : {};
  await t(db)
    .updateTable('catalogue_service')
    .set({
      ...header,
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.publishedVersion !== undefined ? { published_version: changes.publishedVersion } : {}),
      ...(changes.latestVersion !== undefined ? { latest_version: changes.latestVersion } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export interface NewVersion {
  councilId: string;
  serviceId: string;
  version: number;
  status: ServiceStatus;
  definition: ServiceDefinition;
  contentHash: string;
  createdBy: string | null;
}

export async function insertVersions(db: Executor, versions: readonly NewVersion[]): Promise<void> {
  for (let i = 0; i < versions.length; i += 500) {
    await t(db)
      .insertInto('catalogue_service_version')
      .values(
        versions.slice(i, i + 500).map((v) => ({
          council_id: v.councilId,
          service_id: v.serviceId,
          version: v.version,
          status: v.status,
          definition: JSON.stringify(v.definition) as unknown as ServiceDefinition,
          content_hash: v.contentHash,
          created_by: v.createdBy,
          published_at: v.status === 'published' ? sql<Date>`now()` : null,
        })),
      )
      .execute();
  }
}

const VERSION_COLUMNS = [
  'id',
  'service_id',
  'version',
  'status',
  'definition',
  'content_hash',
  'created_by',
  'created_at',
  'published_at',
  'retired_at',
] as const;

function toVersion(row: {
  id: string;
  service_id: string;
  version: number;
  status: string;
  definition: ServiceDefinition;
  content_hash: string;
  created_by: string | null;
  created_at: Date;
  published_at: Date | null;
  retired_at: Date | null;
}): VersionRecord {
  return {
    id: row.id,
    serviceId: row.service_id,
    version: row.version,
    status: row.status as ServiceStatus,
    definition: row.definition,
    contentHash: row.content_hash,
    createdBy: row.created_by,
    createdAt: row.created_at,
    publishedAt: row.published_at,
    retiredAt: row.retired_at,
  };
}

export async function findVersion(
  db: Executor,
  councilId: string,
  serviceId: string,
  version: number,
): Promise<VersionRecord | undefined> {
  const row = await t(db)
    .selectFrom('catalogue_service_version')
    .select(VERSION_COLUMNS)
    .where('council_id', '=', councilId)
    .where('service_id', '=', serviceId)
    .where('version', '=', version)
    .executeTakeFirst();
  return row ? toVersion(row) : undefined;
}

export async function listVersions(
  db: Executor,
  councilId: string,
  serviceId: string,
): Promise<VersionRecord[]> {
  const rows = await t(db)
    .selectFrom('catalogue_service_version')
    .select(VERSION_COLUMNS)
    .where('council_id', '=', councilId)
    .where('service_id', '=', serviceId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map(toVersion);
}

/** The published definitions of many services at once, for export. */
export async function listPublishedDefinitions(
  db: Executor,
  councilId: string,
  includeInformationOnly: boolean,
): Promise<ServiceDefinition[]> {
  let query = t(db)
    .selectFrom('catalogue_service_version as v')
    .innerJoin('catalogue_service as s', (j) =>
      j.onRef('s.id', '=', 'v.service_id').onRef('s.published_version', '=', 'v.version'),
    )
    .select('v.definition')
    .where('s.council_id', '=', councilId);
  if (!includeInformationOnly) query = query.where('s.information_only', '=', false);
  const rows = await query.orderBy('s.code').execute();
  return rows.map((r) => r.definition);
}

export async function updateDraftVersion(
  db: Executor,
  id: string,
  definition: ServiceDefinition,
  contentHash: string,
  createdBy: string | null,
): Promise<void> {
  await t(db)
    .updateTable('catalogue_service_version')
    .set({
      definition: JSON.stringify(definition) as unknown as ServiceDefinition,
      content_hash: contentHash,
      created_by: createdBy,
      created_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .execute();
}

export async function setVersionStatus(
  db: Executor,
  serviceId: string,
  version: number,
  status: ServiceStatus,
): Promise<void> {
  await t(db)
    .updateTable('catalogue_service_version')
    .set({
      status,
      ...(status === 'published' ? { published_at: sql<Date>`now()` } : {}),
      ...(status === 'retired' ? { retired_at: sql<Date>`now()` } : {}),
    })
    .where('service_id', '=', serviceId)
    .where('version', '=', version)
    .execute();
}

export async function deleteDraftVersion(db: Executor, serviceId: string): Promise<void> {
  await t(db)
    .deleteFrom('catalogue_service_version')
    .where('service_id', '=', serviceId)
    .where('status', '=', 'draft')
    .execute();
}
