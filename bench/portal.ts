// Portal benchmark: server-side time of the citizen pages a resident sees most, through the real
// server as production runs it (templates cached), on the Postgres server with the demo council.
// Each page is fetched one request at a time, so the time is the server's, not a queue's; /health on
// the same server is the floor (an HTTP round trip that does nothing).
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { seedDemoCouncil } from '../seeds/demo.ts';
import { loadConfig } from '../src/config.ts';
import { openRuntime } from '../src/runtime.ts';
import { freshServerDatabase } from './lib/database.ts';
import { percentile, writeResults } from './lib/results.ts';
import { startBenchServer } from './lib/server.ts';

const ROUNDS = Number(process.env.BENCH_PORTAL_ROUNDS ?? 200);
const log = (m: string) => process.stderr.write(`${m}\n`);
const round = (n: number) => Math.round(n * 100) / 100;
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const db = await freshServerDatabase('portal');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-portal-'));
const runtime = await openRuntime(
  loadConfig({ NODE_ENV: 'test', GUILDHALL_DATA_DIR: dataDir, DATABASE_URL: db.url, LOG_LEVEL: 'silent' }),
  { role: 'server', sessionSecret: 'bench-session-secret-0123456789-0123456789' },
);
await seedDemoCouncil(runtime.database.db, runtime.services.governance);
const [request] = (
  await runtime.services.cases.list((await runtime.services.governance.defaultCouncil()).id, { pageSize: 1 })
).items;
// Production refuses demo accounts with published passwords; the bench signs nobody in.
await sql`update staff_user set is_demo = false, disabled = true where is_demo`.execute(runtime.database.db);
await runtime.close();

const server = await startBenchServer({
  DATABASE_URL: db.url,
  GUILDHALL_DATA_DIR: dataDir,
  NODE_ENV: 'production',
  SESSION_SECRET: 'bench-session-secret-0123456789-0123456789',
  NOTIFICATIONS_ADAPTER: 'outbox',
});
log(`server ready in ${Math.round(server.readyMs)} ms at ${server.url}`);

const PAGES: Record<string, string> = {
  start: '/',
  start_welsh: '/?lang=cy',
  a_to_z: '/services?letter=D',
  search: '/search?q=my%20bin%20was%20not%20collected',
  service: '/services/street-light-fault',
  track_form: `/track?reference=${request?.reference ?? ''}`,
  booking_times: '/services/tennis-court-booking/book',
};

async function time(url: string): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(`${server.url}${url}`, { redirect: 'manual' });
  await response.arrayBuffer();
  if (response.status >= 500) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - t0;
}

const loadBefore = loadAverage();
const metrics: Record<string, number | string> = {};
const all: number[] = [];
for (let i = 0; i < 20; i++) for (const url of Object.values(PAGES)) await time(url);
const floor: number[] = [];
for (let i = 0; i < ROUNDS; i++) floor.push(await time('/health'));
for (const [name, url] of Object.entries(PAGES)) {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push(await time(url));
  all.push(...times);
  metrics[`${name}_p50_ms`] = round(percentile(times, 50));
  metrics[`${name}_p95_ms`] = round(percentile(times, 95));
  log(`${name}: p50 ${metrics[`${name}_p50_ms`]} ms, p95 ${metrics[`${name}_p95_ms`]} ms`);
}
await server.stop();
await db.drop();

const file = writeResults('portal', {
  page_p50_ms: round(percentile(all, 50)),
  page_p95_ms: round(percentile(all, 95)),
  page_p99_ms: round(percentile(all, 99)),
  health_floor_p95_ms: round(percentile(floor, 95)),
  rounds_per_page: ROUNDS,
  ...metrics,
  database: 'postgres server',
  load_average_before: loadBefore,
  load_average_after: loadAverage(),
});
log(`page p95 ${round(percentile(all, 95))} ms (target ≤ 30); written to ${file}`);
