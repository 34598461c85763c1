import { type RawBuilder, sql } from 'kysely';
import { type CopyIn, openCopyIn } from '../../platform/db/copy.ts';
import type { Executor } from '../../platform/db/database.ts';
import { type StagedColumns, type StagedRecord, toColumns } from './gazetteer.addressbase.ts';

/**
 * All SQL of the gazetteer. Most of it is raw SQL: the import moves records set-wise between the
 * staging table and the record tables, and the searches are easier to read (and tune) as SQL.
 */

// ---------------------------------------------------------------------------------------------
// Staging and applying AddressBase supplies

export async function stageRecords(db: Executor, importId: string, records: StagedRecord[]): Promise<void> {
  await stageColumns(db, importId, toColumns(records));
}

export async function stageColumns(db: Executor, importId: string, c: StagedColumns): Promise<void> {
  if (c.lines.length === 0) return;
  await sql`insert into gazetteer_staging_record (import_id, line, record_type, change_type, record_key, owner_key, fields)
    select ${importId}::uuid, l, t, c, k, o, string_to_array(f, chr(31))
    from unnest(${c.lines}::int[], ${c.types}::smallint[], ${c.changes}::text[], ${c.keys}::text[], ${c.owners}::bigint[], ${c.fields}::text[])
      as s(l, t, c, k, o, f)`.execute(db);
}

/**
 * One COPY into staging for the whole file (rows from `toCopyRows`), or null on the embedded
 * database, which stages with `stageColumns` instead.
 */
export async function openStagingCopy(db: Executor): Promise<CopyIn | null> {
  return openCopyIn(
    db,
    'copy gazetteer_staging_record (import_id, line, record_type, change_type, record_key, owner_key, fields) from stdin',
  );
}

export async function deleteStaging(db: Executor, importId: string): Promise<void> {
  await sql`delete from gazetteer_staging_record where import_id = ${importId}::uuid`.execute(db);
}

/** Staging rows left behind by imports that are no longer running (a crash, a killed process). */
export async function deleteAbandonedStaging(db: Executor): Promise<void> {
  await sql`delete from gazetteer_staging_record s where not exists (
      select 1 from gazetteer_import i where i.id = s.import_id and i.status = 'running'
        and i.started_at > now() - interval '1 day')`.execute(db);
}

export interface OrphanRow {
  line: number;
  record_type: number;
  record_key: string;
  owner_key: number;
}

/**
 * Staged records (other than deletions) whose UPRN has no BLPU, neither in this supply nor — for
 * a change-only supply — in the live gazetteer. They are removed from staging and returned.
 */
export async function removeOrphans(
  db: Executor,
  importId: string,
  councilId: string,
  mode: 'full' | 'change',
): Promise<OrphanRow[]> {
  const live =
    mode === 'change'
      ? sql`or exists (select 1 from gazetteer_blpu b where b.council_id = ${councilId}::uuid and b.uprn = s.owner_key)`
      : sql``;
  const result = await sql<OrphanRow>`
    with blpus as (
      select distinct on (record_key) owner_key, change_type from gazetteer_staging_record
      where import_id = ${importId}::uuid and record_type = 21 order by record_key, line desc
    )
    delete from gazetteer_staging_record s
    where s.import_id = ${importId}::uuid and s.record_type in (23, 24, 31, 32) and s.change_type <> 'D'
      and not (
        exists (select 1 from blpus where blpus.owner_key = s.owner_key and blpus.change_type <> 'D')
        ${live}
      )
    returning s.line, s.record_type, s.record_key, s.owner_key`.execute(db);
  return result.rows.sort((a, b) => a.line - b.line);
}

