import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type BlockingRule, type CandidatePairs, generateCandidatePairs } from './blocking.ts';
import {
  bestProbabilityInCluster,
  type ClusteringMethod,
  clusterRecords,
  type ScoredPairs,
} from './clustering.ts';
import type { CompareWorkerInput } from './compare.worker.ts';
import {
  addressColumn,
  addressComparison,
  type Comparison,
  dateColumn,
  dateComparison,
  emailComparison,
  identifierComparison,
  type NameFeatures,
  nameComparison,
  nameFeatures,
  phoneComparison,
  postcodeColumn,
  postcodeComparison,
  textComparison,
  ValueDictionary,
} from './comparisons.ts';
import {
  type ComparisonVectors,
  computeLevels,
  explainPair,
  type FellegiSunterModel,
  indexPatterns,
  type PairExplanation,
  scorePairs,
  type Thresholds,
  trainModel,
} from './fellegi-sunter.ts';
import { nameVariantGroups } from './name-variants.ts';
import {
  normaliseEmail,
  normaliseIdentifier,
  normaliseName,
  normalisePhone,
  normaliseText,
} from './normalise.ts';

export type LinkMode = 'dedupe' | 'link';

export type NamedColumn = { name: string; values: readonly string[] };

/** Raw column values per record (already aligned by record index); any may be absent. */
export type LinkageColumns = {
  given?: readonly string[] | undefined;
  family?: readonly string[] | undefined;
  dob?: readonly string[] | undefined;
  postcode?: readonly string[] | undefined;
  /** One string per record: the address columns joined with spaces. */
  address?: readonly string[] | undefined;
  phone?: readonly string[] | undefined;
  email?: readonly string[] | undefined;
  identifiers?: readonly NamedColumn[] | undefined;
  extras?: readonly NamedColumn[] | undefined;
};

export type LinkageOptions = {
  mode: LinkMode;
  /** 0/1 per record: which list a record came from (required for 'link'). */
  source?: Uint8Array | undefined;
  thresholds?: Thresholds;
  clustering?: ClusteringMethod;
  /** Two-list linkage: each person at most once per list (default true in link mode). */
  oneToOne?: boolean;
  maxBlockSize?: number;
  randomPairs?: number;
  log?: (line: string) => void;
};

export type LinkageResult = {
  /** Cluster label per record (0..k-1). */
  labels: Int32Array;
  /** Best link probability to another member of the record's cluster; 0 for singletons. */
  bestProbability: Float32Array;
  pairs: ScoredPairs;
  blocking: CandidatePairs;
  model: FellegiSunterModel;
  comparisons: Comparison[];
  thresholds: Thresholds;
  timingsMs: Record<'prepare' | 'blocking' | 'compare' | 'train' | 'score' | 'cluster', number>;
  explain(i: number, j: number): PairExplanation;
};

/**
 * Link when a match is more likely than not (the evidence check in clustering guards precision);
 * pairs from 0.1 up to that are worth a person's look.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { match: 0.5, review: 0.1 };

type NameKeys = { phonetic: string[]; initial: string; text: string };

function nameKeys(features: NameFeatures, record: number, table: 'forenames' | 'surnames'): NameKeys | null {
  const id = features.dict.ids[record] as number;
  if (id < 0) return null;
  const text = features.dict.values[id] as string;
  // Primary code only (the secondary mostly repeats it and would multiply keys), plus the
  // nickname groups so bob and robert share a block. At most three keys per name.
  const [primary] = features.codes[id] as [string, string];
  const phonetic = [primary || text.slice(0, 3)];
  const first = text.split(' ')[0] as string;
  for (const g of nameVariantGroups(first, table)) if (phonetic.length < 3) phonetic.push(`~${g}`);
  return { phonetic, initial: text.charAt(0), text };
}

/** Progress lines at most every two seconds, so a long run shows life without flooding stderr. */
function throttled(log: (line: string) => void): (line: string) => void {
  let last = 0;
  return (line) => {
    const now = performance.now();
    if (now - last < 2000) return;
    last = now;
    log(line);
  };
}

