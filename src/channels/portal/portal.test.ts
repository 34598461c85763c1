import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, createTestApp, csrfFrom, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { LOCALES, messageKeys, translator } from '../../platform/i18n/i18n.ts';

describe('interface text', () => {
  it('has every English message in Welsh too', () => {
    const english = messageKeys('en').sort();
    for (const locale of LOCALES) expect(messageKeys(locale).sort()).toEqual(english);
  });

  it('fills in named values', () => {
    expect(translator('en')('search.results', { count: 3, q: 'bins' })).toBe('3 services found for ‘bins’');
    expect(translator('cy')('az.empty', { letter: 'X' })).toBe(
      "Nid oes unrhyw wasanaethau'n dechrau gyda X.",
    );
  });
});

describe.each(testDatabaseKinds())('citizen portal (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    // The council writes its own page for one LGSL entry (Air quality); the rest stay bare.
    const catalogue = t.runtime.services.catalogue;
    const airQuality = await catalogue.editable(t.councilId, 'lgsl-413');
    expect(airQuality.service.placeholder).toBe(true);
    await catalogue.saveDraft(
      t.councilId,
      {
        ...airQuality.definition,
        knowledge: {
          ...airQuality.definition.knowledge,
          webGuidance: 'We measure air quality at 14 sites.\n\nSee the readings at the Civic Centre.',
        },
      },
      systemAuditContext(t.councilId, 'test'),
      { isNew: false },
    );
    await catalogue.publish(t.councilId, 'lgsl-413', systemAuditContext(t.councilId, 'test'));
  });
  afterAll(() => t?.close());

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers });

  it('starts with the council’s top tasks, a service search and links to the A to Z and tracking', async () => {
    const response = await get('/');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<html lang="en"');
    expect(response.body).toContain('Demo Borough Council');
    const topTasks = /data-test="top-tasks">([\s\S]*?)<\/ul>/.exec(response.body)?.[1] ?? '';
    expect(topTasks).toContain('href="/services/missed-bin"');
    expect(topTasks).toContain('href="/services/street-light-fault"');
    expect(response.body).toContain('action="/search"');
    expect(response.body).toContain('href="/services"');
    expect(response.body).toContain('href="/track"');
  });

  it('lists services by letter in the A to Z, and says when a letter has none', async () => {
    const d = await get('/services?letter=D');
    expect(d.statusCode).toBe(200);
    const listed = [...d.body.matchAll(/href="\/services\/([a-z0-9-]+)">([^<]+)</g)].map((m) => m[2] ?? '');
    expect(listed.length).toBeGreaterThan(3);
    for (const name of listed) expect(name.trim().toUpperCase().startsWith('D')).toBe(true);
    // Filed under what it is about, with its full name beneath.
    expect(listed).toContain('Defective street light');
    expect(d.body).toContain('Report a defective street light');
    expect(listed).toEqual([...listed].sort((a, b) => a.localeCompare(b, 'en-GB')));
    const bogus = await get('/services?letter=%3Cscript%3E');
    expect(bogus.statusCode).toBe(200);
    expect(bogus.body).toContain('aria-current="page">A<');
  });

  it('finds a service from everyday words, and explains an empty result', async () => {
    const hit = await get('/search?q=my%20bin%20was%20not%20collected');
    expect(hit.statusCode).toBe(200);
    expect(hit.body).toContain('href="/services/missed-bin"');
    const none = await get('/search?q=zzqxv');
    expect(none.body).toContain('No services matched ‘zzqxv’');
    const empty = await get('/search');
    expect(empty.body).toContain('Enter what you are looking for');
  });

  it('leaves bare LGSL entries out of the A to Z and search, keeping those the council wrote for', async () => {
    const a = await get('/services?letter=A');
    expect(a.body).not.toContain('Airline pilot licence');
    expect(a.body).not.toContain('Air traffic controller licence');
    const codes = [...a.body.matchAll(/href="\/services\/([a-z0-9-]+)"/g)].map((m) => m[1]);
    expect(codes).toContain('lgsl-413');
    expect(codes.filter((c) => c?.startsWith('lgsl-'))).toEqual(['lgsl-413']);
    expect((await get('/services/lgsl-1497')).statusCode).toBe(404);
    const written = await get('/services/lgsl-413');
    expect(written.statusCode).toBe(200);
    expect(written.body).toContain('We measure air quality at 14 sites.');
    expect(written.body).toContain('See the readings at the Civic Centre.');
    const search = await get('/search?q=airline%20pilot%20licence');
    expect(search.body).not.toContain('/services/lgsl-1497');
    // Staff still find every entry.
    const staff = await t.runtime.services.catalogue.find(t.councilId, 'airline pilot licence', 5);
    expect(staff.map((s) => s.code)).toContain('lgsl-1497');
  });

  it('puts the service people mean first and does not pad the results with stray words', async () => {
    const search = await get('/search?q=street+lamp+not+working');
    const results = /data-test="results">([\s\S]*?)<\/ul>/.exec(search.body)?.[1] ?? '';
    const codes = [...results.matchAll(/href="\/services\/([a-z0-9-]+)"/g)].map((m) => m[1]);
    expect(codes[0]).toBe('street-light-fault');
    expect(results).not.toMatch(/job|partnership|work experience/i);
    expect(codes.length).toBeLessThanOrEqual(3);
    const taxes = await get('/search?q=council+tax');
    const taxResults = /data-test="results">([\s\S]*?)<\/ul>/.exec(taxes.body)?.[1] ?? '';
    expect(taxResults).toContain('/services/');
    expect(taxResults).not.toContain('Apply for a job with the council');
  });

  it('shows a service page, and a 404 page for an unknown service', async () => {
    const page = await get('/services/street-light-fault');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Report a defective street light');
    expect(page.body).toContain('Report a problem');
    const missing = await get('/services/no-such-service');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('We could not find that service');
  });

  it('answers an unknown public page in the portal’s layout and language; staff pages keep the staff one', async () => {
    const missing = await get('/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('<html lang="en"');
    expect(missing.body).toContain('Page not found');
    expect(missing.body).toContain('href="/services"');
    expect(missing.body).not.toContain('Go to the staff home page');
    expect(missing.body).not.toContain('/api/docs');
    const welsh = await get('/nope', { cookie: 'lang=cy' });
    expect(welsh.statusCode).toBe(404);
    expect(welsh.body).toContain('<html lang="cy"');
    expect(welsh.body).toContain('Heb ddod o hyd i&#39;r dudalen');
    const staff = await get('/staff/nope');
    expect(staff.statusCode).toBe(404);
    expect(staff.body).toContain('Go to the staff home page');
    expect((await get('/api/v1/nope')).headers['content-type']).toContain('application/problem+json');
  });

  it('switches to Welsh with ?lang=cy, remembers it in a cookie, and follows the browser’s language', async () => {
    const welsh = await get('/?lang=cy');
    expect(welsh.body).toContain('<html lang="cy"');
    expect(welsh.body).toContain('Ei wneud ar-lein');
    const cookie = (welsh.cookies as { name: string; value: string; httpOnly?: boolean }[]).find(
      (c) => c.name === 'lang',
    );
    expect(cookie).toMatchObject({ value: 'cy', httpOnly: true });
    const remembered = await get('/services?letter=B', { cookie: 'lang=cy' });
    expect(remembered.body).toContain('Gwasanaethau&#39;r cyngor o A i Y');
    expect(remembered.body).toContain('href="/services?letter=B&amp;lang=en"');
    const browser = await get('/search', { 'accept-language': 'cy-GB,cy;q=0.9,en;q=0.5' });
    expect(browser.body).toContain('Chwilio gwasanaethau&#39;r cyngor');
    const english = await get('/', { cookie: 'lang=cy', 'accept-language': 'cy' });
    expect(english.body).toContain('Ei wneud ar-lein');
    expect((await get('/?lang=en', { cookie: 'lang=cy' })).body).toContain('Do it online');
  });
});

