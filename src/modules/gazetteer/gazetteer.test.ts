import { spawnSync } from 'node:child_process';
import { createReadStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import nunjucks from 'nunjucks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createToken, signInAs, type TestApp } from '../../../test/support/app.ts';
import { tempDir, testDatabaseKinds } from '../../../test/support/databases.ts';
import { seedEmbeddedDataDir } from '../../../test/support/templates.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { can, ROLES, type Role } from '../../platform/auth/permissions.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { configureNunjucks, TEMPLATE_ROOTS } from '../../platform/views/views.ts';
import { partiesAtProperty } from '../parties/index.ts';
import { searchWords } from './gazetteer.format.ts';
import { type PartiesAtProperty, partiesForPropertyPage } from './gazetteer.routes.ts';
import type { GazetteerService } from './gazetteer.service.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);

describe.each(testDatabaseKinds())('gazetteer (%s)', (kind) => {
  let t: TestApp;
  let g: GazetteerService;
  let token: string;
  const context = () => systemAuditContext(t.councilId, 'test');
  const api = async (url: string) => {
    const response = await t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, body: response.json(), type: response.headers['content-type'] };
  };
  const first = async (q: string) => (await g.searchAddresses(t.councilId, q, 10)).results[0];

  beforeAll(async () => {
    t = await createTestApp(kind);
    g = t.runtime.services.gazetteer;
    token = await createToken(t, 'integration');
  });
  afterAll(() => t?.close());

  it('seeds the demo town: properties with coordinates, assets, and a two-tier split of services', async () => {
    const counts = await g.counts(t.councilId);
    expect(counts.lpis).toBeGreaterThan(500);
    expect(counts.assets).toBeGreaterThan(20);
    const hit = await first('1 high street');
    expect(hit?.address).toMatch(/^1 High Street, Westbrook/);
    expect(hit?.easting).toBeGreaterThan(527_000);
    const uprn = hit?.uprn ?? 0;
    expect((await g.responsibleBodyFor(t.councilId, { uprn }, 'highways')).body.kind).toBe('county');
    expect((await g.responsibleBodyFor(t.councilId, { uprn }, 'waste-collection')).body.kind).toBe(
      'district',
    );
    // The first ward's housing stock went to a housing association; the first zone is parished.
    expect((await g.responsibleBodyFor(t.councilId, { uprn }, 'housing-repairs')).body.kind).toBe('partner');
    const allotments = await g.responsibleBodyFor(t.councilId, { uprn }, 'allotments');
    expect(allotments.body.kind).toBe('parish');
    expect(allotments.rule.areaCode).toMatch(/^E04/);
    // Anything else falls to the catch-all rule.
    const other = await g.responsibleBodyFor(
      t.councilId,
      { easting: hit?.easting ?? 0, northing: hit?.northing ?? 0 },
      'dog-fouling',
    );
    expect(other.rule).toMatchObject({ serviceCategory: '*', areaCode: '*' });
    expect(other.body.code).toBe('demo-borough');
    const lights = await g.nearestAssets(t.councilId, { uprn }, { types: ['street_light'], limit: 3 });
    expect(lights).toHaveLength(3);
    expect(lights.map((l) => l.distanceMetres)).toEqual(
      [...lights.map((l) => l.distanceMetres)].sort((a, b) => (a ?? 0) - (b ?? 0)),
    );
  });

  it('normalises search text in SQL exactly as in TypeScript', async () => {
    for (const text of ["St Mary's Rd, 12a", '10-12 CHURCH ROAD', 'Flat 2, Mill House', 'Ty’n-y-Coed  5B']) {
      const { rows } = await sql<{ s: string }>`select gazetteer_search_text(${text}) as s`.execute(
        t.runtime.database.db,
      );
      expect(rows[0]?.s).toBe(` ${searchWords(text).join(' ')} `);
    }
  });

  it('builds each search row from its parts exactly as gazetteer_search_text of the whole address', async () => {
    // Apostrophes, digits inside words, suffixes, a Welsh LPI on a street with and without a Welsh
    // name (and a Welsh name without a locality), text that has no words, an organisation.
    const dates = '2001-01-01,,2020-01-01,2001-01-01';
    const street = (seq: number, usrn: number) =>
      `11,"I",${seq},${usrn},1,5990,2,2001-01-01,1,8,0,2001-01-01,,2020-01-01,2001-01-01,529000.00,179000.00,,,529300.00,179000.00,,,10`;
    const blpu = (seq: number, uprn: number, postcode: string) =>
      `21,"I",${seq},${uprn},1,2,2001-01-01,,529050.00,178990.00,,,1,5990,"E",${dates},"D","${postcode}",0`;
    const lpi = (seq: number, uprn: number, key: string, language: string, middle: string, usrn: number) =>
      `24,"I",${seq},${uprn},"${key}","${language}",1,${dates},${middle},${usrn},"1","","","Y"`;
    const supply = (type: string, records: string[]) =>
      [
        `10,"Demo Borough Council",5990,2026-01-01,1,2026-01-01,00:00:00,"2.0","${type}"`,
        ...records,
        `99,0,${records.length},2026-01-01,00:00:00`,
      ].join('\n');
    const full = [
      street(1, 1001001),
      `15,"I",2,1001001,"ST MARY'S ROAD","WEST-BROOK","DEMO BOROUGH","DEMO BOROUGH","ENG",${dates}`,
      `15,"I",3,1001001,"FFORDD SANTES FAIR","","BWRDEISTREF2","DEMO BOROUGH","CYM",${dates}`,
      street(4, 1001002),
      `15,"I",5,1001002,"MILL LANE","EASTFIELD","DEMO BOROUGH","DEMO BOROUGH","ENG",${dates}`,
      blpu(6, 100000000101, 'DB1 1AA'),
      lpi(
        7,
        100000000101,
        '5990L000000101',
        'ENG',
        `2,"B",3,"C","FLAT 2B",12,"A",14,"","O'NEILL'S HOUSE"`,
        1001001,
      ),
      lpi(8, 100000000101, '5990L000000102', 'CYM', `,"",,"","",12,"A",,"","TŶ’N-Y-COED 5B"`, 1001001),
      // Quotes, a backslash and a tab: characters that COPY and array literals escape on the way in.
      `31,"I",9,100000000101,"5990O000000101","THE ""3RD"" (ST MARY'S)\tSCOUTS \\ GUIDES","",${dates}`,
      blpu(10, 100000000102, 'DB1 1AB'),
      lpi(11, 100000000102, '5990L000000103', 'CYM', `,"",,"","",7,"",,"","-"`, 1001002),
      blpu(12, 100000000103, ''),
      lpi(13, 100000000103, '5990L000000104', 'ENG', `,"",,"","...",1,"",,"","UNIT4A"`, 1001002),
    ];
    const mismatches = async () =>
      (
        await sql<{ lpi_key: string; search_text: string; expected: string }>`
          select a.lpi_key, a.search_text, gazetteer_search_text(concat_ws(' ', o.names, l.sao_text,
            l.sao_start_number, l.sao_start_suffix, l.sao_end_number, l.sao_end_suffix, l.pao_text,
            l.pao_start_number, l.pao_start_suffix, l.pao_end_number, l.pao_end_suffix,
            coalesce(d.description, de.description), coalesce(d.locality, de.locality),
            coalesce(d.town, de.town), b.postcode)) as expected
          from gazetteer_address a
          join gazetteer_lpi l on l.council_id = a.council_id and l.lpi_key = a.lpi_key
          join gazetteer_blpu b on b.council_id = l.council_id and b.uprn = l.uprn
          left join gazetteer_street_descriptor d on d.council_id = l.council_id and d.usrn = l.usrn
            and d.language = l.language
          left join gazetteer_street_descriptor de on de.council_id = l.council_id and de.usrn = l.usrn
            and de.language = 'ENG'
          left join (select uprn, string_agg(organisation, ' ') as names from gazetteer_organisation
            where end_date is null group by uprn) o on o.uprn = l.uprn
          where a.council_id = ${t.councilId}::uuid`.execute(t.runtime.database.db)
      ).rows;
    const report = await g.importAddressBase(
      t.councilId,
      Readable.from([supply('F', full)]),
      { fileName: 'search-text.csv' },
      context(),
    );
    expect(report.rejectedCount).toBe(0);
    // The new tables were built beside the live ones and swapped in: none is left over.
    const leftover = await sql<{ relname: string }>`select relname from pg_class
      where relname like 'gazetteer\\_%\\_next'`.execute(t.runtime.database.db);
    expect(leftover.rows).toEqual([]);
    const rows = await mismatches();
    expect(rows).toHaveLength(4);
    expect(rows.filter((r) => r.search_text !== r.expected)).toEqual([]);
    const organisation = await sql<{ organisation: string }>`select organisation from gazetteer_organisation
      where council_id = ${t.councilId}::uuid and org_key = '5990O000000101'`.execute(t.runtime.database.db);
    expect(organisation.rows[0]?.organisation).toBe(`THE "3RD" (ST MARY'S)\tSCOUTS \\ GUIDES`);
    expect(rows.find((r) => r.lpi_key === '5990L000000103')?.search_text).toBe(
      ' 7 mill lane eastfield demo borough db 1 1 ab ',
    );
    // A change-only supply rebuilds the rows it touches the same way.
    await g.importAddressBase(
      t.councilId,
      Readable.from([
        supply('C', [
          `31,"I",1,100000000102,"5990O000000102","ST. ANNE'S 2ND-HAND SHOP","",${dates}`,
          `24,"U",2,100000000103,"5990L000000104","ENG",1,${dates},,"",,"","",9,"Z",,"","THE ROW'S END",1001001,"1","","","Y"`,
        ]),
      ]),
      { fileName: 'search-text-change.csv' },
      context(),
    );
    const changed = await mismatches();
    expect(changed.filter((r) => r.search_text !== r.expected)).toEqual([]);
    expect(changed.find((r) => r.lpi_key === '5990L000000104')?.search_text).toBe(
      ' the rows end 9 z st marys road west brook demo borough ',
    );
  });

  it('imports a full AddressBase supply, reporting bad lines by number and loading the rest', async () => {
    const report = await g.importAddressBase(
      t.councilId,
      createReadStream(fixture('small-full.csv')),
      { fileName: 'small-full.csv' },
      context(),
    );
    expect(report.mode).toBe('full');
    expect(report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [36, 'LOGICAL_STATUS must be 1, 3, 6 or 8, not "2"'],
      [37, 'X_COORDINATE and Y_COORDINATE must be metres, not "abc", "179000.00"'],
      [38, 'UPRN 999999 has no BLPU (21) record'],
      [39, 'unknown record type "77"'],
    ]);
    expect(report.applied.gazetteer_lpi?.upserted).toBe(10);
    expect(report.applied.gazetteer_blpu?.upserted).toBe(8);
    // Read in parallel parts by worker threads, the same file gives the same lines and records.
    const parallel = await g.importAddressBaseFile(
      t.councilId,
      fixture('small-full.csv'),
      { fileName: 'small-full.csv', parallel: 3 },
      context(),
    );
    expect(parallel.rejected.map((r) => r.line)).toEqual([36, 37, 38, 39]);
    const upserted = (r: typeof report) => Object.values(r.applied).map((c) => c.upserted);
    expect(upserted(parallel)).toEqual(upserted(report));
    // The full supply replaced the demo town.
    const counts = await g.counts(t.councilId);
    expect(counts).toMatchObject({ streets: 3, blpus: 8, lpis: 10 });
  });

  it('finds addresses by free text, with abbreviations, by postcode with or without the space, and by UPRN', async () => {
    expect((await first('12 high st'))?.uprn).toBe(100000000012);
    expect((await first('14a high street'))?.uprn).toBe(100000000014);
    expect((await first('flat 2 mill house'))?.uprn).toBe(100000000022);
    expect((await first('rose cottage westbrook'))?.uprn).toBe(100000000030);
    expect((await first('corner shop'))?.uprn).toBe(100000000040);
    expect((await first('11 church rd'))?.uprn).toBeUndefined();
    const withSpace = await g.searchAddresses(t.councilId, 'DB1 1AB', 10);
    const without = await g.searchAddresses(t.councilId, 'db11ab', 10);
    expect(withSpace.kind).toBe('postcode');
    expect(withSpace.results.map((r) => r.uprn).sort()).toEqual([100000000020, 100000000021, 100000000022]);
    expect(without.results.map((r) => r.uprn).sort()).toEqual(withSpace.results.map((r) => r.uprn).sort());
    expect((await g.searchAddresses(t.councilId, 'DB1', 10)).kind).toBe('postcode_prefix');
    const byUprn = await g.searchAddresses(t.councilId, '100000000021', 10);
    expect(byUprn).toMatchObject({
      kind: 'uprn',
      results: [{ uprn: 100000000021, parentUprn: 100000000020 }],
    });
  });

  it('shows only the approved address as the address, and keeps the historical one as history', async () => {
    // The historical name finds nothing; the alternative name finds the property, flagged, with its approved address.
    expect((await g.searchAddresses(t.councilId, 'fern cottage', 10)).results).toEqual([]);
    const alternative = await first('old mill cottage');
    expect(alternative).toMatchObject({
      uprn: 100000000030,
      matchedAlternative: true,
      address: 'ROSE COTTAGE, MILL LANE, WESTBROOK, DEMO BOROUGH, DB1 1AD',
    });
    const property = await g.getProperty(t.councilId, 100000000030);
    expect(property.address).toBe('ROSE COTTAGE, MILL LANE, WESTBROOK, DEMO BOROUGH, DB1 1AD');
    expect(property.history.map((h) => [h.address.split(',')[0], h.logicalStatusLabel])).toEqual([
      ['ROSE COTTAGE', 'Approved'],
      ['THE OLD MILL COTTAGE', 'Alternative'],
      ['FERN COTTAGE', 'Historical'],
    ]);
  });

  it('answers the address API with UPRN, USRN, parent, coordinates, lat/long, classification and ward', async () => {
    const search = await api('/api/v1/addresses?q=flat%202%20mill%20house');
    expect(search.status).toBe(200);
    expect(search.body.results[0]).toMatchObject({
      uprn: 100000000022,
      address: 'FLAT 2, MILL HOUSE, 3 MILL LANE, WESTBROOK, DEMO BOROUGH, DB1 1AB',
    });
    const flat = await api('/api/v1/addresses/100000000022');
    expect(flat.body).toMatchObject({
      uprn: 100000000022,
      usrn: 1001002,
      parentUprn: 100000000020,
      postcode: 'DB1 1AB',
      easting: 529010,
      northing: 179150,
      classification: 'RD06',
      classificationDescription: 'Self-contained flat',
      parent: { uprn: 100000000020 },
    });
    expect(flat.body.lat).toBeCloseTo(51.4965, 3);
    expect(flat.body.long).toBeCloseTo(-0.1429, 3);
    expect(flat.body).toHaveProperty('ward');
    // A stated lat/long that agrees with X/Y is kept as supplied.
    expect((await api('/api/v1/addresses/100000000012')).body).toMatchObject({
      lat: 51.49513,
      long: -0.142401,
    });
    const parent = await api('/api/v1/addresses/100000000020');
    expect(parent.body.children.map((c: { uprn: number }) => c.uprn)).toEqual([100000000021, 100000000022]);
    const missing = await api('/api/v1/addresses/123456789');
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/problem+json');
    const bad = await api('/api/v1/addresses/not-a-uprn');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('uprn');
    const range = await api('/api/v1/addresses?q=10-12%20church%20road');
    expect(range.body.results[0]).toMatchObject({
      uprn: 100000000040,
      address: 'THE CORNER SHOP, 10-12 CHURCH ROAD, EASTFIELD, DEMO BOROUGH, DB2 1AA',
    });
  });

  it('refuses a file whose trailer count is wrong, leaving the previous gazetteer exactly as it was', async () => {
    const before = await g.counts(t.councilId);
    await expect(
      g.importAddressBase(
        t.councilId,
        createReadStream(fixture('addressbase-sample-lines.csv')),
        { fileName: 'sample' },
        context(),
      ),
    ).rejects.toThrow(/trailer says the file has 1269403 records/);
    const truncated = Readable.from([
      '10,"X",1,2026-01-01,1,2026-01-01,00:00:00,"2.0","F"\n',
      '11,"I",1,5801201,1\n',
    ]);
    await expect(
      g.importAddressBase(t.councilId, truncated, { fileName: 'truncated' }, context()),
    ).rejects.toThrow(/no trailer/);
    expect(await g.counts(t.councilId)).toEqual(before);
    expect((await first('12 high st'))?.uprn).toBe(100000000012);
    const imports = await g.listImports(t.councilId);
    expect(imports.slice(0, 2).map((i) => i.status)).toEqual(['failed', 'failed']);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from gazetteer_staging_record`.execute(t.runtime.database.db);
    expect(rows[0]?.n).toBe(0);
  });

  it('applies a change-only supply: renames, deletions, insertions and a retired address', async () => {
    const report = await g.importAddressBase(
      t.councilId,
      createReadStream(fixture('small-change.csv')),
      { fileName: 'small-change.csv' },
      context(),
    );
    expect(report.mode).toBe('change');
    expect(report.rejectedCount).toBe(0);
    expect((await first('3 mill road'))?.address).toBe(
      'MILL HOUSE, 3 MILL ROAD, WESTBROOK, DEMO BOROUGH, DB1 1AB',
    );
    expect((await g.searchAddresses(t.councilId, 'mill lane', 10)).results).toEqual([]);
    expect((await first('14a high street'))?.uprn).not.toBe(100000000014);
    await expect(g.getProperty(t.councilId, 100000000014)).rejects.toThrow(/UPRN 100000000014/);
    expect((await first('16 high st'))?.uprn).toBe(100000000016);
    const renamed = await g.getProperty(t.councilId, 100000000012);
    expect(renamed.address).toBe('THE OLD BANK, 12 HIGH STREET, WESTBROOK, DEMO BOROUGH, DB1 1AA');
    expect(renamed.history.find((h) => h.lpiKey === '5990L000000012')).toMatchObject({
      logicalStatusLabel: 'Historical',
      endDate: '2025-12-31',
    });
    // The flats still sit under their building after the street was renamed.
    expect((await g.getProperty(t.councilId, 100000000020)).children.map((c) => c.address)).toEqual([
      'FLAT 1, MILL HOUSE, 3 MILL ROAD, WESTBROOK, DEMO BOROUGH, DB1 1AB',
      'FLAT 2, MILL HOUSE, 3 MILL ROAD, WESTBROOK, DEMO BOROUGH, DB1 1AB',
    ]);
  });

  it('imports ONS Postcode Directory rows and places a point in its ward', async () => {
    const report = await g.importPostcodes(createReadStream(fixture('onspd-slice.csv')));
    expect(report).toMatchObject({ loaded: 40, rejectedCount: 0 });
    // Terminated postcodes are kept but never used to place a point.
    const placed = await g.locate(t.councilId, { easting: 394231, northing: 806468 });
    expect(placed.postcode).toBe('AB10 1AG');
    expect(placed.areas.map((a) => a.code)).toContain('S13002842');
    const ll = await g.locate(t.councilId, { lat: 57.149051, long: -2.097004 });
    expect(ll.postcode).toBe('AB10 1AG');
  });

  it('imports assets from CSV, reporting bad rows, and finds the nearest in BNG metres', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'assets.csv');
    writeFileSync(
      file,
      [
        'asset_id,type,easting,northing,usrn,status,description,lantern',
        'SL-1,street light,529020,179000,1001001,,Outside 12,LED',
        'SL-2,street_light,529200,179000,1001001,fault reported,,SOX',
        'LB-1,litter_bin,529025,179005,,,,',
        'TR-1,tree,,,,,,',
        'XX-1,lamp,529000,179000,,,,',
        'SL-3,street_light,529030,179000,4242,,,',
      ].join('\n'),
    );
    const report = await g.importAssets(t.councilId, createReadStream(file), context());
    expect(report.loaded).toBe(3);
    expect(report.rejected.map((r) => r.line)).toEqual([5, 6, 7]);
    expect(report.rejected[1]?.reason).toContain('not one of');
    expect(report.rejected[2]?.reason).toContain('usrn 4242');
    const near = await api('/api/v1/assets/nearest?easting=529020&northing=179001&limit=5');
    expect(near.body.results.map((a: { ref: string }) => a.ref)).toEqual(['SL-1', 'LB-1', 'SL-2']);
    expect(near.body.results[0]).toMatchObject({
      distanceMetres: 1,
      attributes: { lantern: 'LED' },
      street: 'HIGH STREET',
    });
    const lights = await api('/api/v1/assets/nearest?uprn=100000000012&type=street_light&within=100');
    expect(lights.body.results.map((a: { ref: string }) => a.ref)).toEqual(['SL-1']);
    const noWhere = await api('/api/v1/assets/nearest?easting=529020');
    expect(noWhere.status).toBe(400);
    expect(noWhere.body.errors[0].field).toBe('northing');
  });

  it('answers the responsibility API for a UPRN, a USRN or a point', async () => {
    const byStreet = await api('/api/v1/responsibility?usrn=1001001&service=highways');
    expect(byStreet.status).toBe(200);
    expect(byStreet.body.body).toHaveProperty('kind');
    const both = await api('/api/v1/responsibility?uprn=100000000012&usrn=1001001&service=highways');
    expect(both.status).toBe(400);
    const badService = await api('/api/v1/responsibility?uprn=100000000012&service=Highways%20%26%20Roads');
    expect(badService.status).toBe(400);
    expect(badService.body.errors[0].field).toBe('service');
  });

  it('serves the staff pages and finds addresses from the header search box', async () => {
    const session = await signInAs(t.app, 'agent');
    const get = (url: string) => t.app.inject({ url, headers: { cookie: session.cookie } });
    const search = await get('/staff/addresses?q=flat+2+mill+house');
    expect(search.statusCode).toBe(200);
    expect(search.body).toContain('FLAT 2, MILL HOUSE, 3 MILL ROAD');
    expect(search.body).toContain('/assets/gazetteer/address-autocomplete.js');
    const property = await get('/staff/addresses/100000000022');
    expect(property.body).toContain('Part of');
    expect(property.body).toContain('Self-contained flat');
    expect(property.body).not.toContain('<svg');
    const street = await get('/staff/streets/1001001');
    expect(street.body).toContain('HIGH STREET');
    expect(street.body).toContain('SL-1');
    expect((await get('/staff/addresses/999')).statusCode).toBe(404);
    const header = await get('/staff/search?q=db1+1ab');
    expect(header.body).toContain('/staff/addresses/100000000021');
    expect(header.body).toContain('Postcode matches');
    const tooLong = await get(`/staff/addresses?q=${'x'.repeat(201)}`);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('govuk-error-summary');
  });
});

describe('map tiles on the property page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite', { MAP_TILE_URL: 'https://tiles.example.org/{z}/{x}/{y}.png' });
  });
  afterAll(() => t?.close());

  it('draws a map and allows only the tile server in the CSP', async () => {
    const session = await signInAs(t.app, 'officer');
    const hit = (await t.runtime.services.gazetteer.searchAddresses(t.councilId, '1 high street', 1))
      .results[0];
    const page = await t.app.inject({
      url: `/staff/addresses/${hit?.uprn}`,
      headers: { cookie: session.cookie },
    });
    expect(page.body).toContain('<svg');
    expect(page.body).toContain('https://tiles.example.org/17/');
    expect(page.headers['content-security-policy']).toContain(
      "img-src 'self' data: https://tiles.example.org",
    );
  });
});

describe('guildhall gazetteer import', () => {
  it('imports a file from the command line, with progress and bad lines on stderr', async () => {
    const dataDir = tempDir();
    // As `guildhall seed` leaves it (cli.test.ts runs that command).
    await seedEmbeddedDataDir(dataDir);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../../../bin/guildhall.js'), ...args], {
        env: {
          ...process.env,
          GUILDHALL_DATA_DIR: dataDir,
          DATABASE_URL: '',
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
        },
        encoding: 'utf8',
        timeout: 120_000,
      });
    const result = run('gazetteer', 'import', fixture('small-full.csv'));
    expect(result.stderr).toContain('line 36: LPI: LOGICAL_STATUS must be 1, 3, 6 or 8');
    expect(result.stderr).toContain('applying:');
    expect(result.stdout).toContain('10 LPIs written');
    expect(result.status).toBe(0);
    const failed = run('gazetteer', 'import', fixture('addressbase-sample-lines.csv'));
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('Nothing was changed');
    expect(run('gazetteer', 'import', 'no-such-file.csv').status).toBe(2);
    // Three commands of up to two minutes each on a busy machine.
  }, 400_000);
});

describe('people and organisations on the property page', () => {
  let t: TestApp;
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATE_ROOTS), { autoescape: true });
  configureNunjucks(env);
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(() => t?.close());

  // What the parties module will answer; here a function of the test's own.
  const linked: Record<string, Awaited<ReturnType<PartiesAtProperty>>> = {};
  const partiesAt: PartiesAtProperty = async (councilId, uprn) =>
    councilId === t.councilId ? (linked[uprn] ?? []) : [];
  const principal = (role: Role): Principal => ({
    kind: 'staff',
    councilId: t.councilId,
    id: 'staff-1',
    label: 'Test',
    role,
  });
  const renderPage = async (uprn: number, parties: unknown) =>
    env.render('gazetteer/views/property.njk', {
      property: await t.runtime.services.gazetteer.getProperty(t.councilId, uprn),
      assets: [],
      responsibilities: [],
      parties,
      map: null,
    });

  it('lists the parties linked to the UPRN, each linking to their page, with an empty state', async () => {
    const g = t.runtime.services.gazetteer;
    const [home, empty] = (await g.searchAddresses(t.councilId, 'high street', 2)).results;
    if (!home || !empty) throw new Error('demo town has no High Street');
    linked[String(home.uprn)] = [
      { id: 'p-1', displayName: 'Ada <Lovelace>', role: 'Resident', href: '/staff/parties/p-1' },
      { id: 'p-2', displayName: 'Corner Shop Ltd', role: 'Owner', href: '/staff/parties/p-2' },
    ];
    const parties = await partiesForPropertyPage(principal('agent'), home.uprn, partiesAt);
    expect(parties?.map((p) => p.id)).toEqual(['p-1', 'p-2']);
    const html = await renderPage(home.uprn, parties);
    expect(html).toContain('People and organisations at this address');
    expect(html).toContain('<a class="govuk-link" href="/staff/parties/p-1">Ada &lt;Lovelace&gt;</a>');
    expect(html).toContain('href="/staff/parties/p-2">Corner Shop Ltd</a>');
    expect(html).toContain('(Owner)');

    const none = await partiesForPropertyPage(principal('auditor'), empty.uprn, partiesAt);
    expect(none).toEqual([]);
    const emptyHtml = await renderPage(empty.uprn, none);
    expect(emptyHtml).toContain('People and organisations at this address');
    expect(emptyHtml).toContain('No people or organisations are linked to this address.');
  });

  it('shows the people at an address to roles that may read parties, and nothing without a lookup', async () => {
    const hit = (await t.runtime.services.gazetteer.searchAddresses(t.councilId, '1 high street', 1))
      .results[0];
    expect(await partiesForPropertyPage(principal('agent'), hit?.uprn ?? 0, undefined)).toBeNull();
    for (const role of ROLES.filter((r) => !can(r, 'parties.read'))) {
      expect(await partiesForPropertyPage(principal(role), hit?.uprn ?? 0, partiesAt)).toBeNull();
    }
    expect(await renderPage(hit?.uprn ?? 0, null)).not.toContain('People and organisations at this address');
    // The app as wired passes the parties module's lookup: a demo resident's home lists them.
    const session = await signInAs(t.app, 'agent');
    const homes = await t.runtime.database.pool.query(
      'select uprn::text as uprn from party_address where uprn is not null and valid_to is null limit 1',
    );
    const uprn = homes.rows[0]?.uprn as string | undefined;
    expect(uprn).toBeTruthy();
    const residents = await partiesAtProperty(t.runtime.services.parties)(t.councilId, uprn ?? '');
    expect(residents.length).toBeGreaterThan(0);
    const page = await t.app.inject({ url: `/staff/addresses/${uprn}`, headers: { cookie: session.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('People and organisations at this address');
    expect(page.body).toContain(`href="/staff/parties/${residents[0]?.id}"`);
  });
});
