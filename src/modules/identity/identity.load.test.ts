import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { tempDir, testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { EXTRACT, MAPPING, REVENUES, REVENUES_EXTRACT, row } from './fixtures/extracts.ts';
import type { ExtractRow } from './identity.service.ts';
import { runIdentityCommand } from './load.command.ts';

describe.each(testDatabaseKinds())('loading back-office extracts (%s)', (kind) => {
  let t: TestApp;
  const load = (rows: ExtractRow[], mapping = MAPPING) =>
    t.runtime.services.identity.loadExtract({
      councilId: t.councilId,
      system: mapping.system,
      mapping,
      rows,
      context: systemAuditContext(t.councilId, 'test'),
    });
  const find = async (name: string) => {
    const [hit] = await t.runtime.services.parties.search(t.councilId, name, 5);
    return hit?.party;
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t?.close());

  it('links a confident match, creates the unknown, queues the uncertain and reports rejects by line', async () => {
    const before = await t.runtime.services.parties.countParties(t.councilId);
    const summary = await load(EXTRACT);
    expect(summary).toMatchObject({ read: 6, linked: 1, created: 3, queued: 1, updated: 0, unchanged: 0 });
    expect(summary.rejected.map((r) => [r.line, r.key])).toEqual([
      [5, ''],
      [6, 'H5'],
    ]);
    expect(summary.rejected[1]?.reasons[0]).toMatch(/dateOfBirth/);

    // Robert keeps his record and gains the housing key (through an audited, reversible merge).
    const robert = await find('Robert Thompson 02/11/1955');
    const view = await t.runtime.services.parties.singleView(
      { kind: 'staff', councilId: t.councilId, role: 'supervisor', id: 'x', label: 'test' } as never,
      robert?.id as string,
      systemAuditContext(t.councilId, 'test'),
    );
    expect(
      view.identifiers.some((i) => i.scheme === 'source' && i.system === 'housing' && i.value === 'H1'),
    ).toBe(true);
    expect(view.merges).toHaveLength(1);

    // Zebedee is new; the merged-in record of Robert counts as a party too (status merged).
    expect((await find('Zebedee Quillfeather'))?.displayName).toBe('Zebedee Quillfeather');
    expect(await t.runtime.services.parties.countParties(t.councilId)).toBe(before + 4);

    const queue = await t.runtime.services.identity.reviewQueue(t.councilId);
    expect(queue.total).toBe(1);
    const pair = queue.rows[0];
    expect(pair?.leftName).toBe('Margaret Thompson');
    expect(pair?.rightName).toBe('Margaret Thompson');
    expect(pair?.matchProbability).toBeGreaterThanOrEqual(0.5);
    expect(pair?.matchProbability).toBeLessThan(0.9999);
    // The waterfall adds up to the final log odds.
    const steps = pair?.explanation.steps ?? [];
    const sum =
      (pair?.explanation.priorLog2Odds ?? 0) +
      steps.reduce((n, s) => n + s.log2BayesFactor + s.termFrequencyAdjustment, 0);
    expect(sum).toBeCloseTo(pair?.log2Odds ?? Number.NaN, 6);
    expect(steps.find((s) => s.comparison === 'date_of_birth')?.level).toBe('missing');
  });

  it('changes nothing when the same extract is loaded again', async () => {
    const before = await t.runtime.services.parties.countParties(t.councilId);
    const summary = await load(EXTRACT);
    expect(summary).toMatchObject({ read: 6, linked: 0, created: 0, queued: 0, updated: 0, unchanged: 4 });
    expect(summary.rejected).toHaveLength(2);
    expect(await t.runtime.services.parties.countParties(t.councilId)).toBe(before);
    expect((await t.runtime.services.identity.reviewQueue(t.councilId)).total).toBe(1);
  });

  it('updates only what a change-only extract changed', async () => {
    const changed = row(3, [
      'H2',
      'Zebedee',
      'Quillfeather',
      '01/06/1990',
      '4 Wharf Road, Demo Town',
      'SE1 9GF',
      '020 7946 0456',
      'Y',
    ]);
    const summary = await load([changed]);
    expect(summary).toMatchObject({ read: 1, updated: 1, created: 0, linked: 0 });
    const zebedee = await find('Zebedee Quillfeather');
    const view = await t.runtime.services.parties.singleView(
      { kind: 'staff', councilId: t.councilId, role: 'supervisor', id: 'x', label: 'test' } as never,
      zebedee?.id as string,
      systemAuditContext(t.councilId, 'test'),
    );
    expect(view.contactPoints.map((c) => c.value)).toContain('+442079460456');
    expect(view.party.dateOfBirth).toBe('1990-06-01');
  });

  it('finds conflicting dates of birth, a discount with another adult, and claims at two addresses', async () => {
    const summary = await load(REVENUES_EXTRACT, REVENUES);
    // Philippa shares Zebedee's surname and address: a household member, queued for a person, not merged.
    expect(summary).toMatchObject({ linked: 2, created: 1, queued: 1 });
    expect(summary.outcomes.map((o) => [o.key, o.outcome])).toEqual([
      ['R1', 'linked'],
      ['R2', 'linked'],
      ['R3', 'queued'],
    ]);
    const signals = await t.runtime.services.identity.signals(t.councilId);
    expect(signals.birthDates.map((s) => s.displayName)).toEqual(['Robert Thompson']);
    expect(signals.birthDates[0]?.sources.map((s) => [s.system, s.value])).toEqual([
      ['housing', '1955-11-02'],
      ['revenues', '1955-02-11'],
    ]);
    expect(signals.addresses.map((s) => s.displayName)).toEqual(['Zebedee Quillfeather']);
    expect(
      signals.discounts.map((s) => [s.displayName, s.system, s.others.map((o) => o.displayName)]),
    ).toEqual([['Zebedee Quillfeather', 'housing', ['Philippa Quillfeather']]]);
  });

  it('measures data quality per source system and keeps a daily snapshot', async () => {
    const { current } = await t.runtime.services.identity.quality(t.councilId);
    const get = (measure: string, system: string) =>
      current.find((m) => m.measure === measure && m.system === system);
    expect(get('missing_dob', 'housing')).toMatchObject({ value: 1, total: 4 });
    expect(get('invalid_postcode', 'housing')).toMatchObject({ value: 1, total: 4 });
    expect(get('duplicates', 'revenues')).toMatchObject({ value: 0, total: 3 });
    expect(get('missing_dob', '')?.total).toBeGreaterThan(100);
    await t.runtime.services.identity.takeQualitySnapshots(new Date('2026-11-01T03:00:00Z'));
    await t.runtime.services.identity.takeQualitySnapshots(new Date('2026-11-01T04:00:00Z'));
    const { rows } = await t.runtime.database.db
      .withTables<{ identity_quality_snapshot: { taken_on: string; measure: string } }>()
      .selectFrom('identity_quality_snapshot')
      .select(['measure'])
      .where('measure', '=', 'missing_dob')
      .execute()
      .then((r) => ({ rows: r }));
    expect(rows.length).toBe(current.filter((m) => m.measure === 'missing_dob').length);
  });

  it('runs as a command: progress on stderr, a summary with rejected lines on stdout, clear usage errors', async () => {
    const dir = tempDir('gh-identity-load-');
    const file = path.join(dir, 'benefits.csv');
    const mapping = path.join(dir, 'mapping.json');
    writeFileSync(
      file,
      'ClaimRef,First,Last,Born\nB1,Araminta,Fotheringay,1971-07-04\nB2,Bad,Date,1971-13-40\n',
    );
    writeFileSync(
      mapping,
      JSON.stringify({
        system: 'benefits',
        key: 'ClaimRef',
        columns: { givenNames: 'First', familyName: 'Last', dateOfBirth: 'Born' },
      }),
    );
    const out: string[] = [];
    const err: string[] = [];
    const deps = {
      identity: t.runtime.services.identity,
      councilId: t.councilId,
      out: (line: string) => out.push(line),
      err: (line: string) => err.push(line),
    };
    expect(await runIdentityCommand(['load', file, '--mapping', mapping], deps)).toBe(0);
    expect(out[0]).toMatch(/1 created, 0 updated, 0 unchanged, 0 queued for review, 1 rejected/);
    expect(out[1]).toMatch(/line 3 \(key B2\): dateOfBirth/);
    expect(err.join('\n')).toContain('2/2 records: 0 linked, 1 created');

    expect(await runIdentityCommand(['load', file], deps)).toBe(2);
    expect(err.at(-1)).toContain('Usage: guildhall identity load');
    writeFileSync(mapping, JSON.stringify({ system: 'benefits', key: 'Missing', columns: {} }));
    expect(await runIdentityCommand(['load', file, '--mapping', mapping], deps)).toBe(1);
    expect(err.at(-1)).toContain('The file has no column "Missing"');
  });

  it('drops a pending pair from the queue once its records are merged by hand', async () => {
    const before = await t.runtime.services.identity.reviewQueue(t.councilId);
    const margaret = before.rows.find((r) => r.leftName === 'Margaret Thompson');
    expect(margaret).toBeDefined();
    await t.runtime.services.parties.merge(
      t.councilId,
      margaret?.leftPartyId as string,
      margaret?.rightPartyId as string,
      {},
      systemAuditContext(t.councilId, 'test'),
    );
    const after = await t.runtime.services.identity.reviewQueue(t.councilId);
    expect(after.total).toBe(before.total - 1);
    expect(after.rows.some((r) => r.id === margaret?.id)).toBe(false);
  });

  it('queues two records of one person within the same extract, without merging them', async () => {
    const care = { ...MAPPING, system: 'social-care' };
    const summary = await load(
      [
        row(2, [
          'S1',
          'Cuthbert',
          'Ravensworth',
          '25/12/1944',
          '3 Quay Street, Demo Town',
          'SE1 9GF',
          '',
          '',
        ]),
        row(3, [
          'S2',
          'Cuthbert',
          'Ravensworht',
          '25/12/1944',
          '3 Quay Street, Demo Town',
          'SE1 9GF',
          '',
          '',
        ]),
      ],
      care,
    );
    expect(summary.outcomes.map((o) => [o.key, o.outcome])).toEqual([
      ['S1', 'created'],
      ['S2', 'queued'],
    ]);
    const queue = await t.runtime.services.identity.reviewQueue(t.councilId, 1, 50);
    const pair = queue.rows.find((r) => r.system === 'social-care');
    expect([pair?.leftName, pair?.rightName]).toEqual(['Cuthbert Ravensworth', 'Cuthbert Ravensworht']);
  });
});
