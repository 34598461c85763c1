/**
 * Turning scored pairs into people. Plain connected components chain: A~B and B~C put A and C
 * together even when A and C clearly differ. The alternatives here resist that in different ways;
 * bench/identity.ts measures them and docs/identity-linkage.md records which won.
 */
export type ClusteringMethod =
  | 'components'
  | 'bridge-check'
  | 'evidence-check'
  | 'best-link'
  | 'average-link';

export type ScoredPairs = {
  left: Int32Array;
  right: Int32Array;
  probability: Float32Array;
  count: number;
};

export type ClusteringOptions = {
  method: ClusteringMethod;
  /** Edges at or above this probability may join records. */
  threshold: number;
  /** bridge-check: a bridge at or above this is kept even when it joins two groups. */
  strongThreshold?: number;
  /** Two-list linkage: at most one record per source in a cluster. */
  source?: Uint8Array | undefined;
  oneToOne?: boolean;
};

class UnionFind {
  readonly parent: Int32Array;
  readonly size: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
    this.size = new Int32Array(n).fill(1);
  }
  find(x: number): number {
    let r = x;
    while (this.parent[r] !== r) r = this.parent[r] as number;
    while (this.parent[x] !== r) {
      const next = this.parent[x] as number;
      this.parent[x] = r;
      x = next;
    }
    return r;
  }
  union(a: number, b: number): number {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return ra;
    if ((this.size[ra] as number) < (this.size[rb] as number)) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] = (this.size[ra] as number) + (this.size[rb] as number);
    return ra;
  }
}

/** Edge indexes at or above threshold, strongest first. */
function strongEdges(pairs: ScoredPairs, threshold: number): Int32Array {
  const list: number[] = [];
  for (let k = 0; k < pairs.count; k++) if ((pairs.probability[k] as number) >= threshold) list.push(k);
  const edges = Int32Array.from(list);
  const prob = pairs.probability;
  return edges.sort((a, b) => (prob[b] as number) - (prob[a] as number) || a - b);
}

/** Cluster label per record: 0..k-1, numbered by first appearance. */
function labelsFrom(uf: UnionFind, n: number): Int32Array {
  const labels = new Int32Array(n);
  const byRoot = new Map<number, number>();
  for (let r = 0; r < n; r++) {
    const root = uf.find(r);
    let label = byRoot.get(root);
    if (label === undefined) {
      label = byRoot.size;
      byRoot.set(root, label);
    }
    labels[r] = label;
  }
  return labels;
}

export function clusterRecords(n: number, pairs: ScoredPairs, options: ClusteringOptions): Int32Array {
  switch (options.method) {
    case 'components':
      return components(n, pairs, options);
    case 'bridge-check':
      return bridgeCheck(n, pairs, options);
    case 'evidence-check':
      return evidenceCheck(n, pairs, options);
    case 'best-link':
      return bestLink(n, pairs, options);
    case 'average-link':
      return averageLink(n, pairs, options);
  }
}

/** Source-aware merge: in one-to-one mode refuse a merge that would put two records of a list together. */
function makeMerger(n: number, options: ClusteringOptions): (uf: UnionFind, a: number, b: number) => boolean {
  const source = options.source;
  if (!options.oneToOne || !source) {
    return (uf, a, b) => {
      uf.union(a, b);
      return true;
    };
  }
  const mask = Uint8Array.from({ length: n }, (_, r) => 1 << (source[r] as number));
  return (uf, a, b) => {
    const ra = uf.find(a);
    const rb = uf.find(b);
    if (ra === rb) return true;
    if (((mask[ra] as number) & (mask[rb] as number)) !== 0) return false;
    const root = uf.union(ra, rb);
    mask[root] = (mask[ra] as number) | (mask[rb] as number);
    return true;
  };
}

function components(n: number, pairs: ScoredPairs, options: ClusteringOptions): Int32Array {
  const uf = new UnionFind(n);
  const merge = makeMerger(n, options);
  for (const k of strongEdges(pairs, options.threshold))
    merge(uf, pairs.left[k] as number, pairs.right[k] as number);
  return labelsFrom(uf, n);
}

