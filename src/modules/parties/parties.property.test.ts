import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemoTestRuntime, type TestRuntime, testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { partiesAtProperty } from './index.ts';

describe.each(testDatabaseKinds())('parties at a property (%s)', (kind) => {
  let runtime: TestRuntime;
  let councilId: string;
  beforeAll(async () => {
    runtime = await openDemoTestRuntime(kind);
    councilId = (await runtime.services.governance.defaultCouncil()).id;
  });
  afterAll(() => runtime?.close());

  it('lists active parties with a current address at the UPRN, with the address role and a link', async () => {
    const parties = runtime.services.parties;
    const ctx = systemAuditContext(councilId, 'test');
    const uprn = '990000000123';
    const create = (givenName: string, role: string, validTo?: string) =>
      parties.createParty(
        councilId,
        {
          kind: 'person',
          givenName,
          familyName: 'Atproperty',
          addresses: [
            {
              text: '7 Test Row, Demo Town',
              role,
              uprn,
              validFrom: '2020-01-01',
              ...(validTo ? { validTo } : {}),
            },
          ],
        },
        ctx,
      );
    const home = await create('Anwen', 'home');
    const post = await create('Bryn', 'correspondence');
    await create('Ceri', 'home', '2021-06-30'); // moved out
    const elsewhere = await parties.createParty(
      councilId,
      {
        kind: 'person',
        givenName: 'Dai',
        familyName: 'Elsewhere',
        address: { text: '1 Other St', uprn: '990000000124' },
      },
      ctx,
    );

    const at = partiesAtProperty(parties);
    expect(await at(councilId, uprn)).toEqual([
      { id: home.id, displayName: 'Anwen Atproperty', role: 'home', href: `/staff/parties/${home.id}` },
      {
        id: post.id,
        displayName: 'Bryn Atproperty',
        role: 'correspondence',
        href: `/staff/parties/${post.id}`,
      },
    ]);
    expect(await at(councilId, '990000000125')).toEqual([]);
    expect(await at(councilId, 'not a uprn')).toEqual([]);
    expect((await at(councilId, '990000000124')).map((p) => p.id)).toEqual([elsewhere.id]);
    // Another council sees nothing.
    expect(await at('00000000-0000-7000-8000-000000000000', uprn)).toEqual([]);
  });
});