/** How many staged LPIs name a USRN that has no street descriptor (their address lacks a street). */
export async function countLpisWithoutStreet(
  db: Executor,
  importId: string,
  councilId: string,
): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from gazetteer_staging_record s
    where s.import_id = ${importId}::uuid and s.record_type = 24 and s.change_type <> 'D'
      and not exists (select 1 from gazetteer_staging_record d where d.import_id = s.import_id
                      and d.record_type = 15 and d.owner_key = s.fields[22]::bigint and d.change_type <> 'D')
      and not exists (select 1 from gazetteer_street_descriptor g where g.council_id = ${councilId}::uuid
                      and g.usrn = s.fields[22]::bigint)`.execute(db);
  return result.rows[0]?.n ?? 0;
}

const n = (i: number) => `nullif(s.fields[${i}], '')`;

interface RecordTableSpec {
  table: string;
  recordType: number;
  /** How the live row's key compares with the staged record_key. */
  keyMatch: string;
  columns: string[];
  values: string[];
}

const RECORD_TABLES: RecordTableSpec[] = [
  {
    table: 'gazetteer_street',
    recordType: 11,
    keyMatch: 't.usrn = k.record_key::bigint',
    columns: [
      'usrn',
      'record_type',
      'naming_authority',
      'state',
      'state_date',
      'surface',
      'classification',
      'version',
      'start_date',
      'end_date',
      'last_update_date',
      'entry_date',
      'start_easting',
      'start_northing',
      'end_easting',
      'end_northing',
      'tolerance',
    ],
    values: [
      `${n(4)}::bigint`,
      `${n(5)}::smallint`,
      `${n(6)}::int`,
      `${n(7)}::smallint`,
      `${n(8)}::date`,
      `${n(9)}::smallint`,
      `${n(10)}::smallint`,
      `${n(11)}::int`,
      `${n(12)}::date`,
      `${n(13)}::date`,
      `${n(14)}::date`,
      `${n(15)}::date`,
      `${n(16)}::float8`,
      `${n(17)}::float8`,
      `${n(20)}::float8`,
      `${n(21)}::float8`,
      `${n(24)}::int`,
    ],
  },
  {
    table: 'gazetteer_street_descriptor',
    recordType: 15,
    keyMatch: `t.usrn || ':' || t.language = k.record_key`,
    columns: [
      'usrn',
      'description',
      'locality',
      'town',
      'administrative_area',
      'language',
      'start_date',
      'end_date',
      'last_update_date',
      'entry_date',
    ],
    values: [
      `${n(4)}::bigint`,
      `s.fields[5]`,
      n(6),
      n(7),
      n(8),
      `coalesce(${n(9)}, 'ENG')`,
      `${n(10)}::date`,
      `${n(11)}::date`,
      `${n(12)}::date`,
      `${n(13)}::date`,
    ],
  },
  {
    table: 'gazetteer_blpu',
    recordType: 21,
    keyMatch: 't.uprn = k.record_key::bigint',
    columns: [
      'uprn',
      'logical_status',
      'state',
      'state_date',
      'parent_uprn',
      'easting',
      'northing',
      'lat',
      'long',
      'rpc',
      'local_custodian_code',
      'country',
      'start_date',
      'end_date',
      'last_update_date',
      'entry_date',
      'postal_address',
      'postcode',
      'multi_occ_count',
    ],
    values: [
      `${n(4)}::bigint`,
      `${n(5)}::smallint`,
      `${n(6)}::smallint`,
      `${n(7)}::date`,
      `${n(8)}::bigint`,
      `${n(9)}::float8`,
      `${n(10)}::float8`,
      `${n(11)}::float8`,
      `${n(12)}::float8`,
      `${n(13)}::smallint`,
      `${n(14)}::int`,
      n(15),
      `${n(16)}::date`,
      `${n(17)}::date`,
      `${n(18)}::date`,
      `${n(19)}::date`,
      n(20),
      `upper(${n(21)})`,
      `${n(22)}::int`,
    ],
  },
  {
    table: 'gazetteer_xref',
    recordType: 23,
    keyMatch: 't.xref_key = k.record_key',
    columns: [
      'uprn',
      'xref_key',
      'cross_reference',
      'version',
      'source',
      'start_date',
      'end_date',
      'last_update_date',
      'entry_date',
    ],
    values: [
      `${n(4)}::bigint`,
      's.fields[5]',
      's.fields[6]',
      `${n(7)}::int`,
      's.fields[8]',
      `${n(9)}::date`,
      `${n(10)}::date`,
      `${n(11)}::date`,
      `${n(12)}::date`,
    ],
  },
  {
    table: 'gazetteer_lpi',
    recordType: 24,
    keyMatch: 't.lpi_key = k.record_key',
    columns: [
      'uprn',
      'lpi_key',
      'language',
      'logical_status',
      'start_date',
      'end_date',
      'last_update_date',
      'entry_date',
      'sao_start_number',
      'sao_start_suffix',
      'sao_end_number',
      'sao_end_suffix',
      'sao_text',
      'pao_start_number',
      'pao_start_suffix',
      'pao_end_number',
      'pao_end_suffix',
      'pao_text',
      'usrn',
      'usrn_match_indicator',
      'area_name',
      'level',
      'official_flag',
    ],
    values: [
      `${n(4)}::bigint`,
      's.fields[5]',
      `coalesce(${n(6)}, 'ENG')`,
      `${n(7)}::smallint`,
      `${n(8)}::date`,
      `${n(9)}::date`,
      `${n(10)}::date`,
      `${n(11)}::date`,
      `${n(12)}::int`,
      n(13),
      `${n(14)}::int`,
      n(15),
      n(16),
      `${n(17)}::int`,
      n(18),
      `${n(19)}::int`,
      n(20),
      n(21),
      `${n(22)}::bigint`,
      n(23),
      n(24),
      n(25),
      n(26),
    ],
  },
  {
    table: 'gazetteer_organisation',
    recordType: 31,
    keyMatch: 't.org_key = k.record_key',
    columns: [
      'uprn',
      'org_key',
      'organisation',
      'legal_name',
      'start_date',
      'end_date',
      'last_update_date',
      'entry_date',
    ],
    values: [
      `${n(4)}::bigint`,
      's.fields[5]',
      's.fields[6]',
      n(7),
      `${n(8)}::date`,
      `${n(9)}::date`,
      `${n(10)}::date`,
      `${n(11)}::date`,
    ],
  },
  {
    table: 'gazetteer_classification',
    recordType: 32,
    keyMatch: 't.class_key = k.record_key',
    columns: [
      'uprn',
      'class_key',
      'classification_code',
      'class_scheme',
      'scheme_version',
      'start_date',
      'end_date',
      'last_update_date',
      'entry_date',
    ],
    values: [
      `${n(4)}::bigint`,
      's.fields[5]',
      's.fields[6]',
      n(7),
      n(8),
      `${n(9)}::date`,
      `${n(10)}::date`,
      `${n(11)}::date`,
      `${n(12)}::date`,
    ],
  },
];

export const GAZETTEER_RECORD_TABLES = RECORD_TABLES.map((t) => t.table);

export type AppliedCounts = Record<string, { upserted: number; deleted: number }>;

/** The last staged line of each key of one record type ("staged" rows with change_type, fields). */
const lastOfEachKey = (importId: string, recordType: number) => sql`(
    select distinct on (k) change_type, fields from (
      select record_key collate "C" as k, line, change_type, fields from gazetteer_staging_record
      where import_id = ${importId}::uuid and record_type = ${recordType}) r
    order by k, line desc) s`;

// The last line of each key wins. Keys sort bytewise ("C"): the same order for this purpose, and much
// quicker than the database's language collation over millions of keys.
const insertStaged = (spec: RecordTableSpec, table: string, importId: string, councilId: string) =>
  sql`insert into ${sql.table(table)} (council_id, ${sql.raw(spec.columns.join(', '))})
    select ${councilId}::uuid, ${sql.raw(spec.values.join(', '))}
    from ${lastOfEachKey(importId, spec.recordType)} where s.change_type <> 'D'`;

/**
 * Applies a change-only supply to the live record tables, inside the import's transaction: each key
 * it names is deleted, then inserted again unless its last line is a deletion.
 */
export async function applyChanges(
  tx: Executor,
  importId: string,
  councilId: string,
  lap: (step: string) => void = () => {},
): Promise<AppliedCounts> {
  const counts: AppliedCounts = {};
  for (const spec of RECORD_TABLES) {
    const result = await sql`delete from ${sql.table(spec.table)} t
      using (select distinct record_key from gazetteer_staging_record
             where import_id = ${importId}::uuid and record_type = ${spec.recordType}) k
      where t.council_id = ${councilId}::uuid and ${sql.raw(spec.keyMatch)}`.execute(tx);
    const inserted = await insertStaged(spec, spec.table, importId, councilId).execute(tx);
    counts[spec.table] = {
      upserted: Number(inserted.numAffectedRows ?? 0),
      deleted: Number(result.numAffectedRows ?? 0),
    };
    lap(spec.table);
  }
  // A BLPU that is gone takes its addresses and other records with it.
  for (const table of [
    'gazetteer_lpi',
    'gazetteer_xref',
    'gazetteer_organisation',
    'gazetteer_classification',
  ]) {
    await sql`delete from ${sql.table(table)} t
      where t.council_id = ${councilId}::uuid and not exists (
        select 1 from gazetteer_blpu b where b.council_id = t.council_id and b.uprn = t.uprn)
      and t.uprn in (select owner_key from gazetteer_staging_record
                     where import_id = ${importId}::uuid and record_type = 21 and change_type = 'D')`.execute(
      tx,
    );
  }
  return counts;
}

/**
 * The search row of each LPI whose UPRN is in `uprns` (all of the council's when not given). Joins
 * rather than per-row subqueries, so that rebuilding a million rows is a few hash joins. A Welsh LPI
 * takes the Welsh street name when there is one. The search text is gazetteer_search_text of the
 * whole address, built from the search words of its parts (migration 0019): each street, postcode
 * and organisation is normalised once rather than once per address.
 */
const addressSelect = (councilId: string, uprns?: RawBuilder<unknown>, suffix = '') => {
  const t = (table: string) => sql.table(`${table}${suffix}`);
  const only = (column: string) => (uprns ? sql`and ${sql.ref(column)} in ${uprns}` : sql``);
  const street = sql`select usrn, language, description, locality, town,
      gazetteer_search_words(description) as description_words,
      gazetteer_search_words(locality) as locality_words, gazetteer_search_words(town) as town_words
    from ${t('gazetteer_street_descriptor')} where council_id = ${councilId}::uuid`;
  return sql`
  select l.council_id, l.lpi_key, l.uprn, l.usrn, l.logical_status, l.language,
    nullif(upper(replace(b.postcode, ' ', '')), ''),
    ' ' || concat_ws(' ', o.words, gazetteer_search_words(l.sao_text), abs(l.sao_start_number)::text,
      gazetteer_search_words(l.sao_start_suffix), abs(l.sao_end_number)::text,
      gazetteer_search_words(l.sao_end_suffix), gazetteer_search_words(l.pao_text),
      abs(l.pao_start_number)::text, gazetteer_search_words(l.pao_start_suffix),
      abs(l.pao_end_number)::text, gazetteer_search_words(l.pao_end_suffix),
      case when d.description is not null then d.description_words else de.description_words end,
      case when d.locality is not null then d.locality_words else de.locality_words end,
      case when d.town is not null then d.town_words else de.town_words end,
      p.words) || ' ',
    lower(concat_ws(' ', coalesce(d.description, de.description), coalesce(d.locality, de.locality))) || ' '
      || lpad(coalesce(l.pao_start_number, 0)::text, 6, '0') || coalesce(lower(l.pao_start_suffix), '') || ' '
      || coalesce(lower(l.pao_text), '') || ' '
      || lpad(coalesce(l.sao_start_number, substring(l.sao_text from '\\d{1,6}')::int, 0)::text, 6, '0') || ' '
      || coalesce(lower(l.sao_text), '')
  from ${t('gazetteer_lpi')} l
  join ${t('gazetteer_blpu')} b on b.council_id = l.council_id and b.uprn = l.uprn
  left join (${street}) d on d.usrn = l.usrn and d.language = l.language
  left join (${street} and language = 'ENG') de on de.usrn = l.usrn
  left join (
    select postcode, gazetteer_search_words(postcode) as words from (
      select distinct postcode from ${t('gazetteer_blpu')} where council_id = ${councilId}::uuid ${only('uprn')}) x
  ) p on p.postcode = b.postcode
  left join (
    select uprn, gazetteer_search_words(string_agg(organisation, ' ')) as words from ${t('gazetteer_organisation')}
    where council_id = ${councilId}::uuid and end_date is null ${only('uprn')} group by uprn) o on o.uprn = l.uprn
  where l.council_id = ${councilId}::uuid and l.logical_status in (1, 3) and b.logical_status <> 8
    ${only('l.uprn')}`;
};

const ADDRESS_COLUMNS = sql`(council_id, lpi_key, uprn, usrn, logical_status, language, postcode_key, search_text, sort_key)`;

/** A table built beside a live one (`<table>_next`, committed) and waiting to take its place. */
export interface PreparedTable {
  table: string;
  indexes: { name: string; isPrimary: boolean }[];
}

/** Runs the tasks at most `lanes` at a time (each on its own pooled connection). */
async function inLanes(lanes: number, tasks: (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) await (tasks[next++] as () => Promise<void>)();
  };
  await Promise.all(Array.from({ length: Math.min(lanes, tasks.length) }, lane));
}

/**
 * Builds the council's new rows of a table for a full supply beside the live table, outside any
 * transaction, so that its indexes can be built on two connections at once. Inserting a million rows
 * under live indexes (text keys, GiST, GIN) is slow, so the rows go into `<table>_next` without
 * indexes (with the other councils' rows copied across), then its indexes are built (each index the
 * migrations define on the table, read from the catalogue) and it is analysed. Readers keep reading
 * the live table; `swapPreparedTables` puts it in place in the import's transaction.
 */
async function prepareTable(
  db: Executor,
  table: string,
  councilId: string,
  fill: (next: string) => Promise<number>,
  lap: (step: string) => void,
  lanes: number,
): Promise<{ count: number; prepared: PreparedTable }> {
  const next = `${table}_next`;
  await sql`drop table if exists ${sql.table(next)}`.execute(db);
  await sql`create table ${sql.table(next)}
    (like ${sql.table(table)} including defaults including constraints including generated)`.execute(db);
  // Other councils' rows, every column but the generated ones (which the new table computes).
  const columns = await sql<{
    list: string;
  }>`select string_agg(quote_ident(attname), ', ' order by attnum) as list
    from pg_attribute where attrelid = ${table}::regclass and attnum > 0 and not attisdropped
      and attgenerated = ''`.execute(db);
  const list = sql.raw(columns.rows[0]?.list ?? '*');
  await sql`insert into ${sql.table(next)} (${list}) select ${list} from ${sql.table(table)}
    where council_id <> ${councilId}::uuid`.execute(db);
  const count = await fill(next);
  lap(`${table}: load`);
  const indexes = await sql<{ name: string; definition: string; is_primary: boolean }>`
    select i.relname as name, pg_get_indexdef(i.oid) as definition, x.indisprimary as is_primary
    from pg_index x join pg_class i on i.oid = x.indexrelid
    where x.indrelid = ${table}::regclass order by i.relname`.execute(db);
  const on = new RegExp(`^(CREATE (?:UNIQUE )?INDEX )(\\S+)( ON (?:\\S+\\.)?)${table} `);
  const builds = indexes.rows.map((index) => async () => {
    const definition = index.definition.replace(on, `$1$2_next$3${next} `);
    if (!definition.includes(`_next ON `)) throw new Error(`cannot rebuild index ${index.name}`);
    // More memory for the build (GIN above all) means fewer passes; set on the connection that builds.
    await db.connection().execute(async (connection) => {
      await sql`set maintenance_work_mem = '512MB'`.execute(connection);
      try {
        await sql.raw(definition).execute(connection);
      } finally {
        await sql`reset maintenance_work_mem`.execute(connection);
      }
    });
    lap(`${table}: index ${index.name}`);
  });
  await inLanes(lanes, builds);
  for (const index of indexes.rows.filter((i) => i.is_primary)) {
    await sql`alter table ${sql.table(next)} add constraint ${sql.id(`${index.name}_next`)}
      primary key using index ${sql.id(`${index.name}_next`)}`.execute(db);
  }
  await sql`alter table ${sql.table(next)} add constraint ${sql.id(`${table}_council_id_fkey_next`)}
    foreign key (council_id) references council (id)`.execute(db);
  await sql`analyze ${sql.table(next)}`.execute(db);
  lap(`${table}: constraints and analyze`);
  return {
    count,
    prepared: { table, indexes: indexes.rows.map((i) => ({ name: i.name, isPrimary: i.is_primary })) },
  };
}

/** Drops tables left prepared by a full supply that failed (or by a process that died). */
export async function dropPreparedTables(db: Executor): Promise<void> {
  for (const table of [...GAZETTEER_RECORD_TABLES, 'gazetteer_address']) {
    await sql`drop table if exists ${sql.table(`${table}_next`)}`.execute(db);
  }
}

/**
 * Prepares a full supply: each record table, then the search table built from them, as
 * `<table>_next` (committed, but unseen by readers). Call outside a transaction, holding
 * `lockGazetteerImports`. Returns what was written and what to swap in.
 */
export async function prepareFullSupply(
  db: Executor,
  importId: string,
  councilId: string,
  lap: (step: string) => void = () => {},
): Promise<{ counts: AppliedCounts; addresses: number; prepared: PreparedTable[] }> {
  const counts: AppliedCounts = {};
  const prepared: PreparedTable[] = [];
  await dropPreparedTables(db);
  // Two tables at a time, so that the big ones (BLPU, LPI, classification) share the cores.
  await inLanes(
    2,
    RECORD_TABLES.map((spec) => async () => {
      const before = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(spec.table)}
        where council_id = ${councilId}::uuid`.execute(db);
      const result = await prepareTable(
        db,
        spec.table,
        councilId,
        async (next) =>
          Number((await insertStaged(spec, next, importId, councilId).execute(db)).numAffectedRows ?? 0),
        lap,
        1,
      );
      counts[spec.table] = { upserted: result.count, deleted: before.rows[0]?.n ?? 0 };
      prepared.push(result.prepared);
    }),
  );
  // The search rows, from the new record tables; their seven indexes (two of them GIN) two at a time.
  const address = await prepareTable(
    db,
    'gazetteer_address',
    councilId,
    async (next) => {
      const rows = addressSelect(councilId, undefined, '_next');
      const result = await sql`insert into ${sql.table(next)} ${ADDRESS_COLUMNS} ${rows}`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    },
    lap,
    2,
  );
  prepared.push(address.prepared);
  // In the order of the record tables, whichever lane finished first.
  const ordered: AppliedCounts = {};
  for (const spec of RECORD_TABLES) ordered[spec.table] = counts[spec.table] ?? { upserted: 0, deleted: 0 };
  return { counts: ordered, addresses: address.count, prepared };
}

