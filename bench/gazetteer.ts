// Gazetteer benchmark on the Postgres server: import a synthetic AddressBase Premium supply of
// 1,000,000 LPIs with the real importer (stream → check → stage → swap), then measure address
// autocomplete, UPRN lookup and nearest-asset queries (among 200,000 assets) through the gazetteer
// service, each beside its "limit": the same core SQL statement run straight on the pool.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { seedDemoCouncil } from '../seeds/demo.ts';
import { loadConfig } from '../src/config.ts';
import { searchWords } from '../src/modules/gazetteer/gazetteer.format.ts';
import { addressSearchPlan, wordPatterns } from '../src/modules/gazetteer/gazetteer.service.ts';
import {
  addressBaseHeader,
  addressBaseLine,
  addressBaseTrailer,
  generateTown,
  isFullPostcode,
  postcodeKey,
} from '../src/modules/gazetteer/index.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';
import { openRuntime } from '../src/runtime.ts';
import { percentile, writeResults } from './lib/results.ts';

const SERVER_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgresql://postgres@127.0.0.1:5432/test';
const LPIS = Number(process.env.BENCH_LPIS ?? 1_000_000);
const ASSETS = Number(process.env.BENCH_ASSETS ?? 200_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 400);
// While tuning queries: BENCH_KEEP_DATABASE=name keeps the database (and on a later run with the
// same name skips generating, importing and adding assets, and measures only the queries).
const KEEP = process.env.BENCH_KEEP_DATABASE;
const log = (line: string) => process.stderr.write(`${line}\n`);
const ms = (n: number) => Math.round(n * 100) / 100;

function stats(samples: number[]) {
  return {
    p50: ms(percentile(samples, 50)),
    p95: ms(percentile(samples, 95)),
    p99: ms(percentile(samples, 99)),
  };
}

async function time(samples: number[], work: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  await work();
  samples.push(performance.now() - t0);
}

// A fresh database on the server, dropped at the end (unless kept for tuning).
const name = KEEP ? `guildhall_bench_gazetteer_${KEEP}` : `guildhall_bench_gazetteer_${process.pid}`;
const admin = new pg.Client({ connectionString: SERVER_URL });
await admin.connect();
const reuse =
  KEEP !== undefined &&
  (await admin.query('select 1 from pg_database where datname = $1', [name])).rows.length > 0;
if (!reuse) {
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
}
await admin.end();
const url = new URL(SERVER_URL);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
const file = path.join(os.tmpdir(), `gazetteer-bench-${KEEP ?? process.pid}.csv`);

