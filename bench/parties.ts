// Party register benchmark. Generates realistic people in households from the UK name lists, loads
// them through `guildhall import parties` (the real import path), then measures, through the real
// app (Fastify inject: auth, routing, service, serialisation, no network):
//  - search over a mix of query types, against the limit: the same clues answered by one raw SQL
//    statement each on the same data (a trigram query on the whole name for name queries);
//  - the JSON single view;
//  - recall@10 for queries with one typo, a nickname or transposed names.
// Postgres server with BENCH_PERSONS (default 1,000,000) people; PGlite with BENCH_EMBEDDED_PERSONS
// (default 200,000). Writes bench/results/parties.json.

import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { seedDemoCouncil } from '../seeds/demo.ts';
import { type GeneratedPerson, generateHousehold, seededRandom } from '../seeds/parties.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { importParties } from '../src/modules/parties/index.ts';
import {
  DEFERRABLE_FOREIGN_KEYS,
  DEFERRABLE_SEARCH_INDEXES,
} from '../src/modules/parties/parties.repository.ts';
import { nameVariants } from '../src/modules/parties/parties.variants.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { openRuntime, type Runtime } from '../src/runtime.ts';
import { freshServerDatabase } from './lib/database.ts';
import { percentile, writeResults } from './lib/results.ts';
import { cpuMs } from './lib/server.ts';

const PERSONS = Number(process.env.BENCH_PERSONS ?? 1_000_000);
const EMBEDDED_PERSONS = Number(process.env.BENCH_EMBEDDED_PERSONS ?? 200_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 800);
const RECALL_QUERIES = Number(process.env.BENCH_RECALL_QUERIES ?? 600);

const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (n: number) => Math.round(n * 100) / 100;

interface Target {
  key: string;
  person: GeneratedPerson['input'];
  id?: string;
}

/** Writes the CSV a council's back-office extract would be, and keeps a sample of people to look for. */
async function generateCsv(file: string, persons: number, seed: number): Promise<Target[]> {
  const random = seededRandom(seed);
  const out = createWriteStream(file);
  out.write('Ref,Forename,Surname,DOB,Address,Postcode,Tel,Email,CouncilTax\n');
  const sample: Target[] = [];
  const quote = (v: string | undefined) =>
    v === undefined ? '' : /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  let n = 0;
  for (let h = 0; n < persons; h++) {
    const household = generateHousehold({ random, phones: 'mobile', emailDomain: 'example.net' }, h);
    for (const member of household.members) {
      if (n >= persons) break;
      const key = `B${String(n).padStart(8, '0')}`;
      const p = member.input;
      const line = [
        key,
        p.givenName,
        p.familyName,
        p.dateOfBirth,
        p.address?.text,
        p.address?.postcode,
        p.phone,
        p.email,
        p.identifiers?.[0]?.value,
      ]
        .map(quote)
        .join(',');
      if (!out.write(`${line}\n`)) await once(out, 'drain');
      // Reservoir-free sampling: every k-th person, spread over the file.
      if (n % Math.max(1, Math.floor(persons / 2000)) === 7) sample.push({ key, person: p });
      n++;
    }
  }
  out.end();
  await once(out, 'finish');
  return sample;
}

const MAPPING = {
  system: 'bench',
  key: 'Ref',
  kind: 'person' as const,
  columns: {
    givenNames: 'Forename',
    familyName: 'Surname',
    dateOfBirth: 'DOB',
    'address.text': 'Address',
    'address.postcode': 'Postcode',
    phone: 'Tel',
    email: 'Email',
    councilTax: 'CouncilTax',
  } as const,
};

/** One typo: a dropped, doubled, swapped or changed letter, never the first. */
function typo(word: string, random: () => number): string {
  if (word.length < 4) return `${word}${word.at(-1)}`;
  const i = 1 + Math.floor(random() * (word.length - 2));
  const kind = Math.floor(random() * 4);
  if (kind === 0) return word.slice(0, i) + word.slice(i + 1);
  if (kind === 1) return word.slice(0, i) + word[i] + word.slice(i);
  if (kind === 2) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  const letters = 'aeiourstnlm';
  return word.slice(0, i) + letters[Math.floor(random() * letters.length)] + word.slice(i + 1);
}

