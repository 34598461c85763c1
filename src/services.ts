import type { Config } from './config.ts';
import { createGovernanceService, type GovernanceService } from './modules/governance/index.ts';
import { createPartiesService, type PartiesService } from './modules/parties/index.ts';
import type { Database } from './platform/db/database.ts';
import type { JobDefinition } from './platform/jobs/jobs.ts';

/** Every module's service, built once per process and handed to routes, jobs and the CLI. */
export interface Services {
  governance: GovernanceService;
  parties: PartiesService;
}

export function createServices(database: Database, config: Config, sessionSecret: string): Services {
  return {
    governance: createGovernanceService(database.db, {
      sessionSecret,
      sessionIdleMinutes: config.sessionIdleMinutes,
      sessionAbsoluteHours: config.sessionAbsoluteHours,
      signInMaxAttempts: config.signInMaxAttempts,
      signInLockMinutes: config.signInLockMinutes,
    }),
    parties: createPartiesService(database.db),
  };
}

/** Background jobs, each a thin handler calling a service. */
export function jobDefinitions(services: Services): JobDefinition[] {
  return [
    {
      name: 'sessions.purge-expired',
      schedule: '*/15 * * * *',
      handler: async () => {
        await services.governance.purgeExpiredSessions();
      },
    },
  ];
}
