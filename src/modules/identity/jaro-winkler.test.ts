import { describe, expect, it } from 'vitest';
import { damerauLevenshtein, jaro, jaroWinkler, withinOneEdit } from './jaro-winkler.ts';

describe('jaro and jaro-winkler', () => {
  it('matches the published examples (Winkler 1990)', () => {
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('DWAYNE', 'DUANE')).toBeCloseTo(0.84, 4);
    expect(jaroWinkler('DIXON', 'DICKSONX')).toBeCloseTo(0.8133, 4);
    expect(jaro('MARTHA', 'MARHTA')).toBeCloseTo(0.9444, 4);
  });

  it('handles identical, empty and disjoint strings', () => {
    expect(jaroWinkler('smith', 'smith')).toBe(1);
    expect(jaroWinkler('', 'smith')).toBe(0);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
  });

  it('is symmetric and copes with long strings', () => {
    const a = `${'a'.repeat(100)}b`;
    const b = `${'a'.repeat(99)}bb`;
    expect(jaroWinkler(a, b)).toBeCloseTo(jaroWinkler(b, a), 10);
    expect(jaroWinkler(a, b)).toBeGreaterThan(0.95);
  });
});

describe('edit distances', () => {
  it('counts an adjacent transposition as one edit', () => {
    expect(damerauLevenshtein('ca', 'ac')).toBe(1);
    expect(damerauLevenshtein('kitten', 'sitting')).toBe(3);
    expect(damerauLevenshtein('abc', 'abcdefgh', 2)).toBe(3);
  });

  it('withinOneEdit agrees with the distance for small edits', () => {
    const cases: [string, string, boolean][] = [
      ['4011', '4011', true],
      ['4011', '4012', true],
      ['4011', '4101', true],
      ['4011', '401', true],
      ['4011', '40111', true],
      ['4011', '4110', false],
      ['SW1A 1AA', 'SW1A 1BB', false],
    ];
    for (const [a, b, expected] of cases) {
      expect(withinOneEdit(a, b)).toBe(expected);
      expect(damerauLevenshtein(a, b) <= 1).toBe(expected);
    }
  });
});
