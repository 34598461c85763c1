import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { nameKey } from './parties.normalise.ts';

/** Nicknames and variant spellings, both ways round: maggie ↔ margaret, bob ↔ robert. */
export interface NameVariants {
  forenames(key: string): readonly string[];
  surnames(key: string): readonly string[];
}

function load(file: string): Map<string, string[]> {
  const rows = parse(readFileSync(file, 'utf8'), { from_line: 2 }) as string[][];
  const map = new Map<string, Set<string>>();
  const add = (a: string, b: string) => {
    if (!a || !b || a === b) return;
    const set = map.get(a) ?? new Set<string>();
    map.set(a, set);
    set.add(b);
  };
  for (const [first, second] of rows) {
    const a = nameKey(first ?? '');
    const b = nameKey(second ?? '');
    add(a, b);
    add(b, a);
  }
  return new Map([...map].map(([k, v]) => [k, [...v]]));
}

let cached: NameVariants | undefined;

/** Loaded once per process from the CSV files in ./data (see data/SOURCES.md). */
export function nameVariants(): NameVariants {
  if (cached) return cached;
  const dir = path.join(import.meta.dirname, 'data');
  const forenames = load(path.join(dir, 'forename-variants.csv'));
  const surnames = load(path.join(dir, 'surname-variants.csv'));
  cached = {
    forenames: (key) => forenames.get(key) ?? [],
    surnames: (key) => surnames.get(key) ?? [],
  };
  return cached;
}