/**
 * Connected components, then cut weak bridges: an edge below strongThreshold whose removal
 * splits its component into two groups of two or more records. Such an edge is the single
 * thread holding two people together, which is how chaining looks.
 */
function bridgeCheck(n: number, pairs: ScoredPairs, options: ClusteringOptions): Int32Array {
  const strong = options.strongThreshold ?? 0.99;
  const edges = strongEdges(pairs, options.threshold);
  const labels = components(n, pairs, options);
  // Kept edges grouped by component; only components with >= 4 records can hold such a bridge.
  const sizes = new Map<number, number>();
  for (let r = 0; r < n; r++) sizes.set(labels[r] as number, (sizes.get(labels[r] as number) ?? 0) + 1);
  const removed = new Uint8Array(pairs.count);
  const byComponent = new Map<number, number[]>();
  for (const k of edges) {
    const label = labels[pairs.left[k] as number] as number;
    if ((sizes.get(label) as number) < 4) continue;
    if (options.oneToOne && labels[pairs.right[k] as number] !== label) continue;
    const list = byComponent.get(label);
    if (list) list.push(k);
    else byComponent.set(label, [k]);
  }
  for (const list of byComponent.values()) {
    let changed = true;
    while (changed) {
      changed = false;
      const live = list.filter((k) => removed[k] === 0);
      const bridge = findWeakBridge(live, pairs, strong);
      if (bridge >= 0) {
        removed[bridge] = 1;
        changed = true;
      }
    }
  }
  const uf = new UnionFind(n);
  const merge = makeMerger(n, options);
  for (const k of edges) if (removed[k] === 0) merge(uf, pairs.left[k] as number, pairs.right[k] as number);
  return labelsFrom(uf, n);
}

/** The weakest bridge below `strong` that leaves >= 2 records on each side, or -1. */
function findWeakBridge(edgeList: number[], pairs: ScoredPairs, strong: number): number {
  const nodes = new Map<number, number>();
  const local = (r: number): number => {
    let id = nodes.get(r);
    if (id === undefined) {
      id = nodes.size;
      nodes.set(r, id);
    }
    return id;
  };
  const adjacency: { to: number; edge: number }[][] = [];
  for (const k of edgeList) {
    const a = local(pairs.left[k] as number);
    const b = local(pairs.right[k] as number);
    while (adjacency.length <= Math.max(a, b)) adjacency.push([]);
    (adjacency[a] as { to: number; edge: number }[]).push({ to: b, edge: k });
    (adjacency[b] as { to: number; edge: number }[]).push({ to: a, edge: k });
  }
  const count = adjacency.length;
  const disc = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const subtree = new Int32Array(count);
  const compSize = new Int32Array(count);
  let time = 0;
  let best = -1;
  let bestProb = Number.POSITIVE_INFINITY;
  // Iterative Tarjan bridge search (components are small but recursion depth should not matter).
  for (let root = 0; root < count; root++) {
    if (disc[root] !== -1) continue;
    const order: number[] = [];
    const stack: { node: number; parentEdge: number; next: number }[] = [
      { node: root, parentEdge: -1, next: 0 },
    ];
    disc[root] = low[root] = time++;
    const parentOf = new Map<number, { parent: number; edge: number }>();
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { node: number; parentEdge: number; next: number };
      const edges = adjacency[frame.node] as { to: number; edge: number }[];
      if (frame.next < edges.length) {
        const { to, edge } = edges[frame.next++] as { to: number; edge: number };
        if (edge === frame.parentEdge) continue;
        if (disc[to] === -1) {
          disc[to] = low[to] = time++;
          parentOf.set(to, { parent: frame.node, edge });
          stack.push({ node: to, parentEdge: edge, next: 0 });
        } else {
          low[frame.node] = Math.min(low[frame.node] as number, disc[to] as number);
        }
      } else {
        stack.pop();
        order.push(frame.node);
        const up = parentOf.get(frame.node);
        if (up) low[up.parent] = Math.min(low[up.parent] as number, low[frame.node] as number);
      }
    }
    for (const node of order) {
      subtree[node] = 1;
    }
    for (const node of order) {
      const up = parentOf.get(node);
      if (up) subtree[up.parent] = (subtree[up.parent] as number) + (subtree[node] as number);
    }
    for (const node of order) compSize[node] = order.length;
    for (const node of order) {
      const up = parentOf.get(node);
      if (!up) continue;
      if ((low[node] as number) <= (disc[up.parent] as number)) continue; // not a bridge
      const below = subtree[node] as number;
      const above = (compSize[node] as number) - below;
      if (below < 2 || above < 2) continue;
      const p = pairs.probability[up.edge] as number;
      if (p < strong && p < bestProb) {
        best = up.edge;
        bestProb = p;
      }
    }
  }
  return best;
}

