import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { AccountPages } from './pages/account.ts';
import { SentMessagesPage } from './pages/notifications.ts';
import { ReportJourney } from './pages/portal.ts';
import { SignInPage } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/** A free port, so the server's PUBLIC_URL (used in emailed links) can name it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('a citizen account in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    server = await startServer({
      GUILDHALL_DEMO_ADDRESSES: '500',
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('creates an account, verifies it from the emailed link, reports a problem, sees it in My requests and changes a consent', async () => {
    const email = 'account.e2e@example.com';
    const password = 'a long enough passphrase';
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const account = new AccountPages(page);
    const axe = async () => expect(describeViolations(await axeViolations(page))).toBe('');

    await page.goto(`${server.url}/`);
    await account.headerLink('Sign in').click();
    await page.waitForURL(/\/account\/sign-in$/);
    await axe();
    await page.getByRole('link', { name: /Create an account/ }).click();
    await axe();
    // A short password is refused with a GOV.UK error summary.
    await page.getByLabel('First name').fill('Ada');
    await page.getByRole('textbox', { name: 'Password' }).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    expect(await page.locator('.govuk-error-summary').innerText()).toContain(
      'Your password must be at least 12 characters long',
    );
    await axe();
    await account.create({ givenNames: 'Ada', familyName: 'Account', email, password });
    expect(await page.locator('h1').innerText()).toBe('Check your email');
    await axe();

    // Signed in before verifying: told to verify.
    await page.locator('main').getByRole('link', { name: 'Sign in', exact: true }).click();
    await account.signInByKeyboard(email, password);
    expect(await page.locator('[data-test="unverified"]').innerText()).toContain(
      'Confirm your email address',
    );
    await axe();

    // The verification email, read from the demo's outbox as a supervisor would.
    const staff = await browser.newContext();
    const staffPage = await staff.newPage();
    await staffPage.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(staffPage).signIn('supervisor@demo-borough.example', DEMO_PASSWORD);
    const sent = new SentMessagesPage(staffPage);
    await expect
      .poll(
        async () => {
          await sent.open(server.url);
          await sent.search(email);
          return sent.table().count();
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBe(1);
    await sent.openMessage('Email verification');
    const link = /http:\/\/localhost:\d+\/account\/verify\?token=[\w-]+/.exec(
      await sent.body().innerText(),
    )?.[0];
    expect(link).toBeTruthy();
    await staff.close();

    await page.goto(link ?? '');
    await axe();
    await page.getByRole('button', { name: 'Confirm email address' }).click();
    await page.waitForURL(/\/account\?verified=1$/);
    expect(await page.locator('.govuk-notification-banner--success').innerText()).toContain(
      'Your email address is confirmed',
    );
    await axe();

    // A report while signed in: the details step already knows them.
    const journey = new ReportJourney(page);
    await journey.start(server.url, 'street-light-fault');
    await journey.findAddress('3 high street');
    await journey.chooseAddress(/^3 High Street/);
    await journey.continue();
    await page.getByRole('radio', { name: 'It is not working' }).check();
    await journey.continue();
    // The photo and the phone number are optional.
    await journey.continue();
    await journey.continue();
    expect(await page.locator('h1').innerText()).toBe('Your details');
    expect(await page.getByLabel('First name').inputValue()).toBe('Ada');
    expect(await page.getByLabel('Email address (optional)').inputValue()).toBe(email);
    await journey.continue();
    const reference = await journey.send();

    await account.headerLink('Your account').click();
    await page.getByRole('link', { name: 'My requests' }).click();
    expect(await account.myRequests().innerText()).toContain(reference);
    await axe();
    await account.myRequests().getByRole('link', { name: reference }).click();
    await page.waitForURL(new RegExp(`/track/${reference}$`));
    expect(await page.locator('[data-test="status"]').innerText()).toBe('Received');

    // Consent to satisfaction surveys, by keyboard: focus the box, Space to tick it.
    await page.goto(`${server.url}/account/details`);
    await axe();
    const surveys = page.getByRole('checkbox', { name: 'Ask me how satisfied I was' });
    expect(await surveys.isChecked()).toBe(false);
    await surveys.focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.waitForURL(/\/account\?saved=1$/);
    await page.goto(`${server.url}/account/details`);
    expect(await page.getByRole('checkbox', { name: 'Ask me how satisfied I was' }).isChecked()).toBe(true);

    await account.signOut();
    expect(await account.headerLink('Sign in').count()).toBe(1);
    await axe();
    // The short password's page answers 400 on purpose; nothing else may go wrong in the browser.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await context.close();
  });
});
