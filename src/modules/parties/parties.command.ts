import { once } from 'node:events';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { type BulkRow, type PartiesService, prepareBulk } from './parties.service.ts';
import type { PartyInput } from './parties.validate.ts';

/**
 * The mapping file says which CSV column holds which field, e.g.
 * { "system": "revenues", "key": "AccountRef", "kind": "person",
 *   "columns": { "givenNames": "Forename", "familyName": "Surname", "dateOfBirth": "DOB",
 *                "address.text": "Address", "address.postcode": "Postcode", "phone": "Tel", "email": "Email" } }
 */
export interface ImportMapping {
  system: string;
  key: string;
  kind?: 'person' | 'organisation' | 'household';
  columns: Partial<Record<MappedField, string>>;
}

export const MAPPED_FIELDS = [
  'kind',
  'title',
  'givenNames',
  'familyName',
  'suffix',
  'preferredName',
  'organisationName',
  'organisationType',
  'name',
  'dateOfBirth',
  'dateOfDeath',
  'address.text',
  'address.postcode',
  'address.uprn',
  'phone',
  'email',
  'niNumber',
  'nhsNumber',
  'councilTax',
  'tenancy',
  'language',
] as const;
type MappedField = (typeof MAPPED_FIELDS)[number];

export class ImportUsageError extends Error {}

export function readMapping(file: string): ImportMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ImportUsageError(`Cannot read the mapping ${file}: ${(error as Error).message}`);
  }
  const m = raw as Partial<ImportMapping>;
  const problems: string[] = [];
  if (typeof m.system !== 'string' || !/^[a-z0-9][a-z0-9_.-]*$/.test(m.system))
    problems.push('"system" must name the source system in lower case, like "revenues"');
  if (typeof m.key !== 'string' || m.key === '')
    problems.push('"key" must name the column that holds the source key');
  if (m.kind !== undefined && !['person', 'organisation', 'household'].includes(m.kind))
    problems.push('"kind" must be person, organisation or household');
  if (typeof m.columns !== 'object' || m.columns === null)
    problems.push('"columns" must map fields to CSV column names');
  else
    for (const field of Object.keys(m.columns))
      if (!(MAPPED_FIELDS as readonly string[]).includes(field))
        problems.push(`"columns" has an unknown field "${field}"; fields: ${MAPPED_FIELDS.join(', ')}`);
  if (problems.length > 0)
    throw new ImportUsageError(`The mapping ${file} is not right:\n  ${problems.join('\n  ')}`);
  return m as ImportMapping;
}

/** One CSV record as the input the service takes, through the mapping. */
export function recordToInput(record: Record<string, string>, mapping: ImportMapping): PartyInput {
  return inputOf((field) => {
    const column = mapping.columns[field];
    return column === undefined ? undefined : record[column];
  }, mapping);
}

/**
 * For a file read as arrays (cheaper than an object per row): each row's input, through the mapping
 * and the header's column positions (the last of a repeated name, as an object per row would have).
 */
function arrayReader(header: readonly string[], mapping: ImportMapping): (record: string[]) => PartyInput {
  const at = new Map<MappedField, number>();
  for (const field of MAPPED_FIELDS) {
    const column = mapping.columns[field];
    if (column !== undefined) at.set(field, header.lastIndexOf(column));
  }
  return (record) =>
    inputOf((field) => {
      const i = at.get(field);
      return i === undefined ? undefined : record[i];
    }, mapping);
}