type QueryKind =
  | 'full_name'
  | 'misspelt_name'
  | 'nickname'
  | 'partial_name_year'
  | 'postcode'
  | 'phone'
  | 'email'
  | 'identifier';
const KINDS: QueryKind[] = [
  'full_name',
  'misspelt_name',
  'nickname',
  'partial_name_year',
  'postcode',
  'phone',
  'email',
  'identifier',
];

function nickname(given: string, random: () => number): string | undefined {
  const variants = nameVariants()
    .forenames(given.toLowerCase())
    .filter((v) => v.length >= 3);
  return variants.length ? variants[Math.floor(random() * variants.length)] : undefined;
}

function makeQuery(kind: QueryKind, t: Target, random: () => number): string | undefined {
  const p = t.person;
  switch (kind) {
    case 'full_name':
      return `${p.givenName} ${p.familyName}`;
    case 'misspelt_name':
      return random() < 0.5
        ? `${p.givenName} ${typo(p.familyName, random)}`
        : `${typo(p.givenName, random)} ${p.familyName}`;
    case 'nickname': {
      const nick = nickname(p.givenName, random);
      return nick ? `${nick} ${p.familyName}` : undefined;
    }
    case 'partial_name_year':
      return `${p.givenName.slice(0, 3)} ${p.familyName} ${p.dateOfBirth.slice(0, 4)}`;
    case 'postcode':
      return p.address?.postcode?.replace(' ', '');
    case 'phone':
      return p.phone?.replaceAll(' ', '');
    case 'email':
      return p.email;
    case 'identifier':
      return t.key;
  }
}

/** The limit: each query's clue answered by one raw SQL statement on the same database. */
async function rawQuery(pool: pg.Pool, councilId: string, kind: QueryKind, q: string): Promise<void> {
  if (kind === 'postcode') {
    await pool.query(
      'select party_id from party_address where council_id = $1 and postcode_key = $2 limit 20',
      [councilId, q.toUpperCase()],
    );
  } else if (kind === 'phone') {
    await pool.query('select party_id from contact_point where council_id = $1 and value = $2 limit 20', [
      councilId,
      `+44${q.slice(1)}`,
    ]);
  } else if (kind === 'email') {
    await pool.query('select party_id from contact_point where council_id = $1 and value = $2 limit 20', [
      councilId,
      q.toLowerCase(),
    ]);
  } else if (kind === 'identifier') {
    await pool.query(
      'select party_id from party_identifier where council_id = $1 and value_key = $2 limit 20',
      [councilId, q.toUpperCase()],
    );
  } else {
    const text = q
      .toLowerCase()
      .replace(/[^a-z ]/g, '')
      .trim();
    await pool.query(
      'select id from party where council_id = $1 and name_key % $2 order by name_key <-> $2 limit 20',
      [councilId, text],
    );
  }
}

/**
 * Watches the CPU time of the database server's processes serving one database (on this machine),
 * sampling its connections every half second: other work shares the machine, so CPU seconds say
 * more than wall time does.
 */
function watchBackends(pool: pg.Pool, database: string): { stop(): Promise<number | undefined> } {
  const seen = new Map<number, [number, number]>();
  const sample = async () => {
    const { rows } = await pool.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    for (const { pid } of rows) {
      // A connection that has just closed (or a server on another machine) reads as 0.
      const now = cpuMs(pid) / 1000;
      if (now > 0) seen.set(pid, [seen.get(pid)?.[0] ?? now, now]);
    }
  };
  let running = sample();
  const timer = setInterval(() => {
    running = running.then(sample, () => {});
  }, 500);
  return {
    async stop() {
      clearInterval(timer);
      await running.catch(() => {});
      await sample();
      if (seen.size === 0) return undefined;
      let total = 0;
      for (const [first, last] of seen.values()) total += last - first;
      return total;
    },
  };
}

