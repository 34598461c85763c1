import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase } from '../../../test/support/databases.ts';
import { type Database, openDatabase } from './database.ts';
import { statementNamer } from './prepared.ts';

describe('statementNamer', () => {
  it('names a parameterised statement the second time it is seen, and keeps the name', () => {
    const namer = statementNamer({ maxNamed: 10, maxLength: 1000 });
    const text = 'select * from party where id = $1';
    expect(namer.nameFor(text, 1)).toBeUndefined();
    const name = namer.nameFor(text, 1);
    expect(name).toMatch(/^gh_\d+$/);
    expect(namer.nameFor(text, 1)).toBe(name);
    expect(namer.nameFor('select * from party where reference = $1', 1)).toBeUndefined();
  });

  it('never names statements without parameters, which may hold several commands', () => {
    const namer = statementNamer({ maxNamed: 10, maxLength: 1000 });
    for (let i = 0; i < 3; i++) expect(namer.nameFor('begin', 0)).toBeUndefined();
  });

  it('leaves long statements and statements past the cap unnamed', () => {
    const namer = statementNamer({ maxNamed: 2, maxLength: 40 });
    const long = `select ${'1, '.repeat(30)}$1`;
    namer.nameFor(long, 1);
    expect(namer.nameFor(long, 1)).toBeUndefined();
    for (const text of ['select $1', 'select $1 + 1', 'select $1 + 2']) {
      namer.nameFor(text, 1);
      namer.nameFor(text, 1);
    }
    expect(namer.named).toBe(2);
    expect(namer.nameFor('select $1 + 2', 1)).toBeUndefined();
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('prepared statements on the Postgres server', () => {
  let server: Awaited<ReturnType<typeof createServerDatabase>>;
  let database: Database;

  beforeAll(async () => {
    server = await createServerDatabase();
    database = await openDatabase({
      databaseUrl: server.url,
      dataDir: '/nonexistent',
      role: 'server',
      poolMax: 1,
    });
    await sql`create table note (id int primary key, body text)`.execute(database.db);
    await sql`insert into note values (1, 'first'), (2, 'second')`.execute(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await server?.drop();
  });

  const named = async () => {
    const { rows } = await database.pool.query<{ n: string }>(
      `select count(*) as n from pg_prepared_statements where name like 'gh\\_%'`,
    );
    return Number(rows[0]?.n);
  };

  it('prepares a repeated statement once on the connection and still answers with each value', async () => {
    const bodies: string[] = [];
    for (const id of [1, 2, 1, 2, 1, 2, 1, 2]) {
      const { rows } = await sql<{ body: string }>`select body from note where id = ${id}`.execute(
        database.db,
      );
      bodies.push(rows[0]?.body ?? '');
    }
    expect(bodies).toEqual(['first', 'second', 'first', 'second', 'first', 'second', 'first', 'second']);
    expect(await named()).toBe(1);
  });

  it('replaces a connection whose prepared statement went stale when a table changed', async () => {
    const select = () => sql<{ id: number }>`select * from note where id = ${1}`.execute(database.db);
    await select();
    await select();
    await sql`alter table note add column author text`.execute(database.db);
    // Postgres refuses the stale plan once; the connection is then dropped, not reused.
    await expect(select()).rejects.toThrow(/cached plan must not change result type/);
    const { rows } = await select();
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'body', 'author']);
  });
});
