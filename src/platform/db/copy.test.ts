import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestRuntime, type TestRuntime, testDatabaseKinds } from '../../../test/support/databases.ts';
import { copyAvailable, copyValue, inCopyTransaction } from './copy.ts';

describe('COPY text format values', () => {
  it('writes null as \\N and escapes backslash, tab, newline and carriage return', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue('plain')).toBe('plain');
    expect(copyValue('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyValue(42)).toBe('42');
    expect(copyValue(false)).toBe('false');
  });
});

describe.each(testDatabaseKinds())('COPY inside a transaction (%s)', (kind) => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await openTestRuntime(kind);
    await sql`create table copy_probe (id int primary key, note text)`.execute(runtime.database.db);
  });
  afterAll(async () => {
    await runtime?.close();
  });
  const rows = async () =>
    (
      await sql<{ id: number; note: string | null }>`select id, note from copy_probe order by id`.execute(
        runtime.database.db,
      )
    ).rows;

  it('is offered by the Postgres server only (the embedded database drops COPY)', () => {
    expect(copyAvailable(runtime.database.db)).toBe(kind === 'postgres');
  });

  it.runIf(kind === 'postgres')(
    'commits COPY and statements together, and the values come back as they were',
    async () => {
      const awkward = 'tab\there, newline\nthere, back\\slash, Llŷr';
      const result = await inCopyTransaction(runtime.database.db, async (tx) => {
        await tx.copy('copy copy_probe (id, note) from stdin', `1\t${copyValue(awkward)}\n2\t\\N\n`);
        await sql`insert into copy_probe values (3, 'by statement')`.execute(tx.db);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await rows()).toEqual([
        { id: 1, note: awkward },
        { id: 2, note: null },
        { id: 3, note: 'by statement' },
      ]);
    },
  );

  it.runIf(kind === 'postgres')('writes nothing when any part fails', async () => {
    await expect(
      inCopyTransaction(runtime.database.db, async (tx) => {
        await tx.copy('copy copy_probe (id, note) from stdin', '4\tfour\n');
        await sql`insert into copy_probe values (5, 'five')`.execute(tx.db);
        // Key 1 is taken: the whole transaction is undone.
        await tx.copy('copy copy_probe (id, note) from stdin', '6\tsix\n1\tagain\n');
      }),
    ).rejects.toThrow(/copy_probe_pkey/);
    expect((await rows()).map((r) => r.id)).toEqual([1, 2, 3]);
    // The connection went back to the pool in a usable state.
    await inCopyTransaction(runtime.database.db, (tx) => tx.copy('copy copy_probe (id) from stdin', '7\n'));
    expect((await rows()).map((r) => r.id)).toEqual([1, 2, 3, 7]);
  });
});
