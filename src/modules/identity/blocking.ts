/**
 * Candidate pairs from several blocking rules, unioned and deduplicated without a global sort:
 * each record i walks its blocks once and a "last seen" marker drops partners already emitted.
 * Oversized blocks (a common name on a common date of birth) fall back to a sorted-neighbourhood
 * window so cost stays linear instead of quadratic.
 */
export type BlockingKey = string | readonly string[] | null;

export type BlockingRule = {
  readonly name: string;
  /** Comparisons this rule forces to agree; EM ignores them on the pairs the rule found. */
  readonly fields: readonly string[];
  /** Overrides the default block size above which the rule falls back to a window. */
  readonly maxBlockSize?: number;
  /** Overrides the default window for oversized blocks. */
  readonly window?: number;
  /** Only pairs passing this are emitted (a rule meant for incomplete records, say). */
  readonly pairFilter?: (i: number, j: number) => boolean;
  keys(record: number): BlockingKey;
};

export type BlockingOptions = {
  /** Only pair records from different sources (two-list linkage). */
  source?: Uint8Array | undefined;
  /** Blocks larger than this are scanned with a sliding window instead of all pairs. */
  maxBlockSize?: number;
  /** Neighbours on each side inside an oversized block. */
  window?: number;
  /** Order used inside oversized blocks, so near-identical records sit next to each other. */
  sortKey?: (record: number) => string;
  onProgress?: (done: number, total: number, pairs: number) => void;
};

export type RuleStats = { rule: string; blocks: number; oversizedBlocks: number; newPairs: number };

export type CandidatePairs = {
  left: Int32Array;
  right: Int32Array;
  /** Bit r set when rule r produced the pair (a pair often satisfies several rules). */
  ruleMask: Uint32Array;
  count: number;
  rules: RuleStats[];
};

type RuleIndex = {
  members: Int32Array; // records grouped by block
  blockStart: Int32Array; // per block id, offset into members (length blocks + 1)
  oversized: Uint8Array; // per block id
  entryStart: Int32Array; // per record, offset into entryBlock/entryPos (length n + 1)
  entryBlock: Int32Array;
  entryPos: Int32Array; // position of the record inside members
  blocks: number;
  oversizedBlocks: number;
};

function indexRule(
  rule: BlockingRule,
  n: number,
  maxBlock: number,
  sortKey: (r: number) => string,
): RuleIndex {
  const blockOf = new Map<string, number>();
  const entryStart = new Int32Array(n + 1);
  let entryBlockList: number[] = [];
  for (let r = 0; r < n; r++) {
    entryStart[r] = entryBlockList.length;
    const k = rule.keys(r);
    if (k === null) continue;
    const list = typeof k === 'string' ? [k] : k;
    let prev = -1;
    for (const key of list) {
      if (key === '') continue;
      let id = blockOf.get(key);
      if (id === undefined) {
        id = blockOf.size;
        blockOf.set(key, id);
      }
      if (id !== prev) entryBlockList.push(id);
      prev = id;
    }
  }
  entryStart[n] = entryBlockList.length;
  const entryBlock = Int32Array.from(entryBlockList);
  entryBlockList = [];
  const blocks = blockOf.size;
  blockOf.clear();
  const blockStart = new Int32Array(blocks + 1);
  for (let e = 0; e < entryBlock.length; e++) {
    const b = (entryBlock[e] as number) + 1;
    blockStart[b] = (blockStart[b] as number) + 1;
  }
  for (let b = 0; b < blocks; b++)
    blockStart[b + 1] = (blockStart[b + 1] as number) + (blockStart[b] as number);
  const fill = blockStart.slice(0, blocks);
  const members = new Int32Array(entryBlock.length);
  const entryPos = new Int32Array(entryBlock.length);
  for (let r = 0; r < n; r++) {
    for (let e = entryStart[r] as number; e < (entryStart[r + 1] as number); e++) {
      const b = entryBlock[e] as number;
      const pos = fill[b] as number;
      fill[b] = pos + 1;
      members[pos] = r;
      entryPos[e] = pos;
    }
  }
  const oversized = new Uint8Array(blocks);
  let oversizedBlocks = 0;
  let remap: Int32Array | null = null;
  for (let b = 0; b < blocks; b++) {
    const start = blockStart[b] as number;
    const end = blockStart[b + 1] as number;
    if (end - start <= maxBlock) continue;
    oversized[b] = 1;
    oversizedBlocks++;
    remap ??= new Int32Array(members.length);
    const old = members.slice(start, end);
    const keys = Array.from(old, (r) => sortKey(r));
    const order = Array.from(old, (_, q) => q);
    order.sort((x, y) => {
      const kx = keys[x] as string;
      const ky = keys[y] as string;
      return kx < ky ? -1 : kx > ky ? 1 : x - y;
    });
    for (let q = 0; q < order.length; q++) {
      const from = order[q] as number;
      members[start + q] = old[from] as number;
      remap[start + from] = start + q;
    }
  }
  if (remap) {
    for (let e = 0; e < entryBlock.length; e++) {
      if (oversized[entryBlock[e] as number] === 1) entryPos[e] = remap[entryPos[e] as number] as number;
    }
  }
  return { members, blockStart, oversized, entryStart, entryBlock, entryPos, blocks, oversizedBlocks };
}

