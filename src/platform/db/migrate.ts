import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Executor } from './database.ts';
import { inTransaction } from './transaction.ts';

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../migrations');

export interface Migration {
  readonly version: string;
  readonly file: string;
}

const NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

export function listMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const migrations = files.map((file) => {
    const match = NAME.exec(file);
    if (!match?.[1]) throw new Error(`Migration file name must look like 0001_name.sql: ${file}`);
    return { version: match[1], file: path.join(dir, file) };
  });
  migrations.sort((a, b) => a.version.localeCompare(b.version));
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]?.version === migrations[i - 1]?.version) {
      throw new Error(`Two migrations share version ${migrations[i]?.version}`);
    }
  }
  return migrations;
}

// Any constant works; it keeps two processes from migrating at once.
const MIGRATION_LOCK = 7_202_611;

/**
 * Applies every migration not yet applied, each in its own transaction, in version order.
 * Forward only: there is no down migration. Returns the versions applied.
 */
export async function migrate(db: Executor, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = listMigrations(dir);
  await sql`create table if not exists schema_migration (
    version text primary key,
    name text not null,
    applied_at timestamptz not null default now()
  )`.execute(db);
  const applied: string[] = [];
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      const done = await sql<{ version: string }>`select version from schema_migration`.execute(conn);
      const doneVersions = new Set(done.rows.map((r) => r.version));
      for (const migration of migrations) {
        if (doneVersions.has(migration.version)) continue;
        const text = readFileSync(migration.file, 'utf8');
        await inTransaction(conn, async (tx) => {
          await sql.raw(text).execute(tx);
          await sql`insert into schema_migration (version, name) values (${migration.version}, ${path.basename(migration.file)})`.execute(
            tx,
          );
        });
        applied.push(migration.version);
      }
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
  return applied;
}
