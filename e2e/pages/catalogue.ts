import type { Page } from 'playwright-core';

/** The agent's service finder and question screens. */
export class ServiceFinderPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async find(words: string): Promise<void> {
    await this.page.getByLabel('What does the caller need?').fill(words);
    await this.page.getByRole('button', { name: 'Find', exact: true }).click();
    await this.page.waitForLoadState('load');
  }
  async resultNames(): Promise<string[]> {
    return (await this.page.locator('[data-test="finder-results"] h3 a').allInnerTexts()).map((t) =>
      t.trim(),
    );
  }
  async open(name: string): Promise<void> {
    await this.page.getByRole('link', { name, exact: true }).click();
    await this.page.waitForLoadState('load');
  }
}

export class ServiceFormPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async submit(button = 'Check answers'): Promise<void> {
    await this.page.getByRole('button', { name: button }).click();
    await this.page.waitForLoadState('load');
  }
  errorSummary() {
    return this.page.locator('.govuk-error-summary');
  }
  async choose(label: string): Promise<void> {
    await this.page.getByLabel(label, { exact: true }).check();
  }
  async fill(label: string, value: string): Promise<void> {
    await this.page.getByLabel(label, { exact: true }).fill(value);
  }
  async continue(): Promise<void> {
    await this.submit('Continue');
  }
}

/** The administrator's catalogue: list, service page, question builder. */
export class CatalogueAdminPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async search(words: string): Promise<void> {
    await this.page.getByLabel('Find services').fill(words);
    await this.page.getByRole('button', { name: 'Apply' }).click();
    await this.page.waitForLoadState('load');
  }
  async clickLink(name: string): Promise<void> {
    await this.page.getByRole('link', { name, exact: true }).first().click();
    await this.page.waitForLoadState('load');
  }
  async clickButton(name: string): Promise<void> {
    await this.page.getByRole('button', { name }).first().click();
    await this.page.waitForLoadState('load');
  }
  async questionCodes(): Promise<string[]> {
    return (
      await this.page
        .locator('[data-test="questions-table"] tbody td:first-child .govuk-hint')
        .allInnerTexts()
    ).map((t) => t.split('·')[0]?.trim() ?? '');
  }
  notice() {
    return this.page.locator('.govuk-notification-banner');
  }
}
