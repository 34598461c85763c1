import type { Page } from 'playwright-core';

/** Page objects for recording contacts: the two form screens, the confirmation and today's list. */
export class RecordContactPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  heading() {
    return this.page.locator('h1');
  }
  caller() {
    return this.page.locator('[data-test="caller"]');
  }
  errorSummary() {
    return this.page.locator('.govuk-error-summary');
  }
  /** Screen 1: how and what about. */
  async chooseStart(options: { channel: string; direction?: string; interaction?: string }): Promise<void> {
    await this.page.getByRole('radio', { name: options.channel, exact: true }).check();
    if (options.direction) await this.page.getByRole('radio', { name: options.direction }).check();
    if (options.interaction)
      await this.page.getByLabel('Type of interaction').selectOption({ label: options.interaction });
  }
  async continue(): Promise<void> {
    await this.page.getByRole('button', { name: 'Continue' }).click();
    await this.page.waitForLoadState('load');
  }
  /** Screen 2: the wrap-up. */
  async wrapUp(options: { outcome: string; avoidableReason?: string; notes?: string }): Promise<void> {
    await this.page.getByRole('radio', { name: options.outcome }).check();
    if (options.avoidableReason) {
      await this.page
        .getByRole('group', { name: 'Was this contact avoidable?' })
        .getByRole('radio', { name: 'Yes' })
        .check();
      await this.page.getByLabel('Why was it avoidable?').selectOption({ label: options.avoidableReason });
    }
    if (options.notes) await this.page.getByLabel('Notes').fill(options.notes);
  }
  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save contact' }).click();
    await this.page.waitForLoadState('load');
  }
  confirmation() {
    return this.page.locator('.govuk-panel');
  }
  details() {
    return this.page.locator('[data-test="contact-details"]');
  }
}

export class ContactsTodayPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/staff/contacts/today`);
  }
  contacts() {
    return this.page.locator('[data-test="contacts"]');
  }
  byOutcome() {
    return this.page.locator('[data-test="by-outcome"]');
  }
  total() {
    return this.page.locator('[data-test="total"]');
  }
}

/** The "Contact history" panel on the party single view. */
export class ContactHistoryPanel {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  panel() {
    return this.page.locator('[data-panel="contact-history"]');
  }
  async recordContact(): Promise<void> {
    await this.panel().getByRole('button', { name: 'Record a contact' }).click();
    await this.page.waitForLoadState('load');
  }
  items() {
    return this.panel().locator('.moj-timeline__item');
  }
}
