// Contacts benchmark: the party timeline over a large contact table.
//
// Loads BENCH_CONTACTS (default 10,000,000) contacts into the month-partitioned `contact` table on
// the Postgres server with set-based SQL (generate_series, one statement per million rows), spread
// over the last 23 months and 200,000 parties, plus one party with exactly 500 contacts. Then it
// starts the real server (`npm start`) and measures GET /api/v1/parties/{id}/timeline for that party
// (first page, and pages further back with `before`), against the limit: the same query as raw SQL
// on one connection. Writes bench/results/contacts.json.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { seedDemoCouncil } from '../seeds/demo.ts';
import { loadConfig } from '../src/config.ts';
import { openRuntime } from '../src/runtime.ts';
import { freshServerDatabase } from './lib/database.ts';
import { percentile, writeResults } from './lib/results.ts';
import { guildhall, startBenchServer } from './lib/server.ts';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 10_000_000);
const PARTIES = Number(process.env.BENCH_PARTIES ?? 200_000);
const TARGET_ITEMS = 500;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const CHUNK = 1_000_000;

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const round = (n: number) => Math.round(n * 100) / 100;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

const metrics: Record<string, number | string> = { load_average_at_start: loadavg() };
const db = await freshServerDatabase('contacts');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-contacts-'));
try {
  // Schema, the demo council, its users and parties, through the real code.
  const runtime = await openRuntime(
    loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, GUILDHALL_DATA_DIR: dataDir }),
    { role: 'server', sessionSecret: 'bench-session-secret-that-is-long-enough-0123456789' },
  );
  await seedDemoCouncil(runtime.database.db, runtime.services.governance);
  const council = await runtime.services.governance.defaultCouncil();
  await runtime.close();

  const client = new pg.Client({ connectionString: db.url });
  client.on('error', () => {});
  await client.connect();
  const q = (text: string, values: unknown[] = []) => client.query(text, values);

  // Parties for the contacts to belong to (the timeline's foreign key needs real ones).
  let started = performance.now();
  await q(
    `insert into party (council_id, reference, kind, display_name, name_key)
     select $1, 'BENCH-' || i, 'person', 'Bench Person ' || i, 'bench person ' || i
     from generate_series(1, $2::int) as i`,
    [council.id, PARTIES],
  );
  await q(
    `create temp table bench_party as
     select id, (row_number() over (order by reference))::int as n from party
     where council_id = $1 and reference like 'BENCH-%'`,
    [council.id],
  );
  await q('create unique index on bench_party (n)');
  await q('analyze bench_party');
  const agent = (
    await q(`select id, display_name from staff_user where council_id = $1 and role = 'agent' limit 1`, [
      council.id,
    ])
  ).rows[0] as { id: string; display_name: string };
  const target = (await q('select id from bench_party where n = 1')).rows[0].id as string;
  log(`${PARTIES} parties in ${Math.round(performance.now() - started)} ms`);

  // The contacts, a million per statement. Foreign-key triggers are skipped for the bulk load
  // (session_replication_role = replica; every id is valid by construction), as a migration of
  // historic contacts from another system would do.
  const LOAD = `
    insert into contact (council_id, party_id, channel, direction, started_at, ended_at, agent_id,
      recorded_by, interaction_type, service_codes, outcome, avoidable, avoidable_reason, notes)
    select $1::uuid, p.id,
      (array['phone','phone','phone','face_to_face','web','email','email','sms','letter','social'])[1 + g.h % 10],
      case when g.h % 6 = 0 then 'outbound' else 'inbound' end,
      g.at, g.at + (60 + g.h % 900) * interval '1 second',
      $2::uuid, $3,
      (array['report','request','application','booking','enquiry','payment','complaint'])[1 + (g.h / 10) % 7],
      array['service-' || (g.h % 200)],
      (array['resolved','resolved','resolved','signposted','referred','callback_booked','request_raised'])[1 + (g.h / 70) % 7],
      g.h % 5 = 0,
      case when g.h % 5 = 0 then 'repeat' end,
      'Bench contact'
    from (
      select i, abs(hashint4(i::int)) as h,
        -- Time runs with i (plus up to a day of jitter), so each statement fills about one month's
        -- partition, as contacts arrive in real life.
        now() - interval '1 hour' - (($7::float8 - i) / $7::float8 * 689 * 86400
          + abs(hashint4(i::int + 1)) % 86400) * interval '1 second' as at
      from generate_series($4::int, $5::int) as i
    ) g
    join bench_party p on p.n = 2 + abs(hashint4(g.i + 2)) % ($6::int - 1)`;
  started = performance.now();
  await q(`set session_replication_role = replica`);
  for (let from = 1; from <= CONTACTS - TARGET_ITEMS; from += CHUNK) {
    const to = Math.min(from + CHUNK - 1, CONTACTS - TARGET_ITEMS);
    const t0 = performance.now();
    await q(LOAD, [council.id, agent.id, agent.display_name, from, to, PARTIES, CONTACTS]);
    log(`contacts ${from}..${to} in ${Math.round(performance.now() - t0)} ms (load ${loadavg()})`);
  }
  // The measured party: exactly 500 contacts spread over the same 23 months.
  await q(
    `insert into contact (council_id, party_id, channel, direction, started_at, ended_at, agent_id, recorded_by,
       outcome, notes)
     select $1, $2, 'phone', 'inbound', t, t + interval '5 minutes', $3, $4, 'resolved', 'Target party contact'
     from (select now() - interval '1 hour' - (i * (690 * 86400 / $5::int)) * interval '1 second' as t
           from generate_series(0, $5::int - 1) as i) s`,
    [council.id, target, agent.id, agent.display_name, TARGET_ITEMS],
  );
  await q(`set session_replication_role = origin`);
  const loadSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  await q('analyze contact');
  const analyzeSeconds = (performance.now() - started) / 1000;
  const count = Number((await q('select count(*) from contact')).rows[0].count);
  const partitions = Number(
    (await q(`select count(*) from pg_inherits where inhparent = 'contact'::regclass`)).rows[0].count,
  );
  const size = (
    await q(`select pg_size_pretty(pg_total_relation_size('contact_default')) as d,
      (select pg_size_pretty(sum(pg_total_relation_size(inhrelid))) from pg_inherits
        where inhparent = 'contact'::regclass) as total`)
  ).rows[0] as { total: string };
  log(
    `${count} contacts loaded in ${round(loadSeconds)} s; analyze ${round(analyzeSeconds)} s; ${size.total}`,
  );
  Object.assign(metrics, {
    contacts: count,
    parties: PARTIES,
    partitions,
    table_size: size.total,
    load_seconds: round(loadSeconds),
    load_rows_per_s: Math.round(count / loadSeconds),
    analyze_seconds: round(analyzeSeconds),
    load_method: 'insert … select from generate_series, 1,000,000 rows per statement, FK triggers off',
  });

  // Raw SQL limit: the timeline's query for the target party on one connection.
  const RAW = `select id, party_id, channel, direction, started_at, ended_at, outcome, interaction_type,
      service_codes, notes from contact
    where council_id = $1 and party_id = $2 and ($3::timestamptz is null or started_at < $3)
    order by started_at desc, id desc limit $4`;
  const befores = Array.from({ length: REQUESTS }, (_, i) =>
    i % 2 === 0 ? null : new Date(Date.now() - ((i * 7919) % 680) * 86_400_000).toISOString(),
  );
  const plan = (await q(`explain (analyze, buffers) ${RAW}`, [council.id, target, null, 20])).rows
    .map((r) => r['QUERY PLAN'])
    .join('\n');
  log(plan);
  metrics.timeline_plan_first_lines = plan.split('\n').slice(0, 6).join(' | ');
  const rawFirst: number[] = [];
  const rawPaged: number[] = [];
  for (let i = 0; i < 50; i++) await q(RAW, [council.id, target, null, 20]);
  for (const before of befores) {
    const t0 = performance.now();
    await q(RAW, [council.id, target, before, 20]);
    (before ? rawPaged : rawFirst).push(performance.now() - t0);
  }
  await client.end();

  // Through the real server.
  const env = { DATABASE_URL: db.url, GUILDHALL_WORKER: '0', GUILDHALL_DATA_DIR: dataDir };
  const server = await startBenchServer(env);
  const token =
    guildhall(['token', 'create', '--name', 'bench', '--role', 'agent'], env).trim().split('\n').at(-1) ?? '';
  const headers = { authorization: `Bearer ${token}` };
  const url = (before: string | null) =>
    `${server.url}/api/v1/parties/${target}/timeline${before ? `?before=${encodeURIComponent(before)}` : ''}`;
  const first = await fetch(url(null), { headers });
  const firstBody = (await first.json()) as { items: { kind: string }[]; nextBefore: string | null };
  if (first.status !== 200 || firstBody.items.length !== 20) {
    throw new Error(`timeline answered ${first.status} with ${firstBody.items?.length} items`);
  }
  // Walk the whole history once: all 500 items are reachable by paging.
  let walked = 0;
  let cursor: string | null = null;
  do {
    const page = (await (await fetch(url(cursor), { headers })).json()) as {
      items: unknown[];
      nextBefore: string | null;
    };
    walked += page.items.length;
    cursor = page.nextBefore;
  } while (cursor);
  for (let i = 0; i < 50; i++) await (await fetch(url(null), { headers })).arrayBuffer();
  const httpFirst: number[] = [];
  const httpPaged: number[] = [];
  for (const before of befores) {
    const t0 = performance.now();
    const res = await fetch(url(before), { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`timeline answered ${res.status}`);
    (before ? httpPaged : httpFirst).push(performance.now() - t0);
  }
  await server.stop();
  const all = [...httpFirst, ...httpPaged];
  const rawAll = [...rawFirst, ...rawPaged];
  Object.assign(metrics, {
    target_party_items: TARGET_ITEMS,
    timeline_items_walked: walked,
    timeline_p50_ms: round(percentile(all, 50)),
    timeline_p95_ms: round(percentile(all, 95)),
    timeline_p99_ms: round(percentile(all, 99)),
    timeline_first_page_p95_ms: round(percentile(httpFirst, 95)),
    timeline_paged_p95_ms: round(percentile(httpPaged, 95)),
    timeline_limit_p50_ms: round(percentile(rawAll, 50)),
    timeline_limit_p95_ms: round(percentile(rawAll, 95)),
    timeline_limit_first_page_p95_ms: round(percentile(rawFirst, 95)),
    timeline_limit_paged_p95_ms: round(percentile(rawPaged, 95)),
    requests: REQUESTS,
    page_size: 20,
    load_average_at_end: loadavg(),
  });
  log(JSON.stringify(metrics));
  writeResults('contacts', metrics);
} catch (error) {
  log(`bench failed: ${(error as Error).stack}`);
  process.exitCode = 1;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  await db.drop();
}