export async function linkRecords(
  count: number,
  columns: LinkageColumns,
  options: LinkageOptions,
): Promise<LinkageResult> {
  const log = options.log ?? (() => {});
  const progress = throttled(log);
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const source = options.mode === 'link' ? options.source : undefined;
  if (options.mode === 'link' && !source) throw new Error('link mode needs a source per record');
  const timings = { prepare: 0, blocking: 0, compare: 0, train: 0, score: 0, cluster: 0 };
  let clock = performance.now();
  const lap = (phase: keyof typeof timings): number => {
    const now = performance.now();
    timings[phase] = now - clock;
    clock = now;
    return timings[phase];
  };

  // ---- prepare: normalise once, intern values, precompute per-value features
  const { comparisons, prepared } = buildComparisons(columns);
  const { given, family, dob } = prepared;
  if (comparisons.length === 0) throw new Error('no columns to compare');
  log(
    `prepare: ${count} records, ${comparisons.length} comparisons (${comparisons.map((c) => c.name).join(', ')}) in ${lap('prepare').toFixed(0)} ms`,
  );

  // ---- blocking
  const rules = blockingRules(count, prepared);
  const sortKey = (r: number): string => {
    const g = given ? (given.dict.values[given.dict.ids[r] as number] ?? '') : '';
    const f = family ? (family.dict.values[family.dict.ids[r] as number] ?? '') : '';
    const d = dob ? String(dob.packed[r]) : '';
    return `${f}|${g}|${d}`;
  };
  const blocking = generateCandidatePairs(count, rules, {
    source,
    maxBlockSize: options.maxBlockSize ?? 120,
    window: 10,
    sortKey,
    onProgress: (done, total, pairs) =>
      progress(`blocking: ${done}/${total} records, ${pairs} candidate pairs`),
  });
  const blockingMs = lap('blocking');
  const comparable = source ? countSources(source)[0] * countSources(source)[1] : (count * (count - 1)) / 2;
  log(
    `blocking: ${blocking.count} candidate pairs (${((100 * blocking.count) / Math.max(1, comparable)).toFixed(3)}% of all pairs) in ${blockingMs.toFixed(0)} ms`,
  );
  for (const r of blocking.rules) {
    log(`  rule ${r.rule}: ${r.blocks} blocks, ${r.oversizedBlocks} windowed, ${r.newPairs} new pairs`);
  }

  // ---- compare
  const compareStart = performance.now();
  const vectors = await compareInParallel(comparisons, columns, blocking, (done, total) => {
    const secs = (performance.now() - compareStart) / 1000;
    progress(`compare: ${done}/${total} pairs, ${Math.round(done / Math.max(secs, 1e-3))} pairs/s`);
  });
  const compareMs = lap('compare');
  log(
    `compare: ${blocking.count} pairs, ${vectors.patterns} distinct patterns, ${Math.round(blocking.count / Math.max(compareMs / 1000, 1e-3))} pairs/s`,
  );

  // ---- train
  const ruleMasks = rules.map((rule) =>
    Uint8Array.from(comparisons, (c) => (rule.fields.includes(c.name) ? 1 : 0)),
  );
  const model = trainModel(comparisons, vectors, count, {
    randomPairs: options.randomPairs,
    source,
    ruleMasks,
    comparablePairs: comparable,
    candidatePairs: blocking.count,
  });
  log(
    `train: u from ${model.randomPairsSampled} random pairs, m by EM in ${model.emIterations} iterations, P(match) ${model.candidateLambda.toFixed(4)} among candidates, prior ${model.lambda.toExponential(3)} (${lap('train').toFixed(0)} ms)`,
  );

  // ---- score and cluster
  const probability = scorePairs(model, comparisons, vectors, blocking.left, blocking.count);
  const pairs: ScoredPairs = {
    left: blocking.left,
    right: blocking.right,
    probability,
    count: blocking.count,
  };
  let matches = 0;
  let reviews = 0;
  for (let k = 0; k < pairs.count; k++) {
    const p = probability[k] as number;
    if (p >= thresholds.match) matches++;
    else if (p >= thresholds.review) reviews++;
  }
  log(
    `score: ${matches} pairs >= ${thresholds.match} (match), ${reviews} for review (${lap('score').toFixed(0)} ms)`,
  );
  const labels = clusterRecords(count, pairs, {
    method: options.clustering ?? 'evidence-check',
    threshold: thresholds.match,
    source,
    oneToOne: options.oneToOne ?? options.mode === 'link',
  });
  const bestProbability = bestProbabilityInCluster(count, pairs, labels);
  let clusters = 0;
  for (let r = 0; r < count; r++) clusters = Math.max(clusters, (labels[r] as number) + 1);
  log(`cluster: ${clusters} clusters from ${count} records (${lap('cluster').toFixed(0)} ms)`);

  return {
    labels,
    bestProbability,
    pairs,
    blocking,
    model,
    comparisons,
    thresholds,
    timingsMs: timings,
    explain: (i, j) => explainPair(model, comparisons, i, j, thresholds),
  };
}

