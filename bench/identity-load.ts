// Loading back-office extracts into the register (`guildhall identity load`), on the embedded
// database. Synthetic UK people (bench/lib/uk-people.ts, ~40% appear 2–6 times with typos,
// nicknames, moves and missing values) are split into two extracts, "housing" and "revenues",
// and loaded in turn onto the demo council. Measured: records/s per load; for the second load,
// the precision of automatic links (the linked party holds a housing record of the same true
// person) and the recall of links and review pairs over revenues records whose person is in the
// housing extract. Writes bench/results/identity-load.json.
// BENCH_LOAD_ROWS (default 6,000) rows in all.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { seedDemoCouncil } from '../seeds/demo.ts';
import { loadConfig } from '../src/config.ts';
import type { ExtractRow, IdentityMapping } from '../src/modules/identity/index.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';
import { openRuntime } from '../src/runtime.ts';
import { writeResults } from './lib/results.ts';
import { generateUkPeople } from './lib/uk-people.ts';

const ROWS = Number(process.env.BENCH_LOAD_ROWS ?? 6_000);
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (n: number) => Math.round(n * 10_000) / 10_000;

const people = generateUkPeople(ROWS, 23);
const mapping = (system: string): IdentityMapping => ({
  system,
  key: 'record_id',
  kind: 'person',
  columns: {
    givenNames: 'first_name',
    familyName: 'surname',
    dateOfBirth: 'dob',
    'address.text': 'address_1',
    'address.postcode': 'postcode',
    email: 'email',
  },
});
const extract = (parity: number): ExtractRow[] =>
  people.rows.flatMap((values, i) =>
    i % 2 === parity
      ? [{ line: i + 2, record: Object.fromEntries(people.header.map((h, c) => [h, values[c] ?? ''])) }]
      : [],
  );
// Keys as party_identifier.value_key holds them (upper case, no spaces).
const truthOf = new Map(
  people.rows.map((values, i) => [
    (values[0] as string).toUpperCase().replace(/\s+/g, ''),
    people.truth[i] as number,
  ]),
);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-bench-identity-load-'));
const runtime = await openRuntime(
  loadConfig({ NODE_ENV: 'test', GUILDHALL_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' }),
  { role: 'server', sessionSecret: 'bench-session-secret-0123456789-0123456789' },
);
try {
  await seedDemoCouncil(runtime.database.db, runtime.services.governance);
  const council = await runtime.services.governance.defaultCouncil();
  const metrics: Record<string, number> = { rows: ROWS };
  for (const [system, parity] of [
    ['housing', 0],
    ['revenues', 1],
  ] as const) {
    const rows = extract(parity);
    const started = performance.now();
    const summary = await runtime.services.identity.loadExtract({
      councilId: council.id,
      system,
      mapping: mapping(system),
      rows,
      context: systemAuditContext(council.id, 'bench'),
      progress: (s) => log(`${system}: ${s.linked + s.created + s.rejected.length}/${s.read}`),
    });
    const seconds = (performance.now() - started) / 1000;
    log(
      `${system}: ${JSON.stringify({ ...summary, rejected: summary.rejected.length, outcomes: undefined })}`,
    );
    metrics[`${system}_records`] = rows.length;
    metrics[`${system}_seconds`] = Math.round(seconds * 10) / 10;
    metrics[`${system}_records_per_s`] = Math.round(rows.length / seconds);
    metrics[`${system}_linked`] = summary.linked;
    metrics[`${system}_created`] = summary.created;
    metrics[`${system}_queued`] = summary.queued;
    metrics[`${system}_rejected`] = summary.rejected.length;
  }
  // A link is right when the party holds another record (of either extract) of the same true person.
  const { rows: keys } = await sql<{ party_id: string; system: string; value_key: string }>`
    select party_id, system, value_key from party_identifier
     where council_id = ${council.id} and scheme = 'source'`.execute(runtime.database.db);
  const keysOf = new Map<string, { system: string; truth: number }[]>();
  const partyOf = new Map<string, string>();
  for (const k of keys) {
    const list = keysOf.get(k.party_id) ?? [];
    list.push({ system: k.system, truth: truthOf.get(k.value_key) ?? -1 });
    keysOf.set(k.party_id, list);
    partyOf.set(`${k.system}|${k.value_key}`, k.party_id);
  }
  const holdsAnother = (party: string | undefined, truth: number, self: number) =>
    party !== undefined && (keysOf.get(party) ?? []).filter((k) => k.truth === truth).length > self;
  const { rows: outcomes } = await sql<{ system: string; source_key: string; outcome: string }>`
    select system, source_key, outcome from identity_source_record where council_id = ${council.id}`.execute(
    runtime.database.db,
  );
  const { rows: reviews } = await sql<{ left_party_id: string; system: string; source_key: string }>`
    select left_party_id, system, source_key from identity_review where council_id = ${council.id}`.execute(
    runtime.database.db,
  );
  const reviewOf = new Map(reviews.map((r) => [`${r.system}|${r.source_key}`, r.left_party_id]));
  const housingTruths = new Set(
    outcomes.filter((o) => o.system === 'housing').map((o) => truthOf.get(o.source_key) ?? -1),
  );
  let links = 0;
  let correctLinks = 0;
  let findable = 0;
  let found = 0;
  let queuedRight = 0;
  for (const o of outcomes) {
    const truth = truthOf.get(o.source_key) ?? -2;
    const party = partyOf.get(`${o.system}|${o.source_key}`);
    if (o.outcome === 'linked') {
      links++;
      if (holdsAnother(party, truth, 1)) correctLinks++;
    }
    if (o.system === 'revenues' && housingTruths.has(truth)) {
      findable++;
      if (o.outcome === 'linked' && holdsAnother(party, truth, 1)) found++;
      if (o.outcome === 'queued' && holdsAnother(reviewOf.get(`${o.system}|${o.source_key}`), truth, 0))
        queuedRight++;
    }
  }
  metrics.link_precision = round(correctLinks / Math.max(1, links));
  metrics.revenues_link_recall = round(found / Math.max(1, findable));
  metrics.revenues_link_or_review_recall = round((found + queuedRight) / Math.max(1, findable));
  metrics.revenues_findable = findable;
  log(JSON.stringify(metrics));
  log(`wrote ${writeResults('identity-load', metrics)}`);
} finally {
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
}
