import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, demoUsers } from '../src/councils/demo.ts';
import { SignInPage, StaffLayout } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

const EXPECTED_NAV: Record<string, string[]> = {
  agent: [
    'Home',
    'People and organisations',
    'Addresses',
    'Find a service',
    'Work queues',
    'Bookings',
    'My contacts today',
  ],
  officer: [
    'Home',
    'People and organisations',
    'Addresses',
    'Find a service',
    'Work queues',
    'Bookings',
    'My contacts today',
  ],
  supervisor: [
    'Home',
    'People and organisations',
    'Addresses',
    'Find a service',
    'Work queues',
    'Supervisor dashboard',
    'Bookings',
    'Sent messages',
    'My contacts today',
    'Record linkage review',
  ],
  admin: [
    'Home',
    'Staff and tokens',
    'People and organisations',
    'Addresses',
    'Find a service',
    'Service catalogue',
    'Work queues',
    'Supervisor dashboard',
    'Bookings',
    'Sent messages',
    'Record linkage review',
  ],
  auditor: [
    'Home',
    'Audit trail',
    'People and organisations',
    'Addresses',
    'Find a service',
    'Work queues',
    'Bookings',
  ],
};

describe('staff sign-in in a real browser', () => {
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

  for (const user of demoUsers.filter((u) => u.role !== 'integration')) {
    it(`${user.role}: signs in, sees the right navigation, passes axe on every page, signs out`, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems = watchForProblems(page);

      await page.goto(`${server.url}/staff`);
      expect(new URL(page.url()).pathname).toBe('/staff/sign-in');
      expect(describeViolations(await axeViolations(page))).toBe('');

      await new SignInPage(page).signIn(user.email, DEMO_PASSWORD);
      const layout = new StaffLayout(page);
      expect(new URL(page.url()).pathname).toBe('/staff');
      await expect.poll(() => layout.signedInUser().innerText()).toContain(user.displayName);
      expect(await layout.navigationLinks()).toEqual(EXPECTED_NAV[user.role]);
      expect(describeViolations(await axeViolations(page))).toBe('');

      for (const link of await page
        .locator('.moj-primary-navigation__link')
        .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href))) {
        await page.goto(link);
        expect(describeViolations(await axeViolations(page)), link).toBe('');
      }

      await layout.search('waste');
      expect(new URL(page.url()).pathname).toBe('/staff/search');
      expect(describeViolations(await axeViolations(page))).toBe('');

      await layout.signOut();
      expect(new URL(page.url()).pathname).toBe('/staff/sign-in');
      await expect
        .poll(() => page.locator('.govuk-notification-banner').innerText())
        .toContain('You have signed out');
      await page.goto(`${server.url}/staff`);
      expect(new URL(page.url()).pathname).toBe('/staff/sign-in');
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('shows a GOV.UK error summary that links to the field, and refuses integration accounts', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/staff/sign-in`);
    const signIn = new SignInPage(page);
    await signIn.signIn('integration@demo-borough.example', DEMO_PASSWORD);
    await expect
      .poll(() => signIn.errorSummary().innerText())
      .toContain('The email address or password is not right');
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#email');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await page.close();
  });

  it('auditor filters the audit trail with the keyboard-accessible form', async () => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn('auditor@demo-borough.example', DEMO_PASSWORD);
    await page.goto(`${server.url}/staff/audit`);
    await page.getByLabel('Action').selectOption('auth.sign_in');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForLoadState('load');
    const actions = await page.locator('[data-test="audit-table"] tbody td:nth-child(3)').allInnerTexts();
    expect(actions.length).toBeGreaterThan(0);
    // Plain words, with the code beneath them.
    expect(new Set(actions.map((a) => a.replace(/\s+/g, ' ').trim()))).toEqual(
      new Set(['Staff signed in auth.sign_in']),
    );
    expect(describeViolations(await axeViolations(page))).toBe('');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('serves the API documentation without script or CSP errors', async () => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/api/docs`);
    await expect
      .poll(() => page.getByText('/api/v1/council', { exact: true }).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
