import { doubleMetaphone, metaphoneMatch } from './double-metaphone.ts';
import { damerauLevenshtein, jaroWinkler, withinOneEdit } from './jaro-winkler.ts';
import { type NameTable, nameVariantGroups } from './name-variants.ts';
import { parseDate, postcodeParts } from './normalise.ts';

export type ComparisonKind =
  | 'name'
  | 'date'
  | 'postcode'
  | 'address'
  | 'phone'
  | 'email'
  | 'identifier'
  | 'text';

/** Level index returned for a pair where either side is missing: contributes weight 0. */
export const MISSING = -1;

/**
 * One field's comparison. Levels are ordered from strongest agreement to 'else' (always last);
 * compare() returns the first level that holds. tfLevel is the level whose weight is adjusted by
 * the frequency of the shared value (a match on "smith" is worth less than on "pomfrey").
 */
export type Comparison = {
  readonly name: string;
  readonly kind: ComparisonKind;
  readonly levels: readonly string[];
  readonly tfLevel: number;
  compare(i: number, j: number): number;
  /** Share of records holding record i's value (only meaningful when i has a value). */
  termFrequency(i: number): number;
  describe(i: number): string;
};

/** Interns values so comparisons work on small integers and per-value work is done once. */
export class ValueDictionary {
  readonly ids: Int32Array;
  readonly values: string[] = [];
  readonly counts: number[] = [];
  readonly present: number;

  constructor(normalised: readonly string[]) {
    this.ids = new Int32Array(normalised.length);
    const index = new Map<string, number>();
    let present = 0;
    for (let r = 0; r < normalised.length; r++) {
      const v = normalised[r] as string;
      if (v === '') {
        this.ids[r] = -1;
        continue;
      }
      present++;
      let id = index.get(v);
      if (id === undefined) {
        id = this.values.length;
        index.set(v, id);
        this.values.push(v);
        this.counts.push(0);
      }
      this.counts[id] = (this.counts[id] as number) + 1;
      this.ids[r] = id;
    }
    this.present = present;
  }

  termFrequency(record: number): number {
    const id = this.ids[record] as number;
    if (id < 0 || this.present === 0) return 1;
    return (this.counts[id] as number) / this.present;
  }
}

export type NameFeatures = {
  dict: ValueDictionary;
  codes: [string, string][];
  tokens: string[][];
};

export function nameFeatures(normalised: readonly string[]): NameFeatures {
  const dict = new ValueDictionary(normalised);
  return {
    dict,
    codes: dict.values.map((v) => doubleMetaphone(v)),
    tokens: dict.values.map((v) => v.split(' ')),
  };
}

const NAME_LEVELS = [
  'exact',
  'jaro-winkler>=0.92 or a shared name',
  'nickname/variant',
  'double-metaphone',
  'jaro-winkler>=0.80',
  'initial',
  'matches the other name field',
  'else',
] as const;

function sharesToken(a: string[], b: string[]): boolean {
  for (const t of a) if (t.length > 1 && b.includes(t)) return true;
  return false;
}

/**
 * Given or family name. `other` is the record's other name field, so a given/family swap
 * (a FEBRL favourite, and common when forms are filled in by someone else) is recognised.
 */
export function nameComparison(
  name: string,
  own: NameFeatures,
  other: NameFeatures | null,
  table: NameTable,
): Comparison {
  const ids = own.dict.ids;
  const values = own.dict.values;
  // Variant groups per distinct value, looked up once instead of per pair.
  const groups = values.map((v) => nameVariantGroups(v, table));
  const similarity = (a: number, b: number): number =>
    nameSimilarityLevel(
      values[a] as string,
      values[b] as string,
      own.tokens[a] as string[],
      own.tokens[b] as string[],
      groups[a] as readonly number[],
      groups[b] as readonly number[],
      own.codes[a] as [string, string],
      own.codes[b] as [string, string],
    );
  return {
    name,
    kind: 'name',
    levels: NAME_LEVELS,
    tfLevel: 0,
    compare(i, j) {
      const a = ids[i] as number;
      const b = ids[j] as number;
      if (a < 0 || b < 0) return MISSING;
      if (a === b) return 0;
      const level = similarity(a, b);
      if (level < 6 || !other) return level;
      // Name written in the other field: a full given/family swap, or one side filled in only
      // one field with the wrong name ("moore, oscar" against "oscar, —").
      const sa = values[a] as string;
      const sb = values[b] as string;
      const oa = other.dict.ids[i] as number;
      const ob = other.dict.ids[j] as number;
      const va = oa >= 0 ? (other.dict.values[oa] as string) : null;
      const vb = ob >= 0 ? (other.dict.values[ob] as string) : null;
      if (va !== null && vb !== null) {
        if (closeName(sa, vb) && closeName(va, sb)) return 6;
      } else if ((vb !== null && closeName(sa, vb)) || (va !== null && closeName(va, sb))) {
        return 6;
      }
      return 7;
    },
    termFrequency: (i) => own.dict.termFrequency(i),
    describe: (i) => {
      const id = ids[i] as number;
      return id < 0 ? '' : (values[id] as string);
    },
  };
}