/** What the bare-SQL limit loads: each table's columns as the import writes them. */
const LIMIT_TABLES: { table: string; columns: string }[] = [
  {
    table: 'party',
    columns:
      'id, council_id, reference, kind, title, given_names, family_name, suffix, preferred_name, organisation_name, organisation_type, display_name, name_key, date_of_birth, birth_date_precision, date_of_death, preferred_channel, language, language_other, large_print, bsl, interpreter',
  },
  {
    table: 'party_name',
    columns:
      'id, council_id, party_id, use, title, given_names, family_name, given_key, family_key, date_of_birth',
  },
  { table: 'party_name_term', columns: 'council_id, part, term' },
  { table: 'party_identifier', columns: 'id, council_id, party_id, scheme, system, value, value_key' },
  {
    table: 'contact_point',
    columns: 'id, council_id, party_id, kind, value, label, is_preferred, is_verified, do_not_contact',
  },
  {
    table: 'party_address',
    columns: 'id, council_id, party_id, role, text, postcode, postcode_key, uprn, valid_from, valid_to',
  },
];

/**
 * The limit for the import: the rows it wrote, COPYed by one connection straight into the same tables
 * of a fresh database, with the search indexes and foreign keys dropped and then built and checked
 * once, as a first big load does, and statistics refreshed. No CSV, no checks, no Node. Seconds.
 */
async function importLimit(source: pg.Pool, councilId: string, dir: string): Promise<number> {
  const files = new Map<string, string>();
  const client = await source.connect();
  try {
    for (const { table, columns } of LIMIT_TABLES) {
      const file = path.join(dir, `${table}.copy`);
      await pipeline(
        client.query(
          copyTo(`copy (select ${columns} from ${table} where council_id = '${councilId}') to stdout`),
        ),
        createWriteStream(file),
      );
      files.set(table, file);
    }
  } finally {
    client.release();
  }
  const { rows: councils } = await source.query('select id, slug, name from council where id = $1', [
    councilId,
  ]);
  const target = await freshServerDatabase('parties_limit');
  const database = await openDatabase({ databaseUrl: target.url, dataDir: dir, role: 'server', poolMax: 2 });
  try {
    await migrate(database.db);
    const db = await database.pool.connect();
    try {
      const council = councils[0] as { id: string; slug: string; name: string };
      await db.query('insert into council (id, slug, name) values ($1, $2, $3)', [
        council.id,
        council.slug,
        council.name,
      ]);
      for (const index of DEFERRABLE_SEARCH_INDEXES) await db.query(`drop index ${index.name}`);
      for (const key of DEFERRABLE_FOREIGN_KEYS)
        await db.query(`alter table ${key.table} drop constraint ${key.name}`);
      const started = performance.now();
      await db.query('begin');
      for (const { table, columns } of LIMIT_TABLES)
        await pipeline(
          createReadStream(files.get(table) ?? ''),
          db.query(copyFrom(`copy ${table} (${columns}) from stdin`)),
        );
      await db.query('commit');
      await db.query("set maintenance_work_mem = '128MB'");
      for (const index of DEFERRABLE_SEARCH_INDEXES)
        await db.query(`create index ${index.name} ${index.definition}`);
      await db.query('analyze party, party_name, party_identifier, contact_point, party_address');
      for (const key of DEFERRABLE_FOREIGN_KEYS)
        await db.query(`alter table ${key.table} add constraint ${key.name} ${key.definition}`);
      return (performance.now() - started) / 1000;
    } finally {
      db.release();
    }
  } finally {
    await database.close();
    await target.drop();
  }
}

interface Measured {
  persons: number;
  importPerS: number;
  importSeconds: number;
  importIndexingSeconds: number;
  importNodeCpuSeconds: number;
  importPostgresCpuSeconds?: number;
  limitImportSeconds?: number;
  search: number[];
  searchByKind: Record<string, number[]>;
  limit: number[];
  singleView: number[];
  recall: number;
  recallNameOnly: number;
  recallByKind: Record<string, number>;
}