/** Normalised, interned columns and their comparisons; workers rebuild the same from the same input. */
export function buildComparisons(columns: LinkageColumns): {
  comparisons: Comparison[];
  prepared: PreparedColumns;
} {
  const comparisons: Comparison[] = [];
  const given = columns.given ? nameFeatures(columns.given.map(normaliseName)) : null;
  const family = columns.family ? nameFeatures(columns.family.map(normaliseName)) : null;
  if (given) comparisons.push(nameComparison('given_name', given, family, 'forenames'));
  if (family) comparisons.push(nameComparison('family_name', family, given, 'surnames'));
  const dob = columns.dob ? dateColumn(columns.dob) : null;
  if (dob) comparisons.push(dateComparison('date_of_birth', dob));
  const postcode = columns.postcode ? postcodeColumn(columns.postcode) : null;
  if (postcode) comparisons.push(postcodeComparison('postcode', postcode));
  const address = columns.address ? addressColumn(columns.address.map(normaliseText)) : null;
  if (address) comparisons.push(addressComparison('address', address));
  const phone = columns.phone ? new ValueDictionary(columns.phone.map(normalisePhone)) : null;
  if (phone) comparisons.push(phoneComparison('phone', phone));
  const email = columns.email ? new ValueDictionary(columns.email.map(normaliseEmail)) : null;
  if (email) comparisons.push(emailComparison('email', email));
  const identifiers = (columns.identifiers ?? []).map((c) => ({
    name: c.name,
    dict: new ValueDictionary(c.values.map(normaliseIdentifier)),
  }));
  for (const c of identifiers) comparisons.push(identifierComparison(c.name, c.dict, 'identifier'));
  const extras = (columns.extras ?? []).map((c) => ({
    name: c.name,
    dict: new ValueDictionary(c.values.map(normaliseText)),
  }));
  for (const c of extras) comparisons.push(textComparison(c.name, c.dict));
  return {
    comparisons,
    prepared: { given, family, dob, postcode, address, phone, email, identifiers, extras },
  };
}

const ALL_ERAS: string[] = [];
for (let decade = 180; decade <= 203; decade++) ALL_ERAS.push(`a${decade}`, `b${decade}`);

/** Two overlapping decade keys, so years up to four apart always share one; all when unknown. */
function birthEras(dob: { packed: Int32Array } | null, r: number): readonly string[] {
  if (!dob) return [''];
  const p = dob.packed[r] as number;
  const year = p < 0 ? 0 : Math.floor(p / 10000);
  if (year < 1800 || year > 2039) return ALL_ERAS;
  return [`a${Math.floor(year / 10)}`, `b${Math.floor((year + 5) / 10)}`];
}

/** Below this many pairs a worker costs more to start (it rebuilds the columns) than it saves. */
const PARALLEL_MIN_PAIRS = 2_000_000;

/**
 * Comparison vectors, with the first half of the pairs compared by a worker thread while this
 * thread does the second half (the machines here have two cores).
 */
async function compareInParallel(
  comparisons: readonly Comparison[],
  columns: LinkageColumns,
  blocking: CandidatePairs,
  onProgress: (done: number, total: number) => void,
): Promise<ComparisonVectors> {
  const count = blocking.count;
  const width = comparisons.length;
  if (count < PARALLEL_MIN_PAIRS || availableParallelism() < 2) {
    const levels = new Int8Array(count * width);
    computeLevels(comparisons, blocking.left, blocking.right, 0, count, levels, onProgress);
    return indexPatterns(levels, width, blocking.ruleMask, count);
  }
  const half = Math.floor(count / 2);
  const shared = new Int8Array(new SharedArrayBuffer(count * width));
  const worker = new Worker(new URL('./compare.worker.ts', import.meta.url), {
    workerData: {
      columns,
      left: blocking.left.slice(0, half),
      right: blocking.right.slice(0, half),
      levels: shared,
    } satisfies CompareWorkerInput,
  });
  const finished = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`compare worker exited ${code}`)),
    );
  });
  computeLevels(comparisons, blocking.left, blocking.right, half, count, shared, (done) =>
    onProgress(2 * (done - half), count),
  );
  await finished;
  await worker.terminate();
  return indexPatterns(shared, width, blocking.ruleMask, count);
}