/** Same name allowing a typo; first letters must agree, which keeps the swap check cheap. */
function closeName(x: string, y: string): boolean {
  if (x === y) return true;
  if (x.length < 2 || y.length < 2 || x.charCodeAt(0) !== y.charCodeAt(0)) return false;
  return jaroWinkler(x, y) >= 0.92;
}

/** Levels 1–5 of NAME_LEVELS for two different names, or 7 ('else'). */
function nameSimilarityLevel(
  sa: string,
  sb: string,
  ta: string[],
  tb: string[],
  ga: readonly number[],
  gb: readonly number[],
  ca: [string, string],
  cb: [string, string],
): number {
  if (sa.length === 1 || sb.length === 1) return sa.charCodeAt(0) === sb.charCodeAt(0) ? 5 : 7;
  const jw = jaroWinkler(sa, sb);
  if (jw >= 0.92) return 1;
  if ((ta.length > 1 || tb.length > 1) && sharesToken(ta, tb)) return 1;
  for (const g of ga) if (gb.includes(g)) return 2;
  if (metaphoneMatch(ca, cb)) return 3;
  if (jw >= 0.8) return 4;
  return 7;
}

const DATE_LEVELS = [
  'exact',
  'day/month transposed',
  'agree on known parts (partial date)',
  'two of day/month/year agree',
  'within 1 year',
  'within 10 years',
  'else',
] as const;

export type DateColumn = { packed: Int32Array; dict: ValueDictionary };

export function dateColumn(raw: readonly string[]): DateColumn {
  const packed = new Int32Array(raw.length);
  const keys: string[] = new Array(raw.length);
  for (let r = 0; r < raw.length; r++) {
    const p = parseDate(raw[r]);
    packed[r] = p;
    keys[r] = p < 0 ? '' : String(p);
  }
  return { packed, dict: new ValueDictionary(keys) };
}

/** Approximate day number; good enough for "within a year" bands and tolerant of month 13+. */
function dayNumber(y: number, m: number, d: number): number {
  return y * 365.25 + (Math.min(Math.max(m, 1), 12) - 1) * 30.44 + Math.max(d, 1);
}

export function dateComparison(name: string, column: DateColumn): Comparison {
  const packed = column.packed;
  return {
    name,
    kind: 'date',
    levels: DATE_LEVELS,
    tfLevel: 0,
    compare(i, j) {
      const a = packed[i] as number;
      const b = packed[j] as number;
      if (a < 0 || b < 0) return MISSING;
      const ya = Math.floor(a / 10000);
      const ma = Math.floor(a / 100) % 100;
      const da = a % 100;
      const yb = Math.floor(b / 10000);
      const mb = Math.floor(b / 100) % 100;
      const db = b % 100;
      const fullA = ya > 0 && ma > 0 && da > 0;
      const fullB = yb > 0 && mb > 0 && db > 0;
      if (fullA && fullB) {
        if (a === b) return 0;
        if (ya === yb && da === mb && ma === db) return 1;
        const agree = (ya === yb ? 1 : 0) + (ma === mb ? 1 : 0) + (da === db ? 1 : 0);
        if (agree === 2) return 3;
      } else {
        // Compare only the parts both records know; nothing known in common reads as missing.
        let shared = 0;
        let agree = 0;
        if (ya > 0 && yb > 0) {
          shared++;
          if (ya === yb) agree++;
        }
        if (ma > 0 && mb > 0) {
          shared++;
          if (ma === mb) agree++;
        }
        if (da > 0 && db > 0) {
          shared++;
          if (da === db) agree++;
        }
        if (shared === 0) return MISSING;
        if (agree === shared && ya > 0 && yb > 0) return 2;
        if (ya === 0 || yb === 0) return agree === shared ? 2 : 6;
      }
      const gap = Math.abs(dayNumber(ya, ma, da) - dayNumber(yb, mb, db));
      // A little over a year, so 1993-03-27 against 1994-03-28 still counts as "about a year".
      if (gap <= 400) return 4;
      if (gap <= 3653) return 5;
      return 6;
    },
    termFrequency: (i) => column.dict.termFrequency(i),
    describe: (i) => {
      const p = packed[i] as number;
      if (p < 0) return '';
      const y = Math.floor(p / 10000);
      const m = Math.floor(p / 100) % 100;
      const d = p % 100;
      const pad = (n: number, w: number): string => (n === 0 ? '?'.repeat(w) : String(n).padStart(w, '0'));
      return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
    },
  };
}

