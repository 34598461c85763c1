/**
 * Pure functions that turn what people type into the keys we store and search on. The same function
 * normalises a value when it is saved and when it is searched for, so the two always meet.
 */

/** Lower case, accents removed, letters only (hyphens and apostrophes dropped): "O'Brien-Smith" → "obriensmith". */
export function nameKey(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** The words of a name, each as a key: "Mary-Jane  O'Neill" → ["maryjane", "oneill"]. */
export function nameWords(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map(nameKey)
    .filter((word) => word.length > 0);
}

// A UK postcode: outward code (area, district) and inward code (sector, unit). GIR 0AA is the one oddity.
const POSTCODE = /^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$/;

/** "sw1a1aa" → "SW1A 1AA", or undefined when it is not a UK postcode. */
export function normalisePostcode(value: string): string | undefined {
  const compact = value.toUpperCase().replace(/\s+/g, '');
  if (!POSTCODE.test(compact)) return undefined;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

/** The key a postcode is stored and searched under: upper case, no spaces. */
export function postcodeKey(value: string): string {
  return value.toUpperCase().replace(/\s+/g, '');
}

// Phones follow the one rule the whole system uses (the register, the form engine, bookings).
export { formatPhone, normalisePhone, parseWithLibrary } from '../../platform/validation/phone.ts';

/**
 * A contact point told apart without being given away, for the audit trail: "phone ending 0001",
 * "email j…@example.com". The whole value never goes into the audit log.
 */
export function maskContactPoint(point: { kind: string; value: string }): string {
  if (point.kind === 'email') {
    const at = point.value.lastIndexOf('@');
    return at > 0 ? `email ${point.value[0]}…${point.value.slice(at)}` : 'email';
  }
  const digits = point.value.replace(/\D/g, '');
  return digits.length >= 8 ? `${point.kind} ending ${digits.slice(-4)}` : point.kind;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function normaliseEmail(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed.length > 254 || !EMAIL.test(trimmed)) return undefined;
  return trimmed.toLowerCase();
}

// HMRC: two prefix letters (not D, F, I, Q, U or V; the second not O; not BG, GB, KN, NK, NT, TN or ZZ),
// six digits and a suffix A to D.
const NI_NUMBER = /^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/;

export function normaliseNiNumber(value: string): string | undefined {
  const compact = value.toUpperCase().replace(/\s+/g, '');
  return NI_NUMBER.test(compact) ? compact : undefined;
}

/** NHS number: ten digits, the last a modulus 11 check digit. */
export function normaliseNhsNumber(value: string): string | undefined {
  const digits = value.replace(/[\s-]+/g, '');
  if (!/^\d{10}$/.test(digits)) return undefined;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  const expected = check === 11 ? 0 : check;
  if (expected === 10 || expected !== Number(digits[9])) return undefined;
  return digits;
}

export function formatNhsNumber(digits: string): string {
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

/** Other schemes' references: upper case without spaces. */
export function identifierKey(value: string): string {
  return value.toUpperCase().replace(/\s+/g, '');
}

export type DatePrecision = 'day' | 'month' | 'year';

export interface PartialDate {
  /** The first day the date could be, as YYYY-MM-DD. */
  readonly date: string;
  readonly precision: DatePrecision;
}

function realDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const pad = (n: number) => String(n).padStart(2, '0');

const DATE_FORMS: readonly {
  pattern: RegExp;
  parts: (m: RegExpExecArray) => [number, number, number];
  precision: DatePrecision;
}[] = [
  {
    pattern: /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
    parts: (m) => [Number(m[1]), Number(m[2]), Number(m[3])],
    precision: 'day',
  },
  {
    pattern: /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/,
    parts: (m) => [Number(m[3]), Number(m[2]), Number(m[1])],
    precision: 'day',
  },
  { pattern: /^(\d{4})-(\d{1,2})$/, parts: (m) => [Number(m[1]), Number(m[2]), 1], precision: 'month' },
  { pattern: /^(\d{1,2})\/(\d{4})$/, parts: (m) => [Number(m[2]), Number(m[1]), 1], precision: 'month' },
  { pattern: /^(\d{4})$/, parts: (m) => [Number(m[1]), 1, 1], precision: 'year' },
];

/**
 * A date that may be known only to the month or the year: "1957-03-12", "1957-03", "1957", and the
 * British "12/03/1957". Undefined when it is not a real date.
 */
export function parsePartialDate(value: string): PartialDate | undefined {
  const text = value.trim();
  for (const form of DATE_FORMS) {
    const match = form.pattern.exec(text);
    if (!match) continue;
    const [year, month, day] = form.parts(match);
    if (year < 1850 || !realDate(year, month, day)) return undefined;
    return { date: `${year}-${pad(month)}-${pad(day)}`, precision: form.precision };
  }
  return undefined;
}

/** "12 March 1957", "March 1957" or "1957". */
export function formatPartialDate(date: string, precision: DatePrecision): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const month = new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
  if (precision === 'year') return String(y);
  if (precision === 'month') return `${month} ${y}`;
  return `${d} ${month} ${y}`;
}

// Crockford's base 32 without I, L, O and U, so references are easy to read out over the phone.
const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function checkCharacter(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += REFERENCE_ALPHABET.indexOf(body[i] ?? '0') * (i + 1);
  return REFERENCE_ALPHABET[sum % 31] ?? '0';
}

/** A short, checkable human reference for a party: "P-7KQ2-M4XD" (the last character is a check). */
export function newPartyReference(random: () => number = Math.random): string {
  let body = '';
  for (let i = 0; i < 7; i++) body += REFERENCE_ALPHABET[Math.floor(random() * 32)];
  const full = body + checkCharacter(body);
  return `P-${full.slice(0, 4)}-${full.slice(4)}`;
}

/** Whether text looks like a party reference with a correct check character (case and dashes ignored). */
export function normalisePartyReference(value: string): string | undefined {
  const compact = value.toUpperCase().replace(/[\s-]+/g, '');
  if (!/^P[0-9A-HJKMNP-TV-Z]{8}$/.test(compact)) return undefined;
  const body = compact.slice(1, 8);
  if (checkCharacter(body) !== compact[8]) return undefined;
  return `P-${compact.slice(1, 5)}-${compact.slice(5)}`;
}
