import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalStartPage } from './pages/portal.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('the citizen portal in a real browser', () => {
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

  it('a citizen on a phone finds a service by search and by the A to Z, in English and in Welsh', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const start = new PortalStartPage(page);

    await start.open(server.url);
    expect(await page.locator('h1').innerText()).toBe('Do it online');
    expect(await start.topTasks().count()).toBeGreaterThan(2);
    expect(describeViolations(await axeViolations(page))).toBe('');

    await start.search('pot hole in the road');
    expect(await start.results().allInnerTexts()).toContain('Report a pothole');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await start.results().filter({ hasText: 'Report a pothole' }).click();
    await page.waitForURL(/\/services\/pothole$/);
    expect(await page.locator('h1').innerText()).toBe('Report a pothole');
    expect(describeViolations(await axeViolations(page))).toBe('');

    await page.goto(`${server.url}/services?letter=D`);
    await page.getByRole('link', { name: 'Defective street light' }).click();
    await page.waitForURL(/\/services\/street-light-fault$/);
    expect(describeViolations(await axeViolations(page))).toBe('');

    await start.switchLanguage('Cymraeg');
    expect(await page.locator('html').getAttribute('lang')).toBe('cy');
    await start.open(server.url);
    expect(await page.locator('h1').innerText()).toBe('Ei wneud ar-lein');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await start.switchLanguage('English');
    expect(await page.locator('h1').innerText()).toBe('Do it online');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('works by keyboard alone: skip link, then search', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
      'Skip to main content',
    );
    await page.keyboard.press('Enter');
    await page.getByLabel('Search for a council service').focus();
    await page.keyboard.type('missed bin');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=missed\+bin/);
    expect(await page.locator('[data-test="results"] a').first().innerText()).toMatch(/bin/i);
    await context.close();
  });
});
