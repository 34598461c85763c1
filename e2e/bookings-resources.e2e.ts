import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { ResourcesAdminPage } from './pages/bookings.ts';
import { SignInPage } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('staff manage what can be booked', () => {
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

  it('an agent adds a tennis court, fixing what the form says is wrong, and citizens can book it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn('agent@demo-borough.example', DEMO_PASSWORD);
    const admin = new ResourcesAdminPage(page);

    await admin.open(server.url);
    expect(await admin.table().innerText()).toContain('Victoria Park tennis court 1');
    expect(describeViolations(await axeViolations(page))).toBe('');

    await admin.add();
    expect(describeViolations(await axeViolations(page))).toBe('');
    await page.getByLabel('Service people book it through').selectOption({ label: 'Book a tennis court' });
    await page.getByLabel('Places in each slot').fill('many');
    await page.getByLabel('Monday').fill('9 till 5');
    await admin.save();
    const summary = await admin.errorSummary().innerText();
    expect(summary).toContain('Enter a name');
    expect(summary).toContain('The number of places must be a whole number');
    expect(summary).toContain('Enter Monday’s opening hours as times from and to, like 09:00-17:00');
    expect(describeViolations(await axeViolations(page))).toBe('');
    // The summary's links take the keyboard to the field.
    await admin.errorSummary().getByRole('link', { name: 'Enter a name' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('name');

    await page.getByLabel('Name', { exact: true }).fill('Memorial Park tennis court');
    await page.getByLabel('Site (optional)').fill('Memorial Park, Church Lane');
    await page.getByLabel('Places in each slot').fill('1');
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'])
      await page.getByLabel(day, { exact: true }).fill('08:00-20:00');
    await page.getByLabel('Dates it is closed (optional)').fill('25/12/2026');
    await admin.save();
    expect(await admin.banner().innerText()).toContain('Memorial Park tennis court is added.');
    expect(await admin.table().innerText()).toContain('Memorial Park tennis court');
    expect(describeViolations(await axeViolations(page))).toBe('');

    // Citizens see it on the booking page straight away.
    const citizen = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const portal = await citizen.newPage();
    await portal.goto(`${server.url}/services/tennis-court-booking/book`);
    expect(await portal.locator('main').innerText()).toContain('Memorial Park tennis court');

    // Made staff only, it leaves the portal.
    await admin.edit('Memorial Park tennis court');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await page.getByRole('radio', { name: 'No, staff only' }).check();
    await admin.save();
    expect(await admin.table().innerText()).toContain('Staff only');
    await portal.reload();
    expect(await portal.locator('main').innerText()).not.toContain('Memorial Park tennis court');
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await citizen.close();
    await context.close();
  });
});
