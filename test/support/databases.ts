import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { seedDemoCouncil } from '../../seeds/demo.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { demoDataDirImage, demoServerTemplate, TEST_SESSION_SECRET } from './templates.ts';

export type TestDatabaseKind = 'pglite' | 'postgres';

/**
 * Every database-facing test runs on embedded PGlite, and also on the Postgres server named by
 * TEST_DATABASE_URL when it is set (CI sets it). Use with describe.each(testDatabaseKinds()).
 */
export function testDatabaseKinds(): TestDatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export function tempDir(prefix = 'gh-'): string {
  // Short paths: the embedded database's Unix socket lives here.
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A fresh database on the Postgres server, empty or a copy of `template`, dropped again by the
 * returned function.
 */
export async function createServerDatabase(
  template?: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `guildhall_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface TestRuntime extends Runtime {
  readonly kind: TestDatabaseKind;
}

/** A migrated, empty Guildhall database of the given kind, with services, for one test file. */
export function openTestRuntime(
  kind: TestDatabaseKind,
  env: Record<string, string> = {},
): Promise<TestRuntime> {
  return openRuntimeOn(kind, env, {});
}

/**
 * A migrated Guildhall database of the given kind with the demo council seeded, with services, for
 * one test file: a copy of this run's demo template (see templates.ts).
 */
export async function openDemoTestRuntime(
  kind: TestDatabaseKind,
  env: Record<string, string> = {},
): Promise<TestRuntime> {
  const start =
    kind === 'pglite'
      ? { loadDataDir: await demoDataDirImage() }
      : { template: await demoServerTemplate(adminUrl()) };
  const runtime = await openRuntimeOn(kind, env, start);
  try {
    // Outside a vitest run there is no template, so the demo is seeded here (a no-op on a copy).
    await seedDemoCouncil(runtime.database.db, runtime.services.governance);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return runtime;
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  return url;
}

async function openRuntimeOn(
  kind: TestDatabaseKind,
  env: Record<string, string>,
  start: { loadDataDir?: Blob | undefined; template?: string | undefined },
): Promise<TestRuntime> {
  const dataDir = tempDir();
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  if (kind === 'postgres') {
    const created = await createServerDatabase(start.template);
    databaseUrl = created.url;
    drop = created.drop;
  }
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    GUILDHALL_DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const runtime = await openRuntime(config, {
    role: 'server',
    ephemeral: kind === 'pglite',
    ...(start.loadDataDir ? { loadDataDir: start.loadDataDir } : {}),
    sessionSecret: TEST_SESSION_SECRET,
  });
  return {
    ...runtime,
    kind,
    close: async () => {
      await runtime.close();
      await drop?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
