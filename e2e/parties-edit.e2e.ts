import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { PartyChangePage, PartySearchPage, SingleViewPage } from './pages/parties.ts';
import { SignInPage } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('changing a party record in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signedIn = async (role: 'supervisor'): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn(`${role}@demo-borough.example`, DEMO_PASSWORD);
    return { page, problems };
  };
  const noAxeViolations = async (page: Page) =>
    expect(describeViolations(await axeViolations(page)), page.url()).toBe('');

  it('supervisor changes a person’s name, adds an alert and ends it with a reason', async () => {
    const { page, problems } = await signedIn('supervisor');
    const search = new PartySearchPage(page);
    await search.open(server.url);
    await search.search('Robert Thompson');
    await search.openResult('Robert Thompson');
    const view = new SingleViewPage(page);
    const change = new PartyChangePage(page);

    // Change the details: a mistake first, shown in the error summary, then the real change.
    await page.getByRole('link', { name: 'Change names, dates and communication needs' }).click();
    await page.waitForLoadState('load');
    await noAxeViolations(page);
    await change.fill('Family name (surname)', '');
    await change.submit('Save changes');
    await expect.poll(() => change.errorSummary().innerText()).toContain('Enter the family name');
    await noAxeViolations(page);
    await change.fill('Family name (surname)', 'Thompson-Hale');
    await change.fill('Name they prefer to be called (optional)', 'Bob');
    await change.submit('Save changes');
    await expect.poll(() => change.successBanner().innerText()).toContain('Details changed');
    expect(await view.name().innerText()).toContain('Thompson-Hale');
    expect(await page.locator('[data-test="party-summary"]').innerText()).toContain('Thompson');
    await noAxeViolations(page);

    // Raise an alert, then end it.
    await page.getByRole('link', { name: 'Add an alert' }).click();
    await page.waitForLoadState('load');
    await noAxeViolations(page);
    await change.choose('Potentially violent person');
    await change.fill('Reason', 'Shouted at staff at the housing counter');
    await change.submit('Add alert');
    await expect.poll(() => change.successBanner().innerText()).toContain('Alert added');
    expect(await view.alerts().innerText()).toContain('Shouted at staff');
    await noAxeViolations(page);

    await page
      .getByRole('link', { name: /^End alert/ })
      .first()
      .click();
    await page.waitForLoadState('load');
    await noAxeViolations(page);
    await change.submit('End alert');
    await expect
      .poll(() => change.errorSummary().innerText())
      .toContain('Give the reason for ending the alert');
    await change.fill('Why is the alert no longer needed?', 'Apologised; reviewed with the housing manager');
    await change.submit('End alert');
    await expect.poll(() => change.successBanner().innerText()).toContain('Alert ended');
    expect(await page.locator('[data-test="party-alert"]').count()).toBe(0);
    await noAxeViolations(page);

    // Removing a contact detail asks first; Cancel keeps it, Remove takes it away.
    const contacts = page.locator('[data-test="contact-points"]');
    const before = await contacts.locator('li').count();
    expect(before).toBeGreaterThan(0);
    await contacts
      .getByRole('link', { name: /^Remove / })
      .first()
      .click();
    await page.waitForLoadState('load');
    expect(await page.locator('h1').innerText()).toMatch(
      /^Are you sure you want to remove .+ from .+’s record\?$/,
    );
    await noAxeViolations(page);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForLoadState('load');
    expect(await contacts.locator('li').count()).toBe(before);
    await contacts
      .getByRole('link', { name: /^Remove / })
      .first()
      .click();
    await page.waitForLoadState('load');
    await page.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => change.successBanner().innerText()).toContain('Contact detail removed');
    expect(await contacts.locator('li').count()).toBe(before - 1);

    // The supervisors' list of alerts due for review.
    await page.goto(`${server.url}/staff/parties/alerts/due`);
    await noAxeViolations(page);
    // Forms shown again with their errors answer 400 on purpose; the browser logs that, and nothing else.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await page.close();
  });
});