function inputOf(raw: (field: MappedField) => string | undefined, mapping: ImportMapping): PartyInput {
  const get = (field: MappedField): string | undefined => {
    const value = raw(field)?.trim();
    return value === '' ? undefined : value;
  };
  const input: PartyInput = { kind: get('kind') ?? mapping.kind ?? 'person' };
  for (const field of [
    'title',
    'givenNames',
    'familyName',
    'suffix',
    'preferredName',
    'organisationName',
    'organisationType',
    'name',
    'dateOfBirth',
    'dateOfDeath',
    'phone',
    'email',
    'niNumber',
    'nhsNumber',
  ] as const) {
    const value = get(field);
    if (value !== undefined) input[field] = value;
  }
  const text = get('address.text');
  const postcode = get('address.postcode');
  const uprn = get('address.uprn');
  if (text || postcode)
    input.address = { text: text ?? '', ...(postcode ? { postcode } : {}), ...(uprn ? { uprn } : {}) };
  const identifiers = [];
  const councilTax = get('councilTax');
  if (councilTax) identifiers.push({ scheme: 'council_tax', value: councilTax });
  const tenancy = get('tenancy');
  if (tenancy) identifiers.push({ scheme: 'tenancy', value: tenancy });
  if (identifiers.length > 0) input.identifiers = identifiers;
  const language = get('language');
  if (language) input.communication = { language };
  return input;
}

export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rejectsFile: string | null;
  seconds: number;
  /** Loading rows, then (after a first big load) building the search indexes and checking the keys. */
  stage: 'loading' | 'indexing';
  /** Whether the search indexes were built, and the foreign keys checked, after the load rather than
   *  row by row. */
  deferredIndexes: boolean;
  /** How long building the indexes and checking the keys took, of `seconds`. */
  indexingSeconds: number;
}

export interface ImportOptions {
  parties: PartiesService;
  councilId: string;
  file: string;
  mapping: ImportMapping;
  rejectsFile: string;
  batchSize?: number;
  progress?: (summary: ImportSummary) => void;
  /** Build the search indexes and check the foreign keys after the load (true) or row by row
   *  (false); by default, decided by the size of the file against the register
   *  (`PartiesService.beginBulkLoad`). */
  deferIndexes?: boolean;
}

/** About how many rows a CSV file holds, from its size and the lines in its first 64 KB. */
export function estimateRows(file: string): number {
  const size = statSync(file).size;
  const buffer = Buffer.alloc(Math.min(size, 65_536));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
  let lines = 0;
  for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) lines++;
  return lines === 0 ? 1 : Math.round((size / buffer.length) * lines);
}

/**
 * Streams a CSV file into the party register in batches. Rows that fail are written to the rejects
 * file with their line number and reasons; the rest load. Idempotent by the mapping's source key.
 */
