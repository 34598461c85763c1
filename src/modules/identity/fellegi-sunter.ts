import { type Comparison, MISSING } from './comparisons.ts';

/**
 * Fellegi–Sunter model: for each comparison level, m = P(level | same person) and
 * u = P(level | different people). u comes from random pairs (almost all non-matches);
 * m is estimated by expectation–maximisation over the blocked candidate pairs, so no labels
 * are needed. Weights are log2(m/u); a value's term frequency refines the exact-match weight.
 */
export type ComparisonParameters = {
  name: string;
  levels: readonly string[];
  m: number[];
  u: number[];
  tfLevel: number;
};

export type FellegiSunterModel = {
  comparisons: ComparisonParameters[];
  /** Prior P(match) for two records drawn at random: EM's candidate-pair rate scaled by the blocking ratio. */
  lambda: number;
  /** P(match) among candidate pairs, as EM estimated it. */
  candidateLambda: number;
  emIterations: number;
  randomPairsSampled: number;
};

export type ComparisonVectors = {
  /** Pattern index per candidate pair. */
  patternOf: Int32Array;
  /** Level per comparison per pattern (MISSING = -1), row-major. */
  patternLevels: Int8Array;
  patternCount: Float64Array;
  /** Blocking rules (bit mask) whose blocks hold the pattern's pairs. */
  patternRules: Uint32Array;
  patterns: number;
  width: number;
};

/** Deterministic PRNG (mulberry32): same data, same model, same output. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROB_FLOOR = 1e-6;
const M_PSEUDO_COUNT = 10;

/** u probabilities from random record pairs (cross-source only when linking two lists). */
export function estimateU(
  comparisons: readonly Comparison[],
  n: number,
  samples: number,
  source?: Uint8Array,
): { u: number[][]; sampled: number } {
  const counts = comparisons.map((c) => new Float64Array(c.levels.length));
  const random = seededRandom(42);
  const firstSource: number[] = [];
  const secondSource: number[] = [];
  if (source) for (let r = 0; r < n; r++) (source[r] === 0 ? firstSource : secondSource).push(r);
  const record = (list: number[]): number => list[Math.floor(random() * list.length)] as number;
  const totalPairs = source ? firstSource.length * secondSource.length : (n * (n - 1)) / 2;
  const exhaustive = totalPairs <= samples;
  let sampled = 0;
  const visit = (i: number, j: number): void => {
    sampled++;
    for (let c = 0; c < comparisons.length; c++) {
      const level = (comparisons[c] as Comparison).compare(i, j);
      if (level === MISSING) continue;
      const row = counts[c] as Float64Array;
      row[level] = (row[level] as number) + 1;
    }
  };
  if (exhaustive) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (source && source[i] === source[j]) continue;
        visit(i, j);
      }
    }
  } else {
    for (let s = 0; s < samples; s++) {
      let i: number;
      let j: number;
      if (source) {
        i = record(firstSource);
        j = record(secondSource);
      } else {
        i = Math.floor(random() * n);
        j = Math.floor(random() * (n - 1));
        if (j >= i) j++;
      }
      visit(i, j);
    }
  }
  const u = counts.map((levelCounts) => {
    const total = levelCounts.reduce((a, b) => a + b, 0);
    // Half a pseudo-count per level: a level never seen among random pairs is rare, not impossible.
    return Array.from(levelCounts, (c) => (c + 0.5) / (total + 0.5 * levelCounts.length));
  });
  return { u, sampled };
}

/** Comparison level of every comparison for pairs [from, to), written row-major into `out`. */
export function computeLevels(
  comparisons: readonly Comparison[],
  left: Int32Array,
  right: Int32Array,
  from: number,
  to: number,
  out: Int8Array,
  onProgress?: (done: number, total: number) => void,
): void {
  const width = comparisons.length;
  const step = Math.max(1, Math.floor((to - from) / 20));
  for (let p = from; p < to; p++) {
    const i = left[p] as number;
    const j = right[p] as number;
    const row = p * width;
    for (let c = 0; c < width; c++) out[row + c] = (comparisons[c] as Comparison).compare(i, j);
    if (onProgress && (p + 1 - from) % step === 0) onProgress(p + 1, to);
  }
}

