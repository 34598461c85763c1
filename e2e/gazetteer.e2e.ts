import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { AddressSearchPage, PropertyPage } from './pages/gazetteer.ts';
import { SignInPage, StaffLayout } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('finding an address in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ GUILDHALL_DEMO_ADDRESSES: '2000' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('agent picks an address from the autocomplete with the keyboard and reads the property page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn('agent@demo-borough.example', DEMO_PASSWORD);

    const search = new AddressSearchPage(page);
    await search.open(server.url);
    expect(describeViolations(await axeViolations(page))).toBe('');
    await search.searchBox().pressSequentially('3 high st', { delay: 30 });
    await expect.poll(() => search.suggestions().count()).toBeGreaterThan(0);
    expect(await search.suggestions().first().innerText()).toContain('3 High Street');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await search.searchBox().press('ArrowDown');
    await search.searchBox().press('Enter');
    await page.waitForURL(/\/staff\/addresses\/\d+$/);

    const property = new PropertyPage(page);
    expect(await property.address().innerText()).toMatch(/^3 High Street, Westbrook/);
    expect(await property.details().innerText()).toContain('British National Grid');
    expect(describeViolations(await axeViolations(page))).toBe('');

    await page.getByRole('link', { name: /^Street \d+$/ }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('[data-test="street-name"]').innerText()).toBe('High Street');
    expect(describeViolations(await axeViolations(page))).toBe('');
    expect(problems).toEqual([]);
    await context.close();
  });

  // axe needs JavaScript, so this journey checks behaviour only; the same pages pass axe above.
  it('works without JavaScript as a plain search form, and from the header search box', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn('officer@demo-borough.example', DEMO_PASSWORD);
    const search = new AddressSearchPage(page);
    await search.open(server.url);
    await search.search('flat 2');
    expect(await search.results().count()).toBeGreaterThan(0);
    expect(await search.results().first().innerText()).toMatch(/Flat 2|^2 /);
    await search.results().first().getByRole('link').click();
    await page.waitForLoadState('load');
    expect(await new PropertyPage(page).details().innerText()).toContain('Self-contained flat');
    expect(await page.locator('[data-test="parent-link"]').count()).toBe(1);

    await new StaffLayout(page).search('DB1 0AA');
    expect(await page.locator('[data-test="search-results"]').innerText()).toContain('Postcode matches');
    await context.close();
  });
});
