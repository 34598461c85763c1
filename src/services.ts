import type { Config } from './config.ts';
import { type CatalogueService, createCatalogueService } from './modules/catalogue/index.ts';
import { createGazetteerService, type GazetteerService } from './modules/gazetteer/index.ts';
import { createGovernanceService, type GovernanceService } from './modules/governance/index.ts';
import { createIdentityService, type IdentityService } from './modules/identity/index.ts';
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
  identity: IdentityService;
}

export function createServices(database: Database, config: Config, sessionSecret: string): Services {
  const governance = createGovernanceService(database.db, {
    sessionSecret,
    sessionIdleMinutes: config.sessionIdleMinutes,
    sessionAbsoluteHours: config.sessionAbsoluteHours,
    signInMaxAttempts: config.signInMaxAttempts,
    signInLockMinutes: config.signInLockMinutes,
  });
  return {
    governance,
    gazetteer: createGazetteerService(database.db, { mapTileUrl: config.mapTileUrl }),
    catalogue: createCatalogueService(database.db, { teams: governance }),
    parties: createPartiesService(database.db),
    identity: createIdentityService(database.db, { parties: createPartiesService(database.db) }),
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
      name: 'idempotency.purge-expired',
      schedule: '7 * * * *',
      handler: async () => {
        await purgeIdempotencyKeys(database.db);
      },
    },
    {
      name: 'identity.quality-snapshot',
      schedule: '20 2 * * *',
      handler: async () => {
        await services.identity.takeQualitySnapshots();
      },
    },
  ];
}
