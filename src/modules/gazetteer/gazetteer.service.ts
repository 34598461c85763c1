import { createReadStream, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { type AuditContext, recordAudit } from '../../platform/audit/audit.ts';
import type { Executor } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import {
  addRejection,
  mergeReadStates,
  newReadState,
  packBatch,
  RECORD_NAMES,
  type ReadState,
  type Rejection,
  readCsv,
  readRecord,
  type StagedBatch,
  type StagedRecord,
  type StagingFormat,
  toColumns,
  trailerCountAgrees,
} from './gazetteer.addressbase.ts';
import { bngToWgs84, isInGreatBritain, isOnNationalGrid, wgs84ToBng } from './gazetteer.coordinates.ts';
import {
  AssetNotFound,
  ImportFailed,
  LocationNotPlaced,
  NoResponsibleBody,
  PropertyNotFound,
  StreetNotFound,
  ValidationFailed,
} from './gazetteer.errors.ts';
import {
  type AddressParts,
  formatAddress,
  formatPostcode,
  isFullPostcode,
  isPartialPostcode,
  postcodeKey,
  STREET_ABBREVIATIONS,
  searchWords,
} from './gazetteer.format.ts';
import * as repo from './gazetteer.repository.ts';

// ---------------------------------------------------------------------------------------------
// Public types

export const LOGICAL_STATUS_LABELS: Record<number, string> = {
  1: 'Approved',
  3: 'Alternative',
  6: 'Provisional',
  8: 'Historical',
};

/** AddressBase classification codes: the first letters name the broad class. */
const CLASSIFICATIONS: Record<string, string> = {
  C: 'Commercial',
  CA: 'Agricultural',
  CC: 'Community services',
  CE: 'Education',
  CH: 'Hotel, hostel or guest house',
  CI: 'Industrial',
  CL: 'Leisure',
  CM: 'Medical',
  CN: 'Animal centre',
  CO: 'Office',
  CR: 'Retail',
  CS: 'Storage',
  CT: 'Transport',
  CU: 'Utility',
  CX: 'Emergency or rescue service',
  CZ: 'Information',
  L: 'Land',
  M: 'Military',
  O: 'Other (ordnance survey only)',
  P: 'Parent shell',
  PP: 'Property shell (building of separate units)',
  PS: 'Street record',
  R: 'Residential',
  RB: 'Ancillary building',
  RC: 'Car park space',
  RD: 'Dwelling',
  RD01: 'Caravan',
  RD02: 'Detached house',
  RD03: 'Semi-detached house',
  RD04: 'Terraced house',
  RD06: 'Self-contained flat',
  RD07: 'House boat',
  RD08: 'Sheltered accommodation',
  RD10: 'Privately owned holiday home',
  RG: 'Garage',
  RH: 'House in multiple occupation',
  RI: 'Residential institution',
  U: 'Unclassified',
  X: 'Dual use',
  Z: 'Object of interest',
};

export function classificationLabel(code: string | null): string | null {
  if (!code) return null;
  for (let length = Math.min(code.length, 4); length >= 1; length--) {
    const label = CLASSIFICATIONS[code.slice(0, length)];
    if (label) return label;
  }
  return null;
}

export interface Area {
  code: string;
  name: string | null;
}

/** One property and its current (approved) address. */
export interface PropertySummary {
  uprn: number;
  usrn: number | null;
  parentUprn: number | null;
  /** The approved address on one line, or null when the property has no approved LPI. */
  address: string | null;
  addressLines: string[];
  postcode: string | null;
  easting: number;
  northing: number;
  lat: number;
  long: number;
  classification: string | null;
  classificationDescription: string | null;
  logicalStatus: number;
  logicalStatusLabel: string;
  ward: Area | null;
  parish: Area | null;
  localAuthorityCode: string | null;
  organisation: string | null;
}

export interface AddressHistoryEntry {
  lpiKey: string;
  address: string;
  usrn: number;
  language: string;
  logicalStatus: number;
  logicalStatusLabel: string;
  startDate: string | null;
  endDate: string | null;
  official: boolean;
}

export interface PropertyDetail extends PropertySummary {
  parent: PropertySummary | null;
  children: PropertySummary[];
  childCount: number;
  history: AddressHistoryEntry[];
  crossReferences: { source: string; reference: string; startDate: string | null; endDate: string | null }[];
  organisations: {
    name: string;
    legalName: string | null;
    startDate: string | null;
    endDate: string | null;
  }[];
  startDate: string | null;
  endDate: string | null;
}

export interface AddressSearchResult extends PropertySummary {
  /** Set when the search matched an alternative address rather than the approved one. */
  matchedAlternative: boolean;
}

export interface AddressSearch {
  /** How the query was read: a UPRN, a postcode, part of a postcode, or words of an address. */
  kind: 'uprn' | 'postcode' | 'postcode_prefix' | 'text' | 'empty';
  results: AddressSearchResult[];
}

export interface StreetDetail {
  usrn: number;
  name: string;
  locality: string | null;
  town: string | null;
  administrativeArea: string | null;
  descriptors: repo.StreetRow['descriptors'];
  recordType: number | null;
  state: number | null;
  start: { easting: number; northing: number; lat: number; long: number } | null;
  end: { easting: number; northing: number; lat: number; long: number } | null;
  properties: PropertySummary[];
  propertyCount: number;
  assets: Asset[];
}

export interface Asset {
  id: string;
  ref: string;
  type: string;
  typeName: string;
  easting: number;
  northing: number;
  lat: number;
  long: number;
  usrn: number | null;
  street: string | null;
  status: string;
  description: string | null;
  attributes: Record<string, unknown>;
  distanceMetres?: number;
}

export const ASSET_STATUSES = [
  'planned',
  'in_service',
  'fault_reported',
  'out_of_service',
  'removed',
] as const;

export type ImportMode = 'full' | 'change';

export interface ImportProgress {
  lines: number;
  staged: number;
  rejected: number;
  phase: 'reading' | 'checking' | 'applying' | 'indexing' | 'done';
}

export interface AddressBaseImportReport {
  importId: string;
  mode: ImportMode;
  lines: number;
  recordsByType: Record<string, number>;
  staged: number;
  ignored: number;
  rejectedCount: number;
  /** The first rejected lines, each with its line number and reason. */
  rejected: Rejection[];
  warnings: string[];
  applied: repo.AppliedCounts;
  addresses: number;
  trailerCount: number | null;
  seconds: number;
  /** Seconds spent in each step of the import, in order (reading, checks, each table, search rows). */
  timings: Record<string, number>;
}

export interface PostcodeImportReport {
  lines: number;
  loaded: number;
  rejectedCount: number;
  rejected: Rejection[];
}

export interface AssetImportReport {
  lines: number;
  loaded: number;
  rejectedCount: number;
  rejected: Rejection[];
}

/** Where something is, as the gazetteer answers "which body is responsible here". */
export type Location =
  | { uprn: number }
  | { usrn: number }
  | { easting: number; northing: number }
  | { lat: number; long: number };

export interface PlacedLocation {
  easting: number;
  northing: number;
  postcode: string | null;
  /** The codes of the areas the location is in, most specific first. */
  areas: { code: string; kind: string; name: string | null }[];
}

export interface ResponsibleBody {
  serviceCategory: string;
  body: {
    code: string;
    name: string;
    kind: string;
    email: string | null;
    phone: string | null;
    website: string | null;
  };
  /** The rule that decided: its category ('*' for any) and area ('*' for the whole council area). */
  rule: { serviceCategory: string; areaCode: string; areaName: string | null; notes: string | null };
  location: PlacedLocation;
}

const MAX_REJECTIONS_KEPT = 1000;
/** Files at least this big are read in parallel parts by worker threads. */
const PARALLEL_READ_BYTES = 32 * 2 ** 20;

export interface ImportOptions {
  fileName: string;
  mode?: ImportMode;
  onProgress?: (p: ImportProgress) => void;
}

/**
 * Splits a file into parts that start at the beginning of a record, with the line number each starts
 * on, so that parts can be read in parallel and still report bad rows by their line in the file.
 */
async function splitFile(
  file: string,
  parts: number,
): Promise<{ start: number; end: number; firstLine: number }[]> {
  const size = statSync(file).size;
  const { open } = await import('node:fs/promises');
  const handle = await open(file, 'r');
  try {
    const starts = [0];
    const buffer = Buffer.alloc(1 << 16);
    for (let k = 1; k < parts; k++) {
      let offset = Math.floor((size * k) / parts);
      // The next line that starts with a record identifier ("21," etc.) begins a record.
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) {
          offset = size;
          break;
        }
        const text = buffer.subarray(0, bytesRead).toString('latin1');
        const match = /\n(?=\d{2},)/.exec(text);
        if (match) {
          offset += match.index + 1;
          break;
        }
        offset += bytesRead;
      }
      if (offset < size && offset > (starts.at(-1) ?? 0)) starts.push(offset);
    }
    // Count the lines before each part's start.
    const firstLines: number[] = [];
    let line = 1;
    let position = 0;
    const block = Buffer.alloc(1 << 22);
    for (const start of starts) {
      while (position < start) {
        const { bytesRead } = await handle.read(block, 0, Math.min(block.length, start - position), position);
        if (bytesRead === 0) break;
        for (let i = block.indexOf(10, 0); i !== -1 && i < bytesRead; i = block.indexOf(10, i + 1)) line++;
        position += bytesRead;
      }
      firstLines.push(line);
    }
    return starts.map((start, i) => ({
      start,
      end: (starts[i + 1] ?? size) - 1,
      firstLine: firstLines[i] ?? 1,
    }));
  } finally {
    await handle.close();
  }
}
const STAGE_BATCH = 5000;
/** A property page lists at most this many units of a building (and says how many there are). */
const MAX_CHILDREN_SHOWN = 500;
const POSTCODE_SEARCH_RADIUS_M = 2000;
const PSEUDO_AREA = /^[EWSNLM]99999999$/;

