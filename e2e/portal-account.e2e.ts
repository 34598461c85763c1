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

/**
 * The link in the newest email of a kind sent to an address, read from the demo's outbox as a
 * supervisor would (the in-process worker delivers it within a few seconds).
 */
async function emailedLink(
  browser: Browser,
  baseUrl: string,
  to: string,
  templateLabel: string,
  link: RegExp,
): Promise<string> {
  const staff = await browser.newContext();
  const staffPage = await staff.newPage();
  await staffPage.goto(`${baseUrl}/staff/sign-in`);
  await new SignInPage(staffPage).signIn('supervisor@demo-borough.example', DEMO_PASSWORD);
  const sent = new SentMessagesPage(staffPage);
  let found: string | undefined;
  await expect
    .poll(
      async () => {
        await sent.open(baseUrl);
        await sent.search(to);
        if ((await staffPage.getByRole('link', { name: templateLabel }).count()) === 0) return false;
        await sent.openMessage(templateLabel);
        // A message still queued has no body yet (it is written when first sent): look again, rather
        // than wait out the browser's 30-second timeout for one.
        if ((await sent.body().count()) === 0) return false;
        found = link.exec(await sent.body().innerText())?.[0];
        return found !== undefined;
      },
      { timeout: 60_000, interval: 1_000 },
    )
    .toBe(true);
  await staff.close();
  return found ?? '';
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

  it('creates an account, verifies it from the emailed link, reports a problem, sees it in My requests, changes a consent, resets a forgotten password and deletes the account', async () => {
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
    const link = await emailedLink(
      browser,
      server.url,
      email,
      'Email verification',
      /http:\/\/localhost:\d+\/account\/verify\?token=[\w-]+/,
    );
    expect(link).toBeTruthy();

    await page.goto(link);
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
    // On a 390 px phone the list fits: nothing scrolls sideways.
    const wide = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    if (wide) await page.setViewportSize(wide);
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

    // Forgotten password: a link from the outbox, a new password twice, then signed in with it.
    const newPassword = 'a newer, longer passphrase';
    await page.getByRole('link', { name: 'Forgotten your password?' }).click();
    await page.waitForURL(/\/account\/password-reset$/);
    await axe();
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.waitForURL(/\/account\/password-reset\/sent$/);
    expect(await page.locator('h1').innerText()).toBe('Check your email');
    await axe();
    const resetLink = await emailedLink(
      browser,
      server.url,
      email,
      'Password reset',
      /http:\/\/localhost:\d+\/account\/password-reset\/new\?token=[\w-]+/,
    );
    await page.goto(resetLink);
    expect(await page.locator('h1').innerText()).toBe('Choose a new password');
    await axe();
    await page.getByRole('textbox', { name: 'New password', exact: true }).fill(newPassword);
    await page.getByRole('textbox', { name: 'Confirm new password', exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.waitForURL(/\/account\/sign-in\?reset=1$/);
    expect(await page.locator('.govuk-notification-banner--success').innerText()).toContain(
      'Your password has been changed',
    );
    await axe();
    await account.signInByKeyboard(email, newPassword);
    expect(await page.locator('h1').innerText()).toBe('Your account');

    // The other pages behind My details pass axe too; then the account is deleted.
    await page.goto(`${server.url}/account/details`);
    await page.locator('[data-test="change-password"]').click();
    await axe();
    await page.goto(`${server.url}/account/details`);
    await page.locator('[data-test="change-email"]').click();
    await axe();
    await page.goto(`${server.url}/account/details`);
    await page.locator('[data-test="delete-account"]').click();
    expect(await page.locator('.govuk-warning-text').innerText()).toContain('cannot be undone');
    await axe();
    await page.getByRole('textbox', { name: 'Enter your password to delete your account' }).fill(newPassword);
    await page.getByRole('button', { name: 'Delete account' }).click();
    await page.waitForURL(/\/account\/deleted$/);
    await axe();
    expect(await account.headerLink('Sign in').count()).toBe(1);
    // The short password's page answers 400 on purpose; nothing else may go wrong in the browser.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await context.close();
  });
});
