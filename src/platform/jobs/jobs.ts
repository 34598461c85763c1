import { CompiledQuery } from 'kysely';
import type pg from 'pg';
import PgBoss from 'pg-boss';
import type { Executor } from '../db/database.ts';

/** A job a module runs in the background; handlers are thin and call the module's service. */
export interface JobDefinition {
  readonly name: string;
  /** Job payloads hold ids only, never personal data. */
  handler(data: Record<string, unknown>): Promise<void>;
  /** Cron expression (UTC) for recurring jobs. */
  readonly schedule?: string;
}

export interface JobQueue {
  /** Enqueues a job in the caller's transaction, so it exists only if the change commits. */
  enqueue(
    tx: Executor,
    name: string,
    data: Record<string, unknown>,
    options?: PgBoss.SendOptions,
  ): Promise<void>;
  stop(): Promise<void>;
}

export interface JobQueueOptions {
  pool: pg.Pool;
  definitions: readonly JobDefinition[];
  /** Run the handlers in this process (the worker, or the embedded demo's web process). */
  work: boolean;
  onError?: (error: Error) => void;
}

export async function startJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  const boss = new PgBoss({
    db: { executeSql: (text, values) => options.pool.query(text, values) },
    schema: 'pgboss',
    // Only the worker maintains and schedules; a web process just enqueues.
    supervise: options.work,
    schedule: options.work,
    migrate: true,
  });
  boss.on('error', (error) => options.onError?.(error));
  await boss.start();
  for (const definition of options.definitions) {
    await boss.createQueue(definition.name);
    if (options.work) {
      await boss.work<Record<string, unknown>>(definition.name, async (jobs) => {
        for (const job of jobs) await definition.handler(job.data ?? {});
      });
      if (definition.schedule) await boss.schedule(definition.name, definition.schedule);
    }
  }
  return {
    async enqueue(tx, name, data, sendOptions) {
      await boss.send(name, data, {
        ...sendOptions,
        db: {
          executeSql: async (text, values) => {
            const result = await tx.executeQuery(CompiledQuery.raw(text, values));
            return { rows: result.rows as unknown[] };
          },
        },
      });
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