/** Compresses per-pair levels (and the rules that found each pair) into distinct patterns for EM. */
export function indexPatterns(
  levels: Int8Array,
  width: number,
  ruleMask: Uint32Array,
  count: number,
): ComparisonVectors {
  const patternOf = new Int32Array(count);
  const index = new Map<number | string, number>();
  // Numeric keys while levels x 32 rule bits fit in a double's 53 bits; strings beyond that.
  const numericKeys = 9 ** width <= 2 ** 20;
  const levelsList: number[] = [];
  const countList: number[] = [];
  const ruleList: number[] = [];
  for (let p = 0; p < count; p++) {
    const rule = ruleMask[p] as number;
    const row = p * width;
    let key: number | string;
    if (numericKeys) {
      let levelKey = 0;
      for (let c = 0; c < width; c++) levelKey = levelKey * 9 + (levels[row + c] as number) + 1;
      key = levelKey * 4294967296 + rule;
    } else {
      key = `${levels.subarray(row, row + width).join(',')}|${rule}`;
    }
    let pattern = index.get(key);
    if (pattern === undefined) {
      pattern = countList.length;
      index.set(key, pattern);
      for (let c = 0; c < width; c++) levelsList.push(levels[row + c] as number);
      countList.push(0);
      ruleList.push(rule);
    }
    countList[pattern] = (countList[pattern] as number) + 1;
    patternOf[p] = pattern;
  }
  return {
    patternOf,
    patternLevels: Int8Array.from(levelsList),
    patternCount: Float64Array.from(countList),
    patternRules: Uint32Array.from(ruleList),
    patterns: countList.length,
    width,
  };
}

/** Comparison vectors for candidate pairs, compressed to distinct patterns for EM. */
export function compareCandidatePairs(
  comparisons: readonly Comparison[],
  left: Int32Array,
  right: Int32Array,
  ruleMask: Uint32Array,
  count: number,
  onProgress?: (done: number, total: number) => void,
): ComparisonVectors {
  const levels = new Int8Array(count * comparisons.length);
  computeLevels(comparisons, left, right, 0, count, levels, onProgress);
  return indexPatterns(levels, comparisons.length, ruleMask, count);
}

function initialM(levels: number): number[] {
  // Strong agreement likely among matches; the rest spread thinly, least on 'else'.
  const m = new Array<number>(levels).fill(0);
  m[0] = 0.7;
  const rest = levels - 1;
  let total = 0;
  for (let l = 1; l < levels; l++) total += rest - l + 1;
  for (let l = 1; l < levels; l++) m[l] = (0.3 * (rest - l + 1)) / total;
  return m;
}

type EmResult = { m: number[][]; lambda: number; iterations: number };

/**
 * Expectation–maximisation for m and the match rate over one set of patterns, u fixed.
 * `masked[c]` = 1 drops comparison c (forced to agree by the blocking rule, so uninformative).
 */
function runEm(
  vectors: ComparisonVectors,
  select: (p: number) => boolean,
  masked: Uint8Array | null,
  start: number[][],
  u: number[][],
  options: { maxIterations: number; tolerance: number; updateM: boolean },
): EmResult {
  const { patternLevels, patternCount, patterns, width } = vectors;
  const chosen: number[] = [];
  for (let p = 0; p < patterns; p++) if (select(p)) chosen.push(p);
  let m = start.map((row) => [...row]);
  let lambda = 0.05;
  let iterations = 0;
  for (; iterations < options.maxIterations; iterations++) {
    const logPrior = Math.log(lambda / (1 - lambda));
    const logRatio = m.map((mc, c) => mc.map((mv, l) => Math.log(mv / ((u[c] as number[])[l] as number))));
    const next = m.map((row) => new Array<number>(row.length).fill(0));
    let matched = 0;
    let total = 0;
    for (const p of chosen) {
      let score = logPrior;
      for (let c = 0; c < width; c++) {
        const level = patternLevels[p * width + c] as number;
        if (level !== MISSING && !(masked && masked[c] === 1))
          score += (logRatio[c] as number[])[level] as number;
      }
      const weight = (patternCount[p] as number) / (1 + Math.exp(-score));
      matched += weight;
      total += patternCount[p] as number;
      if (!options.updateM) continue;
      for (let c = 0; c < width; c++) {
        const level = patternLevels[p * width + c] as number;
        if (level === MISSING || (masked && masked[c] === 1)) continue;
        (next[c] as number[])[level] = ((next[c] as number[])[level] as number) + weight;
      }
    }
    let change = 0;
    if (options.updateM) {
      m = next.map((levelsSum, c) => {
        const sum = levelsSum.reduce((a, b) => a + b, 0);
        const prior = start[c] as number[];
        return levelsSum.map((v, l) => {
          // Dirichlet smoothing towards the starting guess: a level seen among only a handful
          // of matches (surname variants, say) keeps a sensible weight instead of collapsing to 0.
          const value =
            sum > 0
              ? Math.max(PROB_FLOOR, (v + M_PSEUDO_COUNT * (prior[l] as number)) / (sum + M_PSEUDO_COUNT))
              : ((m[c] as number[])[l] as number);
          change = Math.max(change, Math.abs(value - ((m[c] as number[])[l] as number)));
          return value;
        });
      });
    }
    const nextLambda = Math.min(0.999, Math.max(1e-9, matched / Math.max(1, total)));
    change = Math.max(change, Math.abs(nextLambda - lambda));
    lambda = nextLambda;
    if (change < options.tolerance) {
      iterations++;
      break;
    }
  }
  return { m, lambda, iterations };
}

