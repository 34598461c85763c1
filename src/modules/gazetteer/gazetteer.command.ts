import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import type { GazetteerService, ImportProgress } from './gazetteer.service.ts';

export const GAZETTEER_USAGE = `  gazetteer import FILE [--mode full|change]
                                 Import an AddressBase Premium / NLPG-style CSV (record types 10-99).
                                 The mode comes from the header record unless given.
  gazetteer postcodes FILE       Import an ONS Postcode Directory CSV (centroids, wards, parishes)
  gazetteer assets FILE          Import council assets from CSV (asset_id,type,easting,northing,...)`;

export interface GazetteerCommandIo {
  out(line: string): void;
  err(line: string): void;
  /** Opens the database and services for the duration of the work. */
  withService<T>(work: (service: GazetteerService, councilId: string) => Promise<T>): Promise<T>;
}

export class GazetteerUsageError extends Error {}

function fileArgument(positionals: string[]): string {
  const file = positionals[0];
  if (!file) throw new GazetteerUsageError('Give the file to import');
  const resolved = path.resolve(file);
  if (!existsSync(resolved) || !statSync(resolved).isFile())
    throw new GazetteerUsageError(`No such file: ${file}`);
  return resolved;
}

const number = (n: number) => n.toLocaleString('en-GB');

/** `guildhall gazetteer ...`: returns the exit code. */
export async function gazetteerCommand(args: string[], io: GazetteerCommandIo): Promise<number> {
  const [verb, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { mode: { type: 'string' } },
  });
  if (verb === 'import') {
    const file = fileArgument(positionals);
    const mode = values.mode;
    if (mode !== undefined && mode !== 'full' && mode !== 'change') {
      throw new GazetteerUsageError('--mode must be full or change');
    }
    const started = performance.now();
    const progress = (p: ImportProgress) => {
      const seconds = (performance.now() - started) / 1000;
      io.err(
        `${p.phase}: ${number(p.lines)} lines, ${number(p.staged)} staged, ${number(p.rejected)} rejected (${Math.round(p.lines / Math.max(seconds, 0.001))} lines/s)`,
      );
    };
    return io.withService(async (service, councilId) => {
      const report = await service.importAddressBaseFile(
        councilId,
        file,
        { fileName: path.basename(file), ...(mode ? { mode } : {}), onProgress: progress },
        systemAuditContext(councilId, 'guildhall gazetteer import'),
      );
      for (const r of report.rejected.slice(0, 50)) io.err(`line ${r.line}: ${r.recordType}: ${r.reason}`);
      if (report.rejectedCount > 50) io.err(`… and ${number(report.rejectedCount - 50)} more rejected lines`);
      for (const w of report.warnings.slice(0, 20)) io.err(`warning: ${w}`);
      io.err(
        `steps: ${Object.entries(report.timings)
          .map(([step, seconds]) => `${step} ${seconds} s`)
          .join(', ')}`,
      );
      const lpis = report.applied.gazetteer_lpi;
      io.out(
        `Imported ${path.basename(file)} (${report.mode} supply) in ${report.seconds} s: ${number(report.lines)} lines, ` +
          `${number(report.staged)} records applied, ${number(report.rejectedCount)} rejected, ` +
          `${number(lpis?.upserted ?? 0)} LPIs written, ${number(report.addresses)} searchable addresses.`,
      );
      return 0;
    });
  }
  if (verb === 'postcodes') {
    const file = fileArgument(positionals);
    return io.withService(async (service) => {
      const report = await service.importPostcodes(createReadStream(file), {
        onProgress: (lines) => io.err(`reading: ${number(lines)} lines`),
      });
      for (const r of report.rejected.slice(0, 50)) io.err(`line ${r.line}: ${r.reason}`);
      io.out(
        `Imported ${number(report.loaded)} postcodes from ${path.basename(file)}; ${number(report.rejectedCount)} lines rejected.`,
      );
      return 0;
    });
  }
  if (verb === 'assets') {
    const file = fileArgument(positionals);
    return io.withService(async (service, councilId) => {
      const report = await service.importAssets(
        councilId,
        createReadStream(file),
        systemAuditContext(councilId, 'guildhall gazetteer assets'),
      );
      for (const r of report.rejected.slice(0, 50)) io.err(`line ${r.line}: ${r.reason}`);
      if (report.rejectedCount > 50) io.err(`… and ${number(report.rejectedCount - 50)} more rejected lines`);
      io.out(
        `Imported ${number(report.loaded)} assets from ${path.basename(file)}; ${number(report.rejectedCount)} lines rejected.`,
      );
      return 0;
    });
  }
  throw new GazetteerUsageError(
    'Did you mean: guildhall gazetteer import FILE (or postcodes FILE, assets FILE)',
  );
}
