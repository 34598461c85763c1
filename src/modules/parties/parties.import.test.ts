import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { tempDir, testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { copyAvailable, inCopyTransaction } from '../../platform/db/copy.ts';
import { uuidV7 } from '../../platform/db/together.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { estimateRows, type ImportMapping, type ImportSummary, importParties } from './parties.command.ts';
import { newPartyReference } from './parties.normalise.ts';
import {
  type BulkParty,
  bulkInsertParties,
  bulkNameTerms,
  copyParties,
  DEFERRABLE_FOREIGN_KEYS,
  DEFERRABLE_SEARCH_INDEXES,
  findParty,
  listContactPoints,
  listNames,
} from './parties.repository.ts';
import { prepareBulk } from './parties.service.ts';
import { type PartyInput, validateParty } from './parties.validate.ts';

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

  it('a re-run updates known keys a batch at a time: changed fields replace, new contact details are added once, a merged key updates its survivor', async () => {
    const { parties } = t.runtime.services;
    const context = systemAuditContext(t.councilId, 'test');
    const load = (rows: [string, PartyInput][]) =>
      parties.bulkLoad(
        t.councilId,
        rows.map(([key, input], i) => ({ line: i + 2, input, sourceKey: key })),
        context,
        'rerun',
      );
    const first = await load([
      ['K1', { kind: 'person', givenName: 'Annika', familyName: 'Ablewhite', phone: '07911 100001' }],
      ['K2', { kind: 'person', givenName: 'Barnaby', familyName: 'Bellweather', dateOfBirth: '1970' }],
      ['K3', { kind: 'person', givenName: 'Barney', familyName: 'Bellweather' }],
    ]);
    const id = (line: number) => first.created.find((c) => c.line === line)?.id ?? '';
    await parties.merge(t.councilId, id(3), id(4), {}, context);
    const again = await load([
      [
        'K1',
        {
          kind: 'person',
          givenName: 'Annika',
          familyName: 'Ablewhite-Ng',
          phone: '07911 100001',
          email: 'annika@example.net',
        },
      ],
      ['K2', { kind: 'person', givenName: 'Barnaby', familyName: 'Bellweather', dateOfBirth: '1970' }],
      ['K3', { kind: 'person', givenName: 'Barnaby', familyName: 'Bellweather', phone: '07911 100003' }],
    ]);
    expect(again).toMatchObject({ created: [], updated: 2, unchanged: 1, rejected: [] });
    const { db } = t.runtime.database;
    expect(await findParty(db, t.councilId, id(2))).toMatchObject({
      displayName: 'Annika Ablewhite-Ng',
      version: 2,
    });
    expect((await listContactPoints(db, id(2))).map((c) => c.value).sort()).toEqual([
      '+447911100001',
      'annika@example.net',
    ]);
    expect((await listNames(db, id(2))).map((n) => [n.use, n.familyName])).toEqual([
      ['current', 'Ablewhite-Ng'],
    ]);
    expect((await listContactPoints(db, id(3))).map((c) => c.value)).toEqual(['+447911100003']);
    expect((await parties.search(t.councilId, 'Annika Ablewhite-Ng', 5))[0]?.party.id).toBe(id(2));
    const { rows: events } = await sql<{ subject_id: string }>`
      select subject_id from audit_event
       where action = 'party.imported' and details->>'outcome' = 'updated' and details->>'system' = 'rerun'
       order by subject_id`.execute(t.runtime.database.db);
    expect(events.map((e) => e.subject_id)).toEqual([id(2), id(3)].sort());
    // Once more, unchanged: nothing is added twice.
    expect(
      await load([
        [
          'K1',
          {
            kind: 'person',
            givenName: 'Annika',
            familyName: 'Ablewhite-Ng',
            phone: '07911 100001',
            email: 'annika@example.net',
          },
        ],
      ]),
    ).toMatchObject({ updated: 0, unchanged: 1 });
  });

  it('a first load of a system looks no keys up, and a batch that meets one written meanwhile is written again as an update', async () => {
    const { parties } = t.runtime.services;
    const context = systemAuditContext(t.councilId, 'test');
    const state = await parties.bulkLoadState(t.councilId, 'late');
    expect(state.lookUpKeys).toBe(false);
    // Another load writes L1 after this one began.
    await parties.bulkLoad(
      t.councilId,
      [{ line: 2, input: { kind: 'person', givenName: 'Lettice', familyName: 'Latimer' }, sourceKey: 'L1' }],
      context,
      'late',
    );
    const result = await parties.commitBulk(
      t.councilId,
      prepareBulk(
        [
          {
            line: 2,
            input: {
              kind: 'person',
              givenName: 'Lettice',
              familyName: 'Latimer',
              email: 'lettice@example.net',
            },
            sourceKey: 'L1',
          },
          { line: 3, input: { kind: 'person', givenName: 'Lionel', familyName: 'Latimer' }, sourceKey: 'L2' },
        ],
        'late',
      ),
      context,
      'late',
      state,
    );
    expect(result).toMatchObject({ updated: 1, unchanged: 0, created: [{ line: 3 }] });
    expect(state.lookUpKeys).toBe(true);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from party_identifier where system = 'late'`.execute(t.runtime.database.db);
    expect(rows[0]?.n).toBe(2);
    expect((await parties.search(t.councilId, 'lettice@example.net', 5))[0]?.party.displayName).toBe(
      'Lettice Latimer',
    );
    expect((await parties.search(t.councilId, 'Lionel Latimer', 5))[0]?.party.displayName).toBe(
      'Lionel Latimer',
    );
  });

  it('writes a batch again, with a fresh reference, when a reference it drew is already taken', async () => {
    const { parties } = t.runtime.services;
    const context = systemAuditContext(t.councilId, 'test');
    // References are drawn with Math.random: the same seven draws give the same reference.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const first = await parties.createParty(
        t.councilId,
        { kind: 'person', familyName: 'Clashfirst' },
        context,
      );
      expect(first.reference).toBe(newPartyReference(() => 0.5));
      // The batch's first reference is the one taken; the draws after it differ.
      let draws = 0;
      random.mockImplementation(() => {
        draws++;
        return draws <= 7 ? 0.5 : ((draws * 7919) % 1000) / 1000;
      });
      const loaded = await parties.bulkLoad(
        t.councilId,
        [{ line: 2, input: { kind: 'person', familyName: 'Clashsecond' }, sourceKey: 'C1' }],
        context,
        'clash-test',
      );
      expect(draws).toBeGreaterThan(7);
      expect(loaded.created).toHaveLength(1);
      const [second] = await parties.search(t.councilId, 'C1', 5);
      expect(second?.party.displayName).toBe('Clashsecond');
      expect(second?.party.reference).not.toBe(first.reference);
    } finally {
      random.mockRestore();
    }
  });

  it.runIf(kind === 'postgres')(
    'the COPY path (Postgres server) writes exactly the rows the one-statement path writes',
    async () => {
      const { db } = t.runtime.database;
      expect(copyAvailable(db)).toBe(true);
      const inputs: PartyInput[] = [
        {
          kind: 'person',
          title: 'Dr',
          givenNames: 'Siân\tMarie',
          familyName: "O'Brien-Ŷnys",
          preferredName: 'Bobbi',
          dateOfBirth: '1957-03',
          phone: '+44 1534 123456',
          email: 'Back\\Slash@Example.net',
          niNumber: 'AB 12 34 56 C',
          nhsNumber: '943 476 5919',
          identifiers: [{ scheme: 'tenancy', value: 'ten 42' }],
          address: { text: 'Flat 2\nMill House, Demo Town', postcode: 'se1 7pb', uprn: '100023336956' },
          communication: { language: 'cy' },
        },
        { kind: 'person', familyName: 'Solo', dateOfDeath: '2001-01-01', address: { text: '1 Nowhere' } },
        {
          kind: 'organisation',
          organisationName: 'Mill Lane Allotments\\Society',
          organisationType: 'charity',
        },
        {
          kind: 'household',
          name: 'Thompson household',
          communication: { language: 'other', languageOther: 'Polish' },
        },
      ];
      const parties = (system: string): BulkParty[] =>
        inputs.map((input, i) => {
          const { party } = validateParty(input);
          if (!party)
            throw new Error(`input ${i} did not validate: ${JSON.stringify(validateParty(input).errors)}`);
          return {
            id: uuidV7(),
            reference: newPartyReference(),
            ...party,
            identifiers: [
              { scheme: 'source', system, value: `K${i}`, valueKey: `K${i}` },
              ...party.identifiers,
            ],
          };
        });
      const rowsOf = async (ids: string[]) => {
        const read = async (query: ReturnType<typeof sql>) =>
          (await query.execute(db)).rows as Record<string, unknown>[];
        const order = sql.raw('order by 1, 2, 3, 4');
        return {
          party: await read(sql`
            select p.* from party p where id = any(${ids}::uuid[]) order by display_name`),
          names: await read(sql`
            select party_id, use, title, given_names, family_name, given_key, family_key, given_sound, family_sound,
                   date_of_birth, valid_from, valid_to
              from party_name where party_id = any(${ids}::uuid[]) ${order}`),
          identifiers: await read(sql`
            select party_id, scheme, system, value, value_key from party_identifier
             where party_id = any(${ids}::uuid[]) and scheme <> 'source' ${order}`),
          points: await read(sql`
            select party_id, kind, value, label, is_preferred, is_verified, do_not_contact from contact_point
             where party_id = any(${ids}::uuid[]) ${order}`),
          addresses: await read(sql`
            select party_id, role, text, postcode, postcode_key, uprn, valid_from, valid_to from party_address
             where party_id = any(${ids}::uuid[]) ${order}`),
        };
      };
      // The same parties (ids and references too) by each path in turn.
      const byStatement = parties('statement-path');
      const terms = bulkNameTerms(byStatement);
      expect(terms.map((term) => term.term)).toContain('sian');
      await inTransaction(db, (tx) => bulkInsertParties(tx, t.councilId, byStatement, terms));
      const ids = byStatement.map((p) => p.id);
      const written = await rowsOf(ids);
      expect(written.party).toHaveLength(4);
      expect(written.points).toContainEqual(expect.objectContaining({ value: 'back\\slash@example.net' }));
      const { rows: termRows } = await sql<{ part: string; term: string; sound: string }>`
        select part, term, sound from party_name_term
         where council_id = ${t.councilId} and term = any(${terms.map((term) => term.term)}::text[]) order by 1, 2`.execute(
        db,
      );
      expect(termRows).toHaveLength(terms.length);
      for (const table of ['party_name', 'party_identifier', 'contact_point', 'party_address', 'party'])
        await sql`delete from ${sql.id(table)} where ${sql.id(table === 'party' ? 'id' : 'party_id')} = any(${ids}::uuid[])`.execute(
          db,
        );
      await sql`delete from party_name_term where council_id = ${t.councilId} and term = any(${terms.map((term) => term.term)}::text[])`.execute(
        db,
      );
      await inCopyTransaction(db, (tx) => copyParties(tx, t.councilId, byStatement, terms));
      const copied = await rowsOf(ids);
      const stamps = (rows: Record<string, unknown>[]) =>
        rows.map(({ created_at: _c, updated_at: _u, ...rest }) => rest);
      expect(stamps(copied.party)).toEqual(stamps(written.party));
      expect(copied).toEqual({ ...written, party: copied.party });
      const { rows: termsAgain } = await sql<{ part: string; term: string; sound: string }>`
        select part, term, sound from party_name_term
         where council_id = ${t.councilId} and term = any(${terms.map((term) => term.term)}::text[]) order by 1, 2`.execute(
        db,
      );
      expect(termsAgain).toEqual(termRows);
    },
  );

  const searchIndexes = async () => {
    const { rows } = await sql<{ indexname: string; indexdef: string }>`
      select indexname, indexdef from pg_indexes
       where indexname = any(${DEFERRABLE_SEARCH_INDEXES.map((i) => i.name)}::text[])
       order by indexname`.execute(t.runtime.database.db);
    const { rows: keys } = await sql<{ conname: string; def: string; convalidated: boolean }>`
      select conname, pg_get_constraintdef(oid) as def, convalidated from pg_constraint
       where conname = any(${DEFERRABLE_FOREIGN_KEYS.map((k) => k.name)}::text[])
       order by conname`.execute(t.runtime.database.db);
    return [...rows, ...keys];
  };
  const expected = [
    ...DEFERRABLE_SEARCH_INDEXES.map((i) => i.name).sort(),
    ...DEFERRABLE_FOREIGN_KEYS.map((k) => k.name).sort(),
  ];
  const names = (rows: { indexname?: string; conname?: string }[]) =>
    rows.map((r) => r.indexname ?? r.conname);

  it('a first big load builds the search indexes and checks the foreign keys after loading, as the migrations define them', async () => {
    const before = await searchIndexes();
    expect(names(before)).toEqual(expected);
    const big = path.join(dir, 'housing.csv');
    writeFileSync(
      big,
      `${CSV.split('\n')[0]}\nH001,Ermintrude,Vanstone,1948-07-30,"9 Rope Walk, Demo Town",SE1 9XX,07911 123999,e.vanstone@example.net\n`,
    );
    const stages: ImportSummary['stage'][] = [];
    const summary = await importParties({
      parties: t.runtime.services.parties,
      councilId: t.councilId,
      file: big,
      mapping: { ...MAPPING, system: 'housing' },
      rejectsFile: path.join(dir, 'housing.rejected.csv'),
      deferIndexes: true,
      progress: (s) => stages.push(s.stage),
    });
    expect(summary).toMatchObject({
      created: 1,
      rejected: 0,
      deferredIndexes: true,
      stage: 'indexing',
    });
    expect(stages).toEqual(['loading', 'indexing']);
    expect(await searchIndexes()).toEqual(before);
    for (const q of ['Ermintrude Vanstone', '07911123999', 'SE19XX', 'e.vanstone@example.net', 'H001'])
      expect((await t.runtime.services.parties.search(t.councilId, q, 5))[0]?.party.displayName, q).toBe(
        'Ermintrude Vanstone',
      );
  });

  it('keeps the indexes and keys up for a load that is small next to the register', async () => {
    expect(await t.runtime.services.parties.beginBulkLoad(50_000)).toBe(false);
    expect(await t.runtime.services.parties.beginBulkLoad(150_000)).toBe(true);
    expect(await searchIndexes()).toEqual([]);
    // An import interrupted after dropping them: the next import of any size builds them again.
    const summary = await run();
    expect(summary.deferredIndexes).toBe(false);
    expect(names(await searchIndexes())).toEqual(expected);
    expect((await searchIndexes()).every((r) => !('convalidated' in r) || r.convalidated)).toBe(true);
  });

  it('finds a row that breaks a foreign key written while the checks were deferred', async () => {
    const { parties } = t.runtime.services;
    expect(await parties.beginBulkLoad(0, true)).toBe(true);
    await sql`insert into contact_point (council_id, party_id, kind, value)
              values (${t.councilId}, '01890000-0000-7000-8000-000000000000', 'email', 'orphan@example.net')`.execute(
      t.runtime.database.db,
    );
    await expect(parties.finishBulkLoad()).rejects.toThrow(/contact_point_council_id_party_id_fkey/);
    // The key holds for new rows meanwhile, and validates once the orphan is gone.
    await sql`delete from contact_point where value = 'orphan@example.net'`.execute(t.runtime.database.db);
    await parties.finishBulkLoad();
    expect((await searchIndexes()).every((r) => !('convalidated' in r) || r.convalidated)).toBe(true);
  });
});

describe('estimateRows', () => {
  const dir = tempDir('gh-estimate-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('estimates the rows of a large file from its size and its first lines', () => {
    const file = path.join(dir, 'rows.csv');
    const lines = ['Ref,Name'];
    for (let i = 0; i < 20_000; i++) lines.push(`K${i},${'x'.repeat(i % 40)}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(estimateRows(file)).toBeGreaterThan(18_000);
    expect(estimateRows(file)).toBeLessThan(22_000);
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
