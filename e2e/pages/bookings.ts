import type { Locator, Page } from 'playwright-core';

/** Staff administration of bookable resources: the list and the add/edit form. */
export class ResourcesAdminPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }

  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/staff/bookings`);
    await this.page.getByRole('link', { name: 'Manage bookable resources' }).click();
    await this.page.waitForURL(/\/staff\/bookings\/resources$/);
  }

  table(): Locator {
    return this.page.locator('[data-test="resources"]');
  }

  async add(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add a resource' }).click();
    await this.page.waitForURL(/\/resources\/new$/);
  }

  async edit(name: string): Promise<void> {
    await this.page.getByRole('link', { name: `${name} (edit)` }).click();
    await this.page.waitForLoadState('load');
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Add|Save) resource$/ }).click();
    await this.page.waitForLoadState('load');
  }

  errorSummary(): Locator {
    return this.page.locator('.govuk-error-summary');
  }

  banner(): Locator {
    return this.page.locator('.govuk-notification-banner');
  }
}
