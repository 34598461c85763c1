import type { Locator, Page } from 'playwright-core';

/** The citizen portal's start page and what hangs off it. */
export class PortalStartPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }

  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/`);
  }

  topTasks(): Locator {
    return this.page.locator('[data-test="top-tasks"] a');
  }

  async search(text: string): Promise<void> {
    await this.page.getByLabel(/Search for a council service|Chwilio am wasanaeth y cyngor/).fill(text);
    await this.page.getByRole('button', { name: /^(Search|Chwilio)$/ }).click();
    await this.page.waitForURL(/\/search\?/);
  }

  results(): Locator {
    return this.page.locator('[data-test="results"] a');
  }

  async switchLanguage(name: 'Cymraeg' | 'English'): Promise<void> {
    await this.page.getByRole('link', { name }).click();
    await this.page.waitForLoadState('load');
  }
}