/**
 * Puts prepared tables in place of the live ones (drop, rename) in the import's transaction. Readers
 * see the old tables until the commit and the new ones after it.
 */
export async function swapPreparedTables(tx: Executor, prepared: PreparedTable[]): Promise<void> {
  for (const { table, indexes } of prepared) {
    await sql`drop table ${sql.table(table)}`.execute(tx);
    await sql`alter table ${sql.table(`${table}_next`)} rename to ${sql.id(table)}`.execute(tx);
    for (const index of indexes) {
      await sql`alter index ${sql.id(`${index.name}_next`)} rename to ${sql.id(index.name)}`.execute(tx);
    }
    await sql`alter table ${sql.table(table)} rename constraint ${sql.id(`${table}_council_id_fkey_next`)}
      to ${sql.id(`${table}_council_id_fkey`)}`.execute(tx);
  }
}

/**
 * Lets one AddressBase import at a time apply, for any council: a full supply copies the other
 * councils' rows across, so nothing else may change them meanwhile. The lock is held by a connection
 * of its own until `work` ends.
 */
export async function lockGazetteerImports<T>(db: Executor, work: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(hashtext('gazetteer:import'))`.execute(connection);
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(hashtext('gazetteer:import'))`.execute(connection);
    }
  });
}

/** Rebuilds the search rows of the properties a change-only supply touched. */
export async function rebuildChangedAddresses(
  tx: Executor,
  importId: string,
  councilId: string,
): Promise<number> {
  const affected = sql`(
    select owner_key from gazetteer_staging_record
      where import_id = ${importId}::uuid and record_type in (21, 24, 31)
    union
    select l.uprn from gazetteer_lpi l
      where l.council_id = ${councilId}::uuid and l.usrn in (
        select owner_key from gazetteer_staging_record where import_id = ${importId}::uuid and record_type in (11, 15)))`;
  await sql`delete from gazetteer_address where council_id = ${councilId}::uuid and uprn in ${affected}`.execute(
    tx,
  );
  const result =
    await sql`insert into gazetteer_address ${ADDRESS_COLUMNS} ${addressSelect(councilId, affected)}`.execute(
      tx,
    );
  return Number(result.numAffectedRows ?? 0);
}

