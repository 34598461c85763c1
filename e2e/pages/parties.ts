import type { Page } from 'playwright-core';

/** Page objects for the party register: what an agent or supervisor sees and does. */
export class PartySearchPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/staff/parties`);
  }
  async search(text: string): Promise<void> {
    await this.page.getByLabel('Name, date of birth, phone, email, postcode or reference').fill(text);
    await this.page
      .getByRole('search', { name: 'Find a person or organisation' })
      .getByRole('button', { name: 'Find' })
      .click();
    await this.page.waitForLoadState('load');
  }
  resultNames(): Promise<string[]> {
    return this.page.locator('[data-test="party-results"] tbody td:first-child a').allInnerTexts();
  }
  async openResult(name: string): Promise<void> {
    await this.page.locator('[data-test="party-results"]').getByRole('link', { name }).first().click();
    await this.page.waitForLoadState('load');
  }
}

export class PartyFormPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async fillPerson(person: {
    givenNames: string;
    familyName: string;
    day?: string;
    month?: string;
    year?: string;
    phone?: string;
    email?: string;
    postcode?: string;
    address?: string;
  }): Promise<void> {
    await this.page.getByLabel('First names').fill(person.givenNames);
    await this.page.getByLabel('Family name (surname)').fill(person.familyName);
    if (person.day) await this.page.getByLabel('Day').fill(person.day);
    if (person.month) await this.page.getByLabel('Month').fill(person.month);
    if (person.year) await this.page.getByLabel('Year').fill(person.year);
    if (person.address)
      await this.page.getByLabel('Address (optional)', { exact: true }).fill(person.address);
    if (person.postcode) await this.page.getByLabel('Postcode', { exact: true }).fill(person.postcode);
    if (person.phone) await this.page.getByLabel('Phone number (optional)').fill(person.phone);
    if (person.email) await this.page.getByLabel('Email address (optional)').fill(person.email);
  }
  async continue(): Promise<void> {
    await this.page.getByRole('button', { name: 'Continue' }).click();
    await this.page.waitForLoadState('load');
  }
  errorSummary() {
    return this.page.locator('.govuk-error-summary');
  }
  heading() {
    return this.page.locator('h1');
  }
  async noneOfThese(): Promise<void> {
    await this.page.getByRole('button', { name: 'None of these – add a new record' }).click();
    await this.page.waitForLoadState('load');
  }
}

export class SingleViewPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  name() {
    return this.page.locator('[data-test="party-name"]');
  }
  alerts() {
    return this.page.locator('[data-test="party-alert"]');
  }
  banner() {
    return this.page.locator('.govuk-notification-banner');
  }
  relationships() {
    return this.page.locator('[data-test="relationships"]');
  }
  identifiers() {
    return this.page.locator('[data-test="identifiers"]');
  }
  async startMerge(): Promise<void> {
    await this.page.getByRole('link', { name: 'Merge a duplicate into this record' }).click();
    await this.page.waitForLoadState('load');
  }
  async undoMerge(): Promise<void> {
    await this.page
      .getByRole('button', { name: /Undo merge/ })
      .first()
      .click();
    await this.page.waitForLoadState('load');
  }
}

export class MergePage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async chooseCandidate(name: RegExp): Promise<void> {
    await this.page.locator('[data-test="merge-candidates"]').getByRole('link', { name }).first().click();
    await this.page.waitForLoadState('load');
  }
  async keepFromDuplicate(field: string): Promise<void> {
    await this.page.getByRole('group', { name: field }).getByRole('radio').nth(1).check();
  }
  async merge(): Promise<void> {
    await this.page.getByRole('button', { name: 'Merge records' }).click();
    await this.page.waitForLoadState('load');
  }
}

/** The pages that change a party (details, alerts): fill by label, submit by the button's name. */
export class PartyChangePage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async fill(label: string, value: string): Promise<void> {
    await this.page.getByLabel(label, { exact: true }).fill(value);
  }
  async choose(label: string): Promise<void> {
    await this.page.getByLabel(label, { exact: true }).check();
  }
  async submit(button: string): Promise<void> {
    await this.page.getByRole('button', { name: button }).click();
    await this.page.waitForLoadState('load');
  }
  errorSummary() {
    return this.page.locator('.govuk-error-summary');
  }
  successBanner() {
    return this.page.locator('[data-test="changed-banner"]');
  }
}
