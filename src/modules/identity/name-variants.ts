import { readFileSync } from 'node:fs';
import path from 'node:path';

export type NameTable = 'forenames' | 'surnames';

type VariantFile = { forenames: string[][]; surnames: string[][] };

const EMPTY: readonly number[] = [];
let loaded: Record<NameTable, Map<string, number[]>> | null = null;

// Read once, lazily: the CLI pays for it only when a name column is linked.
function tables(): Record<NameTable, Map<string, number[]>> {
  if (loaded) return loaded;
  const file = path.join(import.meta.dirname, 'data', 'name-variants.json');
  const data = JSON.parse(readFileSync(file, 'utf8')) as VariantFile;
  const build = (groups: string[][], offset: number): Map<string, number[]> => {
    const byName = new Map<string, number[]>();
    groups.forEach((group, index) => {
      for (const name of group) {
        const list = byName.get(name);
        if (list) list.push(offset + index);
        else byName.set(name, [offset + index]);
      }
    });
    return byName;
  };
  loaded = { forenames: build(data.forenames, 0), surnames: build(data.surnames, 1_000_000) };
  return loaded;
}

/** Variant group ids of a normalised name (robert and bob share one); empty when not in the table. */
export function nameVariantGroups(name: string, table: NameTable): readonly number[] {
  return tables()[table].get(name) ?? EMPTY;
}

/** True when the two names are listed as variants of each other (bob ~ robert, peggy ~ margaret). */
export function areNameVariants(a: string, b: string, table: NameTable): boolean {
  if (a === b) return true;
  const ga = nameVariantGroups(a, table);
  if (ga.length === 0) return false;
  const gb = nameVariantGroups(b, table);
  for (const g of ga) if (gb.includes(g)) return true;
  return false;
}

/** A stable representative for blocking: the alphabetically first member of the name's first group. */
export function canonicalName(name: string, table: NameTable): string {
  const groups = nameVariantGroups(name, table);
  if (groups.length === 0) return name;
  return `~${groups[0]}`;
}
