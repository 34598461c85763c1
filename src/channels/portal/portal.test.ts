import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
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

  it('shows a service page, and a 404 page for an unknown service', async () => {
    const page = await get('/services/street-light-fault');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Report a defective street light');
    expect(page.body).toContain('Report a problem');
    const missing = await get('/services/no-such-service');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('We could not find that service');
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
