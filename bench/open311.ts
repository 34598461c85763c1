// Open311 benchmark on a Postgres server: a history of requests bulk-loaded with set-based SQL, then
// POST requests.json through the real server with concurrent clients (what FixMyStreet does), and
// GET requests.json with up to 1,000 results beside the same page read with raw SQL (the limit).
import os from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import { freshServerDatabase } from './lib/database.ts';
import { percentile, writeResults } from './lib/results.ts';
import { cpuPerRequest, guildhall, startBenchServer } from './lib/server.ts';

const REQUESTS = Number(process.env.BENCH_OPEN311_REQUESTS ?? 1_000_000);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_OPEN311_CONNECTIONS ?? 16);
const LIST_SAMPLES = Number(process.env.BENCH_OPEN311_LIST_SAMPLES ?? 60);
/** The history spans three years, so the default 90-day window holds about 8% of it. */
const HISTORY_DAYS = 3 * 365;

const log = (message: string) => process.stderr.write(`${message}\n`);
const round = (n: number) => Math.round(n * 10) / 10;

const db = await freshServerDatabase('open311');
const env = { DATABASE_URL: db.url, GUILDHALL_WORKER: '0', DATABASE_POOL_MAX: '10' };
const server = await startBenchServer(env);
const pool = new pg.Pool({ connectionString: db.url, max: 4 });
const metrics: Record<string, number | string> = {};

