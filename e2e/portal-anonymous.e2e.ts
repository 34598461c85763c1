import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportJourney } from './pages/portal.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('an anonymous report and the portal’s own error pages, in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ GUILDHALL_DEMO_ADDRESSES: '200' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a citizen reports a light by describing the place, without details, and is told how to hear what happens', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const journey = new ReportJourney(page);

    await journey.start(server.url, 'street-light-fault');
    await page.getByLabel('Describe the location').fill('By the bench on the village green');
    await journey.continue();
    // The lamp post number is optional: left empty.
    await journey.continue();
    await page.getByRole('radio', { name: 'It is not working' }).check();
    // The photo, the phone question and "Your details" are all left empty.
    for (let step = 0; step < 6; step++) {
      if ((await journey.heading().innerText()) === 'Check your answers before sending') break;
      await journey.continue();
    }
    const reference = await journey.send();
    expect(reference).toMatch(/^GH-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const said = await page.locator('main').innerText();
    expect(said).not.toContain('you can use it to track this request');
    expect(said).toContain('you will not be able to track this request online later');
    expect(said).toContain('contact us and quote it');
    expect(describeViolations(await axeViolations(page))).toBe('');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('explains an expired form in the portal’s layout, accessibly', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/track`);
    // The session ends (cookies cleared) while the form is open; sending it is refused, kindly.
    await context.clearCookies();
    await page.getByLabel('Reference').fill('GH-7KQ2-M4XD');
    await page.getByLabel('Email address or postcode').fill('SE1 7PB');
    await page.getByRole('button', { name: 'Find my request' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('h1').innerText()).toBe('This form has expired');
    expect(await page.locator('header').innerText()).toContain('Demo Borough Council');
    expect(await page.content()).not.toContain('moj-header');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await context.close();
  });
});