export async function importParties(options: ImportOptions): Promise<ImportSummary> {
  const { parties, councilId, mapping } = options;
  const started = performance.now();
  const context = systemAuditContext(councilId, `guildhall import parties (${mapping.system})`);
  const summary: ImportSummary = {
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    rejectsFile: null,
    seconds: 0,
    stage: 'loading',
    deferredIndexes: false,
    indexingSeconds: 0,
  };
  const rejects = createWriteStream(options.rejectsFile);
  rejects.write(stringify([['line', 'key', 'field', 'reason']]));
  const batchSize = options.batchSize ?? 2_000;
  let batch: BulkRow[] = [];
  const seenKeys = new Set<string>();
  const state = await parties.bulkLoadState(councilId, mapping.system);

  // Up to two batches are written at once (each in its own transaction, on its own connection), and
  // the next is checked meanwhile: the database and Node both keep busy.
  const inFlight = new Set<Promise<void>>();
  let decided = false;
  let failure: unknown;
  const flush = async () => {
    if (batch.length === 0) return;
    if (!decided) {
      decided = true;
      summary.deferredIndexes = await parties.beginBulkLoad(estimateRows(options.file), options.deferIndexes);
    }
    const keyOf = new Map(batch.map((row) => [row.line, row.sourceKey ?? '']));
    const prepared = prepareBulk(batch, mapping.system, seenKeys);
    batch = [];
    // Rejections are known before any database work: report them now, in line order.
    summary.rejected += prepared.rejected.length;
    for (const r of prepared.rejected)
      for (const e of r.errors) {
        if (!rejects.write(stringify([[r.line, keyOf.get(r.line) ?? '', e.field, e.message]])))
          await once(rejects, 'drain');
      }
    while (inFlight.size >= 2) await Promise.race(inFlight);
    if (failure) throw failure;
    const commit: Promise<void> = parties
      .commitBulk(councilId, prepared, context, mapping.system, state)
      .then((result) => {
        summary.created += result.created.length;
        summary.updated += result.updated;
        summary.unchanged += result.unchanged;
        summary.seconds = (performance.now() - started) / 1000;
        options.progress?.(summary);
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(commit));
    inFlight.add(commit);
  };

  const parser = createReadStream(options.file).pipe(
    parse({
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }),
  );
  let toInput: ((record: string[]) => PartyInput) | undefined;
  let keyAt = -1;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!toInput) {
        const missing = [mapping.key, ...Object.values(mapping.columns)].filter(
          (c) => c !== undefined && !record.includes(c),
        );
        if (missing.length > 0) {
          rejects.end();
          throw new ImportUsageError(
            `The file has no column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}`,
          );
        }
        toInput = arrayReader(record, mapping);
        keyAt = record.lastIndexOf(mapping.key);
        continue;
      }
      summary.rows++;
      batch.push({ line: info.lines, input: toInput(record), sourceKey: record[keyAt] ?? '' });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await Promise.all(inFlight);
    // After a first big load, or to repair one that was interrupted: builds any missing search index
    // and checks any missing foreign key.
    summary.stage = 'indexing';
    if (summary.deferredIndexes) options.progress?.(summary);
    const indexing = performance.now();
    await parties.finishBulkLoad();
    summary.indexingSeconds = (performance.now() - indexing) / 1000;
  }
  if (failure) throw failure;
  rejects.end();
  await once(rejects, 'finish');
  summary.rejectsFile = summary.rejected > 0 ? options.rejectsFile : null;
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

const USAGE =
  'guildhall import parties FILE.csv --mapping MAPPING.json [--rejects REJECTS.csv] [--defer-indexes | --keep-indexes]';

/** `guildhall import parties ...`: returns the exit code. */
export async function runImportCommand(
  args: string[],
  deps: {
    parties: PartiesService;
    councilId: string;
    out: (line: string) => void;
    err: (line: string) => void;
  },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mapping: { type: 'string' },
      rejects: { type: 'string' },
      'batch-size': { type: 'string' },
      'defer-indexes': { type: 'boolean' },
      'keep-indexes': { type: 'boolean' },
    },
  });
  const [what, file] = positionals;
  if (what !== 'parties' || !file || !values.mapping) {
    deps.err(`Usage: ${USAGE}`);
    return 2;
  }
  try {
    const mapping = readMapping(values.mapping);
    const rejectsFile = values.rejects ?? file.replace(/(\.csv)?$/i, '.rejected.csv');
    const summary = await importParties({
      parties: deps.parties,
      councilId: deps.councilId,
      file,
      mapping,
      rejectsFile,
      batchSize: values['batch-size'] ? Number(values['batch-size']) : undefined,
      deferIndexes:
        values['defer-indexes'] === true ? true : values['keep-indexes'] === true ? false : undefined,
      progress: (s) =>
        deps.err(
          s.stage === 'indexing'
            ? `  ${s.rows.toLocaleString('en-GB')} rows loaded; building the search indexes and checking the keys`
            : `  ${s.rows.toLocaleString('en-GB')} rows: ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.rejected} rejected (${Math.round(s.rows / Math.max(s.seconds, 0.001)).toLocaleString('en-GB')} rows/s)`,
        ),
    });
    deps.out(
      `Imported ${summary.rows} rows from ${file} in ${summary.seconds.toFixed(1)} s: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected} rejected.`,
    );
    if (summary.rejectsFile) deps.out(`Rejected rows and reasons: ${summary.rejectsFile}`);
    return 0;
  } catch (error) {
    if (error instanceof ImportUsageError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      deps.err(`guildhall: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}
