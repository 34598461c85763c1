import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemoTestRuntime, type TestRuntime, testDatabaseKinds } from '../../../test/support/databases.ts';
import { inTransaction } from '../db/transaction.ts';
import { dispatchDomainEvents, listEventsFor, recordDomainEvent, type StoredDomainEvent } from './outbox.ts';

describe.each(testDatabaseKinds())('domain event outbox (%s)', (kind) => {
  let runtime: TestRuntime;
  let councilId: string;
  beforeAll(async () => {
    runtime = await openDemoTestRuntime(kind);
    councilId = (await runtime.services.governance.defaultCouncil()).id;
  });
  afterAll(() => runtime?.close());

  const context = () => ({ councilId, correlationId: 'req-1' });

  it('keeps an event only if the change that wrote it commits', async () => {
    await inTransaction(runtime.database.db, (tx) =>
      recordDomainEvent(tx, context(), {
        aggregateType: 'thing',
        aggregateId: 'a',
        eventType: 'thing.created',
      }),
    );
    await expect(
      inTransaction(runtime.database.db, async (tx) => {
        await recordDomainEvent(tx, context(), {
          aggregateType: 'thing',
          aggregateId: 'b',
          eventType: 'thing.created',
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await listEventsFor(runtime.database.db, councilId, 'thing', 'a')).toHaveLength(1);
    expect(await listEventsFor(runtime.database.db, councilId, 'thing', 'b')).toHaveLength(0);
  });

  it('dispatches each event once, in order, and retries a batch whose handler failed', async () => {
    await inTransaction(runtime.database.db, async (tx) => {
      for (const n of [1, 2, 3]) {
        await recordDomainEvent(tx, context(), {
          aggregateType: 'thing',
          aggregateId: 'c',
          eventType: `thing.step_${n}`,
          payload: { n },
        });
      }
    });
    let fail = true;
    const seen: StoredDomainEvent[] = [];
    const handler = async (event: StoredDomainEvent) => {
      if (fail) throw new Error('subscriber is down');
      seen.push(event);
    };
    await expect(dispatchDomainEvents(runtime.database.db, [handler])).rejects.toThrow('subscriber is down');
    fail = false;
    expect(await dispatchDomainEvents(runtime.database.db, [handler])).toBe(4);
    expect(seen.map((e) => e.eventType)).toEqual([
      'thing.created',
      'thing.step_1',
      'thing.step_2',
      'thing.step_3',
    ]);
    expect(await dispatchDomainEvents(runtime.database.db, [handler])).toBe(0);
  });
});