// ---------------------------------------------------------------------------------------------

function partsOf(row: {
  sao_start_number: number | null;
  sao_start_suffix: string | null;
  sao_end_number: number | null;
  sao_end_suffix: string | null;
  sao_text: string | null;
  pao_start_number: number | null;
  pao_start_suffix: string | null;
  pao_end_number: number | null;
  pao_end_suffix: string | null;
  pao_text: string | null;
  street: string | null;
  locality: string | null;
  town: string | null;
}): Omit<AddressParts, 'postcode'> {
  return {
    sao: {
      startNumber: row.sao_start_number,
      startSuffix: row.sao_start_suffix,
      endNumber: row.sao_end_number,
      endSuffix: row.sao_end_suffix,
      text: row.sao_text,
    },
    pao: {
      startNumber: row.pao_start_number,
      startSuffix: row.pao_start_suffix,
      endNumber: row.pao_end_number,
      endSuffix: row.pao_end_suffix,
      text: row.pao_text,
    },
    street: row.street,
    locality: row.locality,
    town: row.town,
  };
}

function toSummary(row: repo.PropertyRow): PropertySummary {
  const hasAddress = row.lpi_key !== null;
  const formatted = hasAddress
    ? formatAddress({ ...partsOf(row), organisation: row.organisation, postcode: row.postcode })
    : null;
  const latLong =
    row.lat !== null && row.long !== null
      ? { lat: row.lat, long: row.long }
      : bngToWgs84(row.easting, row.northing);
  return {
    uprn: row.uprn,
    usrn: row.usrn,
    parentUprn: row.parent_uprn,
    address: formatted?.singleLine ?? null,
    addressLines: formatted?.lines ?? [],
    postcode: row.postcode ? formatPostcode(row.postcode) : null,
    easting: row.easting,
    northing: row.northing,
    lat: latLong.lat,
    long: latLong.long,
    classification: row.classification_code,
    classificationDescription: classificationLabel(row.classification_code),
    logicalStatus: row.blpu_status,
    logicalStatusLabel: LOGICAL_STATUS_LABELS[row.blpu_status] ?? String(row.blpu_status),
    ward: row.ward_code ? { code: row.ward_code, name: row.ward_name } : null,
    parish:
      row.parish_code && !PSEUDO_AREA.test(row.parish_code)
        ? { code: row.parish_code, name: row.parish_name }
        : null,
    localAuthorityCode: row.local_authority_code,
    organisation: row.organisation,
  };
}

function toAsset(row: repo.AssetRow): Asset {
  const ll = bngToWgs84(row.easting, row.northing);
  return {
    id: row.id,
    ref: row.asset_ref,
    type: row.type_code,
    typeName: row.type_name,
    easting: row.easting,
    northing: row.northing,
    lat: ll.lat,
    long: ll.long,
    usrn: row.usrn,
    street: row.street,
    status: row.status,
    description: row.description,
    attributes: row.attributes,
    ...(row.distance !== undefined ? { distanceMetres: Math.round(row.distance * 10) / 10 } : {}),
  };
}