describe.each(testDatabaseKinds())('reporting and tracking a problem on the portal (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { GUILDHALL_DEMO_ADDRESSES: '500' });
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
      /** The portal session token this browser holds. */
      sessionToken: () => /guildhall_portal=([^;]+)/.exec(cookie)?.[1] ?? '',
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

  it('checks the phone on "Your details" as the party register does, so Send never fails on it', async () => {
    const [address] = (await t.runtime.services.gazetteer.searchAddresses(t.councilId, 'high street', 5))
      .results;
    const browser = visitor();
    await browser.get('/services/street-light-fault');
    await browser.post('/services/street-light-fault/start', {});
    await browser.get('/services/street-light-fault/request/where');
    await browser.post('/services/street-light-fault/request/where', { uprn: String(address?.uprn) });
    await browser.post('/services/street-light-fault/request/1', { column_number: 'SL-0413' });
    await browser.post('/services/street-light-fault/request/3', { fault: 'out' });
    await browser.post('/services/street-light-fault/request/4', {});
    const toDetails = await browser.post('/services/street-light-fault/request/5', { contact_phone: '' });
    expect(toDetails.headers.location).toBe('/services/street-light-fault/request/details');
    await browser.get('/services/street-light-fault/request/details');

    // A number of the form the old check let through, which the register (libphonenumber) refuses.
    const details = { firstName: 'Pat', lastName: 'Phoneless', email: 'pat.phone@example.com' };
    const refused = await browser.post('/services/street-light-fault/request/details', {
      ...details,
      phone: '07700 900456',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('href="#phone"');
    expect(refused.body).toMatch(/id="phone-error"[^>]*>[\s\S]*?Enter a phone number/);
    expect(refused.body).toContain('value="07700 900456"');

    // A session that kept such a number from before (details saved under the old check): Send shows
    // the details page with the field to correct, and sends nothing.
    const sessions = t.runtime.services.portalSessions;
    const data = await sessions.load(browser.sessionToken(), t.councilId);
    const journey = data.journeys['street-light-fault'];
    if (!journey) throw new Error('no journey in the session');
    journey.details = { ...details, phone: '07700 900456' };
    await sessions.save(browser.sessionToken(), t.councilId, data);
    await browser.get('/services/street-light-fault/request/check');
    const before = (await t.runtime.services.cases.list(t.councilId, { pageSize: 1 })).total;
    const held = await browser.post('/services/street-light-fault/request/check', {});
    expect(held.statusCode).toBe(400);
    expect(held.body).toContain('action="/services/street-light-fault/request/details"');
    expect(held.body).toMatch(/id="phone-error"[^>]*>[\s\S]*?Enter a phone number/);
    expect((await t.runtime.services.cases.list(t.councilId, { pageSize: 1 })).total).toBe(before);

    const accepted = await browser.post('/services/street-light-fault/request/details', {
      ...details,
      phone: '07911 123456',
    });
    expect(accepted.headers.location).toBe('/services/street-light-fault/request/check');
    await browser.get('/services/street-light-fault/request/check');
    const sent = await browser.post('/services/street-light-fault/request/check', {});
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toMatch(/^\/track\/GH-/);
  });

  it('a citizen reports a defective street light at an address, gets a reference, and tracks it', async () => {
    const [address] = (await t.runtime.services.gazetteer.searchAddresses(t.councilId, 'high street', 5))
      .results;
    expect(address?.postcode).toBeTruthy();
    const browser = visitor();
    const service = await browser.get('/services/street-light-fault');
    expect(service.body).toContain('action="/services/street-light-fault/start"');

    let step = await browser.post('/services/street-light-fault/start', {});
    expect(step.headers.location).toBe('/services/street-light-fault/request/where');
    const where = await browser.get(
      `/services/street-light-fault/request/where?q=${encodeURIComponent(address?.postcode ?? '')}`,
    );
    expect(where.body).toContain(`value="${address?.uprn}"`);
    // Without MAP_TILE_URL there is no map to drop a pin on; the page works as it is.
    expect(where.body).not.toContain('app-map-pin');

    // Nothing chosen: a GOV.UK error summary, not a stack trace.
    const nothing = await browser.post('/services/street-light-fault/request/where', {});
    expect(nothing.statusCode).toBe(400);
    expect(nothing.body).toContain('govuk-error-summary');

    step = await browser.post('/services/street-light-fault/request/where', {
      uprn: String(address?.uprn),
      description: 'outside the gate',
    });
    expect(step.headers.location).toBe('/services/street-light-fault/request/1');
    step = await browser.post('/services/street-light-fault/request/1', { column_number: 'SL-0412' });
    expect(step.headers.location).toBe('/services/street-light-fault/request/3');
    const missing = await browser.post('/services/street-light-fault/request/3', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Select what is wrong with the light');
    step = await browser.post('/services/street-light-fault/request/3', { fault: 'out' });
    // The optional photo is its own page, a GOV.UK file upload; continuing without one is fine.
    expect(step.headers.location).toBe('/services/street-light-fault/request/4');
    const photo = await browser.get('/services/street-light-fault/request/4');
    expect(photo.body).toContain('enctype="multipart/form-data"');
    expect(photo.body).toContain('type="file"');
    step = await browser.post('/services/street-light-fault/request/4', {});
    expect(step.headers.location).toBe('/services/street-light-fault/request/5');
    step = await browser.post('/services/street-light-fault/request/5', { contact_phone: '' });
    expect(step.headers.location).toBe('/services/street-light-fault/request/details');
    const badEmail = await browser.post('/services/street-light-fault/request/details', {
      email: 'not-an-email',
    });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.body).toContain('Enter an email address in the correct format');
    step = await browser.post('/services/street-light-fault/request/details', {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada.portal@example.com',
    });
    expect(step.headers.location).toBe('/services/street-light-fault/request/check');
    const check = await browser.get('/services/street-light-fault/request/check');
    expect(check.body).toContain(address?.address ?? '');
    expect(check.body).toContain('It is not working');
    expect(check.body).toContain('ada.portal@example.com');

    const sent = await browser.post('/services/street-light-fault/request/check', {});
    expect(sent.statusCode).toBe(303);
    const reference = /^\/track\/(GH-[0-9A-Z]{4}-[0-9A-Z]{4})\?sent=1$/.exec(
      sent.headers.location ?? '',
    )?.[1];
    expect(reference).toBeTruthy();
    const confirmation = await browser.get(sent.headers.location ?? '');
    expect(confirmation.body).toContain('Request sent');
    expect(confirmation.body).toContain(reference);

    // A second press of Send (the journey is over) makes no second request.
    const again = await browser.post('/services/street-light-fault/request/check', {});
    expect(again.statusCode).toBe(303);
    const listed = await t.runtime.services.cases.list(t.councilId, { serviceCodes: ['street-light-fault'] });
    expect(listed.items.filter((r) => r.reference === reference)).toHaveLength(1);
    const made = await t.runtime.services.cases.get(t.councilId, reference ?? '');
    expect(made.record).toMatchObject({ channel: 'web', uprn: address?.uprn, status: 'submitted' });
    expect(made.record.answers).toMatchObject({ fault: 'out', column_number: 'SL-0412' });

    // Someone else needs the reference and the email or postcode; a wrong pair reveals nothing.
    const stranger = visitor();
    const blocked = await stranger.get(`/track/${reference}`);
    expect(blocked.statusCode).toBe(303);
    expect(blocked.headers.location).toBe(`/track?reference=${reference}`);
    await stranger.get('/track');
    const wrong = await stranger.post('/track', { reference: reference ?? '', proof: 'someone@example.com' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('We could not find a request with that reference');
    const byPostcode = await stranger.post('/track', {
      reference: (reference ?? '').toLowerCase(),
      proof: (address?.postcode ?? '').replace(' ', '').toLowerCase(),
    });
    expect(byPostcode.headers.location).toBe(`/track/${reference}`);
    const tracked = await stranger.get(`/track/${reference}`);
    expect(tracked.statusCode).toBe(200);
    expect(tracked.body).toContain('Received');
    expect(tracked.body).toContain('Report a defective street light');
    expect(tracked.body).not.toContain('ada.portal@example.com');

    const byEmail = visitor();
    await byEmail.get('/track');
    expect(
      (await byEmail.post('/track', { reference: reference ?? '', proof: 'ADA.portal@example.com' })).headers
        .location,
    ).toBe(`/track/${reference}`);
  });

  it('a citizen books a tennis court, sees the booking, and cancels it, freeing the time', async () => {
    const browser = visitor();
    const service = await browser.get('/services/tennis-court-booking');
    expect(service.body).toContain('href="/services/tennis-court-booking/book"');
    const choose = await browser.get('/services/tennis-court-booking/book');
    const resourceId = /name="resource" type="radio" value="([0-9a-f-]{36})"/.exec(choose.body)?.[1] ?? '';
    expect(resourceId).not.toBe('');
    const tomorrow = (
      await t.runtime.services.bookings.bookableDates(
        await t.runtime.services.bookings.resource(t.councilId, resourceId),
      )
    )[1];
    const times = await browser.get(
      `/services/tennis-court-booking/book?resource=${resourceId}&date=${tomorrow}`,
    );
    const slot = /name="slot" type="radio" value="([^"]+)"/.exec(times.body)?.[1] ?? '';
    expect(slot).not.toBe('');

    const incomplete = await browser.post('/services/tennis-court-booking/book', {
      resource: resourceId,
      date: tomorrow ?? '',
      slot,
      name: '',
      email: '',
    });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.body).toContain('Enter your name');
    const booked = await browser.post('/services/tennis-court-booking/book', {
      resource: resourceId,
      date: tomorrow ?? '',
      slot,
      name: 'Pat Server',
      email: 'pat@example.com',
    });
    expect(booked.statusCode).toBe(303);
    const reference =
      /^\/bookings\/(BK-[0-9A-Z]{4}-[0-9A-Z]{4})\?booked=1$/.exec(booked.headers.location ?? '')?.[1] ?? '';
    expect(reference).not.toBe('');
    expect((await browser.get(booked.headers.location ?? '')).body).toContain('Booking confirmed');

    // The same time is now shown as fully booked, and a second booking of it is refused.
    const after = await browser.get(
      `/services/tennis-court-booking/book?resource=${resourceId}&date=${tomorrow}`,
    );
    expect(after.body).toMatch(new RegExp(`value="${slot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" disabled`));
    const other = visitor();
    await other.get(`/services/tennis-court-booking/book?resource=${resourceId}&date=${tomorrow}`);
    const clash = await other.post('/services/tennis-court-booking/book', {
      resource: resourceId,
      date: tomorrow ?? '',
      slot,
      name: 'B',
      email: 'b@example.com',
    });
    expect(clash.statusCode).toBe(400);
    expect(clash.body).toContain('That time has just been booked by someone else');

    const cancelled = await browser.post(`/bookings/${reference}/cancel`, {});
    expect(cancelled.headers.location).toBe(`/bookings/${reference}?cancelled=1`);
    expect((await t.runtime.services.bookings.get(t.councilId, reference)).status).toBe('cancelled');

    // Someone else needs the reference and the email address to see it.
    const stranger = visitor();
    expect((await stranger.get(`/bookings/${reference}`)).headers.location).toBe(
      `/bookings/manage?reference=${reference}`,
    );
    await stranger.get('/bookings/manage');
    expect(
      (await stranger.post('/bookings/manage', { reference, email: 'wrong@example.com' })).statusCode,
    ).toBe(400);
    expect(
      (await stranger.post('/bookings/manage', { reference, email: 'PAT@example.com' })).headers.location,
    ).toBe(`/bookings/${reference}`);
  });

  it('offers no online form for information-only services, and sends a stale step back to the service page', async () => {
    const browser = visitor();
    const stale = await browser.get('/services/pothole/request/check');
    expect(stale.statusCode).toBe(303);
    expect(stale.headers.location).toBe('/services/pothole');
  });
});
