// Catalogue benchmark: the service finder over the full catalogue (starter library + the whole LGSL list
// + county and partner copies of the library, ≥ 1,700 published services), against the same finder SQL
// sent raw on the same pool (the limit); and the form engine's server-side validation.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedDemoCouncil } from '../seeds/demo.ts';
import { loadConfig } from '../src/config.ts';
import { readLibraryDirectory, STARTER_LIBRARY_DIR } from '../src/modules/catalogue/catalogue.files.ts';
import { finderSql } from '../src/modules/catalogue/catalogue.repository.ts';
import type { ServiceDefinition } from '../src/modules/catalogue/catalogue.schemas.ts';
import { finderQuery } from '../src/modules/catalogue/catalogue.service.ts';
import { validateAnswers } from '../src/modules/catalogue/form.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';
import { openRuntime, type Runtime } from '../src/runtime.ts';
import { freshServerDatabase } from './lib/database.ts';
import { percentile, writeResults } from './lib/results.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

const QUERIES = [
  'street light not working',
  'my bin wasnt collected',
  'blue badge',
  'pay council tax',
  'rats in garden',
  'pothole in road',
  'noisy neighbours',
  'register a death',
  'fly tipping',
  'housing benefit',
  'school admission',
  'tennis court',
  'taxi licence',
  'planning permission extension',
  'complaint about staff',
  'abandoned car',
  'dog fouling',
  'free school meals',
  'bulky waste sofa',
  'job vacancies',
  'allotment',
  'foi request',
  'premises licence',
  'graffiti',
];

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The demo catalogue (library + whole LGSL list, about 1,520) plus a county council's and a partner
 * agency's copy of the library, as a shared two-tier front door would hold: about 1,780 published services.
 */
async function load(runtime: Runtime): Promise<{ councilId: string; services: number; seedMs: number }> {
  const t0 = performance.now();
  await seedDemoCouncil(runtime.database.db, runtime.services.governance);
  const council = await runtime.services.governance.defaultCouncil();
  const library = readLibraryDirectory(STARTER_LIBRARY_DIR).items;
  const partner = ['county', 'partner'].flatMap((copy) =>
    library.map((item, i) => {
      const def = structuredClone(item.definition) as ServiceDefinition;
      def.code = `${def.code}-${copy}`;
      def.name = `${def.name} (${copy === 'county' ? 'county council' : 'partner agency'})`;
      def.tier = copy === 'county' ? 'county' : 'partner';
      def.relatedServices = [];
      return { source: `${copy} ${i}`, definition: def };
    }),
  );
  const report = await runtime.services.catalogue.importDefinitions(
    council.id,
    partner,
    systemAuditContext(council.id, 'bench'),
  );
  if (report.rejected.length) throw new Error(JSON.stringify(report.rejected[0]));
  const seedMs = performance.now() - t0;
  const { rows } = await runtime.database.pool.query(
    "select count(*)::int as n from catalogue_service where council_id = $1 and status = 'published'",
    [council.id],
  );
  return { councilId: council.id, services: rows[0].n as number, seedMs };
}

async function measureFinder(runtime: Runtime, councilId: string) {
  const ours: number[] = [];
  const rawTimes: number[] = [];
  // The same statement the repository sends, compiled once per query and sent straight to the pool.
  const raw = (q: string) => {
    const fq = finderQuery(q);
    return finderSql(councilId, fq.text, fq.tsquery, 10).compile(runtime.database.db);
  };
  // Warm up both paths.
  for (const q of QUERIES) {
    await runtime.services.catalogue.find(councilId, q, 10);
    const compiled = raw(q);
    await runtime.database.pool.query(compiled.sql, compiled.parameters as unknown[]);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of QUERIES) {
      let t0 = performance.now();
      await runtime.services.catalogue.find(councilId, q, 10);
      ours.push(performance.now() - t0);
      const compiled = raw(q);
      t0 = performance.now();
      await runtime.database.pool.query(compiled.sql, compiled.parameters as unknown[]);
      rawTimes.push(performance.now() - t0);
    }
  }
  return {
    p50: round(percentile(ours, 50)),
    p95: round(percentile(ours, 95)),
    p99: round(percentile(ours, 99)),
    limitP50: round(percentile(rawTimes, 50)),
    limitP95: round(percentile(rawTimes, 95)),
    perS: Math.round(ours.length / (ours.reduce((a, b) => a + b, 0) / 1000)),
  };
}

