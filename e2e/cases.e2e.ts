import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { CasePage, RaiseRequestPage, SupervisorDashboardPage, WorkQueuePage } from './pages/cases.ts';
import { SingleViewPage } from './pages/parties.ts';
import { SignInPage, StaffLayout } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('service requests in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let reference = '';

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signedIn = async (
    role: 'agent' | 'officer' | 'supervisor',
  ): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn(`${role}@demo-borough.example`, DEMO_PASSWORD);
    return { page, problems };
  };
  const noAxeViolations = async (page: Page) =>
    expect(describeViolations(await axeViolations(page)), page.url()).toBe('');

  it('agent finds a caller and raises a request for them', async () => {
    const { page, problems } = await signedIn('agent');
    await new StaffLayout(page).search('Margaret Thompson');
    await page
      .locator('[data-test="search-results"]')
      .getByRole('link', { name: 'Margaret Thompson' })
      .first()
      .click();
    await page.waitForLoadState('load');
    await expect.poll(() => new SingleViewPage(page).name().innerText()).toContain('Margaret Thompson');
    await noAxeViolations(page);

    await page.getByRole('link', { name: 'Raise a request' }).click();
    await page.waitForLoadState('load');
    const raise = new RaiseRequestPage(page);
    await raise.findService('bin not collected');
    await noAxeViolations(page);
    await raise.chooseService('Report a missed bin collection');
    // The caller's address is already filled in.
    expect(await page.getByLabel('Address', { exact: true }).inputValue()).toContain('Acacia');
    await noAxeViolations(page);

    await raise.continue();
    await expect.poll(() => raise.errorSummary().innerText()).toContain('Select which bin was not collected');
    await noAxeViolations(page);

    await raise.choose('Blue bin (mixed recycling)');
    await page
      .getByRole('group', { name: 'Was the bin at the edge of your property by 7am on collection day?' })
      .getByLabel('Yes')
      .check();
    await raise.fillDate('Date of the missed collection', new Date(Date.now() - 86_400_000));
    await raise.continue();
    await expect.poll(() => page.locator('h1').innerText()).toContain('Check the answers with the caller');
    expect(await page.locator('[data-test="route"]').innerText()).toContain('Waste and Recycling');
    await noAxeViolations(page);

    await raise.submit();
    await expect.poll(() => raise.reference().innerText()).toMatch(/^GH-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    reference = await raise.reference().innerText();
    await noAxeViolations(page);

    await page.getByRole('link', { name: 'Back to the caller’s record' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('[data-test="party-requests"]').innerText()).toContain(reference);
    // The form answered 400 with its error summary, as GOV.UK forms do; nothing else went wrong.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await page.close();
  });

  it('officer takes the request from the team queue and resolves it', async () => {
    expect(reference).not.toBe('');
    const { page, problems } = await signedIn('officer');
    const queue = new WorkQueuePage(page);
    await queue.open(server.url, '?sort=submitted&direction=desc');
    await expect.poll(() => queue.row(reference).count()).toBe(1);
    await noAxeViolations(page);
    await queue.openRequest(reference);

    const request = new CasePage(page);
    await noAxeViolations(page);
    await request.assignToMe();
    await expect.poll(() => request.assignee().innerText()).toContain('Owen Officer');

    await page.goto(`${server.url}/staff/queues/mine`);
    await expect.poll(() => queue.row(reference).count()).toBe(1);
    await noAxeViolations(page);
    await queue.openRequest(reference);

    await request.changeStatus('Resolved');
    await expect.poll(() => page.locator('.govuk-error-summary').innerText()).toContain('Choose the outcome');
    await noAxeViolations(page);
    await request.changeStatus('Resolved', 'Fixed', 'The crew returned and emptied the bin');
    await expect.poll(() => request.status().innerText()).toBe('Resolved');
    expect(await request.timeline().innerText()).toContain('The crew returned and emptied the bin');
    await noAxeViolations(page);
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await page.close();
  });

  it('supervisor sees queue sizes and SLA breaches, and drills into the breached requests', async () => {
    const { page, problems } = await signedIn('supervisor');
    const dashboard = new SupervisorDashboardPage(page);
    await dashboard.open(server.url);
    await noAxeViolations(page);
    expect(await dashboard.total('open')).toBeGreaterThan(0);
    expect(await dashboard.total('breached')).toBeGreaterThan(0);
    expect(await dashboard.teamRow('Waste and Recycling').count()).toBe(1);

    await page.locator('[data-test="total-breached"]').click();
    await page.waitForLoadState('load');
    const queue = new WorkQueuePage(page);
    const tags = await queue.slaTags();
    expect(tags.length).toBeGreaterThan(0);
    expect(new Set(tags)).toEqual(new Set(['Breached']));
    await noAxeViolations(page);
    expect(problems).toEqual([]);
    await page.close();
  });
});
