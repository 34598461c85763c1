import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import type { ClusteringMethod } from './clustering.ts';
import { DEFAULT_THRESHOLDS, type LinkageColumns, linkRecords, type NamedColumn } from './linkage.engine.ts';
import { splitFullName } from './normalise.ts';

export const LINK_USAGE =
  'guildhall link [--id COL] [--given COL] [--family COL] [--full-name COL] [--dob COL] [--postcode COL] [--address COL,COL,...] [--phone COL] [--email COL] [--identifier COL,...] [--extra COL,...] FILE [FILE2]';

const HELP = `Usage: ${LINK_USAGE}

Finds records of the same person. One FILE: deduplicate it. Two files: link them (only pairs
across the files are compared). Writes CSV to stdout: source,record_id,cluster_id,match_probability.

  source             the file's name without extension (1 and 2 when both files share a name)
  record_id          the --id column, or the 1-based row number when there is none
  cluster_id         the same number for every record judged to be the same person
  match_probability  the record's best link probability inside its cluster; 0 for a singleton

Columns not given are guessed from common header names; the choice is printed on stderr.

Advanced options:
  --threshold P      probability at or above which records are linked (default ${DEFAULT_THRESHOLDS.match})
  --clustering M     evidence-check (default), bridge-check, components, best-link or average-link
  --many-to-many     two files: allow several records of one file in a cluster (default one-to-one)
`;

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

export type ColumnRole =
  | 'id'
  | 'given'
  | 'family'
  | 'full-name'
  | 'dob'
  | 'postcode'
  | 'address'
  | 'phone'
  | 'email'
  | 'identifier'
  | 'extra';

/** Header names we recognise, compared after lower-casing and removing non-alphanumerics. */
const GUESSES: Record<ColumnRole, readonly string[]> = {
  id: ['recid', 'recordid', 'uniqueid', 'id', 'personid', 'uid', 'rowid'],
  given: ['givenname', 'firstname', 'forename', 'forenames', 'fname', 'first', 'given', 'givennames'],
  family: ['surname', 'familyname', 'lastname', 'lname', 'last', 'family'],
  'full-name': ['fullname', 'name', 'personname'],
  dob: ['dob', 'dateofbirth', 'birthdate', 'dateofbirthddmmyyyy', 'datebirth', 'birthday'],
  postcode: ['postcode', 'postalcode', 'postcodefake', 'zip', 'zipcode', 'postcodes', 'pcd', 'pcds'],
  address: [
    'streetnumber',
    'housenumber',
    'housename',
    'address',
    'address1',
    'address2',
    'address3',
    'addressline1',
    'addressline2',
    'addressline3',
    'street',
    'streetaddress',
    'suburb',
    'locality',
    'town',
    'city',
  ],
  phone: ['phone', 'telephone', 'phonenumber', 'mobile', 'tel', 'telephonenumber', 'mobilenumber'],
  email: ['email', 'emailaddress', 'mail'],
  identifier: [
    'socsecid',
    'ssn',
    'nino',
    'ninumber',
    'nationalinsurancenumber',
    'nhsnumber',
    'passportnumber',
  ],
  extra: ['birthplace', 'placeofbirth', 'sex', 'gender', 'occupation'],
};

const MULTI: ReadonlySet<ColumnRole> = new Set(['address', 'identifier', 'extra']);

class UsageError extends Error {}

type Table = { file: string; headers: string[]; rows: string[][] };

