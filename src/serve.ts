import { DEMO_PASSWORD, seedDemoCouncil } from '../seeds/demo.ts';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { startJobQueue } from './platform/jobs/jobs.ts';
import { assertProductionReady, openRuntime, ProductionNotReady } from './runtime.ts';
import { jobDefinitions } from './services.ts';

const out = (line: string) => process.stdout.write(`${line}\n`);

/** `npm start` / `guildhall serve`: migrate, seed the demo on first run, serve HTTP, run jobs. */
export async function serve(): Promise<void> {
  const started = performance.now();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const runtime = await openRuntime(config, { role: 'server' });
  try {
    await assertProductionReady(runtime);
  } catch (error) {
    if (error instanceof ProductionNotReady) {
      process.stderr.write(`${error.message}\n`);
      await runtime.close();
      process.exit(1);
    }
    throw error;
  }
  const demo =
    config.nodeEnv === 'production'
      ? undefined
      : await seedDemoCouncil(runtime.database.db, runtime.services.governance);

  const app = await buildApp({ config, database: runtime.database, services: runtime.services });
  const jobs = await startJobQueue({
    pool: runtime.database.pool,
    definitions: jobDefinitions(runtime.services, runtime.database),
    work: config.inProcessWorker,
    onError: (error) => app.log.error({ err: error }, 'job queue error'),
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    try {
      await app.close();
      await jobs.stop();
      await runtime.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  const database =
    runtime.database.kind === 'embedded' ? `embedded PGlite in ${config.dataDir}` : runtime.database.location;
  out('');
  out(`Guildhall is running at ${url}  (staff sign-in: ${url}/staff)`);
  out(`Database: ${database}`);
  if (runtime.appliedMigrations.length > 0)
    out(`Applied migrations: ${runtime.appliedMigrations.join(', ')}`);
  if (demo) {
    out(
      `${demo.seeded ? 'Seeded' : 'Using'} ${demo.councilName}. Demo sign-ins (password "${DEMO_PASSWORD}" for each):`,
    );
    for (const user of demo.users) out(`  ${user.role.padEnd(11)} ${user.email}`);
  }
  out(`Ready in ${Math.round(performance.now() - started)} ms. Press Ctrl+C to stop.`);
}