/**
 * Connected components, then inside every component of three or more records rebuild it
 * greedily: strongest edges first, two groups merge only when the summed evidence over all
 * their scored cross pairs (log2 odds, each capped) is at least the link threshold's. One
 * strong link between two groups whose other members clearly differ no longer chains them.
 */
function evidenceCheck(n: number, pairs: ScoredPairs, options: ClusteringOptions): Int32Array {
  const labels = components(n, pairs, options);
  const size = new Int32Array(n);
  for (let r = 0; r < n; r++) size[labels[r] as number] = (size[labels[r] as number] as number) + 1;
  const byComponent = new Map<number, number[]>();
  for (let k = 0; k < pairs.count; k++) {
    const a = pairs.left[k] as number;
    const label = labels[a] as number;
    if ((size[label] as number) < 3 || labels[pairs.right[k] as number] !== label) continue;
    const list = byComponent.get(label);
    if (list) list.push(k);
    else byComponent.set(label, [k]);
  }
  const uf = new UnionFind(n);
  const merge = makeMerger(n, options);
  const cap = 12;
  const need = Math.log2(options.threshold / (1 - options.threshold));
  const evidence = (k: number): number => {
    const p = Math.min(Math.max(pairs.probability[k] as number, 1e-9), 1 - 1e-9);
    return Math.max(-cap, Math.min(cap, Math.log2(p / (1 - p))));
  };
  for (let k = 0; k < pairs.count; k++) {
    const a = pairs.left[k] as number;
    const label = labels[a] as number;
    if ((size[label] as number) >= 3) continue;
    if ((pairs.probability[k] as number) >= options.threshold) merge(uf, a, pairs.right[k] as number);
  }
  for (const list of byComponent.values()) {
    const neighbours = new Map<number, Map<number, number>>();
    for (const k of list) {
      const a = pairs.left[k] as number;
      const b = pairs.right[k] as number;
      const e = evidence(k);
      (neighbours.get(a) ?? (neighbours.set(a, new Map()).get(a) as Map<number, number>)).set(b, e);
      (neighbours.get(b) ?? (neighbours.set(b, new Map()).get(b) as Map<number, number>)).set(a, e);
    }
    const members = new Map<number, number[]>();
    const groupOf = (r: number): number[] => members.get(uf.find(r)) ?? [r];
    const ordered = list
      .filter((k) => (pairs.probability[k] as number) >= options.threshold)
      .sort((x, y) => (pairs.probability[y] as number) - (pairs.probability[x] as number));
    for (const k of ordered) {
      const a = pairs.left[k] as number;
      const b = pairs.right[k] as number;
      const ra = uf.find(a);
      const rb = uf.find(b);
      if (ra === rb) continue;
      const ga = groupOf(a);
      const gb = groupOf(b);
      const inB = new Set(gb);
      let total = 0;
      for (const x of ga) {
        const adj = neighbours.get(x);
        if (!adj) continue;
        for (const [y, e] of adj) if (inB.has(y)) total += e;
      }
      if (total < need) continue;
      if (!merge(uf, ra, rb)) continue;
      const root = uf.find(a);
      members.delete(ra);
      members.delete(rb);
      members.set(root, [...ga, ...gb]);
    }
  }
  return labelsFrom(uf, n);
}

