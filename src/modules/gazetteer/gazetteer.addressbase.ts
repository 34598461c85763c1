import { bngToWgs84, isInGreatBritain, isOnNationalGrid } from './gazetteer.coordinates.ts';

/**
 * Reading AddressBase Premium / NLPG-style files: one CSV of mixed record types, each line starting
 * with its record identifier. This file checks one line at a time and says what to stage; it holds
 * no SQL. Field positions follow the AddressBase Premium headers (1-based, as the spec numbers them).
 */
export type ChangeType = 'I' | 'U' | 'D';
export type GazetteerRecordType = 11 | 15 | 21 | 23 | 24 | 31 | 32;

export interface StagedRecord {
  line: number;
  recordType: GazetteerRecordType;
  changeType: ChangeType;
  /** The record's own key: USRN, USRN+language, UPRN, LPI key, XREF key, ORG key or CLASS key. */
  key: string;
  /** The UPRN (or, for streets, the USRN) the record belongs to. */
  owner: number;
  fields: string[];
}

export interface Rejection {
  line: number;
  recordType: string;
  reason: string;
}

export const RECORD_NAMES: Record<string, string> = {
  '10': 'header',
  '11': 'street',
  '15': 'street descriptor',
  '21': 'BLPU',
  '23': 'cross-reference',
  '24': 'LPI',
  '28': 'delivery point',
  '29': 'metadata',
  '30': 'successor',
  '31': 'organisation',
  '32': 'classification',
  '99': 'trailer',
};

// The number of fields each record type has, and how many must be present at least.
const SHAPE: Record<GazetteerRecordType, { fields: number; required: number }> = {
  11: { fields: 24, required: 4 },
  15: { fields: 13, required: 9 },
  21: { fields: 22, required: 10 },
  23: { fields: 12, required: 8 },
  24: { fields: 26, required: 22 },
  31: { fields: 11, required: 6 },
  32: { fields: 12, required: 6 },
};

const IGNORED = new Set(['28', '29', '30']);
const LOGICAL_STATUSES = new Set(['1', '3', '6', '8']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

// Date fields by record type (1-based positions).
const DATE_FIELDS: Record<GazetteerRecordType, number[]> = {
  11: [8, 12, 13, 14, 15],
  15: [10, 11, 12, 13],
  21: [7, 16, 17, 18, 19],
  23: [9, 10, 11, 12],
  24: [8, 9, 10, 11],
  31: [8, 9, 10, 11],
  32: [9, 10, 11, 12],
};
// Whole-number fields by record type.
const INTEGER_FIELDS: Record<GazetteerRecordType, number[]> = {
  11: [5, 6, 7, 9, 10, 11, 24],
  15: [],
  21: [6, 8, 13, 14, 22],
  23: [7],
  24: [12, 14, 17, 19],
  31: [],
  32: [],
};

// The columns whole-number fields are stored in: smallint, bigint (PARENT_UPRN, checked as a UPRN),
// or else integer. A value out of range is the line's fault, and must not fail the whole import
// when it is applied.
const SMALLINT_FIELDS: Partial<Record<GazetteerRecordType, number[]>> = { 11: [5, 7, 9, 10], 21: [6, 13] };
const BIGINT_FIELDS: Partial<Record<GazetteerRecordType, number[]>> = { 21: [8] };
const SMALLINT_MAX = 32_767;
const INTEGER_MAX = 2_147_483_647;

/** Tolerance before a supplied latitude/longitude is judged not to belong to the grid reference. */
const LAT_LONG_TOLERANCE_M = 50;

export interface LineResult {
  staged?: StagedRecord;
  rejection?: Rejection;
  warning?: string;
}

const field = (fields: string[], n: number): string => (fields[n - 1] ?? '').trim();

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A real calendar date written YYYY-MM-DD (without building a Date: imports check millions). */
function validDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));
}

function reject(line: number, recordType: string, reason: string): LineResult {
  return { rejection: { line, recordType: RECORD_NAMES[recordType] ?? recordType, reason } };
}

