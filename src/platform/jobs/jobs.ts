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
  /**
   * Run every this many seconds in each worker process, outside the queue, for short polling work that
   * cron's one-minute step is too slow for (dispatching domain events). A run never overlaps the last.
   */
  readonly everySeconds?: number;
}

/** What services need to put jobs on the queue: the enqueue half of a JobQueue. */
export interface JobSender {
  enqueue(
    tx: Executor,
    name: string,
    data: Record<string, unknown>,
    options?: PgBoss.SendOptions,
  ): Promise<void>;
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
  /**
   * Seconds between an idle worker's looks at each queue (default 2). A look takes up to
   * JOB_BATCH_SIZE jobs, and a full batch is followed by another look at once, so a backlog drains as
   * fast as the handlers go.
   */
  pollingIntervalSeconds?: number;
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
  const pollers: { timer: NodeJS.Timeout; running: Promise<void> | undefined }[] = [];
  for (const definition of options.definitions) {
    if (definition.everySeconds !== undefined) {
      if (options.work) pollers.push(startPoller(definition, options.onError));
      continue;
    }
    await boss.createQueue(definition.name);
    if (options.work) {
      const workOptions = {
        batchSize: JOB_BATCH_SIZE,
        ...(options.pollingIntervalSeconds === undefined
          ? {}
          : { pollingIntervalSeconds: options.pollingIntervalSeconds }),
      };
      const workerId: string = await boss.work<Record<string, unknown>>(
        definition.name,
        workOptions,
        async (jobs) => {
          for (const job of jobs) {
            try {
              await definition.handler(job.data ?? {});
            } catch (error) {
              // Only this job is retried (pg-boss would fail the whole batch, sending the rest twice);
              // the others are completed when the batch returns.
              await boss.fail(definition.name, job.id, errorDetails(error));
            }
          }
          // pg-boss waits its polling interval after every look; a full batch means more are waiting.
          if (jobs.length === JOB_BATCH_SIZE) boss.notifyWorker(workerId);
        },
      );
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
      for (const poller of pollers) clearInterval(poller.timer);
      await Promise.all(pollers.map((p) => p.running));
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

/** Most jobs a worker takes from a queue at one look. */
export const JOB_BATCH_SIZE = 20;

/** What is kept of a failed job's error (pg-boss stores it as the job's output). */
function errorDetails(error: unknown): { message: string; stack?: string } {
  if (error instanceof Error)
    return { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { message: String(error) };
}

function startPoller(
  definition: JobDefinition,
  onError: ((error: Error) => void) | undefined,
): { timer: NodeJS.Timeout; running: Promise<void> | undefined } {
  const poller: { timer: NodeJS.Timeout; running: Promise<void> | undefined } = {
    timer: setInterval(
      () => {
        if (poller.running) return;
        poller.running = definition
          .handler({})
          .catch((error: unknown) => onError?.(error instanceof Error ? error : new Error(String(error))))
          .finally(() => {
            poller.running = undefined;
          });
      },
      (definition.everySeconds ?? 5) * 1000,
    ),
    running: undefined,
  };
  poller.timer.unref();
  return poller;
}

/**
 * Enqueues jobs without a running queue: pg-boss writes the job row through the caller's transaction,
 * so a service can be built before the queue starts. The queue must exist (startJobQueue creates one
 * per job definition).
 */
export function createJobSender(): JobSender {
  const boss = new PgBoss({
    db: {
      executeSql: () => Promise.reject(new Error('Jobs are enqueued in the caller transaction only')),
    },
    schema: 'pgboss',
  });
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
  };
}
