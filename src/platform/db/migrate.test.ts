import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openTestRuntime,
  type TestRuntime,
  tempDir,
  testDatabaseKinds,
} from '../../../test/support/databases.ts';
import { listMigrations, migrate } from './migrate.ts';

describe.each(testDatabaseKinds())('migrations (%s)', (kind) => {
  let runtime: TestRuntime;
  beforeAll(async () => {
    runtime = await openTestRuntime(kind);
  });
  afterAll(() => runtime?.close());

  it('applies every migration once, and nothing on a second run', async () => {
    const { rows } = await sql<{
      version: string;
    }>`select version from schema_migration order by version`.execute(runtime.database.db);
    expect(rows.map((r) => r.version)).toEqual(listMigrations().map((m) => m.version));
    expect(await migrate(runtime.database.db)).toEqual([]);
  });

  it('rolls back a failing migration completely and records nothing', async () => {
    const dir = tempDir('gh-mig-');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, '9001_half_done.sql'), 'create table half_done (id int); select 1/0;');
    await expect(migrate(runtime.database.db, dir)).rejects.toThrow(/division by zero/);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from information_schema.tables where table_name = 'half_done'`.execute(
      runtime.database.db,
    );
    expect(rows[0]?.n).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates time-ordered version 7 UUIDs', async () => {
    const { rows } = await sql<{
      id: string;
    }>`select uuid_v7()::text as id from generate_series(1, 3)`.execute(runtime.database.db);
    for (const row of rows)
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('migration files', () => {
  it('must be numbered', () => {
    const dir = tempDir('gh-mig-');
    writeFileSync(path.join(dir, 'add_things.sql'), 'select 1');
    expect(() => listMigrations(dir)).toThrow(/0001_name\.sql/);
    rmSync(dir, { recursive: true, force: true });
  });
});
