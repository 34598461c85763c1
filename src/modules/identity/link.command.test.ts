import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { pairwiseScores } from './evaluation.ts';
import { runLinkCommand } from './link.command.ts';

const fixture = path.join(import.meta.dirname, 'fixtures', 'febrl-dataset1.csv');

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function link(
  args: string[],
): Promise<{ code: number; rows: Record<string, string>[]; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runLinkCommand(args, { stdout, stderr });
  const rows = code === 0 ? (parse(stdout.text, { columns: true }) as Record<string, string>[]) : [];
  return { code, rows, out: stdout.text, err: stderr.text };
}

const personOf = (recId: string): string => recId.split('-')[1] as string;

describe('guildhall link: dedupe one file', () => {
  let result: Awaited<ReturnType<typeof link>>;
  beforeAll(async () => {
    result = await link([fixture]);
  });

  it('writes the exact header and every record exactly once', () => {
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toBe('source,record_id,cluster_id,match_probability');
    const input = parse(readFileSync(fixture, 'utf8'), { columns: true, trim: true }) as Record<
      string,
      string
    >[];
    const ids = result.rows.map((r) => r.record_id);
    expect(ids).toHaveLength(input.length);
    expect(new Set(ids).size).toBe(input.length);
    expect(new Set(ids)).toEqual(new Set(input.map((r) => r.rec_id)));
    expect(new Set(result.rows.map((r) => r.source))).toEqual(new Set(['febrl-dataset1']));
  });

  it('reports the columns it guessed (FEBRL headers have ", " separators)', () => {
    expect(result.err).toContain('given=given_name (guessed)');
    expect(result.err).toContain('family=surname (guessed)');
    expect(result.err).toContain('dob=date_of_birth (guessed)');
    expect(result.err).toContain('identifier=soc_sec_id (guessed)');
  });

  it('finds the duplicates', () => {
    const f1 = pairwiseScores(
      result.rows.map((r) => r.cluster_id as string),
      result.rows.map((r) => personOf(r.record_id as string)),
    ).f1;
    expect(f1).toBeGreaterThan(0.97);
  });

  it('gives singletons probability 0 and linked records their best link', () => {
    const size = new Map<string, number>();
    for (const r of result.rows)
      size.set(r.cluster_id as string, (size.get(r.cluster_id as string) ?? 0) + 1);
    for (const r of result.rows) {
      const p = Number(r.match_probability);
      if (size.get(r.cluster_id as string) === 1) expect(p).toBe(0);
      else expect(p).toBeGreaterThanOrEqual(0.5);
    }
  });

  it('accepts explicit column flags', async () => {
    const explicit = await link([
      '--id',
      'rec_id',
      '--given',
      'given_name',
      '--family',
      'surname',
      '--dob',
      'date_of_birth',
      fixture,
    ]);
    expect(explicit.code).toBe(0);
    expect(explicit.rows).toHaveLength(1000);
    expect(explicit.err).toContain('given=given_name ');
    expect(explicit.err).not.toContain('postcode=');
  });
});

describe('guildhall link: two lists', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'link-test-'));
  const lines = readFileSync(fixture, 'utf8').trim().split('\n');
  const header = lines[0] as string;
  const originals = lines.slice(1).filter((l) => l.includes('-org'));
  const duplicates = lines.slice(1).filter((l) => l.includes('-dup-'));
  mkdirSync(path.join(dir, 'a'));
  mkdirSync(path.join(dir, 'b'));
  writeFileSync(path.join(dir, 'a', 'people.csv'), `${[header, ...originals].join('\n')}\n`);
  writeFileSync(path.join(dir, 'b', 'people.csv'), `${[header, ...duplicates].join('\n')}\n`);
  writeFileSync(path.join(dir, 'residents.csv'), `${[header, ...originals].join('\n')}\n`);
  writeFileSync(path.join(dir, 'claimants.csv'), `${[header, ...duplicates].join('\n')}\n`);

  it('names sources by file, and 1/2 when both files share a name', async () => {
    const same = await link([path.join(dir, 'a', 'people.csv'), path.join(dir, 'b', 'people.csv')]);
    expect(same.code).toBe(0);
    expect(new Set(same.rows.map((r) => r.source))).toEqual(new Set(['1', '2']));
    const named = await link([path.join(dir, 'residents.csv'), path.join(dir, 'claimants.csv')]);
    expect(new Set(named.rows.map((r) => r.source))).toEqual(new Set(['residents', 'claimants']));
    expect(named.rows).toHaveLength(originals.length + duplicates.length);
  });

  it('links across the files only, one record per file per person', async () => {
    const result = await link([path.join(dir, 'residents.csv'), path.join(dir, 'claimants.csv')]);
    const clusters = new Map<string, Record<string, string>[]>();
    for (const r of result.rows) {
      const list = clusters.get(r.cluster_id as string) ?? [];
      list.push(r);
      clusters.set(r.cluster_id as string, list);
    }
    let correct = 0;
    for (const members of clusters.values()) {
      expect(new Set(members.map((m) => m.source)).size).toBe(members.length);
      if (
        members.length === 2 &&
        personOf(members[0]?.record_id as string) === personOf(members[1]?.record_id as string)
      ) {
        correct++;
      }
    }
    expect(correct).toBeGreaterThan(duplicates.length * 0.95);
  });
});

describe('guildhall link: errors', () => {
  it('exits 2 when a named column is missing', async () => {
    const result = await link(['--given', 'forename', fixture]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('column "forename" not found');
  });

  it('exits 2 for an unreadable file and for bad usage', async () => {
    expect((await link(['/nonexistent/file.csv'])).code).toBe(2);
    expect((await link([])).code).toBe(2);
    expect((await link(['a.csv', 'b.csv', 'c.csv'])).code).toBe(2);
    const unknown = await link(['--nope', fixture]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Usage: guildhall link');
  });
});