const metrics: Record<string, number | string> = {};
try {
  process.env.GUILDHALL_DEMO_ADDRESSES = '100';
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
    LOG_LEVEL: 'silent',
    NOTIFICATIONS_ADAPTER: 'outbox',
  });
  const runtime = await openRuntime(config, {
    role: 'server',
    sessionSecret: 'bench-session-secret-0123456789abcdef',
  });
  let t0 = performance.now();
  if (!reuse) await seedDemoCouncil(runtime.database.db, runtime.services.governance);
  const council = await runtime.services.governance.defaultCouncil();
  const g = runtime.services.gazetteer;

  if (!reuse) {
    // 1. Write the supply file (not timed).
    t0 = performance.now();
    const town = generateTown({ lpis: LPIS });
    const out = createWriteStream(file);
    const write = async (line: string) => {
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    };
    await write(addressBaseHeader('F'));
    for (const record of town.records) await write(addressBaseLine(record));
    await write(addressBaseTrailer(town.summary.records));
    out.end();
    await once(out, 'finish');
    log(
      `wrote ${town.summary.records.toLocaleString()} records (${town.summary.lpis.toLocaleString()} LPIs, ${Math.round(statSync(file).size / 2 ** 20)} MB) in ${Math.round(performance.now() - t0)} ms`,
    );

    // 2. Import with the real importer, as `guildhall gazetteer import` does.
    t0 = performance.now();
    let lastPhase = '';
    const report = await g.importAddressBaseFile(
      council.id,
      file,
      {
        fileName: path.basename(file),
        onProgress: (p) => {
          if (p.phase !== lastPhase)
            log(
              `  ${p.phase} at ${Math.round((performance.now() - t0) / 1000)} s (${p.lines.toLocaleString()} lines)`,
            );
          lastPhase = p.phase;
        },
      },
      systemAuditContext(council.id, 'bench'),
    );
    const importSeconds = (performance.now() - t0) / 1000;
    const lpis = report.applied.gazetteer_lpi?.upserted ?? 0;
    log(
      `imported ${lpis.toLocaleString()} LPIs in ${importSeconds.toFixed(1)} s, ${report.rejectedCount} rejected`,
    );
    Object.assign(metrics, {
      lpis,
      blpus: report.applied.gazetteer_blpu?.upserted ?? 0,
      file_records: report.lines,
      import_seconds: Math.round(importSeconds * 10) / 10,
      import_lpis_per_s: Math.round(lpis / importSeconds),
      import_records_per_s: Math.round(report.lines / importSeconds),
      import_rejected: report.rejectedCount,
    });
    // Where the import's time went, step by step (seconds), so a slow step shows in the results.
    for (const [step, seconds] of Object.entries(report.timings)) {
      log(`    ${step}: ${seconds} s`);
      metrics[`import_step_${step.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_s`] = seconds;
    }

    // Limit for the import: the server ingesting the same file as raw lines with COPY (psql \copy).
    const psql = spawnSync('psql', [databaseUrl, '-q', '-c', 'create unlogged table bench_raw (line text)'], {
      encoding: 'utf8',
    });
    if (psql.status === 0) {
      t0 = performance.now();
      const copy = spawnSync(
        'psql',
        [databaseUrl, '-q', '-c', `\\copy bench_raw from '${file}' with (format text, delimiter E'\\x01')`],
        { encoding: 'utf8' },
      );
      const copySeconds = (performance.now() - t0) / 1000;
      if (copy.status === 0) metrics.limit_copy_raw_lines_per_s = Math.round(report.lines / copySeconds);
      spawnSync('psql', [databaseUrl, '-q', '-c', 'drop table bench_raw'], { encoding: 'utf8' });
    }

    // 3. 200,000 assets spread over the town (bulk, not timed).
    t0 = performance.now();
    const lines = town.summary.streetLines;
    const types = ['street_light', 'litter_bin', 'bench', 'tree', 'gully', 'sign', 'play_equipment'];
    const assets = Array.from({ length: ASSETS }, (_, i) => {
      const s = lines[i % lines.length] ?? { usrn: 1, x1: 530000, y1: 180000, x2: 530100, y2: 180000 };
      const f = ((i * 7919) % 1000) / 1000;
      return {
        ref: `A-${i}`,
        type: types[i % types.length] ?? 'street_light',
        easting: Math.round((s.x1 + (s.x2 - s.x1) * f + ((i % 3) - 1) * 8) * 10) / 10,
        northing: Math.round((s.y1 + (s.y2 - s.y1) * f + ((i % 5) - 2) * 5) * 10) / 10,
        usrn: s.usrn,
      };
    });
    await g.addAssets(council.id, assets);
    await runtime.database.pool.query('analyze');
    log(`added ${ASSETS.toLocaleString()} assets in ${Math.round(performance.now() - t0)} ms`);
  }

  // 4. Queries people type, built from real addresses in the gazetteer.
  const pool = runtime.database.pool;
  const sample = (
    await pool.query<{ uprn: string }>(
      'select uprn from gazetteer_address where council_id = $1 and logical_status = 1 order by md5(uprn::text) limit $2',
      [council.id, QUERIES],
    )
  ).rows.map((r) => Number(r.uprn));
  const props = await g.properties(council.id, sample);
  const queries: string[] = [];
  props.forEach((p, i) => {
    const words = (p.addressLines.join(' ') || '').split(/[\s,]+/).filter(Boolean);
    const q =
      i % 4 === 0
        ? words.slice(0, 3).join(' ').toLowerCase()
        : i % 4 === 1
          ? `${words.slice(0, 2).join(' ')} ${(words[2] ?? '').slice(0, 2)}`.toLowerCase()
          : i % 4 === 2
            ? `${words.slice(0, 4).join(' ')} ${p.addressLines.at(-2)?.split(' ')[0] ?? ''}`.toLowerCase()
            : (p.postcode ?? '').replace(' ', i % 8 === 3 ? '' : ' ');
    queries.push(q.trim());
  });

  const warm = async () => {
    for (const q of queries.slice(0, 50)) await g.searchAddresses(council.id, q, 10);
  };
  await warm();
  const autocomplete: number[] = [];
  const autocompleteLimit: number[] = [];
  const trigram: number[] = [];
  const steps: Record<string, number> = {};
  let found = 0;
  for (const q of queries) {
    await time(autocomplete, async () => {
      const r = await g.searchAddresses(council.id, q, 10);
      if (r.results.length > 0) found++;
    });
    const words = searchWords(q);
    if (isFullPostcode(q)) {
      // The limit of a postcode search: the btree read of its search rows.
      await time(autocompleteLimit, () =>
        pool.query(
          'select uprn from gazetteer_address where council_id = $1 and postcode_key = $2 limit 100',
          [council.id, postcodeKey(q)],
        ),
      );
    } else {
      // The limit of a text search: the candidate statement alone, no property rows, no JavaScript.
      const plan = addressSearchPlan(words);
      await time(autocompleteLimit, async () => {
        const r = await pool.query<{ step: string }>(
          'select uprn, step from gazetteer_address_candidates($1, $2, $3, $4::tsquery, $5, $6, $7, 20)',
          [council.id, plan.prefixes, plan.match, plan.words, plan.phrase, plan.text, plan.numbers],
        );
        const step = r.rows[0]?.step ?? 'none';
        steps[step] = (steps[step] ?? 0) + 1;
      });
    }
    // For comparison with earlier runs: the pg_trgm LIKE candidate query the search used before.
    const patterns = wordPatterns(words);
    const conditions = patterns.map(
      (ps, i) =>
        `(${ps.map((_, j) => `search_text like $${2 + patterns.slice(0, i).flat().length + j}`).join(' or ')})`,
    );
    await time(trigram, () =>
      pool.query(
        `select uprn from gazetteer_address where council_id = $1 and ${conditions.join(' and ')} limit 40`,
        [council.id, ...patterns.flat()],
      ),
    );
  }
  const a = stats(autocomplete);
  const al = stats(autocompleteLimit);
  const tr = stats(trigram);
  Object.assign(metrics, {
    autocomplete_p50_ms: a.p50,
    autocomplete_p95_ms: a.p95,
    autocomplete_p99_ms: a.p99,
    autocomplete_found_ratio: Math.round((found / queries.length) * 100) / 100,
    limit_autocomplete_p50_ms: al.p50,
    limit_autocomplete_p95_ms: al.p95,
    autocomplete_limit_p95_ms: al.p95,
    autocomplete_queries: queries.length,
    autocomplete_text_steps: Object.entries(steps)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
    trigram_like_candidates_p95_ms: tr.p95,
  });
  log(
    `autocomplete p50 ${a.p50} p95 ${a.p95} ms (limit p95 ${al.p95}; old trigram LIKE p95 ${tr.p95}); found ${found}/${queries.length}; text steps ${metrics.autocomplete_text_steps}`,
  );

  const lookup: number[] = [];
  const lookupLimit: number[] = [];
  for (const uprn of sample.slice(0, 20)) await g.getProperty(council.id, uprn);
  for (const uprn of sample) {
    await time(lookup, () => g.getProperty(council.id, uprn));
    await time(lookupLimit, () =>
      pool.query('select * from gazetteer_blpu where council_id = $1 and uprn = $2', [council.id, uprn]),
    );
  }
  const l = stats(lookup);
  const ll = stats(lookupLimit);
  Object.assign(metrics, {
    uprn_lookup_p50_ms: l.p50,
    uprn_lookup_p95_ms: l.p95,
    uprn_lookup_p99_ms: l.p99,
    limit_uprn_lookup_p95_ms: ll.p95,
  });
  log(`uprn lookup p50 ${l.p50} p95 ${l.p95} ms (limit p95 ${ll.p95})`);

  const nearest: number[] = [];
  const nearestLimit: number[] = [];
  for (const p of props) {
    const e = p.easting + 17;
    const n = p.northing - 11;
    await time(nearest, () =>
      g.nearestAssets(council.id, { easting: e, northing: n }, { limit: 10, withinMetres: 500 }),
    );
    await time(nearestLimit, () =>
      pool.query(
        'select id from gazetteer_asset where council_id = $1 order by location <-> point($2, $3) limit 10',
        [council.id, e, n],
      ),
    );
  }
  const nr = stats(nearest);
  const nl = stats(nearestLimit);
  Object.assign(metrics, {
    assets: ASSETS,
    nearest_assets_p50_ms: nr.p50,
    nearest_assets_p95_ms: nr.p95,
    nearest_assets_p99_ms: nr.p99,
    limit_nearest_assets_p95_ms: nl.p95,
  });
  log(`nearest assets p50 ${nr.p50} p95 ${nr.p95} ms (limit p95 ${nl.p95})`);
  await runtime.close();
} finally {
  if (!KEEP) {
    rmSync(file, { force: true });
    const c = new pg.Client({ connectionString: SERVER_URL });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  }
}

metrics.database = 'postgres server';
// The machine is shared: record how busy it was, since every figure above depends on it.
metrics.load_average_1m_at_end = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
log(`wrote ${writeResults('gazetteer', metrics)}`);
// Something the import leaves behind keeps the event loop alive after the runtime closes, so
// `npm run bench` would wait here for ever; leave explicitly (the leak is noted in docs/gazetteer.md).
process.exit(0);
