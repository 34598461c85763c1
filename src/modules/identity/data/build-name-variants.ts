/**
 * Dev-time generator for name-variants.json (not used at run time).
 * Usage: node src/modules/identity/data/build-name-variants.ts /path/to/shared/data/names
 * Each variant table lists, for a name, every other member of its variant group; we keep the
 * groups themselves (deduplicated), which is about a fifth of the size.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function groupsFrom(file: string): string[][] {
  const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const byName = new Map<string, Set<string>>();
  for (const line of lines) {
    const [a, b] = line.split(',').map((s) => s.trim().toLowerCase());
    if (!a || !b || a === b) continue;
    let set = byName.get(a);
    if (!set) {
      set = new Set([a]);
      byName.set(a, set);
    }
    set.add(b);
  }
  const seen = new Set<string>();
  const groups: string[][] = [];
  for (const set of byName.values()) {
    const group = [...set].sort();
    const key = group.join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    groups.push(group);
  }
  return groups.sort((x, y) => (x[0] as string).localeCompare(y[0] as string));
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: build-name-variants.ts NAMES_DIR');
const out = {
  source: 'cran/sdglinkage firstname_uk_variant and lastname_uk_variant (MIT), regrouped',
  forenames: groupsFrom(path.join(dir, 'firstname_uk_variant.csv')),
  surnames: groupsFrom(path.join(dir, 'lastname_uk_variant.csv')),
};
writeFileSync(path.join(import.meta.dirname, 'name-variants.json'), `${JSON.stringify(out)}\n`);
console.warn(`forename groups ${out.forenames.length}, surname groups ${out.surnames.length}`);
