import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/databases.ts';
import { type Database, openDatabase } from './database.ts';
import { openEmbedded } from './embedded.ts';
import { inTransaction } from './transaction.ts';

describe('embedded PGlite behind a connection pool', () => {
  let database: Database;
  const dir = tempDir();

  beforeAll(async () => {
    database = await openDatabase({ dataDir: dir, role: 'server', poolMax: 10, ephemeral: true });
    await sql`create table account (id int primary key, balance int not null)`.execute(database.db);
  });
  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps concurrent parameterised queries apart (no crossed statements or results)', async () => {
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        i % 2
          ? database.pool.query('select $1::int as n, $2::text as s', [i, `row ${i}`])
          : database.pool.query('select $1::text as s, $2::int * 2 as n', [`row ${i}`, i]),
      ),
    );
    results.forEach((result, i) => {
      expect(result.rows[0]).toEqual(i % 2 ? { n: i, s: `row ${i}` } : { s: `row ${i}`, n: i * 2 });
    });
  });

  it('keeps each connection’s statements together while transactions run and fail beside them', async () => {
    await database.pool.query('create table slot (id int primary key, taken int not null)');
    await database.pool.query('create table made (id int primary key)');
    // Six take the one place at once, each then reading back through the pool what it made; the
    // losers roll back. Before the queue kept batches together, a reader could run another
    // connection's half-sent statement ("unnamed prepared statement does not exist").
    for (let round = 0; round < 5; round++) {
      await database.pool.query('delete from slot');
      await database.pool.query('delete from made');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, async (_, i) => {
          await database.pool.query('select id from slot where id = $1', [1]);
          await inTransaction(database.db, async (tx) => {
            const taken = await sql<{ taken: number }>`insert into slot values (1, 1) on conflict (id)
              do update set taken = slot.taken + 1 where slot.taken + 1 <= 1 returning taken`.execute(tx);
            if (taken.rows.length === 0) throw new Error('full');
            await sql`insert into made values (${i})`.execute(tx);
            await sql`select count(*) from made where id = ${i}`.execute(tx);
          });
          const seen = await database.pool.query('select id from made where id = $1', [i]);
          return seen.rows.length;
        }),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value)).toEqual([1]);
      for (const o of outcomes.filter((x) => x.status === 'rejected'))
        expect(String((o as PromiseRejectedResult).reason)).toBe('Error: full');
    }
  });

  it('commits and rolls back 200 concurrent transactions correctly', async () => {
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const client = await database.pool.connect();
        try {
          await client.query('begin');
          await client.query('insert into account (id, balance) values ($1, $2)', [i, 100]);
          if (i % 3 === 0) throw new Error('roll back every third');
          await client.query('commit');
        } catch {
          await client.query('rollback');
        } finally {
          client.release();
        }
      }),
    );
    const { rows } = await database.pool.query(
      'select count(*)::int as n, sum(balance)::int as total from account',
    );
    const committed = Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 3 !== 0).length;
    expect(rows[0]).toEqual({ n: committed, total: committed * 100 });
  });

  it('isolates an open transaction: others never see its uncommitted rows', async () => {
    const writer = await database.pool.connect();
    try {
      await writer.query('begin');
      await writer.query('insert into account (id, balance) values (1000, 5)');
      const reader = database.pool.query('select count(*)::int as n from account where id = 1000');
      await writer.query('update account set balance = 6 where id = 1000');
      await writer.query('rollback');
      expect((await reader).rows[0]).toEqual({ n: 0 });
    } finally {
      writer.release();
    }
  });

  it('makes no lost updates when transactions increment the same row concurrently', async () => {
    await database.pool.query('insert into account (id, balance) values (2000, 0)');
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const client = await database.pool.connect();
        try {
          await client.query('begin');
          const { rows } = await client.query('select balance from account where id = 2000 for update');
          await client.query('update account set balance = $1 where id = 2000', [rows[0].balance + 1]);
          await client.query('commit');
        } finally {
          client.release();
        }
      }),
    );
    const { rows } = await database.pool.query('select balance from account where id = 2000');
    expect(rows[0].balance).toBe(50);
  });

  it('has the pg_trgm, fuzzystrmatch and unaccent extensions available', async () => {
    await sql`create extension if not exists pg_trgm`.execute(database.db);
    await sql`create extension if not exists fuzzystrmatch`.execute(database.db);
    await sql`create extension if not exists unaccent`.execute(database.db);
    const { rows } = await database.pool.query(
      "select similarity('margaret', 'margret') > 0.5 as trgm, dmetaphone('Smith') as dm, unaccent('Siân') as plain",
    );
    expect(rows[0]).toEqual({ trgm: true, dm: 'SM0', plain: 'Sian' });
  });
});

