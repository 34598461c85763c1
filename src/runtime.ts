import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';
import { randomToken } from './platform/auth/tokens.ts';
import { type Database, openDatabase } from './platform/db/database.ts';
import type { EmbeddedRole } from './platform/db/embedded.ts';
import { migrate } from './platform/db/migrate.ts';
import { createServices, type Services } from './services.ts';

export interface Runtime {
  readonly config: Config;
  readonly database: Database;
  readonly services: Services;
  readonly appliedMigrations: string[];
  close(): Promise<void>;
}

/**
 * Outside production a missing SESSION_SECRET is generated once and kept in the data directory, so
 * sessions survive restarts of the demo. Production refuses to start without one (see config.ts).
 */
export function resolveSessionSecret(config: Config): string {
  if (config.sessionSecret) return config.sessionSecret;
  mkdirSync(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, 'session-secret');
  if (!existsSync(file)) {
    writeFileSync(file, randomToken(48), { flag: 'wx', mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

export interface OpenRuntimeOptions {
  role: EmbeddedRole;
  /** Use a throwaway in-memory embedded database (tests). */
  ephemeral?: boolean;
  /** Start the throwaway database from this data directory tarball (see openEphemeral). */
  loadDataDir?: Blob;
  sessionSecret?: string;
}

/** Opens the database, brings its schema up to date and builds the services. */
export async function openRuntime(config: Config, options: OpenRuntimeOptions): Promise<Runtime> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    role: options.role,
    poolMax: config.databasePoolMax,
    preparedStatements: config.databasePreparedStatements,
    ephemeral: options.ephemeral ?? false,
    loadDataDir: options.loadDataDir,
  });
  try {
    const appliedMigrations = await migrate(database.db);
    const services = createServices(database, config, options.sessionSecret ?? resolveSessionSecret(config));
    return { config, database, services, appliedMigrations, close: () => database.close() };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export class ProductionNotReady extends Error {}

/** Production must never run with the demo's published passwords. */
export async function assertProductionReady(runtime: Runtime): Promise<void> {
  if (runtime.config.nodeEnv !== 'production') return;
  const demo = await runtime.services.governance.countDemoUsers();
  if (demo > 0) {
    throw new ProductionNotReady(
      `Guildhall will not start in production: ${demo} demo account(s) with published passwords exist. ` +
        'Use a database without the demo council (see docs/operations.md).',
    );
  }
}
