import { readFileSync } from 'node:fs';
import type { Comparison } from './comparisons.ts';
import {
  type ComparisonParameters,
  estimateU,
  explainPair,
  type FellegiSunterModel,
  type PairExplanation,
  type Thresholds,
} from './fellegi-sunter.ts';
import { buildComparisons } from './linkage.engine.ts';

/** A person's compared fields, from the register or from an extract. */
export interface LinkFields {
  givenNames: string;
  familyName: string;
  dateOfBirth: string;
  address: string;
  postcode: string;
  phone: string;
  email: string;
  niNumber: string;
}

/**
 * Thresholds for loading an extract into the register: a merge needs near certainty (a wrong
 * automatic merge puts one person's details on another's record); from 0.5 a person decides.
 */
export const LOAD_THRESHOLDS: Thresholds = { match: 0.9999, review: 0.5 };

/** Share of an extract's people assumed to be in the register already (sets the prior). */
export const EXPECTED_KNOWN_SHARE = 0.5;

/** At most this many register people are sampled to estimate u. */
export const U_SAMPLE_SIZE = 2_000;

type StoredM = { comparisons: Record<string, { levels: string[]; m: number[] }> };
const STORED: StoredM = JSON.parse(
  readFileSync(new URL('./data/register-model.json', import.meta.url), 'utf8'),
) as StoredM;

/** Contact details and addresses change between systems more than the synthetic training set assumes. */
const ELSE_FLOOR: Record<string, number> = { phone: 0.05, email: 0.05, postcode: 0.05, address: 0.1 };

function storedM(name: string, levels: readonly string[]): number[] {
  const stored = STORED.comparisons[name];
  let m: number[];
  if (stored && stored.levels.length === levels.length) m = [...stored.m];
  else {
    // Unknown comparison: strong agreement likely among matches, the rest spread thinly.
    m = levels.map((_, l) => (l === 0 ? 0.7 : 0.3 / (levels.length - 1)));
  }
  const floor = ELSE_FLOOR[name];
  if (floor !== undefined) m[m.length - 1] = Math.max(m[m.length - 1] as number, floor);
  const total = m.reduce((a, b) => a + b, 0);
  return m.map((v) => v / total);
}

export interface RegisterLinker {
  comparisons: Comparison[];
  model: FellegiSunterModel;
  /** Index of the i-th sampled, incoming or candidate record in the combined list. */
  incoming(i: number): number;
  candidate(i: number): number;
  explain(candidate: number, incoming: number): PairExplanation;
  /** Two records of the same extract. */
  explainIncoming(i: number, j: number): PairExplanation;
}

/**
 * The model for linking an extract to the register. m is reused from a training run (EM over
 * synthetic UK people; a small extract has too few matches for EM); u is estimated here from
 * random pairs of a random sample of the register, which are almost all different people; the
 * prior assumes EXPECTED_KNOWN_SHARE of the extract is already known among `registerSize` people.
 * Term frequencies come from the sample, the extract and the candidates together.
 */
export function buildRegisterLinker(
  sample: readonly LinkFields[],
  incoming: readonly LinkFields[],
  candidates: readonly LinkFields[],
  registerSize: number,
  thresholds: Thresholds = LOAD_THRESHOLDS,
): RegisterLinker {
  const records = [...sample, ...incoming, ...candidates];
  const column = (f: keyof LinkFields) => records.map((r) => r[f]);
  const { comparisons } = buildComparisons({
    given: column('givenNames'),
    family: column('familyName'),
    dob: column('dateOfBirth'),
    postcode: column('postcode'),
    address: column('address'),
    phone: column('phone'),
    email: column('email'),
    identifiers: [{ name: 'ni_number', values: column('niNumber') }],
  });
  // u from the register sample; a register too small to sample well borrows the extract's records.
  const pool = sample.length >= 100 ? sample.length : sample.length + incoming.length;
  const { u, sampled } = estimateU(comparisons, pool, 200_000);
  const lambda = Math.min(0.5, EXPECTED_KNOWN_SHARE / Math.max(1, registerSize));
  const parameters: ComparisonParameters[] = comparisons.map((c, k) => ({
    name: c.name,
    levels: c.levels,
    m: storedM(c.name, c.levels),
    u: u[k] as number[],
    tfLevel: c.tfLevel,
  }));
  const model: FellegiSunterModel = {
    comparisons: parameters,
    lambda,
    candidateLambda: lambda,
    emIterations: 0,
    randomPairsSampled: sampled,
  };
  const incomingAt = (i: number) => sample.length + i;
  const candidateAt = (i: number) => sample.length + incoming.length + i;
  return {
    comparisons,
    model,
    incoming: incomingAt,
    candidate: candidateAt,
    explain: (candidate, i) =>
      explainPair(model, comparisons, candidateAt(candidate), incomingAt(i), thresholds),
    explainIncoming: (i, j) => explainPair(model, comparisons, incomingAt(i), incomingAt(j), thresholds),
  };
}
