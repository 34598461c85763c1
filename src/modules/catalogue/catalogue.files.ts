import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AuditContext } from '../../platform/audit/audit.ts';
import type { CatalogueService, ImportItem, ImportReport } from './catalogue.service.ts';

/** The starter library of processes shipped with Guildhall. */
export const STARTER_LIBRARY_DIR = path.resolve(import.meta.dirname, '../../../seeds/data/catalogue');

/**
 * Reads every .yaml, .yml and .json file in a directory (not recursive). A file holds one definition
 * or `services: [ … ]`. Files that cannot be parsed are reported, and the rest still load.
 */
export function readLibraryDirectory(dir: string): {
  items: ImportItem[];
  rejected: ImportReport['rejected'];
} {
  const items: ImportItem[] = [];
  const rejected: ImportReport['rejected'] = [];
  const files = readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .sort();
  for (const file of files) {
    const full = path.join(dir, file);
    if (!statSync(full).isFile()) continue;
    let content: unknown;
    try {
      const text = readFileSync(full, 'utf8');
      content = file.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text, { merge: true });
    } catch (error) {
      rejected.push({
        source: file,
        code: null,
        errors: [
          { field: 'file', message: `Cannot read ${file}: ${(error as Error).message.split('\n')[0]}` },
        ],
      });
      continue;
    }
    const list =
      content && typeof content === 'object' && Array.isArray((content as { services?: unknown }).services)
        ? (content as { services: unknown[] }).services
        : [content];
    list.forEach((definition, i) => {
      items.push({ source: list.length > 1 ? `${file} #${i + 1}` : file, definition });
    });
  }
  return { items, rejected };
}

export async function importLibraryDirectory(
  service: CatalogueService,
  councilId: string,
  dir: string,
  context: AuditContext,
  options: { publish?: boolean } = {},
): Promise<ImportReport> {
  const { items, rejected } = readLibraryDirectory(dir);
  const report = items.length
    ? await service.importDefinitions(councilId, items, context, options)
    : { created: 0, newVersions: 0, unchanged: 0, rejected: [] };
  return { ...report, rejected: [...rejected, ...report.rejected] };
}
