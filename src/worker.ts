import { ConfigError, loadConfig } from './config.ts';
import { startJobQueue } from './platform/jobs/jobs.ts';
import { openRuntime } from './runtime.ts';
import { jobDefinitions } from './services.ts';

/** The job worker on its own, for deployments on a Postgres server (the embedded demo runs it in-process). */
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
// With the embedded database the web process owns the data directory; join it over its socket.
const runtime = await openRuntime(config, { role: 'cli' });
const jobs = await startJobQueue({
  pool: runtime.database.pool,
  definitions: jobDefinitions(runtime.services, runtime.database),
  work: true,
  onError: (error) => process.stderr.write(`job queue error: ${error.message}\n`),
});
process.stdout.write('Guildhall worker started\n');
const stop = async () => {
  await jobs.stop();
  await runtime.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
