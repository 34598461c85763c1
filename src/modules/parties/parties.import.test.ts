import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { tempDir, testDatabaseKinds } from '../../../test/support/databases.ts';
import { type ImportMapping, importParties } from './parties.command.ts';

const CSV = `AccountRef,Forename,Surname,DOB,Address,Postcode,Tel,Email
R001,Wilhelmina,Quarrington,14/02/1961,"3 Mill Lane, Demo Town",SE1 8AB,07911 123457,w.quarrington@example.net
R002,Bartholomew,Quarrington,1959,"3 Mill Lane, Demo Town",SE18AB,,
R003,No,Postcode,1970-01-01,"1 Nowhere",NOTAPOSTCODE,,
R004,Bad,Email,1970-01-01,,,,not-an-email
,Missing,Key,1980-05-05,,,,
R001,Duplicate,Key,1980-05-05,,,,
R005,Future,Born,2999-01-01,,,,
`;

const MAPPING: ImportMapping = {
  system: 'revenues',
  key: 'AccountRef',
  kind: 'person',
  columns: {
    givenNames: 'Forename',
    familyName: 'Surname',
    dateOfBirth: 'DOB',
    'address.text': 'Address',
    'address.postcode': 'Postcode',
    phone: 'Tel',
    email: 'Email',
  },
};

describe.each(testDatabaseKinds())('bulk import of parties (%s)', (kind) => {
  let t: TestApp;
  const dir = tempDir('gh-import-');
  const file = path.join(dir, 'revenues.csv');
  const rejectsFile = path.join(dir, 'revenues.rejected.csv');

  beforeAll(async () => {
    t = await createTestApp(kind);
    writeFileSync(file, CSV);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = () =>
    importParties({
      parties: t.runtime.services.parties,
      councilId: t.councilId,
      file,
      mapping: MAPPING,
      rejectsFile,
      batchSize: 3,
    });

  it('loads the good rows and reports each rejected row with its line number and reason', async () => {
    const summary = await run();
    expect(summary).toMatchObject({ rows: 7, created: 2, updated: 0, rejected: 5 });
    const report = readFileSync(rejectsFile, 'utf8').trim().split('\n');
    expect(report[0]).toBe('line,key,field,reason');
    const lines = report.slice(1).map((l) => l.split(',').slice(0, 3).join(','));
    expect(lines).toEqual([
      '4,R003,address.postcode',
      '5,R004,email',
      '6,,key.value',
      '7,R001,key',
      '8,R005,dateOfBirth',
    ]);
    const found = await t.runtime.services.parties.search(t.councilId, 'Wilhelmina Quarrington', 5);
    expect(found[0]?.party).toMatchObject({
      displayName: 'Wilhelmina Quarrington',
      dateOfBirth: '1961-02-14',
      postcode: 'SE1 8AB',
    });
    expect((await t.runtime.services.parties.search(t.councilId, 'R002', 5))[0]?.reasons).toContain(
      'revenues key matches',
    );
  });

  it('is idempotent by source key: a second run creates nothing and an edited row updates its party', async () => {
    const again = await run();
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, rejected: 5 });
    writeFileSync(
      file,
      CSV.replace('R002,Bartholomew,Quarrington,1959', 'R002,Bartholomew,Quarrington-Smythe,1959'),
    );
    const edited = await run();
    expect(edited).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    const found = await t.runtime.services.parties.search(t.councilId, 'Bartholomew Quarrington-Smythe', 5);
    expect(found[0]?.party.displayName).toBe('Bartholomew Quarrington-Smythe');
  });
});

describe('guildhall import parties before any council exists', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says to seed or start Guildhall first, without a stack trace', () => {
    const csv = path.join(dir, 'people.csv');
    const mapping = path.join(dir, 'mapping.json');
    writeFileSync(csv, 'Ref,Forename,Surname\nA1,Ada,Lovelace\n');
    writeFileSync(
      mapping,
      JSON.stringify({
        system: 'test',
        key: 'Ref',
        columns: { givenNames: 'Forename', familyName: 'Surname' },
      }),
    );
    const result = spawnSync(
      process.execPath,
      [
        path.resolve(import.meta.dirname, '../../../bin/guildhall.js'),
        'import',
        'parties',
        csv,
        '--mapping',
        mapping,
      ],
      {
        env: {
          ...process.env,
          GUILDHALL_DATA_DIR: path.join(dir, 'data'),
          DATABASE_URL: '',
          NODE_ENV: 'development',
          LOG_LEVEL: 'silent',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('No council is set up');
    expect(result.stderr).toContain('guildhall seed');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
