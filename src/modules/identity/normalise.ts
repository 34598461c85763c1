/** Placeholders that mean "not known" in exported spreadsheets. */
const MISSING_MARKERS = new Set(['', 'na', 'n/a', 'null', 'none', 'nan', 'unknown', 'not known', '-', '?']);

/** Lower-case, accents stripped, punctuation to spaces, apostrophes dropped (o'brien → obrien). */
export function normaliseText(raw: string | undefined): string {
  if (raw === undefined) return '';
  const lowered = raw.trim().toLowerCase();
  if (MISSING_MARKERS.has(lowered)) return '';
  return lowered
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'rev', 'sir', 'dame', 'lady', 'lord', 'prof']);

/** A name with honorifics removed; single letters kept (they are initials). */
export function normaliseName(raw: string | undefined): string {
  const text = normaliseText(raw).replace(/[0-9]+/g, ' ');
  if (text === '') return '';
  const tokens = text.split(' ').filter((t) => t !== '' && !TITLES.has(t));
  return tokens.join(' ');
}

/** Splits a full name into given and family parts: first token and last token ("smith, john" handled). */
export function splitFullName(raw: string | undefined): { given: string; family: string } {
  if (raw === undefined) return { given: '', family: '' };
  const comma = raw.indexOf(',');
  if (comma > 0) {
    return { given: normaliseName(raw.slice(comma + 1)), family: normaliseName(raw.slice(0, comma)) };
  }
  const tokens = normaliseName(raw).split(' ').filter(Boolean);
  if (tokens.length === 0) return { given: '', family: '' };
  if (tokens.length === 1) return { given: '', family: tokens[0] as string };
  return { given: tokens.slice(0, -1).join(' '), family: tokens[tokens.length - 1] as string };
}

/**
 * A date packed as y*10000 + m*100 + d, where an unknown part is 0 (1970-00-00 = year only).
 * -1 means missing. Accepts YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY,
 * YYYY-MM, MM/YYYY, YYYY and a trailing time. Parts are kept as written (a month of 13–31 is kept)
 * so the day/month transposition level can still see them.
 */
export function parseDate(raw: string | undefined): number {
  if (raw === undefined) return -1;
  let s = raw.trim().toLowerCase();
  if (MISSING_MARKERS.has(s)) return -1;
  s = s.replace(/[t ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?$/, '').trim();
  let parts: [number, number, number] | null = null;
  for (const [pattern, order] of DATE_PATTERNS) {
    const match = s.match(pattern);
    if (!match) continue;
    const get = (k: number): number => (k === 0 ? 0 : Number(match[k]));
    const [yi, mi, di] = order;
    const yearText = match[yi] as string;
    parts = [yearText.length === 2 ? expandYear(yearText) : Number(yearText), get(mi), get(di)];
    break;
  }
  if (!parts) return -1;
  const [y, m, d] = parts;
  // Zero parts ("1970-00-00") are the usual way of writing a partial date.
  if (m > 31 || d > 31 || y > 9999) return -1;
  if (y === 0 && m === 0 && d === 0) return -1;
  return y * 10000 + m * 100 + d;
}

function expandYear(text: string): number {
  if (text.length === 4) return Number(text);
  // Two-digit years are ambiguous for birth dates; read them as the most recent past century.
  const yy = Number(text);
  const nowYy = new Date().getFullYear() % 100;
  return yy <= nowYy ? 2000 + yy : 1900 + yy;
}

export type DateParts = { year: number; month: number; day: number };

export function unpackDate(packed: number): DateParts {
  return { year: Math.floor(packed / 10000), month: Math.floor(packed / 100) % 100, day: packed % 100 };
}

/** Accepted layouts and the capture group holding year, month and day (0 = absent). */
const DATE_PATTERNS: readonly [RegExp, readonly [number, number, number]][] = [
  [/^(\d{4})(\d{2})(\d{2})$/, [1, 2, 3]],
  [/^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/, [1, 2, 3]],
  [/^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$/, [3, 2, 1]],
  [/^(\d{4})[-/.](\d{1,2})$/, [1, 2, 0]],
  [/^(\d{1,2})[-/.](\d{4})$/, [2, 1, 0]],
  [/^(\d{4})$/, [1, 0, 0]],
  [/^(\d{4})(\d{2})$/, [1, 2, 0]],
];

const UK_POSTCODE = /^([A-Z]{1,2})([0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})$/;

export type PostcodeParts = { full: string; sector: string; district: string; area: string };

/**
 * UK postcodes split into area (SW), district (SW1A), sector (SW1A 1) and full. Other formats
 * (FEBRL's 4-digit Australian ones) use prefixes of the digits so a nearby code still scores.
 */
export function postcodeParts(raw: string | undefined): PostcodeParts | null {
  if (raw === undefined) return null;
  const compact = raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (compact === '' || MISSING_MARKERS.has(compact.toLowerCase())) return null;
  const uk = compact.match(UK_POSTCODE);
  if (uk) {
    const [, area, districtRest, sectorDigit, unit] = uk as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    const district = area + districtRest;
    return {
      full: `${district} ${sectorDigit}${unit}`,
      sector: `${district} ${sectorDigit}`,
      district,
      area,
    };
  }
  const n = compact.length;
  return {
    full: compact,
    sector: n > 3 ? compact.slice(0, n - 1) : compact,
    district: n > 3 ? compact.slice(0, n - 2) : compact.slice(0, Math.max(1, n - 1)),
    area: compact.slice(0, Math.max(1, Math.min(2, n - 2))),
  };
}

export function normalisePhone(raw: string | undefined): string {
  if (raw === undefined) return '';
  let digits = raw.replace(/[^0-9]/g, '');
  // +44 7700 … and 07700 … are the same number.
  if (digits.startsWith('44') && digits.length >= 11) digits = `0${digits.slice(2)}`;
  return digits.length >= 5 ? digits : '';
}

export function normaliseEmail(raw: string | undefined): string {
  if (raw === undefined) return '';
  const s = raw.trim().toLowerCase();
  return s.includes('@') ? s : '';
}

export function normaliseIdentifier(raw: string | undefined): string {
  if (raw === undefined) return '';
  const s = raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '');
  return MISSING_MARKERS.has(s.toLowerCase()) ? '' : s;
}