/** Each record keeps only its single strongest edge; clusters are the union of those links. */
function bestLink(n: number, pairs: ScoredPairs, options: ClusteringOptions): Int32Array {
  const bestEdge = new Int32Array(n).fill(-1);
  const prob = pairs.probability;
  for (let k = 0; k < pairs.count; k++) {
    const p = prob[k] as number;
    if (p < options.threshold) continue;
    for (const r of [pairs.left[k] as number, pairs.right[k] as number]) {
      const current = bestEdge[r] as number;
      if (current < 0 || p > (prob[current] as number)) bestEdge[r] = k;
    }
  }
  const chosen = new Set<number>();
  for (let r = 0; r < n; r++) if ((bestEdge[r] as number) >= 0) chosen.add(bestEdge[r] as number);
  const uf = new UnionFind(n);
  const merge = makeMerger(n, options);
  const ordered = [...chosen].sort((a, b) => (prob[b] as number) - (prob[a] as number));
  for (const k of ordered) merge(uf, pairs.left[k] as number, pairs.right[k] as number);
  return labelsFrom(uf, n);
}

/**
 * Greedy average linkage: strongest edges first; two clusters merge only when the mean
 * probability over all their cross pairs reaches the threshold. Pairs never compared (no
 * blocking key in common) count as 0, because blocking only misses pairs that share nothing.
 */
function averageLink(n: number, pairs: ScoredPairs, options: ClusteringOptions): Int32Array {
  const prob = pairs.probability;
  const adjacency = new Map<number, Map<number, number>>();
  const link = (a: number, b: number, p: number): void => {
    let m = adjacency.get(a);
    if (!m) {
      m = new Map();
      adjacency.set(a, m);
    }
    m.set(b, p);
  };
  const floor = Math.min(options.threshold, 0.01);
  for (let k = 0; k < pairs.count; k++) {
    const p = prob[k] as number;
    if (p < floor) continue;
    link(pairs.left[k] as number, pairs.right[k] as number, p);
    link(pairs.right[k] as number, pairs.left[k] as number, p);
  }
  const uf = new UnionFind(n);
  const members = new Map<number, number[]>();
  const membersOf = (root: number): number[] => members.get(root) ?? [root];
  const source = options.source;
  for (const k of strongEdges(pairs, options.threshold)) {
    const ra = uf.find(pairs.left[k] as number);
    const rb = uf.find(pairs.right[k] as number);
    if (ra === rb) continue;
    const ma = membersOf(ra);
    const mb = membersOf(rb);
    if (options.oneToOne && source) {
      const sa = new Set(ma.map((r) => source[r]));
      if (mb.some((r) => sa.has(source[r]))) continue;
    }
    const rootB = new Set(mb);
    let sum = 0;
    for (const a of ma) {
      const adj = adjacency.get(a);
      if (!adj) continue;
      for (const [b, p] of adj) if (rootB.has(b)) sum += p;
    }
    const crossPairs = options.oneToOne && source ? countCross(ma, mb, source) : ma.length * mb.length;
    if (sum / crossPairs < options.threshold) continue;
    const root = uf.union(ra, rb);
    members.set(root, [...ma, ...mb]);
    members.delete(root === ra ? rb : ra);
  }
  return labelsFrom(uf, n);
}

function countCross(a: number[], b: number[], source: Uint8Array): number {
  let c = 0;
  for (const x of a) for (const y of b) if (source[x] !== source[y]) c++;
  return Math.max(1, c);
}

/** Best link probability of each record to another record of its own cluster; 0 for singletons. */
export function bestProbabilityInCluster(n: number, pairs: ScoredPairs, labels: Int32Array): Float32Array {
  const best = new Float32Array(n);
  for (let k = 0; k < pairs.count; k++) {
    const a = pairs.left[k] as number;
    const b = pairs.right[k] as number;
    if (labels[a] !== labels[b]) continue;
    const p = pairs.probability[k] as number;
    if (p > (best[a] as number)) best[a] = p;
    if (p > (best[b] as number)) best[b] = p;
  }
  return best;
}