const POSTCODE_LEVELS = [
  'exact',
  'same sector (or one character off)',
  'same district',
  'same area',
  'else',
] as const;

export type PostcodeColumn = {
  dict: ValueDictionary;
  sector: Int32Array;
  district: Int32Array;
  area: Int32Array;
};

export function postcodeColumn(raw: readonly string[]): PostcodeColumn {
  const parts = raw.map((v) => postcodeParts(v));
  const dict = new ValueDictionary(parts.map((p) => p?.full ?? ''));
  const intern = (key: (p: NonNullable<(typeof parts)[number]>) => string): Int32Array =>
    new ValueDictionary(parts.map((p) => (p ? key(p) : ''))).ids;
  return {
    dict,
    sector: intern((p) => p.sector),
    district: intern((p) => p.district),
    area: intern((p) => p.area),
  };
}

export function postcodeComparison(name: string, column: PostcodeColumn): Comparison {
  const { dict, sector, district, area } = column;
  const ids = dict.ids;
  return {
    name,
    kind: 'postcode',
    levels: POSTCODE_LEVELS,
    tfLevel: 0,
    compare(i, j) {
      const a = ids[i] as number;
      const b = ids[j] as number;
      if (a < 0 || b < 0) return MISSING;
      if (a === b) return 0;
      if (sector[i] === sector[j]) return 1;
      if (withinOneEdit(dict.values[a] as string, dict.values[b] as string)) return 1;
      if (district[i] === district[j]) return 2;
      if (area[i] === area[j]) return 3;
      return 4;
    },
    termFrequency: (i) => dict.termFrequency(i),
    describe: (i) => {
      const id = ids[i] as number;
      return id < 0 ? '' : (dict.values[id] as string);
    },
  };
}

const ADDRESS_LEVELS = [
  'exact',
  'weighted token overlap>=0.8',
  'weighted token overlap>=0.5',
  'weighted token overlap>=0.25',
  'else',
] as const;

export type AddressColumn = {
  dict: ValueDictionary;
  tokens: Int32Array[];
  tokenText: string[];
  tokenWeight: Float64Array;
};

export function addressColumn(normalised: readonly string[]): AddressColumn {
  const dict = new ValueDictionary(normalised);
  const tokenIndex = new Map<string, number>();
  const tokenText: string[] = [];
  const df: number[] = [];
  const tokens = dict.values.map((v) => {
    const ts = [...new Set(v.split(' ').filter(Boolean))];
    return Int32Array.from(
      ts.map((t) => {
        let id = tokenIndex.get(t);
        if (id === undefined) {
          id = tokenText.length;
          tokenIndex.set(t, id);
          tokenText.push(t);
          df.push(0);
        }
        return id;
      }),
    );
  });
  // Document frequency over records (not distinct addresses) so "street" and "road" weigh little.
  for (let r = 0; r < dict.ids.length; r++) {
    const id = dict.ids[r] as number;
    if (id < 0) continue;
    for (const t of tokens[id] as Int32Array) df[t] = (df[t] as number) + 1;
  }
  const n = Math.max(1, dict.present);
  const tokenWeight = Float64Array.from(df, (f) => Math.log((n + 1) / (f + 0.5)));
  return { dict, tokens, tokenText, tokenWeight };
}

export function addressComparison(name: string, column: AddressColumn): Comparison {
  const { dict, tokens, tokenText, tokenWeight } = column;
  const ids = dict.ids;
  return {
    name,
    kind: 'address',
    levels: ADDRESS_LEVELS,
    tfLevel: 0,
    compare(i, j) {
      const a = ids[i] as number;
      const b = ids[j] as number;
      if (a < 0 || b < 0) return MISSING;
      if (a === b) return 0;
      const ta = tokens[a] as Int32Array;
      const tb = tokens[b] as Int32Array;
      let wa = 0;
      let wb = 0;
      let shared = 0;
      let exactTokens = 0;
      for (let x = 0; x < tb.length; x++) wb += tokenWeight[tb[x] as number] as number;
      for (let x = 0; x < ta.length; x++) {
        const t = ta[x] as number;
        const w = tokenWeight[t] as number;
        wa += w;
        let best = 0;
        for (let y = 0; y < tb.length; y++) {
          const u = tb[y] as number;
          if (u === t) {
            best = w;
            exactTokens++;
            break;
          }
          const s = tokenText[t] as string;
          const v = tokenText[u] as string;
          // Typos in words count (weighted by the commoner spelling); numbers must agree exactly.
          if (
            s.length >= 4 &&
            v.length >= 4 &&
            s.charCodeAt(0) > 57 &&
            (s.charCodeAt(0) === v.charCodeAt(0) || s.charCodeAt(1) === v.charCodeAt(1)) &&
            jaroWinkler(s, v) >= 0.9
          ) {
            best = Math.max(best, 0.8 * Math.min(w, tokenWeight[u] as number));
          }
        }
        shared += best;
      }
      if (exactTokens === ta.length && exactTokens === tb.length) return 0;
      const sim = (2 * shared) / (wa + wb || 1);
      if (sim >= 0.8) return 1;
      if (sim >= 0.5) return 2;
      if (sim >= 0.25) return 3;
      return 4;
    },
    termFrequency: (i) => dict.termFrequency(i),
    describe: (i) => {
      const id = ids[i] as number;
      return id < 0 ? '' : (dict.values[id] as string);
    },
  };
}

