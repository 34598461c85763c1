import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestRuntime, type TestRuntime, testDatabaseKinds } from '../../../test/support/databases.ts';
import { inTransaction } from '../db/transaction.ts';
import { JOB_BATCH_SIZE, type JobDefinition, startJobQueue } from './jobs.ts';

describe.each(testDatabaseKinds())('job queue (%s)', (kind) => {
  let runtime: TestRuntime;

  beforeAll(async () => {
    runtime = await openTestRuntime(kind);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it('drains a backlog batch after batch, and retries only the job that failed', async () => {
    const jobs = JOB_BATCH_SIZE * 2 + 5;
    const attempts = new Map<number, number>();
    const done: number[] = [];
    // The first job worked fails once (the first batch is full, so its retry comes in a later one).
    let failing: number | undefined;
    const definition: JobDefinition = {
      name: 'test.backlog',
      handler: async (data) => {
        const n = Number(data.n);
        const attempt = (attempts.get(n) ?? 0) + 1;
        attempts.set(n, attempt);
        if (failing === undefined) {
          failing = n;
          throw new Error('the outside system was down');
        }
        done.push(n);
      },
    };
    // The backlog is queued before any worker looks.
    const sender = await startJobQueue({
      pool: runtime.database.pool,
      definitions: [definition],
      work: false,
    });
    await inTransaction(runtime.database.db, async (tx) => {
      for (let n = 0; n < jobs; n++)
        await sender.enqueue(tx, definition.name, { n }, { retryLimit: 2, retryDelay: 0 });
    });
    await sender.stop();

    // A worker that looks only every 60 seconds when idle: the backlog goes without those waits.
    const queue = await startJobQueue({
      pool: runtime.database.pool,
      definitions: [definition],
      work: true,
      pollingIntervalSeconds: 60,
    });
    try {
      for (let i = 0; i < 300 && done.length < jobs; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await queue.stop();
    }
    expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: jobs }, (_, n) => n));
    expect(attempts.get(failing ?? -1)).toBe(2);
    expect([...attempts].filter(([n, count]) => n !== failing && count !== 1)).toEqual([]);
    const { rows } = await sql<{ state: string; n: number }>`select state, count(*)::int as n
      from pgboss.job where name = ${definition.name} group by state`.execute(runtime.database.db);
    expect(rows).toEqual([{ state: 'completed', n: jobs }]);
  });
});
