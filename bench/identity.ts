/**
 * Identity linkage bench: accuracy on the dev sets (FEBRL 1 and 2, fake_1000) through the real
 * `guildhall link` code path, a comparison of clustering methods, and dedupe speed/memory on
 * synthetic UK people at 200k and 1M rows (child process, so peak RSS is the linker's alone).
 *   node bench/identity.ts                      everything
 *   IDENTITY_BENCH_SKIP_1M=1 node bench/identity.ts   skip the 1M run
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import type { ClusteringMethod } from '../src/modules/identity/clustering.ts';
import { blockingRecall, pairwiseScores } from '../src/modules/identity/evaluation.ts';
import { runLinkCommand } from '../src/modules/identity/index.ts';
import { linkRecords } from '../src/modules/identity/linkage.engine.ts';
import { type BenchMetrics, writeResults } from './lib/results.ts';
import { generateUkPeople } from './lib/uk-people.ts';

const root = path.join(import.meta.dirname, '..');
const devDir = path.join(import.meta.dirname, 'data', 'linkage-dev');
const metrics: BenchMetrics = {};

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

type Dev = { key: string; file: string; truth: (row: Record<string, string>) => string };
const devSets: Dev[] = [
  { key: 'febrl1', file: 'dataset1.csv', truth: (r) => (r.rec_id as string).split('-')[1] as string },
  { key: 'febrl2', file: 'dataset2.csv', truth: (r) => (r.rec_id as string).split('-')[1] as string },
  { key: 'fake1000', file: 'fake_1000.csv', truth: (r) => r.cluster as string },
];

function readRows(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { trim: true, columns: true, bom: true }) as Record<
    string,
    string
  >[];
}

for (const dev of devSets) {
  const file = path.join(devDir, dev.file);
  const rows = readRows(file);
  const truthById = new Map(rows.map((r, k) => [r.rec_id ?? r.unique_id ?? String(k + 1), dev.truth(r)]));
  const out = new Capture();
  const err = new Capture();
  // Columns are guessed from the headers, exactly as a user running `guildhall link FILE` gets.
  const code = await runLinkCommand([file], { stdout: out, stderr: err });
  if (code !== 0) throw new Error(`link failed on ${dev.file}: ${err.text}`);
  const result = parse(out.text, { columns: true }) as Record<string, string>[];
  const predicted = result.map((r) => r.cluster_id as string);
  const truth = result.map((r) => truthById.get(r.record_id as string) as string);
  const s = pairwiseScores(predicted, truth);
  metrics[`${dev.key}_f1`] = round(s.f1);
  metrics[`${dev.key}_precision`] = round(s.precision);
  metrics[`${dev.key}_recall`] = round(s.recall);
  console.warn(
    `${dev.key}: F1 ${s.f1.toFixed(4)} (precision ${s.precision.toFixed(4)}, recall ${s.recall.toFixed(4)})`,
  );

  // Blocking recall and the clustering comparison, on the same columns the CLI guessed.
  const pick = (names: string[]): string[] | undefined => {
    const name = names.find((n) => n in (rows[0] ?? {}));
    return name ? rows.map((r) => r[name] as string) : undefined;
  };
  const addressCols = ['street_number', 'address_1', 'address_2', 'suburb', 'city'].filter(
    (c) => c in (rows[0] ?? {}),
  );
  const columns = {
    given: pick(['given_name', 'first_name']),
    family: pick(['surname']),
    dob: pick(['date_of_birth', 'dob']),
    postcode: pick(['postcode']),
    email: pick(['email']),
    address: addressCols.length > 0 ? rows.map((r) => addressCols.map((c) => r[c]).join(' ')) : undefined,
    identifiers: pick(['soc_sec_id'])
      ? [{ name: 'soc_sec_id', values: pick(['soc_sec_id']) as string[] }]
      : [],
  };
  const rowTruth = rows.map(dev.truth);
  for (const method of [
    'components',
    'bridge-check',
    'evidence-check',
    'best-link',
    'average-link',
  ] as ClusteringMethod[]) {
    const res = await linkRecords(rows.length, columns, { mode: 'dedupe', clustering: method });
    if (method === 'components') {
      metrics[`${dev.key}_blocking_recall`] = round(
        blockingRecall(res.blocking.left, res.blocking.right, res.blocking.count, rowTruth),
      );
      metrics[`${dev.key}_pairs_compared`] = res.blocking.count;
    }
    const f1 = pairwiseScores(res.labels, rowTruth).f1;
    metrics[`${dev.key}_f1_${method.replace('-', '_')}`] = round(f1);
  }
}

async function timedDedupe(rowCount: number, key: string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'identity-bench-'));
  try {
    const people = generateUkPeople(rowCount, 11);
    const file = path.join(dir, `people_${key}.csv`);
    const csv = [people.header.join(','), ...people.rows.map((r) => r.join(','))].join('\n');
    writeFileSync(file, `${csv}\n`);
    const outFile = path.join(dir, 'out.csv');
    const started = performance.now();
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(root, 'src/modules/identity/link.main.ts'), file], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.pipe(createWriteStream(outFile));
      let text = '';
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
        process.stderr.write(d);
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`linker exited ${code}`))));
    });
    const seconds = (performance.now() - started) / 1000;
    metrics[`dedupe_${key}_s`] = round(seconds, 1);
    const rss = stderr.match(/peak RSS (\d+) MB/);
    if (rss) metrics[`peak_rss_${key}_mb`] = Number(rss[1]);
    const rate = stderr.match(/compare: (\d+) pairs, \d+ distinct patterns, (\d+) pairs\/s/);
    if (rate) {
      metrics[`pairs_compared_${key}`] = Number(rate[1]);
      metrics[`pairs_per_s_${key}`] = Number(rate[2]);
    }
    const truthById = new Map(people.rows.map((r, k) => [r[0] as string, people.truth[k] as number]));
    const result = parse(readFileSync(outFile, 'utf8'), { columns: true }) as Record<string, string>[];
    const s = pairwiseScores(
      result.map((r) => r.cluster_id as string),
      result.map((r) => truthById.get(r.record_id as string) as number),
    );
    metrics[`synthetic_${key}_f1`] = round(s.f1);
    console.warn(`dedupe ${key}: ${seconds.toFixed(1)} s, F1 ${s.f1.toFixed(4)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await timedDedupe(200_000, '200k');
if (process.env.IDENTITY_BENCH_SKIP_1M !== '1') await timedDedupe(1_000_000, '1m');
metrics.pairs_per_s = metrics.pairs_per_s_1m ?? metrics.pairs_per_s_200k ?? null;
metrics.peak_rss_mb = Math.max(Number(metrics.peak_rss_200k_mb ?? 0), Number(metrics.peak_rss_1m_mb ?? 0));
console.warn(`wrote ${writeResults('identity', metrics)}`);

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}
