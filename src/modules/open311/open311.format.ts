import type { FieldError } from '../../platform/http/errors.ts';
import { escapeXml, OPEN311_XML_DECLARATION, type Open311Format } from '../../platform/http/open311.ts';

export {
  escapeXml,
  OPEN311_CONTENT_TYPES,
  OPEN311_XML_DECLARATION,
  type Open311Format,
} from '../../platform/http/open311.ts';

/** A value GeoReport v2 can carry: text, numbers, booleans, lists and nested records. */
export type Open311Value =
  | string
  | number
  | boolean
  | null
  | undefined
  | Date
  | readonly Open311Value[]
  | { readonly [key: string]: Open311Value };

/** The element name of each item in a GeoReport v2 list, by the list's element name. */
const ITEM_NAMES: Record<string, string> = {
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
  errors: 'error',
  service_requests: 'request',
  service_request_updates: 'request_update',
};

/** Dates as ISO 8601 with the zone, as the spec requires (2026-11-22T16:00:00Z). */
function isoDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function element(name: string, value: Open311Value): string {
  if (value === null || value === undefined) return `<${name}></${name}>`;
  if (value instanceof Date) return `<${name}>${isoDate(value)}</${name}>`;
  if (Array.isArray(value)) {
    const item = ITEM_NAMES[name];
    if (!item) throw new Error(`No Open311 item element is known for the list ${name}`);
    return `<${name}>${value.map((v: Open311Value) => element(item, v)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, Open311Value>)
      .map(([k, v]) => element(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function toJson(value: Open311Value): unknown {
  if (value instanceof Date) return isoDate(value);
  if (Array.isArray(value)) return value.map((v: Open311Value) => toJson(v));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, Open311Value>).map(([k, v]) => [k, toJson(v ?? null)]),
    );
  return value ?? null;
}

/**
 * A GeoReport v2 document. XML: a declaration, then `root` holding the value (a list's items take the
 * singular element name: services/service, attributes/attribute). JSON: the value itself, so a list
 * is a top-level array, as the spec shows.
 */
export function serialise(format: Open311Format, root: string, value: Open311Value): string {
  if (format === 'json') return JSON.stringify(toJson(value));
  return `${OPEN311_XML_DECLARATION}${element(root, value)}`;
}

/** One service request as GET requests and requests/{id} publish it, in the spec's order. */
export interface Open311RequestItem {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string;
  service_name: string;
  service_code: string;
  description: string;
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string;
  address_id: string;
  zipcode: string;
  lat: number | null;
  long: number | null;
  media_url: string;
}

/** The fields of a published request, in the spec's order, with their XML tags made once. */
const REQUEST_FIELDS = [
  'service_request_id',
  'status',
  'status_notes',
  'service_name',
  'service_code',
  'description',
  'agency_responsible',
  'service_notice',
  'requested_datetime',
  'updated_datetime',
  'expected_datetime',
  'address',
  'address_id',
  'zipcode',
  'lat',
  'long',
  'media_url',
] as const satisfies readonly (keyof Open311RequestItem)[];
const REQUEST_TAGS = REQUEST_FIELDS.map((k) => ({
  key: k,
  open: `<${k}>`,
  close: `</${k}>`,
  empty: `<${k}></${k}>`,
}));

/**
 * service_requests/request: the list GET requests answers, up to a thousand items, written directly
 * (the items hold only text, numbers and nulls, so JSON needs no conversion and XML no walk).
 */
export function serialiseRequests(format: Open311Format, items: readonly Open311RequestItem[]): string {
  if (format === 'json') return JSON.stringify(items);
  let xml = `${OPEN311_XML_DECLARATION}<service_requests>`;
  for (const item of items) {
    xml += '<request>';
    for (const tag of REQUEST_TAGS) {
      const value = item[tag.key];
      if (value === null) xml += tag.empty;
      else if (typeof value === 'number') xml += tag.open + value + tag.close;
      else xml += tag.open + escapeXml(value) + tag.close;
    }
    xml += '</request>';
  }
  return `${xml}</service_requests>`;
}

/** `xml` or `json`, in any case (`.XML` is still XML); anything else is not a format. */
export function formatFrom(value: string): Open311Format | undefined {
  const lower = value.toLowerCase();
  return lower === 'xml' || lower === 'json' ? lower : undefined;
}

export function isFormat(value: string): value is Open311Format {
  return value === 'xml' || value === 'json';
}

/** attribute[code], attribute[code][] and, as PHP and Rails clients send lists, attribute[code][0]. */
const ATTRIBUTE_KEY = /^attribute\[([^\][]*)\](\[\d{0,3}\])?$/;
const ATTRIBUTE_CODE = /^[A-Za-z0-9_.-]{1,100}$/;

export interface ParsedAttributes {
  attributes: Record<string, string | string[]>;
  errors: FieldError[];
}

/**
 * Reads `attribute[code]=value` and `attribute[code][]=value` fields from a form-encoded body into
 * `{ code: value }` and `{ code: [values] }`. A repeated `attribute[code]` is a list too. Codes must be
 * letters, digits, `_`, `.` or `-`; each bad field is reported by its name.
 */
export function parseAttributes(body: Record<string, unknown> | null | undefined): ParsedAttributes {
  const attributes: Record<string, string | string[]> = {};
  const errors: FieldError[] = [];
  for (const [key, raw] of Object.entries(body ?? {})) {
    if (!key.startsWith('attribute')) continue;
    const match = ATTRIBUTE_KEY.exec(key);
    const code = match?.[1];
    if (!match || code === undefined) {
      errors.push({
        field: key,
        message: `${key} is not a valid attribute field; send attribute[code]=value`,
      });
      continue;
    }
    if (!ATTRIBUTE_CODE.test(code)) {
      errors.push({
        field: key,
        message: `attribute[${code}] has an invalid code; codes are letters, digits, _, . and -`,
      });
      continue;
    }
    const values = (Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === 'string' ? v : undefined));
    if (values.some((v) => v === undefined)) {
      errors.push({ field: key, message: `attribute[${code}] must be text` });
      continue;
    }
    const strings = values as string[];
    const existing = attributes[code];
    if (match[2] || strings.length > 1 || existing !== undefined) {
      const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
      attributes[code] = [...list, ...strings];
    } else {
      attributes[code] = strings[0] ?? '';
    }
  }
  return { attributes, errors };
}
