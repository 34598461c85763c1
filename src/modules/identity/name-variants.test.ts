import { describe, expect, it } from 'vitest';
import { nameComparison, nameFeatures } from './comparisons.ts';
import { areNameVariants } from './name-variants.ts';

describe('name variants', () => {
  it('knows common nicknames in either direction', () => {
    expect(areNameVariants('bob', 'robert', 'forenames')).toBe(true);
    expect(areNameVariants('robert', 'bob', 'forenames')).toBe(true);
    expect(areNameVariants('peggy', 'margaret', 'forenames')).toBe(true);
    expect(areNameVariants('bill', 'william', 'forenames')).toBe(true);
    expect(areNameVariants('adams', 'adamson', 'surnames')).toBe(true);
  });

  it('does not pair unrelated names', () => {
    expect(areNameVariants('john', 'mary', 'forenames')).toBe(false);
    expect(areNameVariants('bob', 'robert', 'surnames')).toBe(false);
  });

  it('puts a nickname in its own comparison level, and a swap in another', () => {
    const given = nameFeatures(['robert', 'bob', 'smith', 'robert']);
    const family = nameFeatures(['smith', 'smith', 'robert', 'smyth']);
    const compare = nameComparison('given_name', given, family, 'forenames');
    expect(compare.levels[compare.compare(0, 1)]).toBe('nickname/variant');
    expect(compare.levels[compare.compare(0, 2)]).toBe('matches the other name field');
    expect(compare.levels[compare.compare(0, 3)]).toBe('exact');
  });
});