/** The LIKE patterns for each searched word: a word must start one of the address's words. */
export function wordPatterns(words: string[]): string[][] {
  return words.slice(0, 8).map((word, i) => {
    const last = i === Math.min(words.length, 8) - 1;
    if (/^\d+$/.test(word)) return [last ? `% ${word}%` : `% ${word} %`];
    const expansions = STREET_ABBREVIATIONS[word] ?? [];
    return [`% ${word}%`, ...expansions.map((e) => `% ${e}%`)];
  });
}

/** How many of the typed words the prefix step tries to read as the start of the address. */
const MAX_PREFIX_ATTEMPTS = 5;

/**
 * The autocomplete plan for typed words (see gazetteer_address_candidates in migration 0005). The
 * rule stays the one of wordPatterns: each word starts a word of the address, numbers other than the
 * last match whole, abbreviations match their expansions. Prefixes and the word index only narrow
 * the rows read quickly; the regular expression `match` applies the rule to every candidate.
 */
export function addressSearchPlan(typed: string[]): repo.AddressSearchPlan {
  const words = typed.slice(0, 8);
  const isNumber = (w: string) => /^\d+$/.test(w);
  const last = words.length - 1;
  const alternatives = (w: string) => [w, ...(STREET_ABBREVIATIONS[w] ?? [])];
  const match = `^${words
    .map((w, i) =>
      isNumber(w) ? `(?=.* ${w}${i === last ? '' : ' '})` : `(?=.* (${alternatives(w).join('|')}))`,
    )
    .join('')}`;
  const numbers = words.map((w, i) => (isNumber(w) ? `(?=.* ${w}${i === last ? '' : ' '})` : '')).join('');
  // The address starts with the typed words: all of them (the last as typed, then spelt out when it
  // is an abbreviation: "12 high rd", "12 high road"), then fewer, longest first. An abbreviation
  // before the last word ends the prefix, since the address may spell it out.
  const abbreviated = words.findIndex((w, i) => i < last && STREET_ABBREVIATIONS[w] !== undefined);
  const longest = abbreviated === -1 ? words.length : abbreviated;
  const start = (k: number) => ` ${words.slice(0, k).join(' ')}`;
  const prefixes: string[] = [];
  if (longest === words.length) {
    const before = words.slice(0, last).join(' ');
    for (const w of alternatives(words[last] ?? '')) prefixes.push(` ${before ? `${before} ` : ''}${w}`);
  }
  for (let k = Math.min(longest, words.length - 1); k >= 1 && prefixes.length < MAX_PREFIX_ATTEMPTS; k--) {
    prefixes.push(start(k));
  }
  // The word index gets only the terms it answers quickly: whole numbers and words of three letters
  // or more (short prefixes such as "st" or "2" would union thousands of index entries).
  const terms = words.flatMap((w, i) => {
    if (isNumber(w)) return i === last ? [] : [w];
    const options = alternatives(w);
    if (options.some((a) => a.length < 3)) return [];
    return [`(${options.map((a) => `${a}:*`).join(' | ')})`];
  });
  return {
    prefixes,
    match,
    words: terms.length > 0 ? terms.join(' & ') : null,
    phrase: `% ${words.join(' ')}%`,
    text: words.join(' '),
    numbers,
  };
}

function csvRecords(input: Readable) {
  return readCsv(input);
}

function orderedUnique(values: number[]): number[] {
  return [...new Set(values)];
}

export interface GazetteerSettings {
  /** Tile URL template for the property map, e.g. https://tiles.example/{z}/{x}/{y}.png; none means no map. */
  mapTileUrl?: string | undefined;
}

