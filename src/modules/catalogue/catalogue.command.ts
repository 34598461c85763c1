import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import type { Runtime } from '../../runtime.ts';
import { importLibraryDirectory } from './catalogue.files.ts';

export const CATALOGUE_USAGE = `  catalogue import DIR [--draft]  Import service definitions (.yaml, .yml, .json) from DIR. Unchanged
                                 definitions are skipped; changed ones become a new version. Invalid
                                 ones are listed with the reason and the rest still load.
  catalogue import-lgsl          Add every LGSL service not yet in the catalogue as information-only
  catalogue export FILE          Write the published definitions (teams by name) to FILE as YAML`;

export interface CatalogueCommandIo {
  out(line: string): void;
  err(line: string): void;
  withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T>;
  usageError(message: string): Error;
}

/** `guildhall catalogue ...`; returns the exit code. */
export async function catalogueCommand(args: string[], io: CatalogueCommandIo): Promise<number> {
  const [verb, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { draft: { type: 'boolean' } },
  });
  if (verb === 'import') {
    const dir = positionals[0];
    if (!dir) throw io.usageError('Give the directory to import: guildhall catalogue import DIR');
    return io.withRuntime(async ({ services }) => {
      const council = await services.governance.defaultCouncil();
      const report = await importLibraryDirectory(
        services.catalogue,
        council.id,
        path.resolve(dir),
        systemAuditContext(council.id, 'guildhall catalogue import'),
        { publish: !values.draft },
      );
      io.out(
        `Imported from ${dir}: ${report.created} new, ${report.newVersions} new version(s), ${report.unchanged} unchanged, ${report.rejected.length} rejected.`,
      );
      for (const r of report.rejected) {
        io.err(`Rejected ${r.source}${r.code ? ` (${r.code})` : ''}:`);
        for (const e of r.errors) io.err(`  ${e.field}: ${e.message}`);
      }
      return report.rejected.length ? 1 : 0;
    });
  }
  if (verb === 'import-lgsl') {
    return io.withRuntime(async ({ services }) => {
      const council = await services.governance.defaultCouncil();
      const result = await services.catalogue.importLgslInformationOnly(
        council.id,
        systemAuditContext(council.id, 'guildhall catalogue import-lgsl'),
      );
      io.out(
        `Added ${result.created} information-only LGSL services; ${result.alreadyCovered} were already covered.`,
      );
      return 0;
    });
  }
  if (verb === 'export') {
    const file = positionals[0];
    if (!file) throw io.usageError('Give the file to write: guildhall catalogue export FILE');
    return io.withRuntime(async ({ services }) => {
      const council = await services.governance.defaultCouncil();
      const definitions = await services.catalogue.exportDefinitions(council.id);
      writeFileSync(file, toYaml({ services: definitions }, { lineWidth: 0 }));
      io.out(`Wrote ${definitions.length} definitions to ${file}`);
      return 0;
    });
  }
  throw io.usageError('Did you mean: guildhall catalogue import DIR | import-lgsl | export FILE');
}
