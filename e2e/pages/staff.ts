import type { Page } from 'playwright-core';

/** Page objects for the staff interface: what a person sees and does, not CSS details. */
export class SignInPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async signIn(email: string, password: string): Promise<void> {
    await this.page.getByLabel('Email address').fill(email);
    await this.page.getByLabel('Password', { exact: true }).fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.waitForLoadState('load');
  }
  errorSummary() {
    return this.page.locator('.govuk-error-summary');
  }
}

export class StaffLayout {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  signedInUser() {
    return this.page.locator('[data-test="signed-in-user"]');
  }
  async navigationLinks(): Promise<string[]> {
    return this.page.locator('.moj-primary-navigation__link').allInnerTexts();
  }
  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await this.page.waitForLoadState('load');
  }
  async search(text: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: 'Search' }).fill(text);
    await this.page.getByRole('button', { name: 'Search', exact: true }).click();
    await this.page.waitForLoadState('load');
  }
}
