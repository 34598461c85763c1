import type { Page } from 'playwright-core';

/** The sent messages pages: search, read one message. */
export class SentMessagesPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/staff/notifications`);
  }
  async search(text: string): Promise<void> {
    await this.page.getByLabel('Recipient or reference').fill(text);
    await this.page.getByRole('button', { name: 'Search messages' }).click();
    await this.page.waitForLoadState('load');
  }
  table() {
    return this.page.locator('[data-test="notifications-table"]');
  }
  emptyState() {
    return this.page.locator('[data-test="notifications-empty"]');
  }
  async openMessage(linkText: string): Promise<void> {
    await this.page.getByRole('link', { name: linkText }).first().click();
    await this.page.waitForLoadState('load');
  }
  body() {
    return this.page.locator('[data-test="message-body"]');
  }
}
