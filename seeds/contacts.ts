import { createCatalogueService } from '../src/modules/catalogue/index.ts';
import { createContactsService } from '../src/modules/contacts/index.ts';
import type { GovernanceService } from '../src/modules/governance/index.ts';
import { createPartiesService } from '../src/modules/parties/index.ts';
import type { Executor } from '../src/platform/db/database.ts';

/**
 * A few thousand contacts over the last 90 days (up to yesterday, so "My contacts today" starts
 * empty) across the demo council's parties, taken by the demo agent, officer and supervisor; some
 * parties get long histories, so the timeline has something to show. One set-based insert.
 */
export async function seedDemoContacts(
  db: Executor,
  governance: GovernanceService,
  councilId: string,
  count = 4_000,
): Promise<number> {
  const contacts = createContactsService(db, {
    parties: createPartiesService(db),
    sites: governance,
  });
  const users = await governance.listUsers(councilId);
  const agents = users
    .filter((u) => ['agent', 'officer', 'supervisor'].includes(u.role))
    .map((u) => ({ id: u.id, label: u.displayName, siteId: u.siteId }));
  const catalogue = createCatalogueService(db, { teams: governance });
  const services = await catalogue.list(councilId, {
    status: 'published',
    informationOnly: false,
    limit: 60,
  });
  return contacts.seedDemo({
    councilId,
    count,
    days: 90,
    agents,
    serviceCodes: services.results.map((s) => s.code),
    seed: 20_260_401,
  });
}