describe('one data directory, several processes', () => {
  it('lets a CLI command join a running server through its socket, and take over once it stops', async () => {
    const dir = tempDir();
    const server = await openEmbedded(dir, 'server');
    expect(server.owner).toBe(true);
    const serverPool = new pg.Pool({ host: server.socketDir, user: 'postgres', database: 'postgres' });
    await serverPool.query('create table note (body text)');

    const cli = await openEmbedded(dir, 'cli');
    expect(cli.owner).toBe(false);
    const cliPool = new pg.Pool({ host: cli.socketDir, user: 'postgres', database: 'postgres' });
    await cliPool.query("insert into note values ('from the cli')");
    expect((await serverPool.query('select body from note')).rows).toEqual([{ body: 'from the cli' }]);
    await cliPool.end();
    await cli.close();

    await expect(openEmbedded(dir, 'server')).rejects.toThrow(/already running/);
    await serverPool.end();
    await server.close();

    // With the server gone, the CLI opens the directory itself and finds the data on disk.
    const alone = await openEmbedded(dir, 'cli');
    expect(alone.owner).toBe(true);
    const alonePool = new pg.Pool({ host: alone.socketDir, user: 'postgres', database: 'postgres' });
    expect((await alonePool.query('select body from note')).rows).toEqual([{ body: 'from the cli' }]);
    await alonePool.end();
    await alone.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('inside a transaction', () => {
  it('refuses a query through the pool at once instead of deadlocking the embedded database', async () => {
    const dir = tempDir();
    const database = await openDatabase({ dataDir: dir, role: 'server', poolMax: 4, ephemeral: true });
    const { inTransaction } = await import('./transaction.ts');
    const { PoolUsedInsideTransaction } = await import('./database.ts');
    await expect(
      inTransaction(database.db, async (tx) => {
        await sql`select 1`.execute(tx);
        await sql`select 2`.execute(database.db);
      }),
    ).rejects.toBeInstanceOf(PoolUsedInsideTransaction);
    // The pool still works afterwards, and so do transactions.
    expect((await sql<{ n: number }>`select 3 as n`.execute(database.db)).rows[0]?.n).toBe(3);
    expect(
      await inTransaction(
        database.db,
        async (tx) => (await sql<{ n: number }>`select 4 as n`.execute(tx)).rows[0]?.n,
      ),
    ).toBe(4);
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('a throwaway database started from another', () => {
  it('holds a copy of what the first had written when it was dumped, and nothing written since', async () => {
    const dirs = [tempDir(), tempDir()] as const;
    const first = await openDatabase({ dataDir: dirs[0], role: 'server', ephemeral: true });
    await sql`create table note (body text not null)`.execute(first.db);
    await sql`insert into note values ('before')`.execute(first.db);
    const image = await first.dumpDataDir?.();
    await sql`insert into note values ('after')`.execute(first.db);
    const copy = await openDatabase({
      dataDir: dirs[1],
      role: 'server',
      ephemeral: true,
      loadDataDir: image,
    });
    await sql`insert into note values ('in the copy')`.execute(copy.db);
    expect((await sql<{ body: string }>`select body from note order by body`.execute(copy.db)).rows).toEqual([
      { body: 'before' },
      { body: 'in the copy' },
    ]);
    expect((await sql<{ body: string }>`select body from note order by body`.execute(first.db)).rows).toEqual(
      [{ body: 'after' }, { body: 'before' }],
    );
    await copy.close();
    await first.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
});
