import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { CatalogueAdminPage, ServiceFinderPage, ServiceFormPage } from './pages/catalogue.ts';
import { SignInPage } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('service catalogue in a real browser', () => {
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

  const signedIn = async (email: string): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn(email, DEMO_PASSWORD);
    return { page, problems };
  };
  // Pages with a validation error answer 400 on purpose (with the error summary); the browser logs that.
  const unexpected = (problems: string[]) => problems.filter((p) => !p.includes('status of 400'));
  const noAxeViolations = async (page: Page) =>
    expect(describeViolations(await axeViolations(page)), page.url()).toBe('');

  it('agent finds a service in plain words, reads the script and asks the questions', async () => {
    const { page, problems } = await signedIn('agent@demo-borough.example');
    await page.getByRole('link', { name: 'Find a service' }).click();
    await page.waitForLoadState('load');
    await noAxeViolations(page);
    const finder = new ServiceFinderPage(page);
    await finder.find('rats in garden');
    expect((await finder.resultNames()).slice(0, 3)).toContain('Book pest control treatment');
    await expect.poll(() => page.locator('[data-test="finder-results"]').innerText()).toContain('Script:');
    await noAxeViolations(page);

    await finder.find('my bin wasnt collected');
    expect((await finder.resultNames()).slice(0, 3)).toContain('Report a missed bin collection');
    await finder.open('Report a missed bin collection');
    await expect
      .poll(() => page.locator('[data-test="agent-script"]').innerText())
      .toContain('collection calendar');
    await noAxeViolations(page);

    await page.getByRole('link', { name: 'Ask the questions' }).click();
    await page.waitForLoadState('load');
    const form = new ServiceFormPage(page);
    await form.submit();
    await expect.poll(() => form.errorSummary().innerText()).toContain('Enter the address of the property');
    await noAxeViolations(page);
    await page.locator('.govuk-error-summary a').first().click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('address');

    await form.fill('Address', '1 Market Square');
    await form.choose('Blue bin (mixed recycling)');
    await page.locator('#put_out_time').check();
    await form.fill('Day', '3');
    await form.fill('Month', '3');
    await form.fill('Year', '2025');
    await form.submit();
    await expect.poll(() => page.locator('h1').innerText()).toContain('Check the answers with the caller');
    await expect.poll(() => page.locator('[data-test="route"]').innerText()).toContain('Waste and Recycling');
    await noAxeViolations(page);
    expect(unexpected(problems)).toEqual([]);
    await page.close();
  });

  it('administrator builds a form without code, previews it as a citizen, and publishes a new version', async () => {
    const { page, problems } = await signedIn('admin@demo-borough.example');
    await page.getByRole('link', { name: 'Service catalogue' }).click();
    await page.waitForLoadState('load');
    await noAxeViolations(page);
    const admin = new CatalogueAdminPage(page);
    await admin.search('tennis');
    await admin.clickLink('Book a tennis court');
    await noAxeViolations(page);

    await admin.clickLink('Edit questions (6)');
    await noAxeViolations(page);
    await admin.clickLink('Add a question');
    await noAxeViolations(page);
    // A broken definition is refused with an error summary.
    await page.getByLabel('Question', { exact: true }).fill('Do you need rackets?');
    await page.getByLabel('Code', { exact: true }).fill('site');
    await page.getByRole('button', { name: 'Save question' }).click();
    await page.waitForLoadState('load');
    await expect.poll(() => page.locator('.govuk-error-summary').innerText()).toContain('is used twice');
    await noAxeViolations(page);
    await page.getByLabel('Code', { exact: true }).fill('rackets');
    await page.getByLabel('Type of answer').selectOption('yes_no');
    await page.getByRole('button', { name: 'Save question' }).click();
    await page.waitForLoadState('load');
    expect(await admin.questionCodes()).toContain('rackets');
    await admin.clickButton('Up – Do you need rackets?');
    const codes = await admin.questionCodes();
    expect(codes.indexOf('rackets')).toBe(codes.length - 2);

    await page.goto(`${server.url}/staff/admin/services/tennis-court-booking`);
    await expect.poll(() => page.locator('[data-test="version-status"]').innerText()).toBe('Draft');
    await admin.clickLink('Preview as citizen');
    await noAxeViolations(page);
    const citizen = new ServiceFormPage(page);
    await citizen.continue();
    await expect.poll(() => citizen.errorSummary().innerText()).toContain('Select which courts');
    await noAxeViolations(page);
    await citizen.choose('Riverside Gardens (2 courts)');
    await citizen.continue();
    await expect.poll(() => page.locator('h1').innerText()).toContain('Date');
    await noAxeViolations(page);

    await page.goto(`${server.url}/staff/admin/services/tennis-court-booking`);
    await admin.clickButton('Publish version 2');
    await expect.poll(() => admin.notice().innerText()).toContain('Version 2 is published');
    await noAxeViolations(page);
    expect(unexpected(problems)).toEqual([]);
    await page.close();
  });
});
