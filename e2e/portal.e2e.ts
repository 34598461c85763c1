import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { CasePage } from './pages/cases.ts';
import { SentMessagesPage } from './pages/notifications.ts';
import { PortalStartPage, ReportJourney, TrackPage } from './pages/portal.ts';
import { SignInPage } from './pages/staff.ts';
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

  it('a citizen on a phone reports a defective street light by address and tracks it by reference', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const journey = new ReportJourney(page);

    await journey.start(server.url, 'street-light-fault');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await journey.findAddress('3 high street');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await journey.chooseAddress(/^3 High Street/);
    // The lamp post number is optional.
    await page.getByLabel('Street light number').fill('SL-0412');
    await journey.continue();
    await journey.continue();
    // A required question left unanswered gets a GOV.UK error summary.
    expect(await page.locator('.govuk-error-summary').innerText()).toContain(
      'Select what is wrong with the light',
    );
    expect(describeViolations(await axeViolations(page))).toBe('');
    await page.getByRole('radio', { name: 'It is not working' }).check();
    await journey.continue();
    // The photo is optional (e2e/portal-report-photo.e2e.ts adds one), and so is a phone number.
    await journey.continue();
    await journey.continue();
    expect(await page.locator('h1').innerText()).toBe('Your details');
    await page.getByLabel('Email address (optional)').fill('citizen.e2e@example.com');
    await journey.continue();
    expect(await page.locator('h1').innerText()).toBe('Check your answers before sending');
    expect(await page.locator('.govuk-summary-list').innerText()).toContain('3 High Street');
    expect(describeViolations(await axeViolations(page))).toBe('');
    const reference = await journey.send();
    expect(reference).toMatch(/^GH-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(describeViolations(await axeViolations(page))).toBe('');

    // Later, on another device: the reference and the email address find it.
    const other = await browser.newContext();
    const trackerPage = await other.newPage();
    const tracker = new TrackPage(trackerPage);
    await tracker.find(server.url, reference, 'citizen.e2e@example.com');
    expect(await tracker.status().innerText()).toBe('Received');
    expect(describeViolations(await axeViolations(trackerPage))).toBe('');

    // The citizen was sent a confirmation (the demo's outbox, which supervisors can read).
    const staff = await browser.newContext();
    const staffPage = await staff.newPage();
    await staffPage.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(staffPage).signIn('supervisor@demo-borough.example', DEMO_PASSWORD);
    const sent = new SentMessagesPage(staffPage);
    await expect
      .poll(
        async () => {
          await sent.open(server.url);
          await sent.search(reference);
          return sent.table().count();
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBe(1);
    expect(await sent.table().innerText()).toContain('citizen.e2e@example.com');

    // An officer resolves it; the citizen's tracking page then says so, with the public message.
    await staffPage.goto(`${server.url}/staff/cases/${reference}`);
    const request = new CasePage(staffPage);
    await request.changeStatus('Resolved', 'Fixed', 'We replaced the lamp on Tuesday.', 'The requester');
    expect(await request.status().innerText()).toContain('Resolved');
    await trackerPage.reload();
    expect(await tracker.status().innerText()).toBe('Resolved');
    expect(await trackerPage.locator('[data-test="updates"]').innerText()).toContain(
      'We replaced the lamp on Tuesday.',
    );
    expect(describeViolations(await axeViolations(trackerPage))).toBe('');
    await staff.close();
    // The question shown again with its error answers 400 on purpose; the browser logs that, and nothing else.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await other.close();
    await context.close();
  });
});
