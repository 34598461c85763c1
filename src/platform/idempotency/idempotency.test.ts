import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemoTestRuntime, type TestRuntime, testDatabaseKinds } from '../../../test/support/databases.ts';
import { uuidV7, writeTogether } from '../db/together.ts';
import { domainEventWrite, listEventsFor, recordDomainEvent } from '../events/outbox.ts';
import { DomainError, ValidationFailed } from '../http/errors.ts';
import {
  idempotencyKeyFrom,
  idempotentTransaction,
  idempotentWrite,
  purgeIdempotencyKeys,
} from './idempotency.ts';

describe('Idempotency-Key header', () => {
  it('accepts visible ASCII keys, with or without quotes, and refuses others naming the header', () => {
    expect(idempotencyKeyFrom({})).toBeUndefined();
    expect(idempotencyKeyFrom({ 'idempotency-key': '8e03978e-40d5-43e8-bc93-6894a57f9324' })).toBe(
      '8e03978e-40d5-43e8-bc93-6894a57f9324',
    );
    expect(idempotencyKeyFrom({ 'idempotency-key': '"abc"' })).toBe('abc');
    for (const bad of ['', 'has space', 'x'.repeat(256), 'caf\u00e9']) {
      try {
        idempotencyKeyFrom({ 'idempotency-key': bad });
        expect.unreachable(`accepted ${JSON.stringify(bad)}`);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationFailed);
        expect((error as ValidationFailed).fieldErrors[0]?.field).toBe('Idempotency-Key');
      }
    }
  });
});

describe.each(testDatabaseKinds())('idempotent transactions (%s)', (kind) => {
  let runtime: TestRuntime;
  let councilId: string;
  beforeAll(async () => {
    runtime = await openDemoTestRuntime(kind);
    councilId = (await runtime.services.governance.defaultCouncil()).id;
  });
  afterAll(() => runtime?.close());

  /** The "resource" each request creates is a domain event on an aggregate of the test's choosing. */
  const create = (aggregateId: string, key: string | null, body: unknown, caller = 'api:token-1') =>
    idempotentTransaction(
      runtime.database.db,
      key ? { councilId, caller, key, operation: 'things.create', body } : null,
      async (tx) => {
        const id = await recordDomainEvent(
          tx,
          { councilId, correlationId: null },
          { aggregateType: 'thing', aggregateId, eventType: 'thing.created' },
        );
        return { statusCode: 201, body: { id } };
      },
    );
  const created = async (aggregateId: string) =>
    (await listEventsFor(runtime.database.db, councilId, 'thing', aggregateId)).length;

  it('answers a retry with the stored response and creates nothing more', async () => {
    const first = await create('retried', 'key-1', { name: 'x', n: 1 });
    const again = await create('retried', 'key-1', { n: 1, name: 'x' });
    expect(first).toMatchObject({ statusCode: 201, replayed: false });
    expect(again).toEqual({ statusCode: 201, body: first.body, replayed: true });
    expect(await created('retried')).toBe(1);
  });

  it('creates once when the same key arrives many times at once', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => create('raced', 'key-race', { a: 1 })));
    expect(await created('raced')).toBe(1);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
  });

  it('refuses the same key with a different body, and scopes keys to the caller', async () => {
    await create('scoped', 'key-2', { a: 1 });
    await expect(create('scoped', 'key-2', { a: 2 })).rejects.toSatisfy(
      (e: unknown) => e instanceof DomainError && e.status === 422 && e.code === 'IdempotencyKeyReused',
    );
    const other = await create('scoped', 'key-2', { a: 1 }, 'staff:someone-else');
    expect(other.replayed).toBe(false);
    expect(await created('scoped')).toBe(2);
  });

  it('forgets a key whose request failed, so the client can retry it', async () => {
    await expect(
      idempotentTransaction(
        runtime.database.db,
        { councilId, caller: 'api:token-1', key: 'key-3', operation: 'things.create', body: {} },
        async () => {
          throw new Error('the change failed');
        },
      ),
    ).rejects.toThrow('the change failed');
    expect((await create('after-failure', 'key-3', {})).replayed).toBe(false);
  });

  it('runs without a key as a plain transaction each time', async () => {
    await create('no-key', null, {});
    await create('no-key', null, {});
    expect(await created('no-key')).toBe(2);
  });

  it('purges keys older than a day', async () => {
    await create('purged', 'key-4', {});
    expect(
      await purgeIdempotencyKeys(runtime.database.db, new Date(Date.now() + 25 * 3_600_000)),
    ).toBeGreaterThan(0);
    expect((await create('purged', 'key-4', {})).replayed).toBe(false);
  });
});