function readTable(file: string): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let rows: string[][];
  try {
    // trim: FEBRL separates fields with ", "; bom: spreadsheets often add one.
    rows = parse(text, {
      trim: true,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (error) {
    throw new UsageError(`cannot parse ${file} as CSV: ${(error as Error).message}`);
  }
  const header = rows.shift();
  if (!header || header.length === 0) throw new UsageError(`${file} is empty (no header row)`);
  return { file, headers: header.map((h) => h.trim()), rows };
}

const simplify = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, '');

function guessColumns(headers: string[]): Partial<Record<ColumnRole, string[]>> {
  const out: Partial<Record<ColumnRole, string[]>> = {};
  const used = new Set<string>();
  for (const role of Object.keys(GUESSES) as ColumnRole[]) {
    const wanted = GUESSES[role];
    const found = MULTI.has(role)
      ? headers.filter((h) => wanted.includes(simplify(h)) && !used.has(h))
      : wanted
          .map((w) => headers.find((h) => simplify(h) === w && !used.has(h)))
          .filter((h) => h !== undefined);
    const chosen = MULTI.has(role) ? found : found.slice(0, 1);
    if (chosen.length > 0) {
      out[role] = chosen as string[];
      for (const h of chosen) used.add(h as string);
    }
  }
  // Address lines sorted as they appear in the file, so "6 tullaroop street" reads naturally.
  if (out.address) out.address.sort((a, b) => headers.indexOf(a) - headers.indexOf(b));
  return out;
}

function columnValues(table: Table, name: string): string[] {
  const index = table.headers.indexOf(name);
  if (index < 0) {
    throw new UsageError(
      `column "${name}" not found in ${table.file} (columns: ${table.headers.join(', ')})`,
    );
  }
  return table.rows.map((row) => (row[index] ?? '').trim());
}

function sourceNames(files: string[]): string[] {
  const names = files.map((f) => path.basename(f).replace(/\.[^.]*$/, ''));
  if (names.length === 2 && names[0] === names[1]) return ['1', '2'];
  return names;
}

export async function runLinkCommand(argv: string[], io: Io): Promise<number> {
  const err = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  try {
    return await run(argv, io, err);
  } catch (error) {
    if (error instanceof UsageError) {
      err(`guildhall link: ${error.message}`);
      return 2;
    }
    err(`guildhall link: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

async function run(argv: string[], io: Io, err: (line: string) => void): Promise<number> {
  let parsed: ReturnType<typeof parseLinkArgs>;
  try {
    parsed = parseLinkArgs(argv);
  } catch (error) {
    err(`guildhall link: ${(error as Error).message}`);
    err(`Usage: ${LINK_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length < 1 || positionals.length > 2) {
    err(`guildhall link: expected one FILE (dedupe) or two (link), got ${positionals.length}`);
    err(`Usage: ${LINK_USAGE}`);
    return 2;
  }
  const threshold = values.threshold === undefined ? DEFAULT_THRESHOLDS.match : Number(values.threshold);
  if (!(threshold > 0 && threshold < 1)) throw new UsageError('--threshold must be a number between 0 and 1');
  const clustering = (values.clustering ?? 'evidence-check') as ClusteringMethod;
  if (!['evidence-check', 'bridge-check', 'components', 'best-link', 'average-link'].includes(clustering)) {
    throw new UsageError(`unknown --clustering ${clustering}`);
  }

  const started = performance.now();
  const tables = positionals.map(readTable);
  err(`read: ${tables.map((t) => `${t.file} (${t.rows.length} records)`).join(', ')}`);

  // Explicit flags win; otherwise guess from the first file's headers and require them in all files.
  const split = (v: string | undefined): string[] | undefined =>
    v === undefined
      ? undefined
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const explicit: Partial<Record<ColumnRole, string[]>> = {
    id: split(values.id),
    given: split(values.given),
    family: split(values.family),
    'full-name': split(values['full-name']),
    dob: split(values.dob),
    postcode: split(values.postcode),
    address: split(values.address),
    phone: split(values.phone),
    email: split(values.email),
    identifier: split(values.identifier),
    extra: split(values.extra),
  };
  const anyExplicit = Object.values(explicit).some((v) => v !== undefined);
  const guessed = guessColumns((tables[0] as Table).headers);
  const chosen: Partial<Record<ColumnRole, string[]>> = {};
  for (const role of Object.keys(GUESSES) as ColumnRole[]) {
    const flag = explicit[role];
    if (flag) {
      chosen[role] = flag;
      continue;
    }
    // With explicit flags, only the id is still guessed (a record needs a name in the output).
    if (anyExplicit && role !== 'id') continue;
    const guess = guessed[role];
    if (!guess) continue;
    const inAll = guess.filter((h) => tables.every((t) => t.headers.includes(h)));
    if (inAll.length > 0) chosen[role] = inAll;
  }
  // A full name is only used to fill gaps when given and family names are also present.
  const report = (Object.keys(chosen) as ColumnRole[])
    .map((role) => `${role}=${(chosen[role] as string[]).join(',')}${explicit[role] ? '' : ' (guessed)'}`)
    .join(' ');
  err(`columns: ${report || '(none)'}`);
  for (const t of tables)
    for (const role of Object.keys(chosen) as ColumnRole[])
      for (const h of chosen[role] as string[]) columnValues(t, h);
  if (Object.keys(chosen).filter((r) => r !== 'id').length === 0) {
    throw new UsageError('no columns to compare: pass --given, --family, --dob ... (see --help)');
  }

  // Concatenate all files' columns record by record.
  const gather = (name: string): string[] => tables.flatMap((t) => columnValues(t, name));
  const one = (role: ColumnRole): string[] | undefined => {
    const c = chosen[role];
    return c ? gather(c[0] as string) : undefined;
  };
  const count = tables.reduce((n, t) => n + t.rows.length, 0);
  const source = new Uint8Array(count);
  let offset = 0;
  tables.forEach((t, k) => {
    source.fill(k, offset, offset + t.rows.length);
    offset += t.rows.length;
  });
  let given = one('given');
  let family = one('family');
  const fullName = one('full-name');
  if (fullName) {
    const parts = fullName.map(splitFullName);
    given = given ? given.map((g, r) => g || (parts[r]?.given ?? '')) : parts.map((p) => p.given);
    family = family ? family.map((f, r) => f || (parts[r]?.family ?? '')) : parts.map((p) => p.family);
  }
  const addressColumns = (chosen.address ?? []).map(gather);
  const address =
    addressColumns.length > 0
      ? Array.from({ length: count }, (_, r) =>
          addressColumns
            .map((c) => c[r] as string)
            .filter(Boolean)
            .join(' '),
        )
      : undefined;
  const named = (role: ColumnRole): NamedColumn[] =>
    (chosen[role] ?? []).map((h) => ({ name: h, values: gather(h) }));
  const columns: LinkageColumns = {
    given,
    family,
    dob: one('dob'),
    postcode: one('postcode'),
    address,
    phone: one('phone'),
    email: one('email'),
    identifiers: named('identifier'),
    extras: named('extra'),
  };
  const ids = chosen.id
    ? gather(chosen.id[0] as string)
    : tables.flatMap((t) => t.rows.map((_, r) => String(r + 1)));

  const mode = tables.length === 2 ? 'link' : 'dedupe';
  err(`mode: ${mode}`);
  const result = await linkRecords(count, columns, {
    mode,
    source: mode === 'link' ? source : undefined,
    thresholds: { match: threshold, review: Math.min(DEFAULT_THRESHOLDS.review, threshold) },
    clustering,
    oneToOne: mode === 'link' ? !values['many-to-many'] : false,
    log: err,
  });

  const names = sourceNames(positionals);
  const lines: string[] = ['source,record_id,cluster_id,match_probability'];
  for (let r = 0; r < count; r++) {
    const p = result.bestProbability[r] as number;
    lines.push(
      `${csvField(names[source[r] as number] as string)},${csvField(ids[r] as string)},${(result.labels[r] as number) + 1},${p > 0 ? Number(p.toFixed(6)) : 0}`,
    );
  }
  await writeAll(io.stdout, `${lines.join('\n')}\n`);
  const secs = (performance.now() - started) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  err(`done: ${count} records in ${secs.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB`);
  return 0;
}

function parseLinkArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      id: { type: 'string' },
      given: { type: 'string' },
      family: { type: 'string' },
      'full-name': { type: 'string' },
      dob: { type: 'string' },
      postcode: { type: 'string' },
      address: { type: 'string' },
      phone: { type: 'string' },
      email: { type: 'string' },
      identifier: { type: 'string' },
      extra: { type: 'string' },
      threshold: { type: 'string' },
      clustering: { type: 'string' },
      'many-to-many': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