function countSources(source: Uint8Array): [number, number] {
  let a = 0;
  for (let r = 0; r < source.length; r++) if (source[r] === 0) a++;
  return [a, source.length - a];
}

export type PreparedColumns = {
  given: NameFeatures | null;
  family: NameFeatures | null;
  dob: ReturnType<typeof dateColumn> | null;
  postcode: ReturnType<typeof postcodeColumn> | null;
  address: ReturnType<typeof addressColumn> | null;
  phone: ValueDictionary | null;
  email: ValueDictionary | null;
  identifiers: { name: string; dict: ValueDictionary }[];
  extras: { name: string; dict: ValueDictionary }[];
};

/**
 * Blocking passes. Each catches true pairs the others miss: phonetic names survive a typo in
 * the date of birth; date of birth + initial survives typos in both names; postcode rules
 * survive a missing date of birth; identifiers and contact details catch name changes.
 */
function blockingRules(count: number, c: PreparedColumns): BlockingRule[] {
  const rules: BlockingRule[] = [];
  const gk = c.given
    ? Array.from({ length: count }, (_, r) => nameKeys(c.given as NameFeatures, r, 'forenames'))
    : [];
  const fk = c.family
    ? Array.from({ length: count }, (_, r) => nameKeys(c.family as NameFeatures, r, 'surnames'))
    : [];
  const dobKey = (r: number): string | null => {
    if (!c.dob) return null;
    const p = c.dob.packed[r] as number;
    if (p < 0) return null;
    const y = Math.floor(p / 10000);
    const m = Math.floor(p / 100) % 100;
    const d = p % 100;
    if (y === 0 || m === 0 || d === 0) return null;
    // Day and month sorted so a transposed date lands in the same block.
    return `${y}-${Math.min(m, d)}-${Math.max(m, d)}`;
  };
  const dobKeys = Array.from({ length: count }, (_, r) => dobKey(r));
  const pc = c.postcode;
  const pcKey = (r: number): string | null => {
    if (!pc) return null;
    const id = pc.dict.ids[r] as number;
    return id < 0 ? null : (pc.dict.values[id] as string);
  };

  const G = 'given_name';
  const F = 'family_name';
  const D = 'date_of_birth';
  if (c.given && c.family) {
    rules.push({
      name: 'phonetic given + phonetic family (either order)',
      fields: [G, F],
      keys: (r) => {
        const g = gk[r];
        const f = fk[r];
        if (!g || !f) return null;
        const keys: string[] = [];
        for (const a of g.phonetic) for (const b of f.phonetic) keys.push(a < b ? `${a}|${b}` : `${b}|${a}`);
        return keys;
      },
    });
  }
  if (c.dob) {
    const withDob = (
      name: string,
      fields: string[],
      part: (r: number) => string | readonly string[] | null,
    ): void => {
      rules.push({
        name,
        fields: [D, ...fields],
        keys: (r) => {
          const d = dobKeys[r];
          if (!d) return null;
          const p = part(r);
          if (p === null) return null;
          return typeof p === 'string' ? `${d}|${p}` : p.map((x) => `${d}|${x}`);
        },
      });
    };
    if (c.family) withDob('date of birth + phonetic family', [F], (r) => fk[r]?.phonetic ?? null);
    if (c.given) withDob('date of birth + phonetic given', [G], (r) => gk[r]?.phonetic ?? null);
    if (c.given || c.family) {
      // An initial barely constrains the name comparison, so only the date is masked in EM.
      withDob('date of birth + an initial', [], (r) => {
        const keys: string[] = [];
        const g = gk[r];
        const f = fk[r];
        if (g) keys.push(`g${g.initial}`);
        if (f) keys.push(`f${f.initial}`);
        return keys.length > 0 ? keys : null;
      });
    }
    if (c.postcode) {
      withDob('date of birth + postcode district', ['postcode'], (r) => {
        const id = (c.postcode as NonNullable<typeof c.postcode>).district[r] as number;
        return id < 0 ? null : String(id);
      });
    }
  }
  if (c.postcode && (c.given || c.family)) {
    rules.push({
      name: 'postcode + an initial',
      fields: ['postcode'],
      keys: (r) => {
        const p = pcKey(r);
        if (!p) return null;
        const keys: string[] = [];
        const g = gk[r];
        const f = fk[r];
        if (g) keys.push(`${p}|g${g.initial}`);
        if (f) keys.push(`${p}|f${f.initial}`);
        return keys.length > 0 ? keys : null;
      },
    });
  }
  const exact = (name: string, field: string, dict: ValueDictionary | null): void => {
    if (!dict) return;
    rules.push({
      name,
      fields: [field],
      keys: (r) => ((dict.ids[r] as number) < 0 ? null : String(dict.ids[r])),
    });
  };
  exact('email', 'email', c.email);
  if (c.email) {
    const email = c.email;
    // The mailbox name survives a typo in the domain (and vice versa for the rule above).
    rules.push({
      name: 'email local part',
      fields: ['email'],
      keys: (r) => {
        const id = email.ids[r] as number;
        if (id < 0) return null;
        const v = email.values[id] as string;
        const local = v.slice(0, v.indexOf('@'));
        return local.length >= 3 ? local : null;
      },
    });
  }
  exact('phone', 'phone', c.phone);
  for (const id of c.identifiers) exact(`identifier ${id.name}`, id.name, id.dict);
  for (const x of c.extras) {
    if (!c.family && !c.given) continue;
    rules.push({
      name: `${x.name} + phonetic family`,
      fields: [x.name, c.family ? F : G],
      keys: (r) => {
        const id = x.dict.ids[r] as number;
        const f = fk[r] ?? gk[r];
        if (id < 0 || !f) return null;
        return f.phonetic.map((p) => `${id}|${p}`);
      },
    });
  }
  // Wider passes last, so their counts show what they add beyond the specific ones.
  if (c.dob) {
    // Records with no usable name still meet their duplicates here (windowed when dates are crowded).
    const incomplete = (r: number): boolean => !gk[r] || !fk[r];
    rules.push({
      name: 'date of birth (a record missing a name)',
      fields: [D],
      pairFilter: c.given || c.family ? (i, j) => incomplete(i) || incomplete(j) : undefined,
      keys: (r) => dobKeys[r] ?? null,
    });
  }
  if (c.address && (c.given || c.family)) {
    // The two rarest address tokens (house name, street) with a phonetic name.
    const address = c.address;
    const rare = address.tokens.map((tokens) =>
      Array.from(tokens)
        .sort((a, b) => (address.tokenWeight[b] as number) - (address.tokenWeight[a] as number))
        .slice(0, 2)
        .map((t) => address.tokenText[t] as string),
    );
    rules.push({
      name: 'rare address token + a phonetic name',
      fields: ['address', G, F],
      maxBlockSize: 50,
      window: 5,
      keys: (r) => {
        const id = address.dict.ids[r] as number;
        if (id < 0) return null;
        const names = [fk[r]?.phonetic[0], gk[r]?.phonetic[0]].filter((n) => n !== undefined);
        if (names.length === 0) return null;
        return (rare[id] as string[]).flatMap((t) => names.map((n) => `${t}|${n}`));
      },
    });
  }
  if (c.given && c.family) {
    rules.push({
      name: 'initial + phonetic of the other name',
      fields: [G, F, D],
      // Initials make wide blocks ("j" + smith): split them by overlapping decades of birth
      // (a record without a year joins every decade) and window what is still crowded.
      maxBlockSize: 20,
      window: 4,
      keys: (r) => {
        const g = gk[r];
        const f = fk[r];
        if (!g || !f) return null;
        const eras = birthEras(c.dob, r);
        const keys: string[] = [];
        for (const era of eras) {
          keys.push(`g${g.initial}|${f.phonetic[0]}|${era}`, `f${f.initial}|${g.phonetic[0]}|${era}`);
        }
        return keys;
      },
    });
  }
  if (rules.length === 0 && c.postcode)
    rules.push({ name: 'postcode', fields: ['postcode'], keys: (r) => pcKey(r) });
  if (rules.length === 0 && c.address) {
    const address = c.address;
    rules.push({
      name: 'address',
      fields: ['address'],
      keys: (r) => ((address.dict.ids[r] as number) < 0 ? null : String(address.dict.ids[r])),
    });
  }
  return rules;
}