/**
 * m by EM, one session per blocking rule as Splink does: each session sees every pair its rule
 * produced and ignores the comparisons the rule forced to agree. A comparison's m is the
 * average over the sessions that could see it, weighted by how many matches each found.
 * Finally the match rate among all candidates is fitted with m fixed.
 */
export function estimateM(
  vectors: ComparisonVectors,
  comparisons: readonly Comparison[],
  u: number[][],
  options: { ruleMasks: readonly Uint8Array[]; maxIterations?: number; tolerance?: number },
): EmResult & { sessions: number } {
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-5;
  const start = comparisons.map((c) => initialM(c.levels.length));
  const width = comparisons.length;
  const sum = start.map((row) => new Array<number>(row.length).fill(0));
  const weight = new Array<number>(width).fill(0);
  let iterations = 0;
  let sessions = 0;
  const ruleCount = Math.max(1, options.ruleMasks.length);
  for (let r = 0; r < ruleCount; r++) {
    const bit = 1 << r;
    const masked = options.ruleMasks[r] ?? null;
    let pairs = 0;
    for (let p = 0; p < vectors.patterns; p++) {
      if (options.ruleMasks.length === 0 || ((vectors.patternRules[p] as number) & bit) !== 0) {
        pairs += vectors.patternCount[p] as number;
      }
    }
    if (pairs < 20) continue;
    const session = runEm(
      vectors,
      (p) => options.ruleMasks.length === 0 || ((vectors.patternRules[p] as number) & bit) !== 0,
      masked,
      start,
      u,
      { maxIterations, tolerance, updateM: true },
    );
    sessions++;
    iterations += session.iterations;
    const found = session.lambda * pairs;
    for (let c = 0; c < width; c++) {
      if (masked && masked[c] === 1) continue;
      weight[c] = (weight[c] as number) + found;
      const row = sum[c] as number[];
      (session.m[c] as number[]).forEach((v, l) => {
        row[l] = (row[l] as number) + found * v;
      });
    }
  }
  const m = start.map((row, c) => {
    const w = weight[c] as number;
    return w > 0 ? (sum[c] as number[]).map((v) => v / w) : row;
  });
  // Match rate: partition pairs by the first rule that found them and fit each part's rate with
  // m fixed and that rule's fields masked (they agree by construction, not by identity).
  const firstRule = (p: number): number =>
    31 - Math.clz32((vectors.patternRules[p] as number) & -(vectors.patternRules[p] as number));
  let matches = 0;
  let total = 0;
  for (let r = 0; r < ruleCount; r++) {
    const select = (p: number): boolean => options.ruleMasks.length === 0 || firstRule(p) === r;
    let pairs = 0;
    for (let p = 0; p < vectors.patterns; p++) if (select(p)) pairs += vectors.patternCount[p] as number;
    if (pairs === 0) continue;
    const part = runEm(vectors, select, options.ruleMasks[r] ?? null, m, u, {
      maxIterations,
      tolerance,
      updateM: false,
    });
    iterations += part.iterations;
    matches += part.lambda * pairs;
    total += pairs;
  }
  return { m, lambda: total > 0 ? matches / total : 0, iterations, sessions };
}

export type TrainingOptions = {
  randomPairs?: number | undefined;
  source?: Uint8Array | undefined;
  /** Per blocking rule, 1 for each comparison the rule forces to agree. */
  ruleMasks?: readonly Uint8Array[];
  /** Number of pairs blocking could have produced (n(n-1)/2, or n1*n2 when linking). */
  comparablePairs: number;
  candidatePairs: number;
};

export function trainModel(
  comparisons: readonly Comparison[],
  vectors: ComparisonVectors,
  n: number,
  options: TrainingOptions,
): FellegiSunterModel {
  const { u, sampled } = estimateU(comparisons, n, options.randomPairs ?? 1_000_000, options.source);
  const { m, lambda, iterations } = estimateM(vectors, comparisons, u, {
    ruleMasks: options.ruleMasks ?? [],
  });
  // Candidate pairs hold (nearly) all matches, so matches = lambda * candidates; over all pairs:
  const randomLambda = Math.min(
    0.5,
    Math.max(1e-12, (lambda * options.candidatePairs) / Math.max(1, options.comparablePairs)),
  );
  return {
    comparisons: comparisons.map((c, k) => ({
      name: c.name,
      levels: c.levels,
      m: m[k] as number[],
      u: u[k] as number[],
      tfLevel: c.tfLevel,
    })),
    lambda: randomLambda,
    candidateLambda: lambda,
    emIterations: iterations,
    randomPairsSampled: sampled,
  };
}

