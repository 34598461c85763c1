import {
  createCatalogueService,
  type ImportReport,
  importLibraryDirectory,
  STARTER_LIBRARY_DIR,
} from '../src/modules/catalogue/index.ts';
import type { GovernanceService } from '../src/modules/governance/index.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';
import type { Executor } from '../src/platform/db/database.ts';

/**
 * Seeds the demo council's catalogue: the starter library of processes (seeds/data/catalogue), then
 * every other LGSL service as information-only, so the finder can answer for any council service.
 */
export async function seedCatalogue(
  db: Executor,
  governance: GovernanceService,
  councilId: string,
): Promise<{ library: ImportReport; informationOnly: number }> {
  const catalogue = createCatalogueService(db, { teams: governance });
  const context = systemAuditContext(councilId, 'demo seed');
  const library = await importLibraryDirectory(catalogue, councilId, STARTER_LIBRARY_DIR, context);
  if (library.rejected.length) {
    throw new Error(
      `The starter library has invalid definitions: ${library.rejected
        .map((r) => `${r.source}: ${r.errors.map((e) => e.message).join('; ')}`)
        .join(' | ')}`,
    );
  }
  const lgsl = await catalogue.importLgslInformationOnly(councilId, context);
  return { library, informationOnly: lgsl.created };
}