async function measureValidation(runtime: Runtime, councilId: string) {
  const defs = await Promise.all(
    ['benefit-claim', 'bulky-waste', 'missed-bin', 'blue-badge', 'pothole'].map(
      async (code) => (await runtime.services.catalogue.get(councilId, code)).definition,
    ),
  );
  const answers: Record<string, Record<string, unknown>> = {
    'benefit-claim': {
      address: '1 Market Square',
      'date_of_birth-day': '3',
      'date_of_birth-month': '4',
      'date_of_birth-year': '1961',
      claim_type: ['housing_benefit', 'ctr'],
      tenure: 'private',
      universal_credit: 'no',
      savings: '1200',
      phone: '07700 900982',
    },
    'bulky-waste': {
      address: '1 Market Square',
      items: ['sofa', 'other'],
      other_items: 'Rug',
      item_count: '2',
      location_of_items: 'Front garden',
      reduction: 'no',
    },
    'missed-bin': {
      address: '1 Market Square',
      bin_type: 'refuse',
      put_out_time: 'yes',
      'collection_date-day': '1',
      'collection_date-month': '3',
      'collection_date-year': '2025',
    },
    'blue-badge': {
      full_name: 'Jo Bloggs',
      has_badge: 'no',
      qualifying_benefit: 'none',
      walking_difficulty: 'Cannot walk far',
    },
    pothole: {
      'location-description': 'Outside 4 High Street',
      where_on_road: 'carriageway',
      depth: 'deep',
      damage_claim: 'no',
    },
  };
  const times: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const def = defs[i % defs.length] as ServiceDefinition;
    const given = answers[def.code] ?? {};
    // Every other call is an incomplete form, so error paths are measured too.
    const raw = i % 2 === 0 ? given : { ...given, address: '' };
    const t0 = performance.now();
    validateAnswers(def.questions, raw);
    times.push(performance.now() - t0);
  }
  return {
    p50: round(percentile(times, 50)),
    p95: round(percentile(times, 95)),
    p99: round(percentile(times, 99)),
  };
}

const metrics: Record<string, number | string> = {};

// 1. Postgres server.
{
  const db = await freshServerDatabase('catalogue');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-cat-'));
  const runtime = await openRuntime(
    loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, GUILDHALL_DATA_DIR: dataDir }),
    {
      role: 'cli',
      sessionSecret: 'bench-session-secret-0123456789-0123456789',
    },
  );
  try {
    const { councilId, services, seedMs } = await load(runtime);
    const finder = await measureFinder(runtime, councilId);
    const validation = await measureValidation(runtime, councilId);
    Object.assign(metrics, {
      catalogue_services: services,
      seed_ms: Math.round(seedMs),
      finder_p50_ms: finder.p50,
      finder_p95_ms: finder.p95,
      finder_p99_ms: finder.p99,
      finder_per_s: finder.perS,
      finder_limit_p50_ms: finder.limitP50,
      finder_limit_p95_ms: finder.limitP95,
      finder_ratio_to_limit_p95: round(finder.p95 / finder.limitP95),
      form_validate_p50_ms: validation.p50,
      form_validate_p95_ms: validation.p95,
      form_validate_p99_ms: validation.p99,
    });
    process.stderr.write(
      `server: ${services} services; finder p95 ${finder.p95} ms (raw SQL ${finder.limitP95} ms); validate p95 ${validation.p95} ms\n`,
    );
  } finally {
    await runtime.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// 2. Embedded PGlite (the default `npm start`).
{
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-cat-'));
  const runtime = await openRuntime(
    loadConfig({ NODE_ENV: 'test', DATABASE_URL: '', GUILDHALL_DATA_DIR: dataDir }),
    {
      role: 'server',
      ephemeral: true,
      sessionSecret: 'bench-session-secret-0123456789-0123456789',
    },
  );
  try {
    const { councilId, services, seedMs } = await load(runtime);
    const finder = await measureFinder(runtime, councilId);
    Object.assign(metrics, {
      embedded_catalogue_services: services,
      embedded_seed_ms: Math.round(seedMs),
      embedded_finder_p50_ms: finder.p50,
      embedded_finder_p95_ms: finder.p95,
      embedded_finder_limit_p95_ms: finder.limitP95,
    });
    process.stderr.write(`embedded: finder p95 ${finder.p95} ms (raw SQL ${finder.limitP95} ms)\n`);
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

metrics.finder_queries = QUERIES.length;
metrics.finder_rounds = ROUNDS;
process.stderr.write(`wrote ${writeResults('catalogue', metrics)}\n`);
