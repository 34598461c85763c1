// Platform benchmark: an authenticated JSON endpoint that reads one row, against the same row read
// over the pool with no HTTP (the limit); plus cold start and idle memory of the embedded server.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { freshServerDatabase } from './lib/database.ts';
import { percentile, writeResults } from './lib/results.ts';
import { guildhall, rssMb, startBenchServer } from './lib/server.ts';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = 32;

async function load(
  url: string,
  token: string,
): Promise<{ perS: number; p50: number; p99: number; errors: number }> {
  // Warm up, then measure.
  await autocannon({
    url,
    connections: CONNECTIONS,
    duration: 2,
    headers: { authorization: `Bearer ${token}` },
  });
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    perS: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

/** The same row read over a pool of the same size, with no HTTP: the limit our endpoint is compared with. */
async function limit(databaseUrl: string): Promise<{ perS: number; p99: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const { rows: councils } = await pool.query('select id from council limit 1');
  const councilId = councils[0].id;
  const latencies: number[] = [];
  let done = 0;
  const until = performance.now() + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await pool.query(
          'select id, slug, name, profile, area_min_easting, area_min_northing, area_max_easting, area_max_northing, area_min_lat, area_min_long, area_max_lat, area_max_long from council where id = $1',
          [councilId],
        );
        latencies.push(performance.now() - t0);
        done++;
      }
    }),
  );
  await pool.end();
  return { perS: Math.round(done / DURATION_S), p99: Math.round(percentile(latencies, 99) * 100) / 100 };
}

const metrics: Record<string, number | string> = {};

// 1. Postgres server.
{
  const db = await freshServerDatabase('platform');
  const env = { DATABASE_URL: db.url, GUILDHALL_WORKER: '0', DATABASE_POOL_MAX: '10' };
  const server = await startBenchServer(env);
  const token =
    guildhall(['token', 'create', '--name', 'bench', '--role', 'integration'], env)
      .trim()
      .split('\n')
      .at(-1) ?? '';
  const http = await load(`${server.url}/api/v1/council`, token);
  await server.stop();
  const raw = await limit(db.url);
  await db.drop();
  Object.assign(metrics, {
    authed_json_per_s: http.perS,
    authed_json_p50_ms: http.p50,
    authed_json_p99_ms: http.p99,
    authed_json_errors: http.errors,
    limit_per_s: raw.perS,
    limit_p99_ms: raw.p99,
    ratio_to_limit: Math.round((http.perS / raw.perS) * 100) / 100,
  });
  process.stderr.write(`server: ${http.perS}/s p99 ${http.p99} ms; limit ${raw.perS}/s\n`);
}

// 2. Embedded PGlite: first run (creates and seeds), then a cold start on the existing data, idle RSS, load.
{
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-'));
  const env = { GUILDHALL_DATA_DIR: dataDir, DATABASE_URL: '' };
  const first = await startBenchServer(env);
  await first.stop();
  const starts: number[] = [];
  let rss = 0;
  let embedded = { perS: 0, p50: 0, p99: 0, errors: 0 };
  for (let i = 0; i < 3; i++) {
    const server = await startBenchServer(env);
    starts.push(server.readyMs);
    if (i === 2) {
      await new Promise((r) => setTimeout(r, 5000));
      rss = rssMb(server.pid);
      const token =
        guildhall(['token', 'create', '--name', 'bench', '--role', 'integration'], env)
          .trim()
          .split('\n')
          .at(-1) ?? '';
      embedded = await load(`${server.url}/api/v1/council`, token);
    }
    await server.stop();
  }
  rmSync(dataDir, { recursive: true, force: true });
  Object.assign(metrics, {
    first_start_ms: Math.round(first.readyMs),
    cold_start_ms: Math.round(percentile(starts, 50)),
    idle_rss_mb: rss,
    embedded_authed_json_per_s: embedded.perS,
    embedded_authed_json_p99_ms: embedded.p99,
  });
  process.stderr.write(
    `embedded: cold start ${metrics.cold_start_ms} ms, idle RSS ${rss} MB, ${embedded.perS}/s\n`,
  );
}

metrics.connections = CONNECTIONS;
metrics.duration_s = DURATION_S;
process.stderr.write(`wrote ${writeResults('platform', metrics)}\n`);
