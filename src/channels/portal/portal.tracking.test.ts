import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cookieHeader,
  createTestApp,
  createToken,
  csrfFrom,
  type TestApp,
} from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';

describe.each(testDatabaseKinds())('tracking requests on the portal (%s)', (kind) => {
  let t: TestApp;
  let agentToken: string;
  beforeAll(async () => {
    t = await createTestApp(kind, { GUILDHALL_DEMO_ADDRESSES: '200' });
    agentToken = await createToken(t, 'agent');
  });
  afterAll(() => t?.close());

  /** A visitor's browser: keeps cookies and the latest CSRF token. */
  function visitor() {
    let cookie = '';
    let csrf = '';
    const remember = (response: LightMyRequestResponse) => {
      cookie = cookieHeader(response, cookie);
      if (response.body.includes('name="_csrf"')) csrf = csrfFrom(response.body);
      return response;
    };
    return {
      get: async (url: string) => remember(await t.app.inject({ method: 'GET', url, headers: { cookie } })),
      post: async (url: string, form: Record<string, string>) =>
        remember(
          await t.app.inject({
            method: 'POST',
            url,
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
          }),
        ),
    };
  }

  /** A noise report an agent raised by phone through the API, with the address the caller gave. */
  const raiseByPhone = async (sourceAddress: unknown, extra: Record<string, unknown> = {}) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({
        serviceCode: 'noise-nuisance',
        channel: 'phone',
        description: 'Loud music every night',
        answers: {
          noise_type: 'music',
          source_address: sourceAddress,
          happening_now: false,
          how_often: 'daily',
          times: 'Every night after 11pm',
          contact_phone: '020 7946 0018',
        },
        ...extra,
      }),
    });
    expect(response.statusCode, response.body).toBe(201);
    const reference = (response.json() as { reference: string }).reference;
    return (await t.runtime.services.cases.get(t.councilId, reference)).record;
  };

  const track = async (reference: string, proof: string) => {
    const browser = visitor();
    await browser.get('/track');
    const found = await browser.post('/track', { reference, proof });
    return { found, page: found.statusCode === 303 ? await browser.get(`/track/${reference}`) : null };
  };

  it('makes a typed address answer the request’s location, so it shows and tracks by its postcode', async () => {
    const record = await raiseByPhone({ text: '12 Acacia Avenue, SE1 7PB' });
    expect(record.locationText).toBe('12 Acacia Avenue, SE1 7PB');
    const { found, page } = await track(record.reference, ' se1  7pb ');
    expect(found.statusCode).toBe(303);
    expect(page?.body).toContain('12 Acacia Avenue, SE1 7PB');
    expect(page?.body).not.toContain('Not given');
    // A different postcode, or part of one, proves nothing.
    expect((await track(record.reference, 'SE1 7PA')).found.statusCode).toBe(400);
    expect((await track(record.reference, 'SE1 7')).found.statusCode).toBe(400);
  });

  it('places an address answer with a UPRN through the gazetteer: point, UPRN and its postcode', async () => {
    const [address] = (await t.runtime.services.gazetteer.searchAddresses(t.councilId, 'high street', 5))
      .results;
    if (!address?.postcode) throw new Error('no demo address with a postcode');
    const record = await raiseByPhone({ uprn: String(address.uprn), text: address.address });
    expect(record.uprn).toBe(address.uprn);
    expect(record.lat).not.toBeNull();
    expect(record.long).not.toBeNull();
    expect(record.locationText).toBeTruthy();
    const { found, page } = await track(record.reference, address.postcode);
    expect(found.statusCode).toBe(303);
    expect(page?.body).not.toContain('Not given');
  });

  it('keeps the words of an address whose UPRN the gazetteer does not know, and an explicit location first', async () => {
    const unknown = await raiseByPhone({ uprn: '999999999998', text: '3 Nowhere Lane, SE1 7PB' });
    expect(unknown.uprn).toBeNull();
    expect(unknown.locationText).toBe('3 Nowhere Lane, SE1 7PB');
    const explicit = await raiseByPhone(
      { text: '12 Acacia Avenue, SE1 7PB' },
      { location: { lat: 51.5072, long: -0.1276 } },
    );
    expect(explicit.lat).toBeCloseTo(51.5072, 4);
    expect(explicit.uprn).toBeNull();
  });

  it('refuses a "postcode" that is only part of the words describing the place', async () => {
    const record = await raiseByPhone({ text: 'The flats behind the bus station' });
    expect(record.locationText).toBe('The flats behind the bus station');
    for (const proof of ['busstation', 'BUSST', 'flats']) {
      expect((await track(record.reference, proof)).found.statusCode, proof).toBe(400);
    }
  });

  /** Reports a street light fault on the portal, located by words, with the details given. */
  const reportByWords = async (details: Record<string, string>) => {
    const browser = visitor();
    await browser.get('/services/street-light-fault');
    await browser.post('/services/street-light-fault/start', {});
    await browser.get('/services/street-light-fault/request/where');
    const where = await browser.post('/services/street-light-fault/request/where', {
      description: 'By the bench on the village green',
    });
    expect(where.headers.location).toBe('/services/street-light-fault/request/1');
    await browser.post('/services/street-light-fault/request/1', { column_number: 'SL-0999' });
    await browser.post('/services/street-light-fault/request/3', { fault: 'out' });
    await browser.post('/services/street-light-fault/request/4', {});
    await browser.post('/services/street-light-fault/request/5', { contact_phone: '' });
    await browser.get('/services/street-light-fault/request/details');
    const checked = await browser.post('/services/street-light-fault/request/details', details);
    expect(checked.headers.location).toBe('/services/street-light-fault/request/check');
    await browser.get('/services/street-light-fault/request/check');
    const sent = await browser.post('/services/street-light-fault/request/check', {});
    expect(sent.statusCode).toBe(303);
    return browser.get(sent.headers.location ?? '');
  };

  it('does not promise an anonymous report without a postcode that it can be tracked, and says how to hear', async () => {
    const confirmation = await reportByWords({});
    expect(confirmation.statusCode).toBe(200);
    expect(confirmation.body).toContain('Request sent');
    expect(confirmation.body).not.toContain('you can use it to track this request');
    expect(confirmation.body).toContain('you will not be able to track this request online later');
    expect(confirmation.body).toContain('contact us and quote it');
    // With an email address there is something to track it by, and the page says so.
    const withEmail = await reportByWords({ email: 'grace.tracker@example.com' });
    expect(withEmail.body).toContain('you can use it to track this request');
    expect(withEmail.body).not.toContain('data-test="not-trackable"');
  });
});
