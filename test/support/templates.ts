import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openAsBlob,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { seedDemoCouncil } from '../../seeds/demo.ts';
import { loadConfig } from '../../src/config.ts';
import { createPglite, embeddedPgdata } from '../../src/platform/db/embedded.ts';
import { openRuntime } from '../../src/runtime.ts';

/**
 * Most database tests start from a migrated database with the demo council seeded. Migrating and
 * seeding takes seconds per database (ten on PGlite), so each test run does it once per kind and
 * copies the result for every test file: PGlite starts from a tarball of the seeded data directory,
 * and the Postgres server creates each database from a template database. Both are built by the first
 * test file that asks (the others wait) and removed when the run ends (global-setup.ts).
 */
export interface TemplatePlaces {
  /** Directory for the PGlite tarball. */
  dir: string;
  /** Name of the template database on the Postgres server named by TEST_DATABASE_URL. */
  serverTemplate: string;
}

export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough-0123456789';

// Building takes seconds; a test file waiting for another to build gives up after this.
const WAIT_MS = 300_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** This run's template places, or undefined outside a vitest run with global-setup.ts. */
export function templatePlaces(): TemplatePlaces | undefined {
  try {
    return inject('guildhallTemplates');
  } catch {
    return undefined;
  }
}

/** Migrates and seeds the demo council on a new database; on PGlite, returns its data directory. */
async function buildDemo(databaseUrl?: string): Promise<Blob | undefined> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-build-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    GUILDHALL_DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const runtime = await openRuntime(config, {
    role: 'server',
    ephemeral: !databaseUrl,
    sessionSecret: TEST_SESSION_SECRET,
  });
  try {
    await seedDemoCouncil(runtime.database.db, runtime.services.governance);
    return await runtime.database.dumpDataDir?.();
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The tarball of a PGlite data directory holding a migrated database with the demo council, for
 * openEphemeral; undefined outside a vitest run.
 */
export async function demoDataDirImage(): Promise<Blob | undefined> {
  const places = templatePlaces();
  if (!places) return undefined;
  const file = path.join(places.dir, 'demo-pglite.tar');
  const lock = `${file}.lock`;
  const failed = `${file}.failed`;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (existsSync(file)) return openAsBlob(file);
    if (existsSync(failed)) {
      throw new Error(`Building the demo PGlite template failed: ${readFileSync(failed, 'utf8')}`);
    }
    try {
      mkdirSync(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${file}`);
      await sleep(100);
      continue;
    }
    try {
      const image = await buildDemo();
      if (!image) throw new Error('the ephemeral database cannot dump its data directory');
      writeFileSync(`${file}.tmp`, Buffer.from(await image.arrayBuffer()));
      renameSync(`${file}.tmp`, file);
    } catch (error) {
      writeFileSync(failed, (error as Error).stack ?? String(error));
      throw error;
    }
  }
}

/**
 * Fills the embedded data directory `dataDir` (GUILDHALL_DATA_DIR) with a copy of the demo template,
 * as `guildhall seed` would leave it, for tests of other commands.
 */
export async function seedEmbeddedDataDir(dataDir: string): Promise<void> {
  const image = await demoDataDirImage();
  if (!image) throw new Error('The demo template exists only in a vitest run');
  const db = await createPglite(embeddedPgdata(dataDir), image);
  await db.close();
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The name of a template database on the Postgres server holding a migrated database with the demo
 * council; undefined outside a vitest run. An advisory lock lets one test file build it while the
 * others wait; it is built under another name and renamed, so a half-built one is never used.
 */
export async function demoServerTemplate(adminUrl: string): Promise<string | undefined> {
  const places = templatePlaces();
  if (!places) return undefined;
  const name = places.serverTemplate;
  return withAdmin(adminUrl, async (admin) => {
    await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
    try {
      const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount) return name;
      const building = `${name}_build`;
      await admin.query(`drop database if exists ${building} with (force)`);
      await admin.query(`create database ${building}`);
      const url = new URL(adminUrl);
      url.pathname = `/${building}`;
      await buildDemo(url.toString());
      // The pool's connections may take a moment to leave the server after it has closed.
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.query(`alter database ${building} rename to ${name}`);
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
          await sleep(100);
        }
      }
      return name;
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
}
