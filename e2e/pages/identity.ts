import type { Locator, Page } from 'playwright-core';

/** Page objects for record linkage: the review queue a supervisor works through. */
export class ReviewQueuePage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/staff/identity/review`);
  }
  pairs(): Locator {
    return this.page.locator('[data-test="review-pair"]');
  }
  pair(heading: string): Locator {
    return this.pairs().filter({ has: this.page.getByRole('heading', { name: heading }) });
  }
  async accept(heading: string): Promise<void> {
    await this.pair(heading)
      .getByRole('button', { name: /^Accept: same person/ })
      .click();
    await this.page.waitForLoadState('load');
  }
  notice(): Locator {
    return this.page.locator('.govuk-notification-banner');
  }
  async openMergedRecord(): Promise<void> {
    await this.page.locator('[data-test="merged-party-link"]').click();
    await this.page.waitForLoadState('load');
  }
  emptyState(): Locator {
    return this.page.locator('[data-test="review-empty"]');
  }
}
