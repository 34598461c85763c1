import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { ContactHistoryPanel, ContactsTodayPage, RecordContactPage } from './pages/contacts.ts';
import { PartySearchPage } from './pages/parties.ts';
import { SignInPage } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('recording contacts in a real browser', () => {
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

  const signedIn = async (role: 'agent' | 'auditor'): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn(`${role}@demo-borough.example`, DEMO_PASSWORD);
    return { page, problems };
  };
  // A form with errors is answered 400, which the browser reports on its console.
  const unexpected = (problems: string[]) => problems.filter((p) => !p.includes('status of 400'));
  const noAxeViolations = async (page: Page) =>
    expect(describeViolations(await axeViolations(page)), page.url()).toBe('');

  it('agent finds a caller, records the contact in three screens, and sees it on the party page and today', async () => {
    const { page, problems } = await signedIn('agent');
    const search = new PartySearchPage(page);
    await search.open(server.url);
    await search.search('Robert Thompson');
    await search.openResult('Robert Thompson');
    const history = new ContactHistoryPanel(page);
    await expect.poll(() => history.panel().innerText()).toContain('Contact history');
    await noAxeViolations(page);

    // Screen 1.
    await history.recordContact();
    const record = new RecordContactPage(page);
    expect(await record.caller().innerText()).toContain('Robert Thompson');
    await noAxeViolations(page);
    await record.chooseStart({ channel: 'Phone', interaction: 'Enquiry' });
    await record.continue();

    // Screen 2: a missing outcome is reported against its field.
    expect(await record.heading().innerText()).toBe('Wrap up the contact');
    await noAxeViolations(page);
    await record.save();
    expect(await record.errorSummary().innerText()).toContain('Select the outcome of the contact');
    await noAxeViolations(page);
    await record.wrapUp({
      outcome: 'Resolved at first contact',
      avoidableReason: 'Chasing progress',
      notes: 'Asked when the missed bin would be collected; told Thursday.',
    });
    await record.save();

    // Screen 3: the confirmation.
    expect(await record.confirmation().innerText()).toContain('Contact recorded');
    expect(await record.details().innerText()).toContain('Chasing progress');
    await noAxeViolations(page);

    await page.getByRole('link', { name: 'Back to Robert Thompson' }).click();
    await page.waitForLoadState('load');
    expect(await history.items().first().innerText()).toContain('Phone contact');
    expect(await history.items().first().innerText()).toContain('missed bin');

    const today = new ContactsTodayPage(page);
    await page.getByRole('link', { name: 'My contacts today' }).click();
    await page.waitForLoadState('load');
    expect(await today.contacts().innerText()).toContain('Robert Thompson');
    expect(await today.byOutcome().innerText()).toContain('Resolved at first contact');
    await noAxeViolations(page);
    expect(unexpected(problems)).toEqual([]);
    await page.close();
  });

  it('agent records an anonymous contact from their contacts today', async () => {
    const { page, problems } = await signedIn('agent');
    const today = new ContactsTodayPage(page);
    await today.open(server.url);
    await page.getByRole('button', { name: 'Record an anonymous contact' }).click();
    await page.waitForLoadState('load');
    const record = new RecordContactPage(page);
    expect(await record.caller().innerText()).toContain('Anonymous');
    await record.chooseStart({ channel: 'Face to face' });
    await record.continue();
    await record.wrapUp({ outcome: 'Signposted' });
    await record.save();
    expect(await record.confirmation().innerText()).toContain('anonymous');
    await today.open(server.url);
    expect(await today.contacts().innerText()).toContain('Anonymous');
    await noAxeViolations(page);
    expect(problems).toEqual([]);
    await page.close();
  });
});
