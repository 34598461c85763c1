import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockingRecall, pairwiseScores } from './evaluation.ts';
import { type LinkageResult, linkRecords } from './linkage.engine.ts';

const rows = parse(readFileSync(path.join(import.meta.dirname, 'fixtures', 'fake-120.csv'), 'utf8'), {
  columns: true,
}) as Record<string, string>[];
const column = (name: string): string[] => rows.map((r) => r[name] as string);
const truth = column('cluster');

describe('linkRecords on a labelled sample', () => {
  let result: LinkageResult;
  beforeAll(async () => {
    result = await linkRecords(
      rows.length,
      {
        given: column('first_name'),
        family: column('surname'),
        dob: column('dob'),
        email: column('email'),
        address: column('city'),
      },
      { mode: 'dedupe' },
    );
  });

  it('keeps pairwise F1 above 0.9 on heavily corrupted records', () => {
    const scores = pairwiseScores(result.labels, truth);
    expect(scores.f1).toBeGreaterThan(0.9);
    expect(scores.precision).toBeGreaterThan(0.95);
  });

  it('compares a small fraction of pairs yet keeps most true pairs', () => {
    expect(result.blocking.count).toBeLessThan((rows.length * (rows.length - 1)) / 2 / 5);
    expect(
      blockingRecall(result.blocking.left, result.blocking.right, result.blocking.count, truth),
    ).toBeGreaterThan(0.8);
  });

  it('learns that agreement is evidence for a match', () => {
    for (const c of result.model.comparisons) {
      expect(Math.log2((c.m[0] as number) / (c.u[0] as number))).toBeGreaterThan(2);
      expect(Math.log2((c.m.at(-1) as number) / (c.u.at(-1) as number))).toBeLessThan(0);
    }
  });

  it('explains a decision as a waterfall that adds up', () => {
    const e = result.explain(0, 2); // Robert Alan vs Rob Allen: same person
    const total =
      e.priorLog2Odds +
      e.steps.reduce((s, step) => s + step.log2BayesFactor + step.termFrequencyAdjustment, 0);
    expect(e.finalLog2Odds).toBeCloseTo(total, 9);
    expect(e.matchProbability).toBeCloseTo(1 / (1 + 2 ** -total), 9);
    expect(e.steps.map((s) => s.comparison)).toEqual([
      'given_name',
      'family_name',
      'date_of_birth',
      'address',
      'email',
    ]);
    expect(e.steps.find((s) => s.comparison === 'given_name')?.level).toBe('nickname/variant');
    expect(e.decision).toBe('match');
    const missing = e.steps.find((s) => s.comparison === 'address');
    expect(missing?.level).toBe('missing');
    expect(missing?.log2BayesFactor).toBe(0);
  });
});
