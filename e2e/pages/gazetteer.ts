import type { Page } from 'playwright-core';

/** Page objects for the gazetteer: finding an address and reading a property or street. */
export class AddressSearchPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/staff/addresses`);
  }
  searchBox() {
    return this.page.getByRole('combobox', { name: 'Address, postcode or UPRN' });
  }
  plainSearchBox() {
    return this.page.getByLabel('Address, postcode or UPRN');
  }
  suggestions() {
    return this.page.getByRole('option');
  }
  async search(text: string): Promise<void> {
    await this.plainSearchBox().fill(text);
    await this.page.getByRole('button', { name: 'Find address' }).click();
    await this.page.waitForLoadState('load');
  }
  results() {
    return this.page.locator('[data-test="address-results"] tbody tr');
  }
}

export class PropertyPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  address() {
    return this.page.locator('[data-test="property-address"]');
  }
  details() {
    return this.page.locator('[data-test="property-details"]');
  }
  history() {
    return this.page.locator('[data-test="history"]');
  }
}
