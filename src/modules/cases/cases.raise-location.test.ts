import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  csrfFrom,
  type StaffSession,
  signInAs,
  type TestApp,
} from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';

describe.each(testDatabaseKinds())('the place of a request an agent raises by phone (%s)', (kind) => {
  let t: TestApp;
  let agent: StaffSession;
  beforeAll(async () => {
    t = await createTestApp(kind);
    agent = await signInAs(t.app, 'agent');
  });
  afterAll(() => t?.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: agent.cookie } });
  const post = async (url: string, form: Record<string, string>, pageUrl: string) => {
    const page = await get(pageUrl);
    return t.app.inject({
      method: 'POST',
      url,
      headers: { cookie: agent.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...form, _csrf: csrfFrom(page.body) }).toString(),
    });
  };

  /** Raises a missed bin for the caller with the address the agent typed, through check and submit. */
  const raise = async (callerId: string, address: Record<string, string>) => {
    const formUrl = `/staff/requests/new/missed-bin?partyId=${callerId}`;
    const yesterday = new Date(Date.now() - 86_400_000);
    const check = await post(
      '/staff/requests/new/missed-bin',
      {
        partyId: callerId,
        channel: 'phone',
        ...address,
        bin_type: 'recycling',
        put_out_time: 'yes',
        'collection_date-day': String(yesterday.getUTCDate()),
        'collection_date-month': String(yesterday.getUTCMonth() + 1),
        'collection_date-year': String(yesterday.getUTCFullYear()),
      },
      formUrl,
    );
    expect(check.statusCode, check.body.slice(0, 300)).toBe(200);
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(check.body)?.[1] ?? '';
    const sent = await t.app.inject({
      method: 'POST',
      url: '/staff/requests/new/missed-bin/submit',
      headers: { cookie: agent.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _answers: hidden('_answers'),
        _key: hidden('_key'),
        partyId: callerId,
        _csrf: csrfFrom(check.body),
      }).toString(),
    });
    expect(sent.statusCode).toBe(303);
    const confirmation = await get(String(sent.headers.location));
    const reference = /data-test="confirmation-reference">([^<]+)</.exec(confirmation.body)?.[1] ?? '';
    return (await t.runtime.services.cases.get(t.councilId, reference)).record;
  };

  it('takes the address typed for a caller with no UPRN as the place, trackable by its postcode', async () => {
    const caller = await t.runtime.services.parties.createParty(
      t.councilId,
      {
        kind: 'person',
        givenName: 'Ifor',
        familyName: 'Acacia',
        address: { text: '12 Acacia Avenue', postcode: 'SE1 7PB' },
      },
      systemAuditContext(t.councilId, 'test'),
    );
    // The form is prefilled with the caller's address, which has no UPRN.
    const form = await get(`/staff/requests/new/missed-bin?partyId=${caller.id}`);
    expect(form.body).toContain('12 Acacia Avenue, SE1 7PB');
    const record = await raise(caller.id, { address: '12 Acacia Avenue, SE1 7PB' });
    expect(record.locationText).toBe('12 Acacia Avenue, SE1 7PB');
    const tracker = await t.app.inject({ method: 'GET', url: '/track' });
    const found = await t.app.inject({
      method: 'POST',
      url: '/track',
      headers: {
        cookie: tracker.cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        _csrf: csrfFrom(tracker.body),
        reference: record.reference,
        proof: 'SE1 7PB',
      }).toString(),
    });
    expect(found.statusCode).toBe(303);
  });

  it('takes the address the caller gave over their home address on the register', async () => {
    const [home] = (await t.runtime.services.gazetteer.searchAddresses(t.councilId, 'High Street', 1))
      .results;
    if (!home) throw new Error('no demo address');
    const caller = await t.runtime.services.parties.createParty(
      t.councilId,
      {
        kind: 'person',
        givenName: 'Gwen',
        familyName: 'Elsewhere',
        address: { text: home.address ?? 'Home', uprn: String(home.uprn) },
      },
      systemAuditContext(t.councilId, 'test'),
    );
    // The bin was missed at another address, typed without a UPRN: the request is there, not at home.
    const record = await raise(caller.id, { address: '3 Mill Lane, SE1 7PB' });
    expect(record.uprn).toBeNull();
    expect(record.locationText).toBe('3 Mill Lane, SE1 7PB');
    // Left as prefilled (with the home's UPRN), the request is at home.
    const atHome = await raise(caller.id, {
      address: home.address ?? 'Home',
      'address-uprn': String(home.uprn),
    });
    expect(atHome.uprn).toBe(home.uprn);
  });
});