/** UPRN: a whole number from 1 to 999999999999 (BS7666). */
export function parseUprn(value: string): number | null {
  if (!/^\d{1,12}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 ? n : null;
}

/** USRN: a whole number from 1 to 99999999 (BS7666). */
export function parseUsrn(value: string): number | null {
  if (!/^\d{1,8}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 ? n : null;
}

/**
 * Checks one data record (types 11–32). Returns what to stage, or why the line is rejected.
 * `fields` is changed in place only to trim values and to fill in a latitude/longitude.
 */
export function checkRecord(line: number, raw: string[]): LineResult {
  const id = field(raw, 1);
  const type = Number(id) as GazetteerRecordType;
  const shape = SHAPE[type];
  if (!shape) return reject(line, id, `unknown record type "${id}"`);
  const fields = raw.map((v) => v.trim());
  if (fields.length < shape.required) {
    return reject(line, id, `has ${fields.length} fields; a ${RECORD_NAMES[id]} record has ${shape.fields}`);
  }
  while (fields.length < shape.fields) fields.push('');
  const changeType = field(fields, 2).toUpperCase();
  if (changeType !== 'I' && changeType !== 'U' && changeType !== 'D') {
    return reject(line, id, `CHANGE_TYPE must be I, U or D, not "${field(fields, 2)}"`);
  }
  fields[1] = changeType;
  const deleting = changeType === 'D';

  let key: string;
  let owner: number;
  if (type === 11 || type === 15) {
    const usrn = parseUsrn(field(fields, 4));
    if (usrn === null)
      return reject(line, id, `USRN must be a whole number from 1 to 99999999, not "${field(fields, 4)}"`);
    owner = usrn;
    if (type === 15) {
      const language = field(fields, 9).toUpperCase() || 'ENG';
      fields[8] = language;
      key = `${usrn}:${language}`;
      if (!deleting && field(fields, 5) === '') return reject(line, id, 'STREET_DESCRIPTION is empty');
    } else {
      key = String(usrn);
    }
  } else {
    const uprn = parseUprn(field(fields, 4));
    if (uprn === null)
      return reject(
        line,
        id,
        `UPRN must be a whole number from 1 to 999999999999, not "${field(fields, 4)}"`,
      );
    owner = uprn;
    key = type === 21 ? String(uprn) : field(fields, 5);
    if (key === '') return reject(line, id, `${keyName(type)} is empty`);
  }

  let warning: string | undefined;
  if (!deleting) {
    for (const n of INTEGER_FIELDS[type]) {
      const value = field(fields, n);
      if (value === '') continue;
      const max = SMALLINT_FIELDS[type]?.includes(n)
        ? SMALLINT_MAX
        : BIGINT_FIELDS[type]?.includes(n)
          ? Number.MAX_SAFE_INTEGER
          : INTEGER_MAX;
      if (!INTEGER.test(value) || Math.abs(Number(value)) > max)
        return reject(line, id, `field ${n} must be a whole number up to ${max}, not "${value}"`);
    }
    for (const n of DATE_FIELDS[type]) {
      const value = field(fields, n);
      if (value !== '' && !validDate(value))
        return reject(line, id, `field ${n} must be a date like 2024-03-31, not "${value}"`);
    }
    if (type === 21) {
      const result = checkBlpu(line, fields);
      if (result.rejection) return result;
      warning = result.warning;
    } else if (type === 24) {
      const status = field(fields, 7);
      if (!LOGICAL_STATUSES.has(status))
        return reject(line, id, `LOGICAL_STATUS must be 1, 3, 6 or 8, not "${status}"`);
      const language = field(fields, 6).toUpperCase() || 'ENG';
      fields[5] = language;
      if (parseUsrn(field(fields, 22)) === null)
        return reject(line, id, `USRN must be a whole number from 1 to 99999999, not "${field(fields, 22)}"`);
      if (field(fields, 12) === '' && field(fields, 13) !== '')
        return reject(line, id, 'SAO_START_SUFFIX without SAO_START_NUMBER');
      if (field(fields, 17) === '' && field(fields, 18) !== '')
        return reject(line, id, 'PAO_START_SUFFIX without PAO_START_NUMBER');
      if (field(fields, 17) === '' && field(fields, 21) === '')
        return reject(line, id, 'the LPI has neither a PAO number nor PAO text');
    } else if (type === 23) {
      if (field(fields, 6) === '') return reject(line, id, 'CROSS_REFERENCE is empty');
      if (field(fields, 8) === '') return reject(line, id, 'SOURCE is empty');
    } else if (type === 31) {
      if (field(fields, 6) === '') return reject(line, id, 'ORGANISATION is empty');
    } else if (type === 32) {
      if (field(fields, 6) === '') return reject(line, id, 'CLASSIFICATION_CODE is empty');
    } else if (type === 11) {
      for (const n of [16, 17, 20, 21]) {
        const value = field(fields, n);
        if (value !== '' && !DECIMAL.test(value))
          return reject(line, id, `field ${n} must be a number of metres, not "${value}"`);
      }
    }
  }
  return {
    staged: { line, recordType: type, changeType, key, owner, fields },
    ...(warning ? { warning } : {}),
  };
}

function keyName(type: GazetteerRecordType): string {
  return {
    11: 'USRN',
    15: 'USRN',
    21: 'UPRN',
    23: 'XREF_KEY',
    24: 'LPI_KEY',
    31: 'ORG_KEY',
    32: 'CLASS_KEY',
  }[type];
}

function checkBlpu(line: number, fields: string[]): LineResult {
  const status = field(fields, 5);
  if (!LOGICAL_STATUSES.has(status))
    return reject(line, '21', `LOGICAL_STATUS must be 1, 3, 6 or 8, not "${status}"`);
  const parent = field(fields, 8);
  if (parent !== '' && parseUprn(parent) === null)
    return reject(line, '21', `PARENT_UPRN must be a UPRN, not "${parent}"`);
  const x = field(fields, 9);
  const y = field(fields, 10);
  if (!DECIMAL.test(x) || !DECIMAL.test(y))
    return reject(line, '21', `X_COORDINATE and Y_COORDINATE must be metres, not "${x}", "${y}"`);
  const easting = Number(x);
  const northing = Number(y);
  if (!isOnNationalGrid(easting, northing))
    return reject(line, '21', `(${x}, ${y}) is outside the National Grid`);
  const lat = field(fields, 11);
  const long = field(fields, 12);
  const computed = bngToWgs84(easting, northing);
  let warning: string | undefined;
  if (lat !== '' || long !== '') {
    const stated = { lat: Number(lat), long: Number(long) };
    if (!DECIMAL.test(lat) || !DECIMAL.test(long) || !isInGreatBritain(stated.lat, stated.long)) {
      warning = `line ${line}: LATITUDE/LONGITUDE "${lat}", "${long}" are not in Great Britain; converted X/Y instead`;
    } else {
      // Degrees to metres, near enough for a 50 m tolerance, without a second projection.
      const off = Math.hypot(
        (stated.lat - computed.lat) * 111_320,
        (stated.long - computed.long) * 111_320 * Math.cos((computed.lat * Math.PI) / 180),
      );
      if (off <= LAT_LONG_TOLERANCE_M) return {};
      warning = `line ${line}: LATITUDE/LONGITUDE are ${Math.round(off / 1000)} km from X/Y; converted X/Y instead`;
    }
  }
  // X/Y are the BS7666 position; lat/long follow from them when missing or contradictory.
  fields[10] = String(computed.lat);
  fields[11] = String(computed.long);
  return warning ? { warning } : {};
}

export interface HeaderInfo {
  fileType: 'full' | 'change' | null;
  custodian: string;
  processDate: string;
}

export function readHeader(fields: string[]): HeaderInfo {
  const fileType = field(fields, 9).toUpperCase();
  return {
    fileType: fileType === 'F' ? 'full' : fileType === 'C' ? 'change' : null,
    custodian: field(fields, 2),
    processDate: field(fields, 4),
  };
}

export function readTrailerCount(fields: string[]): number | null {
  const value = field(fields, 3);
  return /^\d+$/.test(value) ? Number(value) : null;
}

export function isIgnoredRecord(id: string): boolean {
  return IGNORED.has(id);
}

/**
 * Whether the trailer's RECORD_COUNT agrees with the file. Suppliers count differently (data records
 * only, or including the header and/or trailer), so any of those is accepted.
 */
export function trailerCountAgrees(stated: number, dataRecords: number): boolean {
  return stated === dataRecords || stated === dataRecords + 1 || stated === dataRecords + 2;
}

/** What reading (part of) a file found, record by record. Parts read in parallel are merged in order. */
export interface ReadState {
  recordsByType: Record<string, number>;
  rejected: Rejection[];
  rejectedCount: number;
  warnings: string[];
  warningCount: number;
  staged: number;
  ignored: number;
  lines: number;
  dataRecords: number;
  trailerCount: number | null;
  headerMode: 'full' | 'change' | null;
  sawTrailer: boolean;
}

const MAX_KEPT = 1000;

export function newReadState(): ReadState {
  return {
    recordsByType: {},
    rejected: [],
    rejectedCount: 0,
    warnings: [],
    warningCount: 0,
    staged: 0,
    ignored: 0,
    lines: 0,
    dataRecords: 0,
    trailerCount: null,
    headerMode: null,
    sawTrailer: false,
  };
}

export function addRejection(state: ReadState, rejection: Rejection): void {
  state.rejectedCount++;
  if (state.rejected.length < MAX_KEPT) state.rejected.push(rejection);
}

/** Reads one CSV record of the file: counts it, and returns what to stage (or null). */
export function readRecord(state: ReadState, record: string[], line: number): StagedRecord | null {
  state.lines = line;
  const id = (record[0] ?? '').trim();
  if (state.sawTrailer) {
    addRejection(state, {
      line,
      recordType: RECORD_NAMES[id] ?? id,
      reason: 'comes after the trailer (99) record',
    });
    return null;
  }
  if (id === 'RECORD_IDENTIFIER') return null;
  state.recordsByType[id] = (state.recordsByType[id] ?? 0) + 1;
  if (id === '10') {
    state.headerMode = readHeader(record).fileType;
    return null;
  }
  if (id === '99') {
    state.sawTrailer = true;
    state.trailerCount = readTrailerCount(record);
    return null;
  }
  state.dataRecords++;
  if (IGNORED.has(id)) {
    state.ignored++;
    return null;
  }
  const result = checkRecord(line, record);
  if (result.rejection) {
    addRejection(state, result.rejection);
    return null;
  }
  if (result.warning) {
    state.warningCount++;
    if (state.warnings.length < 100) state.warnings.push(result.warning);
  }
  if (!result.staged) return null;
  state.staged++;
  return result.staged;
}

/** Joins the states of consecutive parts of one file. */
export function mergeReadStates(parts: ReadState[]): ReadState {
  const merged = newReadState();
  for (const part of parts) {
    if (merged.sawTrailer && (part.dataRecords > 0 || part.rejectedCount > 0)) {
      addRejection(merged, {
        line: part.lines,
        recordType: 'record',
        reason: 'comes after the trailer (99) record',
      });
    }
    for (const [type, n] of Object.entries(part.recordsByType)) {
      merged.recordsByType[type] = (merged.recordsByType[type] ?? 0) + n;
    }
    for (const r of part.rejected) if (merged.rejected.length < MAX_KEPT) merged.rejected.push(r);
    merged.rejectedCount += part.rejectedCount;
    for (const w of part.warnings) if (merged.warnings.length < 100) merged.warnings.push(w);
    merged.warningCount += part.warningCount;
    merged.staged += part.staged;
    merged.ignored += part.ignored;
    merged.lines = Math.max(merged.lines, part.lines);
    merged.dataRecords += part.dataRecords;
    merged.headerMode = merged.headerMode ?? part.headerMode;
    if (part.sawTrailer) {
      merged.sawTrailer = true;
      merged.trailerCount = part.trailerCount;
    }
  }
  return merged;
}

/** Staged records as columns, ready for one unnest() insert (and cheap to pass between threads). */
export interface StagedColumns {
  lines: number[];
  types: number[];
  changes: string[];
  keys: string[];
  owners: number[];
  fields: string[];
}

// A character that cannot occur in a field we keep, used to pass a row's fields as one string.
export const UNIT_SEPARATOR = '\u001f';

export function toColumns(records: StagedRecord[]): StagedColumns {
  const columns: StagedColumns = { lines: [], types: [], changes: [], keys: [], owners: [], fields: [] };
  for (const r of records) {
    columns.lines.push(r.line);
    columns.types.push(r.recordType);
    columns.changes.push(r.changeType);
    columns.keys.push(r.key);
    columns.owners.push(r.owner);
    columns.fields.push(r.fields.map((f) => f.replaceAll(UNIT_SEPARATOR, ' ')).join(UNIT_SEPARATOR));
  }
  return columns;
}

/** A CSV error, with a code starting CSV_ as csv-parse's errors have. */
export class CsvError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Splits one CSV line into trimmed fields. Returns null when the line ends inside a quoted field
 * (the record goes on to the next line). Quotes inside an unquoted field are kept as they are.
 */
export function splitCsvLine(line: string): string[] | null {
  if (!line.includes('"')) {
    const fields = line.split(',');
    for (let i = 0; i < fields.length; i++) fields[i] = (fields[i] as string).trim();
    return fields;
  }
  const fields: string[] = [];
  const length = line.length;
  let i = 0;
  for (;;) {
    while (i < length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (line[i] === '"') {
      let value = '';
      let from = ++i;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote === -1) return null;
        if (line[quote + 1] === '"') {
          value += line.slice(from, quote + 1);
          i = quote + 2;
          from = i;
          continue;
        }
        value += line.slice(from, quote);
        i = quote + 1;
        break;
      }
      const comma = line.indexOf(',', i);
      // Anything between the closing quote and the comma (other than spaces) is kept, as csv-parse's
      // relax_quotes does with a stray quote.
      const rest = (comma === -1 ? line.slice(i) : line.slice(i, comma)).trim();
      fields.push(rest === '' ? value : `${value}"${rest}`);
      if (comma === -1) return fields;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      fields.push((comma === -1 ? line.slice(i) : line.slice(i, comma)).trim());
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}

/**
 * Reads CSV records from text chunks as csv-parse did for these files (BOM, \n or \r\n, empty
 * lines skipped, values trimmed, quoted fields with "" and line breaks, mixed record lengths), with a
 * String.split fast path for lines without quotes. `info.lines` is the line the record ends on,
 * counting from `firstLine`.
 */
export async function* readCsv(
  chunks: AsyncIterable<string | Buffer>,
  firstLine = 1,
): AsyncGenerator<{ record: string[]; info: { lines: number } }> {
  let rest = '';
  let line = firstLine - 1;
  let pending: string | null = null;
  let first = true;
  const decoder = new TextDecoder('utf-8');
  const take = (text: string) => {
    line++;
    const body = text.endsWith('\r') ? text.slice(0, -1) : text;
    const joined: string = pending === null ? body : `${pending}\n${body}`;
    if (pending === null && joined.trim() === '') return null;
    const record = splitCsvLine(joined);
    if (record === null) {
      pending = joined;
      return null;
    }
    pending = null;
    return record;
  };
  for await (const chunk of chunks) {
    let text = rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      const record = take(text.slice(from, nl));
      from = nl + 1;
      if (record) yield { record, info: { lines: line } };
    }
    rest = text.slice(from);
  }
  rest += decoder.decode();
  if (rest !== '') {
    const record = take(rest);
    if (record) yield { record, info: { lines: line } };
  }
  if (pending !== null) {
    throw new CsvError(
      'CSV_QUOTE_NOT_CLOSED',
      `Quote not closed: the record starting near line ${line} never ends`,
    );
  }
}

// A field as an element of a Postgres array literal inside COPY text format: quoted, with the
// array's escapes (\\ and \") and then COPY's (\\, \t, \n, \r). Most fields need none of them.
const NEEDS_ESCAPE = /[\\"\t\n\r]/;
function copyArrayElement(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`;
  const array = value.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  return `"${array.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r')}"`;
}
function copyText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('\t', '\\t')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r');
}

/**
 * Staged records as COPY text-format rows of gazetteer_staging_record: import_id, line, record_type,
 * change_type, record_key, owner_key, fields (a text[] literal).
 */
export function toCopyRows(records: StagedRecord[], importId: string): string {
  const prefix = `${copyText(importId)}\t`;
  let out = '';
  for (const r of records) {
    let fields = '';
    for (let i = 0; i < r.fields.length; i++) {
      fields += (i === 0 ? '{' : ',') + copyArrayElement(r.fields[i] as string);
    }
    out += `${prefix}${r.line}\t${r.recordType}\t${r.changeType}\t${copyText(r.key)}\t${r.owner}\t${fields}}\n`;
  }
  return out;
}

/** How staged records travel to the database: COPY rows (Postgres server) or unnest() columns. */
export type StagingFormat = 'copy' | 'columns';

export interface StagedBatch {
  count: number;
  copy?: string;
  columns?: StagedColumns;
}

export function packBatch(records: StagedRecord[], format: StagingFormat, importId: string): StagedBatch {
  return format === 'copy'
    ? { count: records.length, copy: toCopyRows(records, importId) }
    : { count: records.length, columns: toColumns(records) };
}