/** How much gazetteer the council has. */
export async function countGazetteer(
  db: Executor,
  councilId: string,
): Promise<{ streets: number; blpus: number; lpis: number; addresses: number; assets: number }> {
  const result = await sql<{
    streets: number;
    blpus: number;
    lpis: number;
    addresses: number;
    assets: number;
  }>`
    select (select count(*)::int from gazetteer_street where council_id = ${councilId}::uuid) as streets,
           (select count(*)::int from gazetteer_blpu where council_id = ${councilId}::uuid) as blpus,
           (select count(*)::int from gazetteer_lpi where council_id = ${councilId}::uuid) as lpis,
           (select count(*)::int from gazetteer_address where council_id = ${councilId}::uuid) as addresses,
           (select count(*)::int from gazetteer_asset where council_id = ${councilId}::uuid) as assets`.execute(
    db,
  );
  return result.rows[0] ?? { streets: 0, blpus: 0, lpis: 0, addresses: 0, assets: 0 };
}

/**
 * Refreshes planner statistics after a bulk load, so the checks and the address rebuild use hash
 * joins rather than the nested loops an "empty table" estimate leads to. Allowed inside a transaction.
 */
export async function analyzeTables(db: Executor, tables: readonly string[]): Promise<void> {
  for (const table of tables) await sql`analyze ${sql.table(table)}`.execute(db);
}