export function createGazetteerService(db: Executor, settings: GazetteerSettings = {}) {
  async function summaries(councilId: string, uprns: number[]): Promise<PropertySummary[]> {
    const rows = await repo.findProperties(db, councilId, uprns);
    const byUprn = new Map(rows.map((r) => [r.uprn, toSummary(r)]));
    return uprns.map((u) => byUprn.get(u)).filter((s): s is PropertySummary => s !== undefined);
  }

  async function searchAddresses(councilId: string, query: string, limit = 10): Promise<AddressSearch> {
    const q = query.trim().slice(0, 200);
    const max = Math.min(Math.max(1, limit), 50);
    if (q === '') return { kind: 'empty', results: [] };
    const toResults = async (kind: AddressSearch['kind'], candidates: repo.SearchCandidate[]) => {
      const alternative = new Map<number, boolean>();
      for (const c of candidates) {
        if (!alternative.has(c.uprn)) alternative.set(c.uprn, c.logical_status !== 1);
      }
      const uprns = orderedUnique(candidates.map((c) => c.uprn)).slice(0, max);
      const found = await summaries(councilId, uprns);
      return {
        kind,
        results: found.map((s) => ({ ...s, matchedAlternative: alternative.get(s.uprn) ?? false })),
      };
    };
    if (/^\d{1,12}$/.test(q) && q.length >= 6) {
      const found = await summaries(councilId, [Number(q)]);
      if (found.length > 0)
        return { kind: 'uprn', results: found.map((s) => ({ ...s, matchedAlternative: false })) };
    }
    if (isFullPostcode(q)) {
      return toResults(
        'postcode',
        await repo.searchAddressPostcode(db, councilId, postcodeKey(q), true, max * 10),
      );
    }
    if (isPartialPostcode(q)) {
      const candidates = await repo.searchAddressPostcode(db, councilId, postcodeKey(q), false, max * 4);
      if (candidates.length > 0) return toResults('postcode_prefix', candidates);
    }
    const words = searchWords(q);
    if (words.length === 0) return { kind: 'empty', results: [] };
    const found = await repo.findAddresses(db, councilId, addressSearchPlan(words), max * 2, max);
    const alternative = new Map<number, boolean>();
    for (const c of found.candidates) {
      if (!alternative.has(c.uprn)) alternative.set(c.uprn, c.logical_status !== 1);
    }
    const byUprn = new Map(found.properties.map((r) => [r.uprn, toSummary(r)]));
    return {
      kind: 'text',
      results: [...alternative.keys()]
        .slice(0, max)
        .map((uprn) => byUprn.get(uprn))
        .filter((s): s is PropertySummary => s !== undefined)
        .map((s) => ({ ...s, matchedAlternative: alternative.get(s.uprn) ?? false })),
    };
  }

  /** A property with its parent, units, history, cross-references and organisations: one statement. */
  async function getProperty(councilId: string, uprn: number): Promise<PropertyDetail> {
    const row = await repo.findPropertyDetail(db, councilId, uprn, MAX_CHILDREN_SHOWN);
    if (!row) throw new PropertyNotFound(uprn);
    const children = row.children.map(toSummary);
    children.sort((a, b) => (a.address ?? '').localeCompare(b.address ?? '', 'en', { numeric: true }));
    return {
      ...toSummary(row.property),
      parent: row.parent ? toSummary(row.parent) : null,
      children,
      childCount: row.child_count,
      history: row.history.map((l) => ({
        lpiKey: l.lpi_key,
        address: formatAddress({ ...partsOf(l), postcode: row.property.postcode }).singleLine,
        usrn: l.usrn,
        language: l.language,
        logicalStatus: l.logical_status,
        logicalStatusLabel: LOGICAL_STATUS_LABELS[l.logical_status] ?? String(l.logical_status),
        startDate: l.start_date,
        endDate: l.end_date,
        official: l.official_flag === 'Y',
      })),
      crossReferences: row.cross_references.map((x) => ({
        source: x.source,
        reference: x.cross_reference,
        startDate: x.start_date,
        endDate: x.end_date,
      })),
      organisations: row.organisations.map((o) => ({
        name: o.organisation,
        legalName: o.legal_name,
        startDate: o.start_date,
        endDate: o.end_date,
      })),
      startDate: row.property.blpu_start_date,
      endDate: row.property.blpu_end_date,
    };
  }

  async function getStreet(councilId: string, usrn: number, limit = 500): Promise<StreetDetail> {
    const street = await repo.findStreet(db, councilId, usrn);
    if (!street) throw new StreetNotFound(usrn);
    const [{ uprns, total }, assets] = await Promise.all([
      repo.listStreetUprns(db, councilId, usrn, limit),
      repo.listStreetAssets(db, councilId, usrn, 200),
    ]);
    const descriptor = street.descriptors[0];
    const point = (e: number | null, n: number | null) =>
      e !== null && n !== null ? { easting: e, northing: n, ...bngToWgs84(e, n) } : null;
    return {
      usrn: street.usrn,
      name: descriptor?.description ?? `Street ${usrn}`,
      locality: descriptor?.locality ?? null,
      town: descriptor?.town ?? null,
      administrativeArea: descriptor?.administrativeArea ?? null,
      descriptors: street.descriptors,
      recordType: street.record_type,
      state: street.state,
      start: point(street.start_easting, street.start_northing),
      end: point(street.end_easting, street.end_northing),
      properties: await summaries(councilId, uprns),
      propertyCount: total,
      assets: assets.map(toAsset),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Imports

  /**
   * Imports an AddressBase Premium / NLPG-style file. Lines are checked and staged as they stream
   * in; bad lines are reported by number and left out. Only when the whole file has been read and
   * its trailer agrees are the staged records applied, in one transaction, so a failed import
   * leaves the previous gazetteer exactly as it was.
   */
  async function importAddressBase(
    councilId: string,
    input: Readable,
    options: ImportOptions,
    context: AuditContext,
  ): Promise<AddressBaseImportReport> {
    return importAddressBaseRecords(councilId, csvRecords(input), options, context);
  }

  /** The same import from records already split into fields (the demo seed's generated town). */
  async function importAddressBaseRecords(
    councilId: string,
    source:
      | AsyncIterable<{ record: string[]; info: { lines: number } }>
      | Iterable<{ record: string[]; info: { lines: number } }>,
    options: ImportOptions,
    context: AuditContext,
  ): Promise<AddressBaseImportReport> {
    return runImport(councilId, options, context, async (stage, progress, pack) => {
      const state = newReadState();
      let batch: StagedRecord[] = [];
      let lastProgress = 0;
      try {
        for await (const { record, info } of source) {
          const staged = readRecord(state, record, info.lines);
          if (staged) {
            batch.push(staged);
            if (batch.length >= STAGE_BATCH) {
              await stage(pack(batch));
              batch = [];
            }
          }
          if (state.lines - lastProgress >= 100_000) {
            lastProgress = state.lines;
            progress(state);
          }
        }
      } catch (error) {
        if (error instanceof Error && 'code' in error && String(error.code).startsWith('CSV_')) {
          throw new ImportFailed(`The file is not valid CSV: ${error.message}`);
        }
        throw error;
      }
      await stage(pack(batch));
      return state;
    });
  }

  /**
   * Imports an AddressBase file from disk. A large file is read in parts by worker threads, one per
   * core, so that parsing keeps up with the database; a small one is streamed in this thread.
   */
  async function importAddressBaseFile(
    councilId: string,
    file: string,
    options: ImportOptions & { parallel?: number },
    context: AuditContext,
  ): Promise<AddressBaseImportReport> {
    const size = statSync(file).size;
    const parallel = options.parallel ?? Math.min(4, availableParallelism());
    if (parallel < 2 || (options.parallel === undefined && size < PARALLEL_READ_BYTES)) {
      return importAddressBase(councilId, createReadStream(file), options, context);
    }
    return runImport(councilId, options, context, async (stage, progress, _pack, staging) => {
      const parts = await splitFile(file, parallel);
      const states: ReadState[] = new Array(parts.length);
      let staged = 0;
      const total = newReadState();
      // Batches from all workers are staged one after another; each worker waits for its acks.
      let queue = Promise.resolve();
      await Promise.all(
        parts.map(
          (part, i) =>
            new Promise<void>((resolve, reject) => {
              const worker = new Worker(new URL('./gazetteer.read-worker.ts', import.meta.url), {
                workerData: { ...part, file, batchSize: STAGE_BATCH, ...staging },
              });
              worker.on('message', (message: { kind: string; batch?: StagedBatch; state?: ReadState }) => {
                if (message.kind === 'batch' && message.batch) {
                  const batch = message.batch;
                  queue = queue.then(async () => {
                    await stage(batch);
                    staged += batch.count;
                    total.lines = staged;
                    total.staged = staged;
                    progress(total);
                    worker.postMessage('ack');
                  });
                  queue.catch((error) => {
                    reject(error);
                    worker.terminate();
                  });
                } else if (message.kind === 'done' && message.state) {
                  states[i] = message.state;
                  queue.then(() => resolve(), reject);
                }
              });
              worker.on('error', (error) => {
                reject(
                  error instanceof Error && 'code' in error && String(error.code).startsWith('CSV_')
                    ? new ImportFailed(`The file is not valid CSV: ${error.message}`)
                    : error,
                );
              });
              worker.on('exit', (code) => {
                if (code !== 0) reject(new Error(`import worker stopped with code ${code}`));
              });
            }),
        ),
      );
      await queue;
      return mergeReadStates(states);
    });
  }

  /**
   * The import itself: `read` stages the file's records (through `stage`) and reports what it saw;
   * then the trailer is checked, orphans removed, and the staged supply applied in one transaction.
   * On any failure nothing is applied, the import is logged as failed and staging is cleared.
   */
  async function runImport(
    councilId: string,
    options: ImportOptions,
    context: AuditContext,
    read: (
      stage: (batch: StagedBatch) => Promise<void>,
      progress: (state: ReadState) => void,
      pack: (records: StagedRecord[]) => StagedBatch,
      staging: { format: StagingFormat; importId: string },
    ) => Promise<ReadState>,
  ): Promise<AddressBaseImportReport> {
    const started = performance.now();
    const timings: Record<string, number> = {};
    let clock = started;
    const lap = (step: string) => {
      const now = performance.now();
      timings[step] = Math.round(now - clock) / 1000;
      clock = now;
    };
    await repo.deleteAbandonedStaging(db);
    const importId = await repo.insertImport(db, {
      councilId,
      kind: 'addressbase',
      fileName: options.fileName,
      mode: options.mode ?? 'full',
    });
    let state = newReadState();
    let staging: Promise<void> = Promise.resolve();
    const progress = (phase: ImportProgress['phase'], s: ReadState = state) =>
      options.onProgress?.({ lines: s.lines, staged: s.staged, rejected: s.rejectedCount, phase });
    // On the Postgres server the whole file is staged through one COPY; the embedded database
    // takes batches of unnest() inserts. Either way one batch is sent while the next is read.
    const copy = await repo.openStagingCopy(db);
    const format: StagingFormat = copy ? 'copy' : 'columns';
    const stage = async (batch: StagedBatch) => {
      await staging;
      if (batch.count === 0) return;
      staging =
        copy && batch.copy !== undefined
          ? copy.write(batch.copy)
          : repo.stageColumns(db, importId, batch.columns ?? toColumns([]));
    };
    try {
      state = await read(
        stage,
        (s) => progress('reading', s),
        (records) => packBatch(records, format, importId),
        { format, importId },
      );
      await staging;
      await copy?.end();
      lap('read and stage');
      if (!state.sawTrailer) {
        throw new ImportFailed(
          'The file has no trailer (99) record, so it may be incomplete. Nothing was changed.',
        );
      }
      if (state.trailerCount === null) {
        throw new ImportFailed('The trailer (99) record has no RECORD_COUNT. Nothing was changed.');
      }
      if (!trailerCountAgrees(state.trailerCount, state.dataRecords)) {
        throw new ImportFailed(
          `The trailer says the file has ${state.trailerCount} records but it has ${state.dataRecords} (plus header and trailer), so it may be incomplete. Nothing was changed.`,
        );
      }
      if (state.staged === 0) throw new ImportFailed('The file has no usable records. Nothing was changed.');
      const mode: ImportMode = options.mode ?? state.headerMode ?? 'full';
      const warnings = [...state.warnings];
      if (state.warningCount > warnings.length)
        warnings.push(`… and ${state.warningCount - warnings.length} more warnings`);

      progress('checking');
      await repo.analyzeTables(db, ['gazetteer_staging_record']);
      const orphans = await repo.removeOrphans(db, importId, councilId, mode);
      for (const o of orphans) {
        addRejection(state, {
          line: o.line,
          recordType: RECORD_NAMES[String(o.record_type)] ?? String(o.record_type),
          reason: `UPRN ${o.owner_key} has no BLPU (21) record`,
        });
      }
      state.rejected.sort((a, b) => a.line - b.line);
      const streetless = await repo.countLpisWithoutStreet(db, importId, councilId);
      if (streetless > 0) {
        warnings.push(
          `${streetless} LPIs name a USRN with no street descriptor; their addresses have no street`,
        );
      }
      const stagedCount = state.staged - orphans.length;
      lap('check');

      progress('applying');
      const { applied, addresses } = await repo.lockGazetteerImports(db, async () => {
        try {
          // A full supply is built beside the live tables (committed but unread), so that its indexes
          // can be built on two connections; then one transaction swaps it in. A change-only supply
          // is applied in place, in one transaction.
          const full = mode === 'full' ? await repo.prepareFullSupply(db, importId, councilId, lap) : null;
          return await inTransaction(db, async (tx) => {
            await repo.lockCouncilGazetteer(tx, councilId);
            let appliedCounts: repo.AppliedCounts;
            let addressCount: number;
            if (full) {
              await repo.swapPreparedTables(tx, full.prepared);
              appliedCounts = full.counts;
              addressCount = full.addresses;
              lap('swap');
            } else {
              appliedCounts = await repo.applyChanges(tx, importId, councilId, lap);
              progress('indexing');
              addressCount = await repo.rebuildChangedAddresses(tx, importId, councilId);
              lap('search rows');
            }
            await repo.finishImport(tx, importId, {
              status: 'applied',
              mode,
              counts: {
                lines: state.lines,
                staged: stagedCount,
                rejected: state.rejectedCount,
                ignored: state.ignored,
                addresses: addressCount,
                ...appliedCounts,
              },
              rejected: state.rejected
                .slice(0, 200)
                .map((r) => ({ line: r.line, reason: `${r.recordType}: ${r.reason}` })),
            });
            await recordAudit(tx, context, {
              action: 'gazetteer.imported',
              subjectType: 'gazetteer_import',
              subjectId: importId,
              details: {
                mode,
                lines: state.lines,
                staged: stagedCount,
                rejected: state.rejectedCount,
                addresses: addressCount,
              },
            });
            return { applied: appliedCounts, addresses: addressCount };
          });
        } finally {
          // Nothing is left prepared after a swap; after a failure, the half-built tables go.
          if (mode === 'full') await repo.dropPreparedTables(db);
        }
      });
      lap('commit');
      progress('done');
      return {
        importId,
        mode,
        lines: state.lines,
        recordsByType: state.recordsByType,
        staged: stagedCount,
        ignored: state.ignored,
        rejectedCount: state.rejectedCount,
        rejected: state.rejected,
        warnings,
        applied,
        addresses,
        trailerCount: state.trailerCount,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        timings,
      };
    } catch (error) {
      await staging.catch(() => {});
      await copy?.abort();
      await repo
        .finishImport(db, importId, {
          status: 'failed',
          counts: { lines: state.lines, staged: state.staged, rejected: state.rejectedCount },
          rejected: state.rejected
            .slice(0, 200)
            .map((r) => ({ line: r.line, reason: `${r.recordType}: ${r.reason}` })),
          failure: error instanceof Error ? error.message : String(error),
        })
        .catch(() => {});
      if (error instanceof ImportFailed)
        Object.assign(error, { rejected: state.rejected, rejectedCount: state.rejectedCount });
      throw error;
    } finally {
      await repo.deleteStaging(db, importId).catch(() => {});
    }
  }

  /**
   * Imports an ONS Postcode Directory CSV (header row with pcds, oseast1m, osnrth1m, lat, long,
   * oslaua, osward, parish, oscty, ctry, dointr, doterm). Postcodes are national reference data.
   */
  async function importPostcodes(
    input: Readable,
    options: { onProgress?: (lines: number) => void } = {},
  ): Promise<PostcodeImportReport> {
    const rejected: Rejection[] = [];
    let rejectedCount = 0;
    let loaded = 0;
    let lines = 0;
    let columns: Map<string, number> | null = null;
    let batch: unknown[][] = [];
    const reject = (line: number, reason: string) => {
      rejectedCount++;
      if (rejected.length < MAX_REJECTIONS_KEPT) rejected.push({ line, recordType: 'postcode', reason });
    };
    for await (const { record, info } of csvRecords(input)) {
      lines = info.lines;
      if (!columns) {
        columns = new Map(record.map((name, i) => [name.trim().toLowerCase(), i]));
        const missing = ['pcds', 'oseast1m', 'osnrth1m'].filter((c) => !columns?.has(c));
        if (missing.length)
          throw new ImportFailed(
            `The postcode file has no ${missing.join(', ')} column. Is it ONS Postcode Directory format?`,
          );
        continue;
      }
      const get = (name: string) => {
        const i = columns?.get(name);
        return i === undefined ? '' : (record[i] ?? '').trim();
      };
      const postcode = get('pcds') || get('pcd');
      if (!isFullPostcode(postcode)) {
        reject(info.lines, `"${postcode}" is not a postcode`);
        continue;
      }
      const e = get('oseast1m');
      const n = get('osnrth1m');
      const easting = e === '' ? null : Number(e);
      const northing = n === '' ? null : Number(n);
      const hasGrid =
        easting !== null && northing !== null && Number.isFinite(easting) && Number.isFinite(northing);
      // ONSPD marks postcodes without a grid reference with 0/1 or blank.
      const located =
        hasGrid &&
        isOnNationalGrid(easting, northing) &&
        !(easting === 0 && northing <= 1) &&
        get('osgrdind') !== '9';
      let lat = get('lat') === '' ? null : Number(get('lat'));
      let long = get('long') === '' ? null : Number(get('long'));
      if (located && (lat === null || long === null || !isInGreatBritain(lat, long))) {
        const ll = bngToWgs84(easting, northing);
        lat = ll.lat;
        long = ll.long;
      }
      if (!located) {
        lat = null;
        long = null;
      }
      const code = (v: string) => (v === '' ? null : v);
      batch.push([
        formatPostcode(postcode),
        postcodeKey(postcode),
        located ? Math.round(easting) : null,
        located ? Math.round(northing) : null,
        lat,
        long,
        code(get('ctry')),
        code(get('oscty')),
        code(get('oslaua')),
        code(get('osward')),
        code(get('parish')),
        code(get('dointr')),
        code(get('doterm')),
      ]);
      loaded++;
      if (batch.length >= STAGE_BATCH) {
        await repo.upsertPostcodes(db, batch);
        batch = [];
        options.onProgress?.(lines);
      }
    }
    await repo.upsertPostcodes(db, batch);
    if (!columns) throw new ImportFailed('The postcode file is empty.');
    return { lines, loaded, rejectedCount, rejected };
  }

  /**
   * Imports assets from CSV with a header row: asset_id, type, then easting and northing (or lat
   * and long), and optionally usrn, status, description. Other columns become attributes. Rows
   * with an existing asset_id update that asset.
   */
  async function importAssets(
    councilId: string,
    input: Readable,
    context: AuditContext,
  ): Promise<AssetImportReport> {
    const types = new Set((await repo.listAssetTypes(db)).map((t) => t.code));
    const rejected: Rejection[] = [];
    let rejectedCount = 0;
    let lines = 0;
    let header: string[] | null = null;
    const rows: unknown[][] = [];
    const reject = (line: number, reason: string) => {
      rejectedCount++;
      if (rejected.length < MAX_REJECTIONS_KEPT) rejected.push({ line, recordType: 'asset', reason });
    };
    const KNOWN = new Set([
      'asset_id',
      'id',
      'type',
      'easting',
      'northing',
      'lat',
      'long',
      'usrn',
      'status',
      'description',
    ]);
    const pendingUsrns: { row: unknown[]; line: number }[] = [];
    for await (const { record, info } of csvRecords(input)) {
      lines = info.lines;
      if (!header) {
        header = record.map((h) => h.trim().toLowerCase());
        const has = (c: string) => header?.includes(c);
        const missing = [
          ...(has('asset_id') || has('id') ? [] : ['asset_id']),
          ...(has('type') ? [] : ['type']),
          ...((has('easting') && has('northing')) || (has('lat') && has('long'))
            ? []
            : ['easting and northing (or lat and long)']),
        ];
        if (missing.length) throw new ImportFailed(`The asset file has no ${missing.join(', ')} column`);
        continue;
      }
      const value = (c: string) => {
        const i = header?.indexOf(c) ?? -1;
        return i < 0 ? '' : (record[i] ?? '').trim();
      };
      const ref = value('asset_id') || value('id');
      const type = value('type')
        .toLowerCase()
        .replace(/[\s-]+/g, '_');
      if (!ref || ref.length > 50) {
        reject(info.lines, 'asset_id is empty or longer than 50 characters');
        continue;
      }
      if (!types.has(type)) {
        reject(info.lines, `type "${value('type')}" is not one of ${[...types].join(', ')}`);
        continue;
      }
      let easting = Number(value('easting'));
      let northing = Number(value('northing'));
      if (value('easting') === '' || value('northing') === '') {
        const lat = Number(value('lat'));
        const long = Number(value('long'));
        if (value('lat') === '' || !isInGreatBritain(lat, long)) {
          reject(info.lines, 'give easting and northing, or lat and long in Great Britain');
          continue;
        }
        ({ easting, northing } = wgs84ToBng(lat, long));
      }
      if (!Number.isFinite(easting) || !Number.isFinite(northing) || !isOnNationalGrid(easting, northing)) {
        reject(
          info.lines,
          `(${value('easting')}, ${value('northing')}) is not a National Grid reference in metres`,
        );
        continue;
      }
      const status =
        value('status')
          .toLowerCase()
          .replace(/[\s-]+/g, '_') || 'in_service';
      if (!(ASSET_STATUSES as readonly string[]).includes(status)) {
        reject(info.lines, `status "${value('status')}" is not one of ${ASSET_STATUSES.join(', ')}`);
        continue;
      }
      const usrnText = value('usrn');
      if (usrnText !== '' && !/^\d{1,8}$/.test(usrnText)) {
        reject(info.lines, `usrn "${usrnText}" is not a USRN`);
        continue;
      }
      const attributes: Record<string, string> = {};
      header.forEach((name, i) => {
        const v = (record[i] ?? '').trim();
        if (!KNOWN.has(name) && v !== '') attributes[name] = v;
      });
      const row = [
        councilId,
        ref,
        type,
        easting,
        northing,
        usrnText === '' ? null : Number(usrnText),
        status,
        value('description') || null,
        JSON.stringify(attributes),
      ];
      rows.push(row);
      if (usrnText !== '') pendingUsrns.push({ row, line: info.lines });
    }
    if (!header) throw new ImportFailed('The asset file is empty.');
    const known = await repo.streetsExist(db, councilId, [
      ...new Set(pendingUsrns.map((p) => Number(p.row[5]))),
    ]);
    const unknownRows = new Set<unknown[]>();
    for (const p of pendingUsrns) {
      if (!known.has(Number(p.row[5]))) {
        reject(p.line, `usrn ${p.row[5]} is not a street in the gazetteer`);
        unknownRows.add(p.row);
      }
    }
    const good = rows.filter((r) => !unknownRows.has(r));
    const loaded = await inTransaction(db, async (tx) => {
      let count = 0;
      for (let i = 0; i < good.length; i += STAGE_BATCH)
        count += await repo.upsertAssets(tx, good.slice(i, i + STAGE_BATCH));
      await recordAudit(tx, context, {
        action: 'gazetteer.assets_imported',
        subjectType: 'gazetteer_asset',
        details: { loaded: count, rejected: rejectedCount },
      });
      return count;
    });
    rejected.sort((a, b) => a.line - b.line);
    return { lines, loaded, rejectedCount, rejected };
  }

  // -------------------------------------------------------------------------------------------
  // Locations, areas and responsibility

  async function pointOf(
    councilId: string,
    at: Location,
  ): Promise<{ easting: number; northing: number; postcode: string | null }> {
    if ('uprn' in at) {
      const [row] = await repo.findProperties(db, councilId, [at.uprn]);
      if (!row) throw new PropertyNotFound(at.uprn);
      return { easting: row.easting, northing: row.northing, postcode: row.postcode };
    }
    if ('usrn' in at) {
      const street = await repo.findStreet(db, councilId, at.usrn);
      if (!street) throw new StreetNotFound(at.usrn);
      if (street.start_easting !== null && street.start_northing !== null) {
        const endE = street.end_easting ?? street.start_easting;
        const endN = street.end_northing ?? street.start_northing;
        return {
          easting: (street.start_easting + endE) / 2,
          northing: (street.start_northing + endN) / 2,
          postcode: null,
        };
      }
      const { uprns } = await repo.listStreetUprns(db, councilId, at.usrn, 1);
      const [row] = await repo.findProperties(db, councilId, uprns);
      if (!row) throw new LocationNotPlaced(`Street ${at.usrn} has no coordinates and no properties`);
      return { easting: row.easting, northing: row.northing, postcode: row.postcode };
    }
    if ('lat' in at) {
      if (!isInGreatBritain(at.lat, at.long)) {
        throw new ValidationFailed([
          { field: 'lat', message: 'Give a latitude and longitude in Great Britain' },
        ]);
      }
      return { ...wgs84ToBng(at.lat, at.long), postcode: null };
    }
    if (!isOnNationalGrid(at.easting, at.northing)) {
      throw new ValidationFailed([
        { field: 'easting', message: 'Give an easting and northing on the National Grid, in metres' },
      ]);
    }
    return { easting: at.easting, northing: at.northing, postcode: null };
  }

  /** Places a UPRN, USRN or point in the areas the council knows (ward, parish, district, county). */
  async function locate(councilId: string, at: Location): Promise<PlacedLocation> {
    const point = await pointOf(councilId, at);
    let postcode: (repo.PostcodeRow & { areas?: repo.AreaRow[] }) | undefined = point.postcode
      ? await repo.findPostcode(db, postcodeKey(point.postcode))
      : undefined;
    if (!postcode || postcode.easting === null) {
      postcode = await repo.nearestPostcode(
        db,
        councilId,
        point.easting,
        point.northing,
        POSTCODE_SEARCH_RADIUS_M,
      );
    }
    const codes: { code: string; kind: string }[] = [];
    if (postcode) {
      const add = (code: string | null, kind: string) => {
        if (code && !PSEUDO_AREA.test(code)) codes.push({ code, kind });
      };
      add(postcode.parish_code, 'parish');
      add(postcode.ward_code, 'ward');
      add(postcode.local_authority_code, 'local_authority');
      add(postcode.county_code, 'county');
    }
    const areas =
      postcode?.areas ??
      (await repo.findAreas(
        db,
        councilId,
        codes.map((c) => c.code),
      ));
    const names = new Map(areas.map((a) => [a.code, a]));
    return {
      easting: point.easting,
      northing: point.northing,
      postcode: postcode?.postcode ?? null,
      areas: codes.map((c) => ({
        code: c.code,
        kind: names.get(c.code)?.kind ?? c.kind,
        name: names.get(c.code)?.name ?? null,
      })),
    };
  }

  /**
   * Which body (district, county, unitary, parish or partner) is responsible for a category of
   * service at a place. Rules are data: the rule for this exact category beats a catch-all, and a
   * rule for a smaller area (parish, then ward, district, county) beats one for a larger.
   */
  async function responsibleBodyFor(
    councilId: string,
    at: Location,
    serviceCategory: string,
  ): Promise<ResponsibleBody> {
    const category = serviceCategory.trim().toLowerCase();
    if (!/^[a-z0-9-]{1,60}$/.test(category)) {
      throw new ValidationFailed([
        { field: 'service', message: 'Give a service category like "highways" or "waste-collection"' },
      ]);
    }
    const location = await locate(councilId, at);
    const rank = new Map(location.areas.map((a, i) => [a.code, location.areas.length - i]));
    const rules = await repo.responsibilityRules(
      db,
      councilId,
      category,
      location.areas.map((a) => a.code),
    );
    const best = rules
      .map((r) => ({ r, score: (r.service_category === category ? 100 : 0) + (rank.get(r.area_code) ?? 0) }))
      .sort((a, b) => b.score - a.score)[0]?.r;
    if (!best) throw new NoResponsibleBody(category);
    return {
      serviceCategory: category,
      body: {
        code: best.code,
        name: best.name,
        kind: best.kind,
        email: best.email,
        phone: best.phone,
        website: best.website,
      },
      rule: {
        serviceCategory: best.service_category,
        areaCode: best.area_code,
        areaName: location.areas.find((a) => a.code === best.area_code)?.name ?? null,
        notes: best.notes,
      },
      location,
    };
  }

  async function nearestAssets(
    councilId: string,
    at: Location,
    options: { types?: string[]; limit?: number; withinMetres?: number; includeRemoved?: boolean } = {},
  ): Promise<Asset[]> {
    const point = await pointOf(councilId, at);
    if (options.types) {
      const known = new Set((await repo.listAssetTypes(db)).map((t) => t.code));
      const unknown = options.types.filter((t) => !known.has(t));
      if (unknown.length) {
        throw new ValidationFailed([
          {
            field: 'type',
            message: `Unknown asset type ${unknown.join(', ')}; use ${[...known].join(', ')}`,
          },
        ]);
      }
    }
    const rows = await repo.nearestAssets(db, councilId, point.easting, point.northing, {
      types: options.types && options.types.length > 0 ? options.types : null,
      limit: Math.min(Math.max(options.limit ?? 10, 1), 100),
      withinMetres: Math.min(Math.max(options.withinMetres ?? 500, 1), 10_000),
      includeRemoved: options.includeRemoved ?? false,
    });
    return rows.map(toAsset);
  }

  async function getAsset(councilId: string, ref: string): Promise<Asset> {
    const row = await repo.findAsset(db, councilId, ref);
    if (!row) throw new AssetNotFound(ref);
    return toAsset(row);
  }

  /** Sets up areas, service bodies and responsibility rules (demo seed and administrators' loads). */
  async function defineAreasAndResponsibilities(
    councilId: string,
    setup: {
      areas: repo.AreaRow[];
      bodies: repo.BodyRow[];
      rules: { serviceCategory: string; areaCode: string; bodyCode: string; notes: string | null }[];
    },
    context: AuditContext,
  ): Promise<void> {
    await inTransaction(db, async (tx) => {
      await repo.upsertAreas(tx, councilId, setup.areas);
      for (const body of setup.bodies) await repo.upsertBody(tx, councilId, body);
      for (const rule of setup.rules) await repo.upsertResponsibility(tx, councilId, rule);
      await recordAudit(tx, context, {
        action: 'gazetteer.responsibilities_defined',
        subjectType: 'council',
        subjectId: councilId,
        details: { areas: setup.areas.length, bodies: setup.bodies.length, rules: setup.rules.length },
      });
    });
  }

  /** Adds postcodes to the directory (generated ones for the demo; real ones come from ONSPD). */
  async function addPostcodes(
    postcodes: {
      postcode: string;
      easting: number;
      northing: number;
      wardCode: string | null;
      parishCode: string | null;
      localAuthorityCode: string | null;
      countyCode: string | null;
    }[],
  ): Promise<void> {
    const rows = postcodes.map((p) => {
      const ll = bngToWgs84(p.easting, p.northing);
      return [
        formatPostcode(p.postcode),
        postcodeKey(p.postcode),
        p.easting,
        p.northing,
        ll.lat,
        ll.long,
        'E92000001',
        p.countyCode,
        p.localAuthorityCode,
        p.wardCode,
        p.parishCode,
        null,
        null,
      ];
    });
    for (let i = 0; i < rows.length; i += STAGE_BATCH)
      await repo.upsertPostcodes(db, rows.slice(i, i + STAGE_BATCH));
  }

  /** Adds or updates assets given in BNG metres (demo seed; councils use importAssets). */
  async function addAssets(
    councilId: string,
    assets: {
      ref: string;
      type: string;
      easting: number;
      northing: number;
      usrn: number | null;
      status?: string;
      description?: string | null;
      attributes?: Record<string, unknown>;
    }[],
  ): Promise<number> {
    const rows = assets.map((a) => [
      councilId,
      a.ref,
      a.type,
      a.easting,
      a.northing,
      a.usrn,
      a.status ?? 'in_service',
      a.description ?? null,
      JSON.stringify(a.attributes ?? {}),
    ]);
    let count = 0;
    for (let i = 0; i < rows.length; i += STAGE_BATCH)
      count += await repo.upsertAssets(db, rows.slice(i, i + STAGE_BATCH));
    return count;
  }

  return {
    settings,
    defineAreasAndResponsibilities,
    addPostcodes,
    addAssets,
    searchAddresses,
    getProperty,
    getStreet,
    properties: summaries,
    importAddressBase,
    importAddressBaseRecords,
    importAddressBaseFile,
    importPostcodes,
    importAssets,
    locate,
    responsibleBodyFor,
    nearestAssets,
    getAsset,
    listImports: (councilId: string, limit = 20) => repo.listImports(db, councilId, limit),
    listAssetTypes: () => repo.listAssetTypes(db),
    listAreas: (councilId: string) => repo.listAreas(db, councilId),
    listResponsibilities: (councilId: string) => repo.listResponsibilities(db, councilId),
    counts: (councilId: string) => repo.countGazetteer(db, councilId),
    async searchStreets(councilId: string, query: string, limit = 10) {
      const words = searchWords(query);
      if (words.length === 0) return [];
      return repo.searchStreets(db, councilId, `%${words.join(' ')}%`, limit);
    },
    searchAssetRefs: async (councilId: string, prefix: string, limit = 10) =>
      (await repo.searchAssetRefs(db, councilId, prefix, limit)).map(toAsset),
  };
}

export type GazetteerService = ReturnType<typeof createGazetteerService>;

/** Field errors for a UPRN or USRN typed into a form or URL. */
export function parseReference(
  value: string,
  kind: 'uprn' | 'usrn',
): { value: number } | { error: FieldError } {
  const digits = kind === 'uprn' ? 12 : 8;
  const text = value.trim();
  if (!new RegExp(`^\\d{1,${digits}}$`).test(text) || Number(text) < 1) {
    return {
      error: { field: kind, message: `A ${kind.toUpperCase()} is a whole number of up to ${digits} digits` },
    };
  }
  return { value: Number(text) };
}
