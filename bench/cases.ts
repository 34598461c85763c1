/**
 * Service requests on a Postgres server, through a real Guildhall server (its own process):
 *
 * - create_per_s / create_p95_ms: POST /api/v1/cases with an Idempotency-Key each, from concurrent
 *   clients for a fixed time (validated, located, routed, SLA-timed, audited, with a domain event).
 * - queue_p95_ms: the team work-queue page (/staff/queues, HTML, signed in) with open_cases open
 *   requests loaded by a bulk SQL insert (not through the API), most of them in the measured team.
 * - create_*_cpu_ms: CPU used per request by the server, its Postgres backends and the bench itself
 *   (all on the same 2 cores), read from /proc: steadier than throughput on a busy machine.
 * - limit_*: the same work done by the bare SQL statements on the same database in the same run.
 *
 * Run: node bench/cases.ts   (BENCH_CASES_OPEN, BENCH_CASES_SECONDS, BENCH_CASES_CLIENTS to change)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { seedDemoCouncil } from '../seeds/demo.ts';
import { loadConfig } from '../src/config.ts';
import { generateReference } from '../src/modules/cases/index.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';
import { openRuntime } from '../src/runtime.ts';
import { freshServerDatabase } from './lib/database.ts';
import { keepAliveClient } from './lib/http.ts';
import { percentile, writeResults } from './lib/results.ts';
import { cpuPerRequest, startBenchServer } from './lib/server.ts';

const OPEN_CASES = Number(process.env.BENCH_CASES_OPEN ?? 100_000);
const SECONDS = Number(process.env.BENCH_CASES_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CASES_CLIENTS ?? 16);
const QUEUE_REQUESTS = 300;

const log = (m: string) => process.stderr.write(`${m}\n`);
const round = (n: number) => Math.round(n * 100) / 100;
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const db = await freshServerDatabase('cases');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-cases-'));
const config = loadConfig({
  NODE_ENV: 'test',
  GUILDHALL_DATA_DIR: dataDir,
  DATABASE_URL: db.url,
  LOG_LEVEL: 'silent',
});
const runtime = await openRuntime(config, {
  role: 'server',
  sessionSecret: 'bench-session-secret-0123456789-0123456789',
});
await seedDemoCouncil(runtime.database.db, runtime.services.governance);
const council = await runtime.services.governance.defaultCouncil();
const teams = await runtime.services.governance.listTeams(council.id);
const highways = teams.find((t) => t.name === 'Highways and Street Lighting');
if (!highways) throw new Error('no highways team');
const { token } = await runtime.services.governance.createApiToken(
  { councilId: council.id, name: 'bench cases', role: 'integration' },
  systemAuditContext(council.id, 'bench'),
);

// --- 100,000 open requests by bulk SQL: 60% in the measured team, the rest spread over the others.
const t0 = performance.now();
const service = await runtime.services.catalogue.get(council.id, 'pothole');
const references = new Set<string>();
while (references.size < OPEN_CASES) references.add(generateReference());
const teamIds = teams.map((t) => t.id);
await sql`
  insert into service_request (council_id, reference, service_id, service_code, service_name, service_version,
    status, priority, channel, description, answers, requester_party_id, easting, northing, lat, long,
    location_text, team_id, sla_unit, sla_amount, submitted_at, due_at, warn_at, sla_warned_at, sla_breached_at,
    created_at, updated_at)
  select ${council.id}::uuid, r.reference, ${service.service.id}::uuid, 'pothole', 'Report a pothole', 1,
    (array['submitted','acknowledged','in_progress','on_hold'])[1 + (r.n % 4)],
    (array['normal','normal','high','urgent'])[1 + (r.n % 4)], 'web', '', '{}'::jsonb, null,
    527000 + (r.n * 37) % 6000, 177000 + (r.n * 53) % 6000, 51.5, -0.12, 'Bench Street',
    case when r.n % 10 < 6 then ${highways.id}::uuid else (${teamIds}::uuid[])[1 + (r.n % ${teamIds.length})] end,
    'working_days', 28,
    now() - (r.n % 60) * interval '1 day',
    now() + (28 - (r.n % 60)) * interval '1 day',
    now() + (22 - (r.n % 60)) * interval '1 day',
    -- Requests already past their warning or target were flagged by the SLA sweep long ago.
    case when 22 - (r.n % 60) < 0 then now() end,
    case when 28 - (r.n % 60) < 0 then now() end,
    now(), now()
  from unnest(${[...references]}::text[]) with ordinality as r(reference, n)`.execute(runtime.database.db);
await sql`vacuum analyze service_request`.execute(runtime.database.db);
const loadSeconds = (performance.now() - t0) / 1000;
const { rows: openRows } = await sql<{
  n: string;
}>`select count(*) as n from service_request where is_open`.execute(runtime.database.db);
const openCases = Number(openRows[0]?.n ?? 0);
const { rows: teamRows } = await sql<{ n: string }>`select count(*) as n from service_request
  where is_open and team_id = ${highways.id}`.execute(runtime.database.db);
const teamQueueCases = Number(teamRows[0]?.n ?? 0);
log(
  `loaded ${OPEN_CASES.toLocaleString('en-GB')} open requests by SQL in ${loadSeconds.toFixed(1)} s (${openCases} open)`,
);
// A production server (templates cached, as councils run it) refuses demo accounts with published
// passwords: the bench signs in as an officer of its own and switches the demo accounts off.
const BENCH_PASSWORD = 'bench-officer-password-0123456789';
await runtime.services.governance.createUser(
  {
    councilId: council.id,
    email: 'bench.officer@demo-borough.example',
    displayName: 'Bench Officer',
    role: 'officer',
    password: BENCH_PASSWORD,
    teamId: highways.id,
    siteId: null,
    isDemo: false,
  },
  systemAuditContext(council.id, 'bench'),
);
await sql`update staff_user set is_demo = false, disabled = true where is_demo`.execute(runtime.database.db);
await runtime.close();

// --- The real server, as `npm start` runs it, against the same database.
const server = await startBenchServer({
  DATABASE_URL: db.url,
  GUILDHALL_DATA_DIR: dataDir,
  NODE_ENV: 'production',
  SESSION_SECRET: 'bench-session-secret-0123456789-0123456789',
  NOTIFICATIONS_ADAPTER: 'outbox',
});
log(`server ready in ${Math.round(server.readyMs)} ms at ${server.url}`);

async function signIn(): Promise<string> {
  const page = await fetch(`${server.url}/staff/sign-in`);
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0]);
  const response = await fetch(`${server.url}/staff/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
    body: new URLSearchParams({
      email: 'bench.officer@demo-borough.example',
      password: BENCH_PASSWORD,
      _csrf: csrf,
      returnTo: '/staff',
    }),
  });
  const session = response.headers.getSetCookie().map((c) => c.split(';')[0]);
  return [...cookies, ...session].join('; ');
}

const body = (i: number) =>
  JSON.stringify({
    serviceCode: 'pothole',
    channel: 'web',
    description: 'Bench pothole',
    location: { lat: 51.49 + (i % 400) * 0.0001, long: -0.16 + (i % 700) * 0.0001 },
    answers: { where_on_road: 'carriageway', depth: i % 3 === 0 ? 'deep' : 'medium', damage_claim: false },
  });

const admin = new pg.Pool({ connectionString: db.url, max: 1 });
const client = keepAliveClient(server.url, CLIENTS);
async function createLoad(seconds: number, clients: number, tag: string) {
  const latencies: number[] = [];
  let failures = 0;
  let counter = 0;
  let perSecond = 0;
  // CPU per request, which a busy shared machine disturbs far less than throughput.
  const cpu = await cpuPerRequest(server.pid, admin, async () => {
    const until = performance.now() + seconds * 1000;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          const i = counter++;
          const s = performance.now();
          const response = await client
            .request(
              'POST',
              '/api/v1/cases',
              {
                authorization: `Bearer ${token}`,
                'content-type': 'application/json',
                'idempotency-key': `${tag}-${i}`,
              },
              body(i),
            )
            .catch((error: Error) => ({ status: 0, body: error.message }));
          if (response.status !== 201) {
            failures++;
            if (failures < 3) log(`create answered ${response.status}: ${response.body.slice(0, 200)}`);
          } else latencies.push(performance.now() - s);
        }
      }),
    );
    perSecond = latencies.length / ((performance.now() - start) / 1000);
    return latencies.length + failures;
  });
  return { latencies, failures, perSecond, cpu };
}

const loadBefore = loadAverage();
await createLoad(3, CLIENTS, 'warm');
const created = await createLoad(SECONDS, CLIENTS, 'run');
log(
  `create: ${Math.round(created.perSecond)}/s, p95 ${round(percentile(created.latencies, 95))} ms, ${created.failures} failures; CPU per request: server ${round(created.cpu.server)} ms, Postgres ${round(created.cpu.database)} ms, bench ${round(created.cpu.bench)} ms`,
);
client.close();
await admin.end();

// --- The team queue page, signed in as an officer (HTML, default sort: soonest due first).
const cookie = await signIn();
const queueUrls = [
  `/staff/queues?team=${highways.id}`,
  `/staff/queues?team=${highways.id}&page=5`,
  `/staff/queues?team=${highways.id}&slaState=breached`,
  `/staff/queues?team=${highways.id}&status=in_progress`,
];
const fetchPage = async (url: string) => {
  const s = performance.now();
  const response = await fetch(`${server.url}${url}`, { headers: { cookie } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return { ms: performance.now() - s, text };
};
const first = await fetchPage(queueUrls[0] as string);
const shown = /data-test="queue-count">(?:More than )?([\d,]+) request/.exec(first.text)?.[1] ?? '?';
log(`team queue shows ${shown} requests`);
for (let i = 0; i < 20; i++) await fetchPage(queueUrls[i % queueUrls.length] as string);
const queue: number[] = [];
const queueDefault: number[] = [];
for (let i = 0; i < QUEUE_REQUESTS; i++) {
  const url = queueUrls[i % queueUrls.length] as string;
  const { ms } = await fetchPage(url);
  queue.push(ms);
  if (i % queueUrls.length === 0) queueDefault.push(ms);
}
const apiList: number[] = [];
for (let i = 0; i < 100; i++) {
  const s = performance.now();
  const r = await fetch(`${server.url}/api/v1/cases?team=${highways.id}&status=open&pageSize=50`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await r.arrayBuffer();
  apiList.push(performance.now() - s);
}
const loadAfter = loadAverage();
await server.stop();

// --- The limit: the same statements, bare, on the same database.
const pool = new pg.Pool({ connectionString: db.url, max: CLIENTS });
const limitLatencies: number[] = [];
{
  let i = 0;
  const until = performance.now() + 5000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const n = i++;
        const s = performance.now();
        const client = await pool.connect();
        try {
          await client.query('begin');
          const { rows } = await client.query<{ id: string }>(
            `insert into service_request (council_id, reference, service_id, service_code, service_name, service_version,
               status, priority, channel, answers, team_id, sla_unit, sla_amount, due_at, warn_at)
             values ($1, $2, $3, 'pothole', 'Report a pothole', 1, 'submitted', 'high', 'web', '{}', $4, 'working_days', 5, now(), now())
             returning id`,
            [council.id, `LIMIT-${n}`, service.service.id, highways.id],
          );
          await client.query(
            `insert into domain_event (council_id, aggregate_type, aggregate_id, event_type, payload) values ($1, 'case', $2, 'case.created', '{}')`,
            [council.id, rows[0]?.id],
          );
          await client.query(
            `insert into audit_event (council_id, actor_type, action, subject_type, subject_id, details) values ($1, 'api', 'case.created', 'case', $2, '{}')`,
            [council.id, rows[0]?.id],
          );
          await client.query('commit');
        } finally {
          client.release();
        }
        limitLatencies.push(performance.now() - s);
      }
      return start;
    }),
  );
}
const limitPerSecond = limitLatencies.length / 5;
const limitQueue: number[] = [];
for (let i = 0; i < 100; i++) {
  const s = performance.now();
  await pool.query(
    `select id, reference, status, due_at from service_request where council_id = $1 and team_id = $2 and is_open order by due_at, id limit 50`,
    [council.id, highways.id],
  );
  await pool.query(
    `select count(*) from service_request where council_id = $1 and team_id = $2 and is_open`,
    [council.id, highways.id],
  );
  limitQueue.push(performance.now() - s);
}
await pool.end();
await db.drop();

const file = writeResults('cases', {
  database: 'postgres',
  open_cases: openCases,
  team_queue_cases: teamQueueCases,
  queue_page_says: `${shown} requests (counting stops at 10,000)`,
  bulk_load_s: round(loadSeconds),
  create_clients: CLIENTS,
  create_seconds: SECONDS,
  create_per_s: Math.round(created.perSecond),
  create_p50_ms: round(percentile(created.latencies, 50)),
  create_p95_ms: round(percentile(created.latencies, 95)),
  create_p99_ms: round(percentile(created.latencies, 99)),
  create_failures: created.failures,
  create_server_cpu_ms: round(created.cpu.server),
  create_database_cpu_ms: round(created.cpu.database),
  create_bench_cpu_ms: round(created.cpu.bench),
  limit_create_per_s: Math.round(limitPerSecond),
  limit_create_p95_ms: round(percentile(limitLatencies, 95)),
  queue_p50_ms: round(percentile(queue, 50)),
  queue_p95_ms: round(percentile(queue, 95)),
  queue_p99_ms: round(percentile(queue, 99)),
  queue_default_p95_ms: round(percentile(queueDefault, 95)),
  api_list_p95_ms: round(percentile(apiList, 95)),
  limit_queue_p95_ms: round(percentile(limitQueue, 95)),
  load_average_before: loadBefore,
  load_average_after: loadAfter,
});
log(`wrote ${file}`);