/** Lets one import at a time apply to a council; released when the transaction ends. */
export async function lockCouncilGazetteer(tx: Executor, councilId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('gazetteer:' || ${councilId}))`.execute(tx);
}

// ---------------------------------------------------------------------------------------------
// Import log

export interface ImportRecord {
  id: string;
  kind: string;
  fileName: string;
  mode: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  counts: Record<string, unknown>;
  rejected: { line: number; reason: string }[];
  failure: string | null;
}

export async function insertImport(
  db: Executor,
  row: { councilId: string; kind: string; fileName: string; mode: string },
): Promise<string> {
  const result = await sql<{
    id: string;
  }>`insert into gazetteer_import (council_id, kind, file_name, mode, status)
    values (${row.councilId}::uuid, ${row.kind}, ${row.fileName}, ${row.mode}, 'running') returning id`.execute(
    db,
  );
  const id = result.rows[0]?.id;
  if (!id) throw new Error('import row not created');
  return id;
}

export async function finishImport(
  db: Executor,
  id: string,
  outcome: {
    status: 'applied' | 'failed';
    mode?: string;
    counts: Record<string, unknown>;
    rejected: unknown[];
    failure?: string | null;
  },
): Promise<void> {
  await sql`update gazetteer_import set status = ${outcome.status}, finished_at = now(),
      mode = coalesce(${outcome.mode ?? null}, mode),
      counts = ${JSON.stringify(outcome.counts)}::jsonb, rejected = ${JSON.stringify(outcome.rejected)}::jsonb,
      failure = ${outcome.failure ?? null}
    where id = ${id}::uuid`.execute(db);
}

export async function listImports(db: Executor, councilId: string, limit: number): Promise<ImportRecord[]> {
  const result = await sql<ImportRecord>`select id, kind, file_name as "fileName", mode, status,
      started_at as "startedAt", finished_at as "finishedAt", counts, rejected, failure
    from gazetteer_import where council_id = ${councilId}::uuid order by started_at desc limit ${limit}`.execute(
    db,
  );
  return result.rows;
}

// ---------------------------------------------------------------------------------------------
// Bulk loading from generated data (demo seed and bench): unnest-based multi-row inserts

type Column = { name: string; type: string };

/** Inserts rows column-wise with one unnest() per batch: fast on PGlite and Postgres alike. */
export async function bulkInsert(
  db: Executor,
  table: string,
  columns: Column[],
  rows: unknown[][],
  batchSize = 5000,
): Promise<void> {
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const arrays = columns.map((_, i) => batch.map((row) => row[i] ?? null));
    const params = columns.map((c, i) => sql`${arrays[i]}::${sql.raw(c.type)}[]`);
    await sql`insert into ${sql.table(table)} (${sql.raw(columns.map((c) => c.name).join(', '))})
      select * from unnest(${sql.join(params)})`.execute(db);
  }
}

// ---------------------------------------------------------------------------------------------
// Address search and lookups

export interface SearchCandidate {
  uprn: number;
  lpi_key: string;
  logical_status: number;
}

/** What the autocomplete steps look for (see gazetteer_address_candidates in migration 0005). */
export interface AddressSearchPlan {
  /** Starts of the search text to read ranges from, longest first. */
  prefixes: string[];
  /** A regular expression every candidate's search text matches: each typed word starts a word. */
  match: string;
  /** The word-index query (tsquery text), or null to go straight to the fuzzy step. */
  words: string | null;
  /** LIKE pattern of the typed words in order, for ranking. */
  phrase: string;
  /** The typed words joined by spaces, for trigram similarity. */
  text: string;
  /** A regular expression for the typed house numbers, which even a fuzzy match must have. */
  numbers: string;
}

/**
 * Address search in one round trip with no planning: the candidates, best first (up to
 * `candidateLimit`), and the property rows of the first `limit` distinct UPRNs among them.
 */
export async function findAddresses(
  db: Executor,
  councilId: string,
  plan: AddressSearchPlan,
  candidateLimit: number,
  limit: number,
): Promise<{ candidates: SearchCandidate[]; properties: PropertyRow[] }> {
  const result = await sql<{ candidates: SearchCandidate[]; properties: PropertyRow[] }>`
    with c as materialized (
      select uprn, lpi_key, logical_status, n from gazetteer_address_candidates(${councilId}::uuid,
        ${plan.prefixes}::text[], ${plan.match}, ${plan.words}::tsquery, ${plan.phrase}, ${plan.text},
        ${plan.numbers}, ${candidateLimit}::int) with ordinality as c(uprn, lpi_key, logical_status, step, n))
    select (select coalesce(json_agg(c order by n), '[]') from c) as candidates,
      gazetteer_property_summaries(${councilId}::uuid, array(
        select uprn from c group by uprn order by min(n) limit ${limit})) as properties`.execute(db);
  return result.rows[0] ?? { candidates: [], properties: [] };
}

export async function searchAddressPostcode(
  db: Executor,
  councilId: string,
  key: string,
  exact: boolean,
  limit: number,
): Promise<SearchCandidate[]> {
  const match = exact ? sql`a.postcode_key = ${key}` : sql`a.postcode_key like ${`${key}%`}`;
  const result = await sql<SearchCandidate>`
    select a.uprn, a.lpi_key, a.logical_status from gazetteer_address a
    where a.council_id = ${councilId}::uuid and ${match}
    order by a.postcode_key, a.logical_status, a.sort_key limit ${limit}`.execute(db);
  return result.rows;
}

export interface PropertyRow {
  uprn: number;
  parent_uprn: number | null;
  blpu_status: number;
  blpu_state: number | null;
  easting: number;
  northing: number;
  lat: number | null;
  long: number | null;
  postcode: string | null;
  rpc: number | null;
  country: string | null;
  multi_occ_count: number | null;
  blpu_start_date: string | null;
  blpu_end_date: string | null;
  lpi_key: string | null;
  usrn: number | null;
  language: string | null;
  logical_status: number | null;
  sao_start_number: number | null;
  sao_start_suffix: string | null;
  sao_end_number: number | null;
  sao_end_suffix: string | null;
  sao_text: string | null;
  pao_start_number: number | null;
  pao_start_suffix: string | null;
  pao_end_number: number | null;
  pao_end_suffix: string | null;
  pao_text: string | null;
  street: string | null;
  locality: string | null;
  town: string | null;
  administrative_area: string | null;
  organisation: string | null;
  classification_code: string | null;
  ward_code: string | null;
  ward_name: string | null;
  parish_code: string | null;
  parish_name: string | null;
  local_authority_code: string | null;
}

/**
 * Properties by UPRN with their current address: the approved (status 1) LPI, English first when
 * there is also a Welsh one. A property with no approved LPI comes back with the LPI fields null.
 * The statement is the function gazetteer_property_summaries (migration 0005), so each connection
 * plans it once. Rows come back in no particular order.
 */
export async function findProperties(
  db: Executor,
  councilId: string,
  uprns: number[],
): Promise<PropertyRow[]> {
  if (uprns.length === 0) return [];
  const result = await sql<{ rows: PropertyRow[] }>`
    select gazetteer_property_summaries(${councilId}::uuid, ${uprns}::bigint[]) as rows`.execute(db);
  return result.rows[0]?.rows ?? [];
}

export interface PropertyDetailRow {
  property: PropertyRow;
  parent: PropertyRow | null;
  children: PropertyRow[];
  child_count: number;
  history: LpiRow[];
  cross_references: CrossReferenceRow[];
  organisations: OrganisationRow[];
}

/**
 * A property with everything its page and the API show, in one statement and one round trip, with
 * no planning (gazetteer_property_detail in migration 0005): the summary, its parent's summary, up
 * to `childLimit` child units, the address history, the cross-references and the organisations.
 */
export async function findPropertyDetail(
  db: Executor,
  councilId: string,
  uprn: number,
  childLimit: number,
): Promise<PropertyDetailRow | undefined> {
  const result = await sql<{ detail: PropertyDetailRow | null }>`
    select gazetteer_property_detail(${councilId}::uuid, ${uprn}::bigint, ${childLimit}::int) as detail`.execute(
    db,
  );
  return result.rows[0]?.detail ?? undefined;
}

export interface LpiRow {
  lpi_key: string;
  uprn: number;
  usrn: number;
  language: string;
  logical_status: number;
  start_date: string | null;
  end_date: string | null;
  last_update_date: string | null;
  official_flag: string | null;
  level: string | null;
  sao_start_number: number | null;
  sao_start_suffix: string | null;
  sao_end_number: number | null;
  sao_end_suffix: string | null;
  sao_text: string | null;
  pao_start_number: number | null;
  pao_start_suffix: string | null;
  pao_end_number: number | null;
  pao_end_suffix: string | null;
  pao_text: string | null;
  street: string | null;
  locality: string | null;
  town: string | null;
}

export interface CrossReferenceRow {
  source: string;
  cross_reference: string;
  start_date: string | null;
  end_date: string | null;
}

export interface OrganisationRow {
  organisation: string;
  legal_name: string | null;
  start_date: string | null;
  end_date: string | null;
}

export interface StreetRow {
  usrn: number;
  record_type: number | null;
  state: number | null;
  classification: number | null;
  start_easting: number | null;
  start_northing: number | null;
  end_easting: number | null;
  end_northing: number | null;
  start_date: string | null;
  end_date: string | null;
  descriptors: {
    language: string;
    description: string;
    locality: string | null;
    town: string | null;
    administrativeArea: string | null;
  }[];
}

export async function findStreet(
  db: Executor,
  councilId: string,
  usrn: number,
): Promise<StreetRow | undefined> {
  const result = await sql<StreetRow>`
    select s.usrn, s.record_type, s.state, s.classification, s.start_easting, s.start_northing, s.end_easting,
      s.end_northing, s.start_date, s.end_date,
      coalesce((select json_agg(json_build_object('language', d.language, 'description', d.description,
          'locality', d.locality, 'town', d.town, 'administrativeArea', d.administrative_area)
          order by (d.language = 'ENG') desc, d.language)
        from gazetteer_street_descriptor d where d.council_id = s.council_id and d.usrn = s.usrn), '[]') as descriptors
    from gazetteer_street s where s.council_id = ${councilId}::uuid and s.usrn = ${usrn}`.execute(db);
  return result.rows[0];
}

/** Properties whose current address is on the street, in address order. */
export async function listStreetUprns(
  db: Executor,
  councilId: string,
  usrn: number,
  limit: number,
): Promise<{ uprns: number[]; total: number }> {
  const [rows, total] = await Promise.all([
    sql<{ uprn: number }>`select uprn from gazetteer_address
      where council_id = ${councilId}::uuid and usrn = ${usrn} and logical_status = 1
      order by sort_key limit ${limit}`.execute(db),
    sql<{ n: number }>`select count(distinct uprn)::int as n from gazetteer_address
      where council_id = ${councilId}::uuid and usrn = ${usrn} and logical_status = 1`.execute(db),
  ]);
  return { uprns: [...new Set(rows.rows.map((r) => r.uprn))], total: total.rows[0]?.n ?? 0 };
}

export async function searchStreets(
  db: Executor,
  councilId: string,
  pattern: string,
  limit: number,
): Promise<{ usrn: number; description: string; locality: string | null; town: string | null }[]> {
  const result = await sql<{
    usrn: number;
    description: string;
    locality: string | null;
    town: string | null;
  }>`
    select usrn, description, locality, town from gazetteer_street_descriptor
    where council_id = ${councilId}::uuid and lower(description) like ${pattern}
    order by description, locality limit ${limit}`.execute(db);
  return result.rows;
}

// ---------------------------------------------------------------------------------------------
// Postcodes

export interface PostcodeRow {
  postcode: string;
  easting: number | null;
  northing: number | null;
  lat: number | null;
  long: number | null;
  country_code: string | null;
  county_code: string | null;
  local_authority_code: string | null;
  ward_code: string | null;
  parish_code: string | null;
  terminated: string | null;
}

export const POSTCODE_COLUMNS: Column[] = [
  { name: 'postcode', type: 'text' },
  { name: 'postcode_key', type: 'text' },
  { name: 'easting', type: 'int' },
  { name: 'northing', type: 'int' },
  { name: 'lat', type: 'float8' },
  { name: 'long', type: 'float8' },
  { name: 'country_code', type: 'text' },
  { name: 'county_code', type: 'text' },
  { name: 'local_authority_code', type: 'text' },
  { name: 'ward_code', type: 'text' },
  { name: 'parish_code', type: 'text' },
  { name: 'introduced', type: 'text' },
  { name: 'terminated', type: 'text' },
];

/** Inserts or replaces postcodes (the directory is republished whole; later rows win). */
export async function upsertPostcodes(db: Executor, rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const arrays = POSTCODE_COLUMNS.map((_, i) => rows.map((row) => row[i] ?? null));
  const params = POSTCODE_COLUMNS.map((c, i) => sql`${arrays[i]}::${sql.raw(c.type)}[]`);
  const names = POSTCODE_COLUMNS.map((c) => c.name);
  await sql`insert into gazetteer_postcode (${sql.raw(names.join(', '))})
    select distinct on (u.postcode_key) * from unnest(${sql.join(params)}) as u(${sql.raw(names.join(', '))})
    on conflict (postcode_key) do update set
    ${sql.raw(
      names
        .filter((c) => c !== 'postcode_key')
        .map((c) => `${c} = excluded.${c}`)
        .join(', '),
    )}`.execute(db);
}

export async function findPostcode(db: Executor, key: string): Promise<PostcodeRow | undefined> {
  const result =
    await sql<PostcodeRow>`select postcode, easting, northing, lat, long, country_code, county_code,
      local_authority_code, ward_code, parish_code, terminated
    from gazetteer_postcode where postcode_key = ${key}`.execute(db);
  return result.rows[0];
}

/** The live postcode whose centroid is nearest the point, within `withinMetres`. */
/**
 * The nearest live postcode within `withinMetres`, with the council's names for its areas (ward,
 * parish, district, county), in one statement: placing a point is on the path of every new request.
 */
export async function nearestPostcode(
  db: Executor,
  councilId: string,
  easting: number,
  northing: number,
  withinMetres: number,
): Promise<(PostcodeRow & { distance: number; areas: AreaRow[] }) | undefined> {
  const result = await sql<PostcodeRow & { distance: number; areas: AreaRow[] }>`
    select p.postcode, p.easting, p.northing, p.lat, p.long, p.country_code, p.county_code,
      p.local_authority_code, p.ward_code, p.parish_code, p.terminated,
      p.location <-> point(${easting}, ${northing}) as distance,
      coalesce((select json_agg(json_build_object('code', a.code, 'kind', a.kind, 'name', a.name))
        from gazetteer_area a where a.council_id = ${councilId}::uuid
          and a.code in (p.parish_code, p.ward_code, p.local_authority_code, p.county_code)), '[]') as areas
    from (select * from gazetteer_postcode where terminated is null and easting is not null
      order by location <-> point(${easting}, ${northing}) limit 1) p`.execute(db);
  const row = result.rows[0];
  return row && row.distance <= withinMetres ? row : undefined;
}

// ---------------------------------------------------------------------------------------------
// Assets

export interface AssetRow {
  id: string;
  asset_ref: string;
  type_code: string;
  type_name: string;
  easting: number;
  northing: number;
  usrn: number | null;
  street: string | null;
  status: string;
  description: string | null;
  attributes: Record<string, unknown>;
  distance?: number;
}

export const ASSET_COLUMNS: Column[] = [
  { name: 'council_id', type: 'uuid' },
  { name: 'asset_ref', type: 'text' },
  { name: 'type_code', type: 'text' },
  { name: 'easting', type: 'float8' },
  { name: 'northing', type: 'float8' },
  { name: 'usrn', type: 'bigint' },
  { name: 'status', type: 'text' },
  { name: 'description', type: 'text' },
  { name: 'attributes', type: 'jsonb' },
];

/** Inserts assets, or updates them when the council's asset reference already exists. */
export async function upsertAssets(db: Executor, rows: unknown[][]): Promise<number> {
  if (rows.length === 0) return 0;
  const arrays = ASSET_COLUMNS.map((_, i) => rows.map((row) => row[i] ?? null));
  const params = ASSET_COLUMNS.map((c, i) => sql`${arrays[i]}::${sql.raw(c.type)}[]`);
  const names = ASSET_COLUMNS.map((c) => c.name);
  const result = await sql`insert into gazetteer_asset (${sql.raw(names.join(', '))})
    select distinct on (u.asset_ref) * from unnest(${sql.join(params)}) as u(${sql.raw(names.join(', '))})
    on conflict (council_id, asset_ref) do update set type_code = excluded.type_code, easting = excluded.easting,
      northing = excluded.northing, usrn = excluded.usrn, status = excluded.status,
      description = excluded.description, attributes = excluded.attributes, updated_at = now()`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export async function listAssetTypes(db: Executor): Promise<{ code: string; name: string }[]> {
  const result = await sql<{
    code: string;
    name: string;
  }>`select code, name from gazetteer_asset_type order by name`.execute(db);
  return result.rows;
}

const ASSET_SELECT = sql`select a.id, a.asset_ref, a.type_code, t.name as type_name, a.easting, a.northing, a.usrn,
    d.description as street, a.status, a.description, a.attributes`;
const ASSET_JOINS = sql`from gazetteer_asset a
    join gazetteer_asset_type t on t.code = a.type_code
    left join gazetteer_street_descriptor d on d.council_id = a.council_id and d.usrn = a.usrn and d.language = 'ENG'`;

/** Nearest assets to a point, by straight-line distance in BNG metres (GiST nearest-neighbour). */
export async function nearestAssets(
  db: Executor,
  councilId: string,
  easting: number,
  northing: number,
  options: { types: string[] | null; limit: number; withinMetres: number; includeRemoved: boolean },
): Promise<AssetRow[]> {
  const result = await sql<AssetRow>`
    ${ASSET_SELECT}, a.location <-> point(${easting}, ${northing}) as distance
    ${ASSET_JOINS}
    where a.council_id = ${councilId}::uuid
      ${options.types ? sql`and a.type_code = any(${options.types}::text[])` : sql``}
      ${options.includeRemoved ? sql`` : sql`and a.status <> 'removed'`}
      and a.location <@ box(point(${easting - options.withinMetres}, ${northing - options.withinMetres}),
                            point(${easting + options.withinMetres}, ${northing + options.withinMetres}))
    order by a.location <-> point(${easting}, ${northing})
    limit ${options.limit}`.execute(db);
  return result.rows.filter((r) => (r.distance ?? 0) <= options.withinMetres);
}

export async function findAsset(db: Executor, councilId: string, ref: string): Promise<AssetRow | undefined> {
  const result = await sql<AssetRow>`${ASSET_SELECT} ${ASSET_JOINS}
    where a.council_id = ${councilId}::uuid and a.asset_ref = ${ref}`.execute(db);
  return result.rows[0];
}

export async function listStreetAssets(
  db: Executor,
  councilId: string,
  usrn: number,
  limit: number,
): Promise<AssetRow[]> {
  const result = await sql<AssetRow>`${ASSET_SELECT} ${ASSET_JOINS}
    where a.council_id = ${councilId}::uuid and a.usrn = ${usrn} order by a.type_code, a.asset_ref limit ${limit}`.execute(
    db,
  );
  return result.rows;
}

export async function searchAssetRefs(
  db: Executor,
  councilId: string,
  prefix: string,
  limit: number,
): Promise<AssetRow[]> {
  const result = await sql<AssetRow>`${ASSET_SELECT} ${ASSET_JOINS}
    where a.council_id = ${councilId}::uuid and upper(a.asset_ref) like ${`${prefix.toUpperCase()}%`}
    order by a.asset_ref limit ${limit}`.execute(db);
  return result.rows;
}

export async function streetsExist(db: Executor, councilId: string, usrns: number[]): Promise<Set<number>> {
  if (usrns.length === 0) return new Set();
  const result = await sql<{ usrn: number }>`select usrn from gazetteer_street
    where council_id = ${councilId}::uuid and usrn = any(${usrns}::bigint[])`.execute(db);
  return new Set(result.rows.map((r) => r.usrn));
}

/** The street nearest a point, judged by the nearest property on it (used to place an asset). */
export async function nearestStreetUsrn(
  db: Executor,
  councilId: string,
  easting: number,
  northing: number,
): Promise<number | null> {
  const result = await sql<{ usrn: number }>`
    select l.usrn from (
      select b.uprn from gazetteer_blpu b where b.council_id = ${councilId}::uuid
      order by b.location <-> point(${easting}, ${northing}) limit 1) nb
    join gazetteer_lpi l on l.council_id = ${councilId}::uuid and l.uprn = nb.uprn and l.logical_status = 1
    limit 1`.execute(db);
  return result.rows[0]?.usrn ?? null;
}

// ---------------------------------------------------------------------------------------------
// Areas, bodies and responsibility

export interface AreaRow {
  code: string;
  kind: string;
  name: string;
}

export async function upsertAreas(db: Executor, councilId: string, areas: AreaRow[]): Promise<void> {
  for (const area of areas) {
    await sql`insert into gazetteer_area (council_id, code, kind, name) values (${councilId}::uuid, ${area.code}, ${area.kind}, ${area.name})
      on conflict (council_id, code) do update set kind = excluded.kind, name = excluded.name`.execute(db);
  }
}

export async function findAreas(db: Executor, councilId: string, codes: string[]): Promise<AreaRow[]> {
  if (codes.length === 0) return [];
  const result = await sql<AreaRow>`select code, kind, name from gazetteer_area
    where council_id = ${councilId}::uuid and code = any(${codes}::text[])`.execute(db);
  return result.rows;
}

export async function listAreas(db: Executor, councilId: string): Promise<AreaRow[]> {
  const result = await sql<AreaRow>`select code, kind, name from gazetteer_area
    where council_id = ${councilId}::uuid order by kind, name`.execute(db);
  return result.rows;
}

export interface BodyRow {
  code: string;
  name: string;
  kind: string;
  email: string | null;
  phone: string | null;
  website: string | null;
}

export async function upsertBody(db: Executor, councilId: string, body: BodyRow): Promise<void> {
  await sql`insert into gazetteer_body (council_id, code, name, kind, email, phone, website)
    values (${councilId}::uuid, ${body.code}, ${body.name}, ${body.kind}, ${body.email}, ${body.phone}, ${body.website})
    on conflict (council_id, code) do update set name = excluded.name, kind = excluded.kind, email = excluded.email,
      phone = excluded.phone, website = excluded.website`.execute(db);
}

export async function upsertResponsibility(
  db: Executor,
  councilId: string,
  rule: { serviceCategory: string; areaCode: string; bodyCode: string; notes: string | null },
): Promise<void> {
  await sql`insert into gazetteer_responsibility (council_id, service_category, area_code, body_code, notes)
    values (${councilId}::uuid, ${rule.serviceCategory}, ${rule.areaCode}, ${rule.bodyCode}, ${rule.notes})
    on conflict (council_id, service_category, area_code) do update set body_code = excluded.body_code,
      notes = excluded.notes`.execute(db);
}

export interface ResponsibilityRow {
  service_category: string;
  area_code: string;
  notes: string | null;
  code: string;
  name: string;
  kind: string;
  email: string | null;
  phone: string | null;
  website: string | null;
}

/** Every rule that could apply to the category in any of the areas (or everywhere). */
export async function responsibilityRules(
  db: Executor,
  councilId: string,
  serviceCategory: string,
  areaCodes: string[],
): Promise<ResponsibilityRow[]> {
  const result = await sql<ResponsibilityRow>`
    select r.service_category, r.area_code, r.notes, b.code, b.name, b.kind, b.email, b.phone, b.website
    from gazetteer_responsibility r
    join gazetteer_body b on b.council_id = r.council_id and b.code = r.body_code
    where r.council_id = ${councilId}::uuid and r.service_category in (${serviceCategory}, '*')
      and r.area_code = any(${[...areaCodes, '*']}::text[])`.execute(db);
  return result.rows;
}

export async function listResponsibilities(db: Executor, councilId: string): Promise<ResponsibilityRow[]> {
  const result = await sql<ResponsibilityRow>`
    select r.service_category, r.area_code, r.notes, b.code, b.name, b.kind, b.email, b.phone, b.website
    from gazetteer_responsibility r join gazetteer_body b on b.council_id = r.council_id and b.code = r.body_code
    where r.council_id = ${councilId}::uuid order by r.service_category, r.area_code`.execute(db);
  return result.rows;
}