describe.each(testDatabaseKinds())('one-statement idempotent writes (%s)', (kind) => {
  let runtime: TestRuntime;
  let councilId: string;
  beforeAll(async () => {
    runtime = await openDemoTestRuntime(kind);
    councilId = (await runtime.services.governance.defaultCouncil()).id;
  });
  afterAll(() => runtime?.close());

  const context = () => ({ councilId, correlationId: null });
  /** Each request creates a domain event on the test's aggregate; its id is made before writing. */
  const create = (aggregateId: string, key: string | null, body: unknown, caller = 'api:token-1') => {
    const id = uuidV7();
    const db = runtime.database.db;
    return idempotentWrite(
      db,
      key ? { councilId, caller, key, operation: 'things.create', body } : null,
      { statusCode: 201, body: { id } },
      [
        domainEventWrite(db, context(), {
          aggregateType: 'thing',
          aggregateId,
          eventType: 'thing.created',
          payload: { id },
        }),
      ],
    );
  };
  const created = async (aggregateId: string) =>
    (await listEventsFor(runtime.database.db, councilId, 'thing', aggregateId)).length;

  it('answers a retry with the stored response and writes nothing more', async () => {
    const first = await create('w-retried', 'w-key-1', { name: 'x', n: 1 });
    const again = await create('w-retried', 'w-key-1', { n: 1, name: 'x' });
    expect(first).toMatchObject({ statusCode: 201, replayed: false });
    expect(again).toEqual({ statusCode: 201, body: first.body, replayed: true });
    expect(await created('w-retried')).toBe(1);
  });

  it('writes once when the same key arrives many times at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => create('w-raced', 'w-key-race', { a: 1 })),
    );
    expect(await created('w-raced')).toBe(1);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
  });

  it('refuses the same key with a different body', async () => {
    await create('w-scoped', 'w-key-2', { a: 1 });
    await expect(create('w-scoped', 'w-key-2', { a: 2 })).rejects.toSatisfy(
      (e: unknown) => e instanceof DomainError && e.status === 422 && e.code === 'IdempotencyKeyReused',
    );
    expect(await created('w-scoped')).toBe(1);
  });

  it('undoes every part, the key included, when one part fails', async () => {
    const db = runtime.database.db;
    const request = {
      councilId,
      caller: 'api:token-1',
      key: 'w-key-3',
      operation: 'things.create',
      body: {},
    };
    await expect(
      idempotentWrite(db, request, { statusCode: 201, body: {} }, [
        domainEventWrite(db, context(), {
          aggregateType: 'thing',
          aggregateId: 'w-failed',
          eventType: 'thing.created',
        }),
        sql`insert into idempotency_key (council_id) values (null)`,
      ]),
    ).rejects.toThrow();
    expect(await created('w-failed')).toBe(0);
    expect((await create('w-failed', 'w-key-3', {})).replayed).toBe(false);
    expect(await created('w-failed')).toBe(1);
  });

  it('writes every part in one statement without a key', async () => {
    const db = runtime.database.db;
    await writeTogether(db, [
      domainEventWrite(db, context(), { aggregateType: 'thing', aggregateId: 'w-both', eventType: 'a' }),
      domainEventWrite(db, context(), { aggregateType: 'thing', aggregateId: 'w-both', eventType: 'b' }),
    ]);
    await create('w-both', null, {});
    expect(await created('w-both')).toBe(3);
  });
});
