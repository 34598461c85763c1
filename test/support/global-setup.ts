import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import type { TemplatePlaces } from './templates.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    guildhallTemplates: TemplatePlaces;
  }
}

// A template left behind by a run that was killed is dropped by a later run once it is this old.
const STALE_AFTER_SECONDS = 24 * 3600;
const TEMPLATE = /^guildhall_tpl_(\d+)_\d+(_build)?$/;

async function serverTemplates(adminUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'guildhall\\_tpl\\_%'",
    );
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

async function dropServerDatabases(adminUrl: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

/**
 * Names this run's demo templates (see templates.ts): a directory for the PGlite data directory
 * tarball and a database name on the Postgres server. They are built by the first test file that asks,
 * and removed again when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const now = Math.floor(Date.now() / 1000);
  const places: TemplatePlaces = {
    dir: mkdtempSync(path.join(os.tmpdir(), 'gh-tpl-')),
    serverTemplate: `guildhall_tpl_${now}_${process.pid}`,
  };
  project.provide('guildhallTemplates', places);
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const stale = (await serverTemplates(adminUrl)).filter((name) => {
      const created = Number(TEMPLATE.exec(name)?.[1]);
      return created > 0 && now - created > STALE_AFTER_SECONDS;
    });
    await dropServerDatabases(adminUrl, stale);
  }
  return async () => {
    rmSync(places.dir, { recursive: true, force: true });
    if (adminUrl) {
      const ours = (await serverTemplates(adminUrl)).filter(
        (name) => name === places.serverTemplate || name === `${places.serverTemplate}_build`,
      );
      await dropServerDatabases(adminUrl, ours);
    }
  };
}
