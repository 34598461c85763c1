/** Pairwise precision, recall and F1 of predicted clusters against true clusters. */
export type PairwiseScores = {
  precision: number;
  recall: number;
  f1: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
};

const choose2 = (k: number): number => (k * (k - 1)) / 2;

/**
 * `predicted` and `truth` give a cluster label per record. With `source`, only pairs across
 * sources count (two-list linkage).
 */
export function pairwiseScores(
  predicted: ArrayLike<number | string>,
  truth: ArrayLike<number | string>,
  source?: ArrayLike<number>,
): PairwiseScores {
  if (source) return crossSourceScores(predicted, truth, source);
  const pred = new Map<string, number>();
  const real = new Map<string, number>();
  const both = new Map<string, number>();
  for (let r = 0; r < predicted.length; r++) {
    const p = String(predicted[r]);
    const t = String(truth[r]);
    pred.set(p, (pred.get(p) ?? 0) + 1);
    real.set(t, (real.get(t) ?? 0) + 1);
    const key = `${p}\u0000${t}`;
    both.set(key, (both.get(key) ?? 0) + 1);
  }
  let predictedPairs = 0;
  let truePairs = 0;
  let correctPairs = 0;
  for (const c of pred.values()) predictedPairs += choose2(c);
  for (const c of real.values()) truePairs += choose2(c);
  for (const c of both.values()) correctPairs += choose2(c);
  return summarise(truePairs, predictedPairs, correctPairs);
}

function crossSourceScores(
  predicted: ArrayLike<number | string>,
  truth: ArrayLike<number | string>,
  source: ArrayLike<number>,
): PairwiseScores {
  // Pairs across two sources: sum over groups of count(source 0) * count(source 1).
  const tally = (key: (r: number) => string): number => {
    const groups = new Map<string, [number, number]>();
    for (let r = 0; r < predicted.length; r++) {
      const k = key(r);
      const g = groups.get(k) ?? [0, 0];
      g[source[r] === 0 ? 0 : 1]++;
      groups.set(k, g);
    }
    let total = 0;
    for (const [a, b] of groups.values()) total += a * b;
    return total;
  };
  return summarise(
    tally((r) => String(truth[r])),
    tally((r) => String(predicted[r])),
    tally((r) => `${predicted[r]}\u0000${truth[r]}`),
  );
}

function summarise(truePairs: number, predictedPairs: number, correctPairs: number): PairwiseScores {
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePairs, predictedPairs, correctPairs };
}

/** Share of true pairs that the blocking rules put in front of the model at all. */
export function blockingRecall(
  left: Int32Array,
  right: Int32Array,
  count: number,
  truth: ArrayLike<number | string>,
  source?: ArrayLike<number>,
): number {
  let found = 0;
  for (let k = 0; k < count; k++) {
    if (String(truth[left[k] as number]) === String(truth[right[k] as number])) found++;
  }
  const ones = new Array<number>(truth.length).fill(0);
  const total = source
    ? crossSourceScores(ones, truth, source).truePairs
    : pairwiseScores(ones, truth).truePairs;
  return total === 0 ? 1 : found / total;
}
