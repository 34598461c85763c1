import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { MergePage, PartyFormPage, PartySearchPage, SingleViewPage } from './pages/parties.ts';
import { SignInPage, StaffLayout } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('the party register in a real browser', () => {
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

  const signedIn = async (role: 'agent' | 'supervisor'): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn(`${role}@demo-borough.example`, DEMO_PASSWORD);
    return { page, problems };
  };
  const noAxeViolations = async (page: Page) =>
    expect(describeViolations(await axeViolations(page)), page.url()).toBe('');

  it('agent finds a caller by nickname from the header search and sees the single view', async () => {
    const { page, problems } = await signedIn('agent');
    await new StaffLayout(page).search('Maggie Thompson');
    await expect
      .poll(() => page.locator('[data-test="search-results"]').innerText())
      .toContain('Margaret Thompson');
    expect(await page.locator('[data-test="search-results"]').innerText()).toContain('is a form of Margaret');
    await noAxeViolations(page);

    await page
      .locator('[data-test="search-results"]')
      .getByRole('link', { name: 'Margaret Thompson' })
      .first()
      .click();
    await page.waitForLoadState('load');
    const view = new SingleViewPage(page);
    await expect.poll(() => view.name().innerText()).toContain('Margaret Thompson');
    expect(await view.alerts().innerText()).toContain('Vulnerable person');
    expect(await view.relationships().innerText()).toContain('Thompson household');
    expect(await view.identifiers().innerText()).toContain('943 476 5919');
    await noAxeViolations(page);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('agent searches the register by phone number and postcode', async () => {
    const { page, problems } = await signedIn('agent');
    const search = new PartySearchPage(page);
    await search.open(server.url);
    await noAxeViolations(page);
    await search.search('02079460001');
    expect(await search.resultNames()).toContain('Margaret Thompson');
    await search.search('se17pb');
    expect(await search.resultNames()).toEqual(
      expect.arrayContaining(['Margaret Thompson', 'Robert Thompson']),
    );
    await noAxeViolations(page);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('agent adds a person: errors link to their fields, a likely duplicate is offered first, then the record is created', async () => {
    const { page, problems } = await signedIn('agent');
    await page.goto(`${server.url}/staff/parties/new?kind=person`);
    await noAxeViolations(page);
    const form = new PartyFormPage(page);
    await form.fillPerson({
      givenNames: 'Margret',
      familyName: '',
      email: 'not an email',
      postcode: 'XX',
      address: '12 Acacia Avenue',
    });
    await form.continue();
    await expect.poll(() => form.errorSummary().innerText()).toContain('Enter the family name');
    expect(await form.errorSummary().innerText()).toContain('Enter an email address in the correct format');
    expect(await page.locator('.govuk-error-summary a[href="#familyName"]').count()).toBe(1);
    await noAxeViolations(page);

    await form.fillPerson({
      givenNames: 'Margret',
      familyName: 'Thompson',
      day: '12',
      month: '3',
      year: '1957',
      email: 'margret.t@example.com',
      postcode: 'SE1 7PB',
      address: '12 Acacia Avenue, Demo Town',
    });
    await form.continue();
    await expect.poll(() => form.heading().innerText()).toBe('Is this one of these people?');
    expect(await page.locator('[data-test="possible-duplicates"]').innerText()).toContain(
      'Margaret Thompson',
    );
    await noAxeViolations(page);

    await form.noneOfThese();
    const view = new SingleViewPage(page);
    await expect.poll(() => view.banner().innerText()).toContain('Record added');
    expect(await view.name().innerText()).toContain('Margret Thompson');
    await noAxeViolations(page);
    // The form shown again with its errors answers 400 on purpose; the browser logs that, and nothing else.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await page.close();
  });

  it('supervisor merges a duplicate field by field and undoes the merge', async () => {
    const { page, problems } = await signedIn('supervisor');
    const search = new PartySearchPage(page);
    await search.open(server.url);
    await search.search('Margaret Thompson 12/03/1957');
    await search.openResult('Margaret Thompson');
    const view = new SingleViewPage(page);
    await view.startMerge();
    await noAxeViolations(page);

    const merge = new MergePage(page);
    await merge.chooseCandidate(/Maggie Thomson/);
    await expect
      .poll(() => page.locator('h1').innerText())
      .toBe('Merge Maggie Thomson into Margaret Thompson');
    await noAxeViolations(page);
    await merge.merge();
    await expect.poll(() => view.banner().innerText()).toContain('Records merged');
    expect(await view.identifiers().innerText()).toContain('housing key');
    await noAxeViolations(page);

    await view.undoMerge();
    await expect.poll(() => view.banner().innerText()).toContain('Merge undone');
    expect(await page.locator('[data-test="identifiers"]').innerText()).not.toContain('housing key');
    expect(problems).toEqual([]);
    await page.close();
  });
});
