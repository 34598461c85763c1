import type { Config } from './config.ts';
import { type CatalogueService, createCatalogueService } from './modules/catalogue/index.ts';
import { type ContactsService, createContactsService } from './modules/contacts/index.ts';
import { createGazetteerService, type GazetteerService } from './modules/gazetteer/index.ts';
import { createGovernanceService, type GovernanceService } from './modules/governance/index.ts';
import { createPartiesService, type PartiesService } from './modules/parties/index.ts';
import type { Database } from './platform/db/database.ts';
import { purgeIdempotencyKeys } from './platform/idempotency/idempotency.ts';
import type { JobDefinition } from './platform/jobs/jobs.ts';

/** Every module's service, built once per process and handed to routes, jobs and the CLI. */
export interface Services {
  governance: GovernanceService;
  catalogue: CatalogueService;
  gazetteer: GazetteerService;
  parties: PartiesService;
  contacts: ContactsService;
}

export function createServices(database: Database, config: Config, sessionSecret: string): Services {
  const governance = createGovernanceService(database.db, {
    sessionSecret,
    sessionIdleMinutes: config.sessionIdleMinutes,
    sessionAbsoluteHours: config.sessionAbsoluteHours,
    signInMaxAttempts: config.signInMaxAttempts,
    signInLockMinutes: config.signInLockMinutes,
  });
  const catalogue = createCatalogueService(database.db, { teams: governance });
  const parties = createPartiesService(database.db);
  return {
    governance,
    gazetteer: createGazetteerService(database.db, { mapTileUrl: config.mapTileUrl }),
    catalogue,
    parties,
    contacts: createContactsService(database.db, {
      parties,
      sites: governance,
      knownServiceCodes: async (councilId, codes) => {
        const known = new Set<string>();
        for (const code of codes) {
          if (
            await catalogue.get(councilId, code).then(
              () => true,
              () => false,
            )
          )
            known.add(code);
        }
        return known;
      },
      // knownCaseIds: wired to the cases module when it lands (see docs/contacts.md).
    }),
  };
}

/** Background jobs, each a thin handler calling a service. */
export function jobDefinitions(services: Services, database: Database): JobDefinition[] {
  return [
    {
      name: 'sessions.purge-expired',
      schedule: '*/15 * * * *',
      handler: async () => {
        await services.governance.purgeExpiredSessions();
      },
    },
    {
      name: 'contacts.partitions',
      schedule: '17 3 * * *',
      handler: async () => {
        await services.contacts.ensurePartitions();
      },
    },
    {
      name: 'idempotency.purge-expired',
      schedule: '7 * * * *',
      handler: async () => {
        await purgeIdempotencyKeys(database.db);
      },
    },
  ];
}
