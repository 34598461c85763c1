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

/** The report-a-problem journey: where, the service's questions, your details, check, send. */
export class ReportJourney {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }

  async start(baseUrl: string, serviceCode: string): Promise<void> {
    await this.page.goto(`${baseUrl}/services/${serviceCode}`);
    await this.page.getByRole('button', { name: /Start now|Dechrau nawr/ }).click();
    await this.page.waitForURL(/\/request\/where$/);
  }

  async findAddress(text: string): Promise<void> {
    await this.page.getByLabel('Search for an address or postcode').fill(text);
    await this.page.getByRole('button', { name: 'Find address' }).click();
    await this.page.waitForURL(/\/request\/where\?q=/);
  }

  async chooseAddress(address: string | RegExp): Promise<void> {
    await this.page.getByRole('radio', { name: address }).first().check();
    await this.page.getByRole('button', { name: 'Continue' }).first().click();
    await this.page.waitForLoadState('load');
  }

  async continue(): Promise<void> {
    await this.page.getByRole('button', { name: 'Continue' }).click();
    await this.page.waitForLoadState('load');
  }

  heading(): Locator {
    return this.page.locator('h1, legend h1, label h1').first();
  }

  async send(): Promise<string> {
    await this.page.getByRole('button', { name: 'Send' }).click();
    await this.page.waitForURL(/\/track\/GH-/);
    return this.page.locator('[data-test="reference"]').innerText();
  }
}

export class TrackPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }

  async find(baseUrl: string, reference: string, proof: string): Promise<void> {
    await this.page.goto(`${baseUrl}/track`);
    await this.page.getByLabel('Reference', { exact: true }).fill(reference);
    await this.page.getByLabel('Email address or postcode').fill(proof);
    await this.page.getByRole('button', { name: 'Find my request' }).click();
    await this.page.waitForURL(/\/track\/GH-/);
  }

  status(): Locator {
    return this.page.locator('[data-test="status"]');
  }
}

/** A file question in the report journey ("Photo (optional)"), and the check-answers row it makes. */
export class PhotoStep {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }

  async choose(
    label: string | RegExp,
    file: { name: string; mimeType: string; buffer: Buffer },
  ): Promise<void> {
    await this.page.getByLabel(label).setInputFiles(file);
  }

  errorSummary(): Locator {
    return this.page.locator('.govuk-error-summary');
  }

  /** The Remove link on the check-answers row for the file, then the confirmation button. */
  async remove(rowLabel: string): Promise<void> {
    await this.page.getByRole('link', { name: `Remove ${rowLabel}` }).click();
    await this.page.waitForLoadState('load');
  }

  async confirmRemove(): Promise<void> {
    await this.page.getByRole('button', { name: 'Remove file' }).click();
    await this.page.waitForLoadState('load');
  }
}

/** The map on the where-is-it page, shown when the council has a tile server and JavaScript runs. */
export class PinMap {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }

  map(): Locator {
    return this.page.getByRole('img', { name: /select where the problem is/ });
  }

  async point(): Promise<{ lat: string; long: string }> {
    return {
      lat: await this.page.locator('input[name="lat"]').inputValue(),
      long: await this.page.locator('input[name="long"]').inputValue(),
    };
  }
}