/** Generic string field: exact (frequency-adjusted), then Jaro–Winkler bands. */
export function textComparison(name: string, dict: ValueDictionary): Comparison {
  const ids = dict.ids;
  return {
    name,
    kind: 'text',
    levels: ['exact', 'jaro-winkler>=0.90', 'jaro-winkler>=0.75', 'else'],
    tfLevel: 0,
    compare(i, j) {
      const a = ids[i] as number;
      const b = ids[j] as number;
      if (a < 0 || b < 0) return MISSING;
      if (a === b) return 0;
      const jw = jaroWinkler(dict.values[a] as string, dict.values[b] as string);
      if (jw >= 0.9) return 1;
      if (jw >= 0.75) return 2;
      return 3;
    },
    termFrequency: (i) => dict.termFrequency(i),
    describe: (i) => {
      const id = ids[i] as number;
      return id < 0 ? '' : (dict.values[id] as string);
    },
  };
}

/** Identifiers (NI number, NHS number, account ids): exact, or one keying error. */
export function identifierComparison(name: string, dict: ValueDictionary, kind: ComparisonKind): Comparison {
  const ids = dict.ids;
  return {
    name,
    kind,
    levels: ['exact', 'one edit or transposition', 'else'],
    tfLevel: 0,
    compare(i, j) {
      const a = ids[i] as number;
      const b = ids[j] as number;
      if (a < 0 || b < 0) return MISSING;
      if (a === b) return 0;
      const sa = dict.values[a] as string;
      const sb = dict.values[b] as string;
      if (sa.length >= 4 && withinOneEdit(sa, sb)) return 1;
      return 2;
    },
    termFrequency: (i) => dict.termFrequency(i),
    describe: (i) => {
      const id = ids[i] as number;
      return id < 0 ? '' : (dict.values[id] as string);
    },
  };
}

/**
 * Email: exact, or within two keying errors. No "same mailbox at another domain" or loose
 * Jaro–Winkler level: mailbox names usually spell the person's name, so such agreement mostly
 * repeats the name evidence (two different John Smiths) rather than adding to it.
 */
export function emailComparison(name: string, dict: ValueDictionary): Comparison {
  const ids = dict.ids;
  return {
    name,
    kind: 'email',
    levels: ['exact', 'within two edits', 'within four edits', 'else'],
    tfLevel: 0,
    compare(i, j) {
      const a = ids[i] as number;
      const b = ids[j] as number;
      if (a < 0 || b < 0) return MISSING;
      if (a === b) return 0;
      const edits = damerauLevenshtein(dict.values[a] as string, dict.values[b] as string, 4);
      if (edits <= 2) return 1;
      if (edits <= 4) return 2;
      return 3;
    },
    termFrequency: (i) => dict.termFrequency(i),
    describe: (i) => {
      const id = ids[i] as number;
      return id < 0 ? '' : (dict.values[id] as string);
    },
  };
}

/** Phone: exact, same last 7 digits (area code written differently), one keying error, else. */
export function phoneComparison(name: string, dict: ValueDictionary): Comparison {
  const ids = dict.ids;
  const tail = dict.values.map((v) => v.slice(-7));
  return {
    name,
    kind: 'phone',
    levels: ['exact', 'same last 7 digits', 'one edit or transposition', 'else'],
    tfLevel: 0,
    compare(i, j) {
      const a = ids[i] as number;
      const b = ids[j] as number;
      if (a < 0 || b < 0) return MISSING;
      if (a === b) return 0;
      if (tail[a] === tail[b]) return 1;
      if (withinOneEdit(dict.values[a] as string, dict.values[b] as string)) return 2;
      return 3;
    },
    termFrequency: (i) => dict.termFrequency(i),
    describe: (i) => {
      const id = ids[i] as number;
      return id < 0 ? '' : (dict.values[id] as string);
    },
  };
}