try {
  const key =
    guildhall(['token', 'create', '--name', 'bench open311', '--role', 'integration'], env)
      .trim()
      .split('\n')
      .at(-1) ?? '';
  const { rows: councils } = await pool.query<{ id: string }>('select id from council limit 1');
  const councilId = councils[0]?.id ?? '';
  const { rows: services } = await pool.query<{ id: string; code: string; name: string; v: number }>(
    `select id, code, name, published_version as v from catalogue_service
      where council_id = $1 and code in ('pothole', 'street-light-fault', 'fly-tipping', 'graffiti', 'litter')
      order by code`,
    [councilId],
  );
  if (services.length !== 5) throw new Error('the demo catalogue lacks the bench services');

  // 1. The history, set-based: a service, a point in the demo area, a status and a time for each row.
  const t0 = performance.now();
  await pool.query(
    `insert into service_request (council_id, reference, service_id, service_code, service_name,
        service_version, status, outcome, priority, channel, description, answers, easting, northing,
        lat, long, location_text, sla_unit, sla_amount, submitted_at, due_at, warn_at, resolved_at,
        created_at, updated_at)
     select $1, 'GH-' || upper(substr(h, 1, 4)) || '-' || upper(substr(h, 5, 4)),
            s.id, s.code, s.name, s.v,
            case when i % 10 = 0 then 'in_progress' when i % 10 = 1 then 'submitted' else 'resolved' end,
            case when i % 10 > 1 then 'fixed' end,
            'normal', case when i % 3 = 0 then 'open311' else 'web' end,
            'Bench request ' || i, '{"depth":"deep"}'::jsonb,
            527000 + (i::bigint * 7919) % 6000, 177000 + (i::bigint * 104729) % 6000,
            51.476 + ((i::bigint * 104729) % 6000) / 6000.0 * 0.056, -0.172 + ((i::bigint * 7919) % 6000) / 6000.0 * 0.088,
            'Bench Street ' || (i % 500), 'working_days', 5, at, at + interval '7 days', at + interval '5 days',
            case when i % 10 > 1 then at + interval '3 days' end, at, at + interval '3 days'
       from generate_series(1, $2::integer) as i
       cross join lateral (select lpad(to_hex(i), 8, '0') as h,
                                  now() - ((i::double precision / $2) * $3 * interval '1 day') as at) g
       join (select id, code, name, v, row_number() over (order by code) - 1 as n
               from unnest($4::uuid[], $5::text[], $6::text[], $7::int[]) as x(id, code, name, v)) s
         on s.n = i % 5`,
    [
      councilId,
      REQUESTS,
      HISTORY_DAYS,
      services.map((s) => s.id),
      services.map((s) => s.code),
      services.map((s) => s.name),
      services.map((s) => s.v),
    ],
  );
  await pool.query('vacuum analyze service_request');
  const loadS = (performance.now() - t0) / 1000;
  const { rows: counted } = await pool.query<{ n: string }>(
    'select count(*) as n from service_request where council_id = $1',
    [councilId],
  );
  metrics.requests = Number(counted[0]?.n ?? 0);
  metrics.load_s = round(loadS);
  log(`loaded ${metrics.requests.toLocaleString('en-GB')} requests in ${loadS.toFixed(1)} s`);

  // 2. POST requests.json through the server: concurrent clients, each report at its own point, with a
  // reporter (matched to a party, or created) as FixMyStreet sends them.
  let n = 0;
  const body = (reporter: boolean) => {
    n++;
    const lat = 51.48 + (((n * 7919) % 5000) / 5000) * 0.05;
    const long = -0.168 + (((n * 104729) % 5000) / 5000) * 0.08;
    return new URLSearchParams({
      api_key: key,
      service_code: 'pothole',
      lat: lat.toFixed(6),
      long: long.toFixed(6),
      description: `Bench pothole ${n}`,
      ...(reporter
        ? {
            email: `reporter${n % 2000}@bench.example`,
            first_name: 'Bench',
            last_name: `Reporter${n % 2000}`,
          }
        : {}),
      'attribute[where_on_road]': 'carriageway',
      'attribute[depth]': 'deep',
      'attribute[damage_claim]': 'no',
    }).toString();
  };
  const loadavg = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const postLoad = async (reporter: boolean) => {
    const options = {
      url: `${server.url}/open311/v2/requests.json`,
      method: 'POST' as const,
      connections: CONNECTIONS,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      requests: [{ setupRequest: (r: autocannon.Request) => ({ ...r, body: body(reporter) }) }],
    };
    await autocannon({ ...options, duration: 3 });
    const before = loadavg();
    let result: autocannon.Result | undefined;
    const cpu = await cpuPerRequest(server.pid, pool, async () => {
      result = await autocannon({ ...options, duration: DURATION_S });
      return result.requests.total;
    });
    if (!result) throw new Error('autocannon gave no result');
    return { result, cpu, load: `${before} -> ${loadavg()}` };
  };
  // With a reporter (email and name, matched to a party or a new one), as FixMyStreet sends them.
  const withReporter = await postLoad(true);
  metrics.post_per_s = Math.round(withReporter.result.requests.average);
  metrics.post_p50_ms = withReporter.result.latency.p50;
  metrics.post_p99_ms = withReporter.result.latency.p99;
  metrics.post_errors = withReporter.result.errors + withReporter.result.non2xx;
  metrics.loadavg_during_post = withReporter.load;
  // CPU per request (server, its Postgres backends, the bench): steadier than throughput on a busy machine.
  metrics.post_server_cpu_ms = Math.round(withReporter.cpu.server * 100) / 100;
  metrics.post_database_cpu_ms = Math.round(withReporter.cpu.database * 100) / 100;
  metrics.post_bench_cpu_ms = Math.round(withReporter.cpu.bench * 100) / 100;
  // Anonymous reports: no party search or creation.
  const anonymous = await postLoad(false);
  metrics.post_anonymous_per_s = Math.round(anonymous.result.requests.average);
  metrics.post_anonymous_p99_ms = anonymous.result.latency.p99;
  metrics.post_anonymous_errors = anonymous.result.errors + anonymous.result.non2xx;
  metrics.loadavg_during_post_anonymous = anonymous.load;
  metrics.post_anonymous_server_cpu_ms = Math.round(anonymous.cpu.server * 100) / 100;
  metrics.post_anonymous_database_cpu_ms = Math.round(anonymous.cpu.database * 100) / 100;
  metrics.post_connections = CONNECTIONS;
  log(
    `POST requests.json: ${metrics.post_per_s}/s with a reporter (p99 ${metrics.post_p99_ms} ms), ${metrics.post_anonymous_per_s}/s anonymous; errors ${metrics.post_errors}/${metrics.post_anonymous_errors}`,
  );

  // 3. GET requests.json (the default: the last 90 days, 1,000 newest) and filtered variants, one at
  // a time; beside it the same page with raw SQL over the pool.
  const variants = [
    '',
    '?service_code=pothole',
    '?status=closed',
    '?status=open&service_code=fly-tipping,graffiti',
    '?page=3',
  ];
  const listMs: number[] = [];
  let results = 0;
  for (let i = 0; i < 5; i++) await fetch(`${server.url}/open311/v2/requests.json${variants[i % 5]}`);
  for (let i = 0; i < LIST_SAMPLES; i++) {
    const s = performance.now();
    const response = await fetch(`${server.url}/open311/v2/requests.json${variants[i % variants.length]}`);
    // Timed to the last byte of the answer; the client's own JSON parsing is not the server's time.
    const text = await response.text();
    listMs.push(performance.now() - s);
    const items = JSON.parse(text) as unknown[];
    if (response.status !== 200) throw new Error(`GET requests.json answered ${response.status}`);
    if (i % variants.length === 0) results = items.length;
  }
  const limitMs: number[] = [];
  for (let i = 0; i < LIST_SAMPLES; i++) {
    const s = performance.now();
    await pool.query(
      `select id, reference, service_code, service_name, status, outcome, description, submitted_at,
              updated_at, due_at, location_text, uprn, lat, long
         from service_request
        where council_id = $1 and submitted_at >= now() - interval '90 days'
        order by submitted_at desc, id desc limit 1000`,
      [councilId],
    );
    limitMs.push(performance.now() - s);
  }
  metrics.list_results = results;
  metrics.list_p50_ms = round(percentile(listMs, 50));
  metrics.list_p95_ms = round(percentile(listMs, 95));
  metrics.list_limit_sql_p50_ms = round(percentile(limitMs, 50));
  metrics.list_limit_sql_p95_ms = round(percentile(limitMs, 95));
  metrics.list_samples = LIST_SAMPLES;
  log(
    `GET requests.json (${results} results): p50 ${metrics.list_p50_ms} ms, p95 ${metrics.list_p95_ms} ms; raw SQL p95 ${metrics.list_limit_sql_p95_ms} ms`,
  );
  metrics.loadavg = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  metrics.duration_s = DURATION_S;
} finally {
  await pool.end();
  await server.stop();
  await db.drop();
}

log(`wrote ${writeResults('open311', metrics)}`);