async function measure(
  runtime: Runtime,
  pool: pg.Pool | undefined,
  persons: number,
  label: string,
  /** On the server: a pool and the database's name, to watch its processes' CPU and measure the limit. */
  server?: { pool: pg.Pool; database: string },
): Promise<Measured> {
  await seedDemoCouncil(runtime.database.db, runtime.services.governance);
  const council = await runtime.services.governance.defaultCouncil();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-parties-'));
  const file = path.join(dir, 'people.csv');
  let t0 = performance.now();
  const targets = await generateCsv(file, persons, 7);
  log(
    `${label}: generated ${persons.toLocaleString('en-GB')} people in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const backends = server ? watchBackends(server.pool, server.database) : undefined;
  const cpuBefore = process.cpuUsage();
  t0 = performance.now();
  const summary = await importParties({
    parties: runtime.services.parties,
    councilId: council.id,
    file,
    mapping: MAPPING,
    rejectsFile: path.join(dir, 'rejected.csv'),
    batchSize: 5_000,
    progress: (s) => {
      if (s.stage === 'indexing')
        log(`  ${label}: loaded; building the search indexes and checking the keys`);
      else if (s.rows % 100_000 === 0)
        log(`  ${label}: ${s.rows.toLocaleString('en-GB')} rows, ${Math.round(s.rows / s.seconds)} rows/s`);
    },
  });
  const importSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const importNodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const importPostgresCpuSeconds = await backends?.stop();
  log(
    `${label}: imported ${summary.created} (${summary.rejected} rejected) in ${importSeconds.toFixed(1)} s` +
      (summary.deferredIndexes
        ? `, of which ${summary.indexingSeconds.toFixed(1)} s building indexes and checking keys`
        : '') +
      `; CPU: Node ${importNodeCpuSeconds.toFixed(1)} s` +
      (importPostgresCpuSeconds === undefined ? '' : `, Postgres ${importPostgresCpuSeconds.toFixed(1)} s`),
  );
  const council0 = await runtime.services.governance.defaultCouncil();
  const limitImportSeconds = server ? await importLimit(server.pool, council0.id, dir) : undefined;
  if (limitImportSeconds !== undefined)
    log(
      `${label}: the same rows by COPY straight into the tables (the limit) in ${limitImportSeconds.toFixed(1)} s`,
    );
  rmSync(dir, { recursive: true, force: true });
  // What autovacuum does for a live database after a load: statistics, and the visibility map that
  // lets searches read names from the index alone.
  await sql`vacuum analyze`.execute(runtime.database.db);

  const { rows } = await sql<{ value_key: string; party_id: string }>`
    select value_key, party_id from party_identifier
     where council_id = ${council.id} and scheme = 'source' and system = 'bench'
       and value_key = any(${targets.map((t) => t.key)}::text[])`.execute(runtime.database.db);
  const idOf = new Map(rows.map((r) => [r.value_key, r.party_id]));
  for (const t of targets) t.id = idOf.get(t.key);

  const app: FastifyInstance = await buildApp({
    config: runtime.config,
    database: runtime.database,
    services: runtime.services,
  });
  const { token } = await runtime.services.governance.createApiToken(
    { councilId: council.id, name: `bench ${label}`, role: 'integration' },
    systemAuditContext(council.id, 'bench'),
  );
  const headers = { authorization: `Bearer ${token}` };
  const call = async (url: string) => {
    const s = performance.now();
    const response = await app.inject({ method: 'GET', url, headers });
    const ms = performance.now() - s;
    if (response.statusCode !== 200)
      throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
    return { ms, body: response.json() as { results: { id: string }[] } };
  };

  const random = seededRandom(99);
  const usable = targets.filter((t) => t.id);
  // Warm up.
  for (const t of usable.slice(0, 30))
    await call(`/api/v1/parties?q=${encodeURIComponent(`${t.person.givenName} ${t.person.familyName}`)}`);

  const search: number[] = [];
  const limit: number[] = [];
  const searchByKind: Record<string, number[]> = {};
  for (let i = 0; i < QUERIES; i++) {
    const kind = KINDS[i % KINDS.length] as QueryKind;
    const target = usable[Math.floor(random() * usable.length)] as Target;
    const q = makeQuery(kind, target, random);
    if (!q) continue;
    const { ms } = await call(`/api/v1/parties?q=${encodeURIComponent(q)}&limit=10`);
    search.push(ms);
    searchByKind[kind] = [...(searchByKind[kind] ?? []), ms];
    if (pool) {
      const s = performance.now();
      await rawQuery(pool, council.id, kind, q);
      limit.push(performance.now() - s);
    }
  }

  const singleView: number[] = [];
  for (let i = 0; i < Math.min(400, usable.length); i++) {
    const target = usable[i] as Target;
    singleView.push((await call(`/api/v1/parties/${target.id}?purpose=bench`)).ms);
  }

  // Recall: an agent asks for the name and date of birth; the name comes with one typo, as a
  // nickname or the wrong way round. Name-only recall is reported too: with a million people many
  // share a name, so it is bounded by namesakes rather than by the search.
  let found = 0;
  let foundNameOnly = 0;
  let asked = 0;
  const recallByKind: Record<string, [number, number]> = {};
  for (let i = 0; i < RECALL_QUERIES; i++) {
    const target = usable[Math.floor(random() * usable.length)] as Target;
    const p = target.person;
    const kinds = ['typo', 'nickname', 'transposed'] as const;
    const kind = kinds[i % 3] as (typeof kinds)[number];
    const name =
      kind === 'typo'
        ? makeQuery('misspelt_name', target, random)
        : kind === 'nickname'
          ? makeQuery('nickname', target, random)
          : `${p.familyName} ${p.givenName}`;
    if (!name) continue;
    asked++;
    const withDob = await call(
      `/api/v1/parties?q=${encodeURIComponent(`${name} ${p.dateOfBirth}`)}&limit=10`,
    );
    const hit = withDob.body.results.some((r) => r.id === target.id);
    if (hit) found++;
    const counts = recallByKind[kind] ?? [0, 0];
    recallByKind[kind] = [counts[0] + (hit ? 1 : 0), counts[1] + 1];
    const nameOnly = await call(`/api/v1/parties?q=${encodeURIComponent(name)}&limit=10`);
    if (nameOnly.body.results.some((r) => r.id === target.id)) foundNameOnly++;
  }
  await app.close();
  const persons_ = await runtime.services.parties.countParties(council.id);
  return {
    persons: persons_,
    importPerS: Math.round(summary.created / importSeconds),
    importSeconds,
    importIndexingSeconds: summary.indexingSeconds,
    importNodeCpuSeconds,
    ...(importPostgresCpuSeconds === undefined ? {} : { importPostgresCpuSeconds }),
    ...(limitImportSeconds === undefined ? {} : { limitImportSeconds }),
    search,
    searchByKind,
    limit,
    singleView,
    recall: found / asked,
    recallNameOnly: foundNameOnly / asked,
    recallByKind: Object.fromEntries(Object.entries(recallByKind).map(([k, [f, n]]) => [k, round(f / n)])),
  };
}

const p = (values: number[], q: number) => round(percentile(values, q));
const metrics: Record<string, number | string> = {};
// The machine is shared: the 1, 5 and 15 minute load averages at the start and the end of the run.
const loadAtStart = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');

if (PERSONS > 0) {
  const db = await freshServerDatabase('parties');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    GUILDHALL_DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: '10',
  });
  const runtime = await openRuntime(config, {
    role: 'server',
    sessionSecret: 'bench-session-secret-0123456789-0123456789',
  });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    // The limit's trigram query needs a trigram index on every name (the app indexes name keys instead).
    const m = await measure(runtime, undefined, PERSONS, 'postgres', {
      pool,
      database: new URL(db.url).pathname.slice(1),
    });
    const t0 = performance.now();
    await pool.query(
      'create index if not exists bench_party_name_key_trgm on party using gin (name_key gin_trgm_ops)',
    );
    log(`postgres: built the limit's trigram index in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // Re-run the query mix with the same seed for the limit, now that its index exists.
    const council = await runtime.services.governance.defaultCouncil();
    const random = seededRandom(99);
    const limit: number[] = [];
    const { rows } = await pool.query<{
      given_names: string;
      family_name: string;
      date_of_birth: string;
      id: string;
    }>(
      `select given_names, family_name, date_of_birth::text, id from party where council_id = $1 and kind = 'person' order by random() limit 500`,
      [council.id],
    );
    const { rows: extra } = await pool.query<{
      postcode: string;
      phone: string | null;
      email: string | null;
      key: string;
    }>(
      `select a.postcode, (select value from contact_point c where c.party_id = p.id and kind = 'phone' limit 1) as phone,
              (select value from contact_point c where c.party_id = p.id and kind = 'email' limit 1) as email,
              (select value from party_identifier i where i.party_id = p.id limit 1) as key
         from party p join party_address a on a.party_id = p.id where p.council_id = $1 and p.kind = 'person' limit 500`,
      [council.id],
    );
    for (let i = 0; i < QUERIES; i++) {
      const kind = KINDS[i % KINDS.length] as QueryKind;
      const person = rows[Math.floor(random() * rows.length)];
      const other = extra[Math.floor(random() * extra.length)];
      if (!person || !other) continue;
      const target: Target = {
        key: other.key,
        person: {
          kind: 'person',
          givenName: person.given_names,
          familyName: person.family_name,
          dateOfBirth: person.date_of_birth,
          address: { text: '', postcode: other.postcode },
          phone: other.phone ? `0${other.phone.slice(3)}` : undefined,
          email: other.email ?? undefined,
        },
      };
      const q = makeQuery(kind, target, random);
      if (!q) continue;
      const s = performance.now();
      await rawQuery(pool, council.id, kind, q);
      limit.push(performance.now() - s);
    }
    Object.assign(metrics, {
      persons: m.persons,
      import_persons_per_s: m.importPerS,
      import_seconds: round(m.importSeconds),
      import_indexing_seconds: round(m.importIndexingSeconds),
      import_node_cpu_seconds: round(m.importNodeCpuSeconds),
      ...(m.importPostgresCpuSeconds === undefined
        ? {}
        : { import_postgres_cpu_seconds: round(m.importPostgresCpuSeconds) }),
      ...(m.limitImportSeconds === undefined
        ? {}
        : {
            limit_import_seconds: round(m.limitImportSeconds),
            import_ratio_to_limit: round(m.importSeconds / m.limitImportSeconds),
          }),
      search_p50_ms: p(m.search, 50),
      search_p95_ms: p(m.search, 95),
      search_p99_ms: p(m.search, 99),
      search_per_s: round(1000 / (m.search.reduce((a, b) => a + b, 0) / m.search.length)),
      search_limit_p50_ms: p(limit, 50),
      search_limit_p95_ms: p(limit, 95),
      search_limit_p99_ms: p(limit, 99),
      search_ratio_to_limit_p95: round(percentile(m.search, 95) / percentile(limit, 95)),
      single_view_p50_ms: p(m.singleView, 50),
      single_view_p95_ms: p(m.singleView, 95),
      single_view_p99_ms: p(m.singleView, 99),
      recall_at_10: round(m.recall),
      recall_at_10_name_only: round(m.recallNameOnly),
      ...Object.fromEntries(Object.entries(m.recallByKind).map(([k, v]) => [`recall_at_10_${k}`, v])),
      ...Object.fromEntries(Object.entries(m.searchByKind).map(([k, v]) => [`search_${k}_p95_ms`, p(v, 95)])),
    });
    log(
      `postgres: search p95 ${metrics.search_p95_ms} ms (limit ${metrics.search_limit_p95_ms} ms), single view p95 ${metrics.single_view_p95_ms} ms, recall@10 ${metrics.recall_at_10}`,
    );
  } finally {
    await pool.end();
    await runtime.close();
    // BENCH_KEEP=1 keeps the database for looking at query plans (drop it by hand afterwards).
    if (process.env.BENCH_KEEP === '1') log(`kept ${db.url}`);
    else await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (EMBEDDED_PERSONS > 0) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    GUILDHALL_DATA_DIR: dataDir,
    DATABASE_URL: '',
    LOG_LEVEL: 'silent',
  });
  const runtime = await openRuntime(config, {
    role: 'server',
    sessionSecret: 'bench-session-secret-0123456789-0123456789',
  });
  try {
    const m = await measure(runtime, undefined, EMBEDDED_PERSONS, 'pglite');
    Object.assign(metrics, {
      embedded_persons: m.persons,
      embedded_import_persons_per_s: m.importPerS,
      embedded_import_seconds: round(m.importSeconds),
      embedded_import_node_cpu_seconds: round(m.importNodeCpuSeconds),
      embedded_search_p50_ms: p(m.search, 50),
      embedded_search_p95_ms: p(m.search, 95),
      embedded_search_p99_ms: p(m.search, 99),
      embedded_single_view_p95_ms: p(m.singleView, 95),
      embedded_recall_at_10: round(m.recall),
    });
    log(
      `pglite: search p95 ${metrics.embedded_search_p95_ms} ms, recall@10 ${metrics.embedded_recall_at_10}`,
    );
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

metrics.queries = QUERIES;
metrics.recall_queries = RECALL_QUERIES;
metrics.query_mix = KINDS.join(',');
metrics.load_average_start = loadAtStart;
metrics.load_average_end = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
log(`wrote ${writeResults('parties', metrics)}`);
process.exit(0);