/** log2(m/u) per comparison per level. */
export function levelWeights(model: FellegiSunterModel): number[][] {
  return model.comparisons.map((c) => c.m.map((mv, l) => Math.log2(mv / (c.u[l] as number))));
}

/** Frequency adjustment for an exact match on a value: log2(u_exact / tf(value)), bounded. */
export function termFrequencyAdjustment(uExact: number, tf: number): number {
  const adj = Math.log2(uExact / Math.max(tf, 1e-9));
  return Math.max(-8, Math.min(8, adj));
}

export function log2OddsToProbability(log2Odds: number): number {
  return 1 / (1 + 2 ** -log2Odds);
}

export function probabilityToLog2Odds(p: number): number {
  return Math.log2(p / (1 - p));
}

/** Match probability of every candidate pair. */
export function scorePairs(
  model: FellegiSunterModel,
  comparisons: readonly Comparison[],
  vectors: ComparisonVectors,
  left: Int32Array,
  count: number,
): Float32Array {
  const weights = levelWeights(model);
  const prior = probabilityToLog2Odds(model.lambda);
  const { patternLevels, patterns, width, patternOf } = vectors;
  const base = new Float64Array(patterns);
  const tfMask = new Uint32Array(patterns);
  for (let p = 0; p < patterns; p++) {
    let score = prior;
    for (let c = 0; c < width; c++) {
      const level = patternLevels[p * width + c] as number;
      if (level === MISSING) continue;
      score += (weights[c] as number[])[level] as number;
      if (level === (comparisons[c] as Comparison).tfLevel) tfMask[p] = (tfMask[p] as number) | (1 << c);
    }
    base[p] = score;
  }
  const uExact = model.comparisons.map((c) => (c.tfLevel >= 0 ? (c.u[c.tfLevel] as number) : 1));
  const out = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const p = patternOf[k] as number;
    let score = base[p] as number;
    let mask = tfMask[p] as number;
    if (mask !== 0) {
      const i = left[k] as number;
      for (let c = 0; mask !== 0; c++, mask >>>= 1) {
        if ((mask & 1) === 0) continue;
        score += termFrequencyAdjustment(
          uExact[c] as number,
          (comparisons[c] as Comparison).termFrequency(i),
        );
      }
    }
    out[k] = log2OddsToProbability(score);
  }
  return out;
}

export type Decision = 'match' | 'review' | 'non-match';

export type Thresholds = { match: number; review: number };

export type WaterfallStep = {
  comparison: string;
  level: string;
  levelIndex: number;
  left: string;
  right: string;
  m: number | null;
  u: number | null;
  /** log2 Bayes factor of the level (0 when missing). */
  log2BayesFactor: number;
  /** Extra log2 Bayes factor from the shared value's frequency (exact levels only). */
  termFrequencyAdjustment: number;
};

export type PairExplanation = {
  left: number;
  right: number;
  priorProbability: number;
  priorLog2Odds: number;
  steps: WaterfallStep[];
  finalLog2Odds: number;
  matchProbability: number;
  decision: Decision;
};

/** The weight waterfall of one pair: prior, each field's level and partial log2 Bayes factor, result. */
export function explainPair(
  model: FellegiSunterModel,
  comparisons: readonly Comparison[],
  i: number,
  j: number,
  thresholds: Thresholds,
): PairExplanation {
  const prior = probabilityToLog2Odds(model.lambda);
  let total = prior;
  const steps: WaterfallStep[] = comparisons.map((c, k) => {
    const params = model.comparisons[k] as ComparisonParameters;
    const level = c.compare(i, j);
    if (level === MISSING) {
      return {
        comparison: c.name,
        level: 'missing',
        levelIndex: MISSING,
        left: c.describe(i),
        right: c.describe(j),
        m: null,
        u: null,
        log2BayesFactor: 0,
        termFrequencyAdjustment: 0,
      };
    }
    const m = params.m[level] as number;
    const u = params.u[level] as number;
    const bf = Math.log2(m / u);
    const tf =
      level === c.tfLevel ? termFrequencyAdjustment(params.u[c.tfLevel] as number, c.termFrequency(i)) : 0;
    total += bf + tf;
    return {
      comparison: c.name,
      level: c.levels[level] as string,
      levelIndex: level,
      left: c.describe(i),
      right: c.describe(j),
      m,
      u,
      log2BayesFactor: bf,
      termFrequencyAdjustment: tf,
    };
  });
  const probability = log2OddsToProbability(total);
  return {
    left: i,
    right: j,
    priorProbability: model.lambda,
    priorLog2Odds: prior,
    steps,
    finalLog2Odds: total,
    matchProbability: probability,
    decision: decide(probability, thresholds),
  };
}

export function decide(probability: number, thresholds: Thresholds): Decision {
  if (probability >= thresholds.match) return 'match';
  if (probability >= thresholds.review) return 'review';
  return 'non-match';
}
