import type { Locator, Page } from 'playwright-core';

/** A citizen's account on the portal: create, sign in, My requests, My details. */
export class AccountPages {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }

  async create(details: { givenNames: string; familyName: string; email: string; password: string }) {
    await this.page.getByLabel('First name').fill(details.givenNames);
    await this.page.getByLabel('Last name').fill(details.familyName);
    await this.page.getByLabel('Email address').fill(details.email);
    await this.page.getByRole('textbox', { name: 'Password' }).fill(details.password);
    await this.page.getByRole('button', { name: 'Create account' }).click();
    await this.page.waitForURL(/\/account\/check-email$/);
  }

  /** Signs in by keyboard: the fields are typed into and the form sent with Enter. */
  async signInByKeyboard(email: string, password: string): Promise<void> {
    await this.page.getByLabel('Email address').focus();
    await this.page.keyboard.type(email);
    await this.page.keyboard.press('Tab');
    await this.page.keyboard.type(password);
    await this.page.keyboard.press('Enter');
    await this.page.waitForURL(/\/account$/);
  }

  headerLink(name: string): Locator {
    return this.page.locator('.govuk-service-navigation').getByRole('link', { name, exact: true });
  }

  async signOut(): Promise<void> {
    await this.page.locator('.govuk-service-navigation').getByRole('button', { name: 'Sign out' }).click();
    await this.page.waitForURL(/\/account\/sign-in\?signedOut=1$/);
  }

  myRequests(): Locator {
    return this.page.locator('[data-test="my-requests"]');
  }
}