class PairBuffer {
  left = new Int32Array(1 << 16);
  right = new Int32Array(1 << 16);
  rule = new Uint32Array(1 << 16);
  count = 0;
  push(i: number, j: number, rule: number): void {
    if (this.count === this.left.length) {
      const size = this.left.length * 2;
      const left = new Int32Array(size);
      left.set(this.left);
      this.left = left;
      const right = new Int32Array(size);
      right.set(this.right);
      this.right = right;
      const ruleMask = new Uint32Array(size);
      ruleMask.set(this.rule);
      this.rule = ruleMask;
    }
    this.left[this.count] = i;
    this.right[this.count] = j;
    this.rule[this.count] = 1 << rule;
    this.count++;
  }
}

export function generateCandidatePairs(
  n: number,
  rules: readonly BlockingRule[],
  options: BlockingOptions = {},
): CandidatePairs {
  const maxBlock = options.maxBlockSize ?? 400;
  const window = options.window ?? 20;
  const source = options.source;
  const sortKey = options.sortKey ?? ((r: number) => String(r));
  const indexes = rules.map((rule) => indexRule(rule, n, rule.maxBlockSize ?? maxBlock, sortKey));
  const stats: RuleStats[] = rules.map((rule, k) => ({
    rule: rule.name,
    blocks: (indexes[k] as RuleIndex).blocks,
    oversizedBlocks: (indexes[k] as RuleIndex).oversizedBlocks,
    newPairs: 0,
  }));
  if (rules.length > 32) throw new Error('at most 32 blocking rules');
  const seen = new Int32Array(n).fill(-1);
  const slotOf = new Int32Array(n);
  const out = new PairBuffer();
  const progressEvery = Math.max(1, Math.floor(n / 20));
  for (let i = 0; i < n; i++) {
    seen[i] = i;
    const si = source ? (source[i] as number) : 0;
    for (let k = 0; k < indexes.length; k++) {
      const ix = indexes[k] as RuleIndex;
      const rule = rules[k] as BlockingRule;
      const ruleWindow = rule.window ?? window;
      const filter = rule.pairFilter;
      const before = out.count;
      for (let e = ix.entryStart[i] as number; e < (ix.entryStart[i + 1] as number); e++) {
        const b = ix.entryBlock[e] as number;
        const start = ix.blockStart[b] as number;
        const end = ix.blockStart[b + 1] as number;
        const pos = ix.entryPos[e] as number;
        let lo = pos + 1;
        let hi = end;
        if (ix.oversized[b] === 1) {
          lo = Math.max(start, pos - ruleWindow);
          hi = Math.min(end, pos + ruleWindow + 1);
        }
        for (let p = lo; p < hi; p++) {
          const j = ix.members[p] as number;
          if (j <= i) continue;
          if (seen[j] === i) {
            const slot = slotOf[j] as number;
            out.rule[slot] = (out.rule[slot] as number) | (1 << k);
            continue;
          }
          if (source && source[j] === si) continue;
          if (filter && !filter(i, j)) continue;
          seen[j] = i;
          slotOf[j] = out.count;
          out.push(i, j, k);
        }
      }
      (stats[k] as RuleStats).newPairs += out.count - before;
    }
    if (options.onProgress && (i + 1) % progressEvery === 0) options.onProgress(i + 1, n, out.count);
  }
  return { left: out.left, right: out.right, ruleMask: out.rule, count: out.count, rules: stats };
}
