import type { Condition, EligibilityRule } from './catalogue.schemas.ts';

/** Facts a condition can test: the answers given, and what the council knows of the person. */
export interface Facts {
  answers?: Record<string, unknown>;
  party?: Record<string, unknown>;
}

/** Three-valued: a fact nobody has supplied yet makes the outcome unknown, not false. */
export type Truth = true | false | 'unknown';

function lookup(facts: Facts, path: string): unknown {
  const dot = path.indexOf('.');
  const scope = path.slice(0, dot) as 'answers' | 'party';
  const key = path.slice(dot + 1);
  const source = facts[scope];
  if (!source || !Object.hasOwn(source, key)) return undefined;
  return source[key];
}

const isMissing = (value: unknown) =>
  value === undefined ||
  value === null ||
  value === '' ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0);

function asComparable(value: unknown): number | string | boolean | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (value === 'yes' || value === 'true') return true;
    if (value === 'no' || value === 'false') return false;
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) ? n : value;
  }
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  const x = asComparable(a);
  const y = asComparable(b);
  return x !== undefined && x === y;
}

function compare(a: unknown, b: unknown): number | undefined {
  const x = asComparable(a);
  const y = asComparable(b);
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  // ISO dates compare as strings.
  if (
    typeof x === 'string' &&
    typeof y === 'string' &&
    /^\d{4}-\d{2}-\d{2}/.test(x) &&
    /^\d{4}-\d{2}-\d{2}/.test(y)
  )
    return x < y ? -1 : x > y ? 1 : 0;
  return undefined;
}

/** Evaluates a JSON condition. Only the operators listed in OPERATORS exist; there is no code path to eval. */
export function evaluate(condition: Condition, facts: Facts): Truth {
  if ('all' in condition) {
    let unknown = false;
    for (const c of condition.all) {
      const r = evaluate(c, facts);
      if (r === false) return false;
      if (r === 'unknown') unknown = true;
    }
    return unknown ? 'unknown' : true;
  }
  if ('any' in condition) {
    let unknown = false;
    for (const c of condition.any) {
      const r = evaluate(c, facts);
      if (r === true) return true;
      if (r === 'unknown') unknown = true;
    }
    return unknown ? 'unknown' : false;
  }
  if ('not' in condition) {
    const r = evaluate(condition.not, facts);
    return r === 'unknown' ? 'unknown' : !r;
  }
  const actual = lookup(facts, condition.fact);
  const expected = condition.value;
  switch (condition.op) {
    case 'exists':
      return !isMissing(actual);
    case 'notExists':
      return isMissing(actual);
    default:
      break;
  }
  if (isMissing(actual)) {
    // An unanswered question is known to be unanswered; an unknown party fact is just unknown.
    return condition.fact.startsWith('answers.') ? false : 'unknown';
  }
  switch (condition.op) {
    case 'eq':
      return Array.isArray(actual) ? false : equal(actual, expected);
    case 'ne':
      return Array.isArray(actual) ? true : !equal(actual, expected);
    case 'in':
      return Array.isArray(expected) ? expected.some((e) => equal(actual, e)) : false;
    case 'notIn':
      return Array.isArray(expected) ? !expected.some((e) => equal(actual, e)) : true;
    case 'includes':
      return Array.isArray(actual) ? actual.some((a) => equal(a, expected)) : equal(actual, expected);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const d = compare(actual, expected);
      if (d === undefined) return false;
      if (condition.op === 'gt') return d > 0;
      if (condition.op === 'gte') return d >= 0;
      if (condition.op === 'lt') return d < 0;
      return d <= 0;
    }
    default:
      return false;
  }
}

/** Every fact a condition reads, e.g. ["answers.has_blue_badge", "party.age"]. */
export function factsUsed(condition: Condition): string[] {
  if ('all' in condition) return condition.all.flatMap(factsUsed);
  if ('any' in condition) return condition.any.flatMap(factsUsed);
  if ('not' in condition) return factsUsed(condition.not);
  return [condition.fact];
}

export interface EligibilityOutcome {
  /** true: every rule passes; false: at least one fails; unknown: none fail but some cannot be decided yet. */
  eligible: Truth;
  failed: { description: string; message: string }[];
  undecided: string[];
}

export function checkEligibility(
  rules: readonly EligibilityRule[] | undefined,
  facts: Facts,
): EligibilityOutcome {
  const failed: EligibilityOutcome['failed'] = [];
  const undecided: string[] = [];
  for (const rule of rules ?? []) {
    const r = evaluate(rule.when, facts);
    if (r === false) failed.push({ description: rule.description, message: rule.failureMessage });
    else if (r === 'unknown') undecided.push(rule.description);
  }
  return { eligible: failed.length ? false : undecided.length ? 'unknown' : true, failed, undecided };
}
