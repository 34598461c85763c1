import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { ImportUsageError, readMapping } from '../parties/index.ts';
import type { ExtractRow, IdentityMapping, IdentityService, LoadSummary } from './identity.service.ts';
import { LOAD_THRESHOLDS } from './register-model.ts';

export const IDENTITY_USAGE =
  'guildhall identity load FILE.csv --mapping MAPPING.json [--source SYSTEM] [--link-above P] [--review-above P]';

/** Reads an extract: one row per record with its line number (for the rejected-rows report). */
export async function readExtract(file: string, mapping: IdentityMapping): Promise<ExtractRow[]> {
  const text = await readFile(file, 'utf8');
  const records = parse(text, {
    columns: true,
    info: true,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
  }) as { record: Record<string, string>; info: { lines: number } }[];
  const first = records[0]?.record;
  if (first) {
    const wanted = [
      mapping.key,
      ...Object.values(mapping.columns),
      mapping.flags?.singlePersonDiscount?.column,
    ];
    const missing = wanted.filter((c): c is string => c !== undefined && !(c in first));
    if (missing.length > 0)
      throw new ImportUsageError(
        `The file has no column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}`,
      );
  }
  return records.map((r) => ({ line: r.info.lines, record: r.record }));
}

function probability(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const p = Number(value);
  if (!Number.isFinite(p) || p <= 0 || p >= 1)
    throw new ImportUsageError(`--${name} must be a probability between 0 and 1`);
  return p;
}

export function formatSummary(file: string, s: LoadSummary): string[] {
  const lines = [
    `Loaded ${file} in ${s.seconds.toFixed(1)} s: ${s.read} read, ${s.linked} linked to existing people, ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.queued} queued for review, ${s.rejected.length} rejected.`,
  ];
  for (const r of s.rejected)
    lines.push(`  line ${r.line}${r.key ? ` (key ${r.key})` : ''}: ${r.reasons.join('; ')}`);
  return lines;
}

/** `guildhall identity load ...`: returns the exit code. */
export async function runIdentityCommand(
  args: string[],
  deps: {
    identity: IdentityService;
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
      source: { type: 'string' },
      'link-above': { type: 'string' },
      'review-above': { type: 'string' },
    },
  });
  const [what, file] = positionals;
  if (what !== 'load' || !file || !values.mapping) {
    deps.err(`Usage: ${IDENTITY_USAGE}`);
    return 2;
  }
  try {
    const mapping = readMapping(values.mapping) as IdentityMapping;
    const system = values.source ?? mapping.system;
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(system))
      throw new ImportUsageError('--source must name the source system in lower case, like "housing"');
    const thresholds = {
      match: probability(values['link-above'], LOAD_THRESHOLDS.match, 'link-above'),
      review: probability(values['review-above'], LOAD_THRESHOLDS.review, 'review-above'),
    };
    if (thresholds.review > thresholds.match)
      throw new ImportUsageError('--review-above must not be more than --link-above');
    const rows = await readExtract(file, mapping);
    deps.err(`Read ${rows.length} records from ${file} (source system "${system}")`);
    const summary = await deps.identity.loadExtract({
      councilId: deps.councilId,
      system,
      mapping: { ...mapping, system },
      rows,
      thresholds,
      context: systemAuditContext(deps.councilId, `guildhall identity load (${system})`),
      progress: (s) =>
        deps.err(
          `  ${s.linked + s.created + s.updated + s.unchanged + s.rejected.length}/${s.read} records: ${s.linked} linked, ${s.created} created (${s.queued} queued for review), ${s.updated} updated, ${s.unchanged} unchanged, ${s.rejected.length} rejected`,
        ),
    });
    for (const line of formatSummary(file, summary)) deps.out(line);
    return 0;
  } catch (error) {
    if (error instanceof ImportUsageError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      deps.err(`guildhall: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}
