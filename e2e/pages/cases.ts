import type { Page } from 'playwright-core';

/** Page objects for service requests: raising one, working it, and watching the queues. */
export class RaiseRequestPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async findService(words: string): Promise<void> {
    await this.page.getByLabel('Describe it in the caller’s words').fill(words);
    await this.page.getByRole('button', { name: 'Find a service' }).click();
    await this.page.waitForLoadState('load');
  }
  async chooseService(name: string): Promise<void> {
    await this.page.locator('[data-test="service-results"]').getByRole('link', { name }).click();
    await this.page.waitForLoadState('load');
  }
  async choose(label: string): Promise<void> {
    await this.page.getByLabel(label, { exact: true }).check();
  }
  async fillDate(legend: string, date: Date): Promise<void> {
    const group = this.page.getByRole('group', { name: legend });
    await group.getByLabel('Day').fill(String(date.getUTCDate()));
    await group.getByLabel('Month').fill(String(date.getUTCMonth() + 1));
    await group.getByLabel('Year').fill(String(date.getUTCFullYear()));
  }
  async continue(): Promise<void> {
    await this.page.getByRole('button', { name: 'Continue' }).click();
    await this.page.waitForLoadState('load');
  }
  async submit(): Promise<void> {
    await this.page.getByRole('button', { name: 'Submit request' }).click();
    await this.page.waitForLoadState('load');
  }
  errorSummary() {
    return this.page.locator('.govuk-error-summary');
  }
  reference() {
    return this.page.locator('[data-test="confirmation-reference"]');
  }
}

export class WorkQueuePage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async open(baseUrl: string, query = ''): Promise<void> {
    await this.page.goto(`${baseUrl}/staff/queues${query}`);
  }
  row(reference: string) {
    return this.page.locator(`[data-test="queue-row"][data-reference="${reference}"]`);
  }
  async openRequest(reference: string): Promise<void> {
    await this.row(reference).getByRole('link', { name: reference }).click();
    await this.page.waitForLoadState('load');
  }
  slaTags(): Promise<string[]> {
    return this.page.locator('[data-test="queue-sla"]').allInnerTexts();
  }
}

export class CasePage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  status() {
    return this.page.locator('[data-test="case-status"]');
  }
  assignee() {
    return this.page.locator('[data-test="case-assignee"]');
  }
  async assignToMe(): Promise<void> {
    await this.page.getByRole('button', { name: 'Assign to me' }).click();
    await this.page.waitForLoadState('load');
  }
  /** The message is for staff only unless `seenBy` says the requester, as on the page. */
  async changeStatus(
    status: string,
    outcome?: string,
    message?: string,
    seenBy: 'Staff only' | 'The requester' = 'Staff only',
  ): Promise<void> {
    await this.page.getByLabel('New status').selectOption({ label: status });
    if (outcome)
      await this.page.getByLabel('Outcome (when resolving or cancelling)').selectOption({ label: outcome });
    if (message) await this.page.getByLabel('Message (optional)').fill(message);
    await this.page.getByLabel(seenBy, { exact: true }).check();
    await this.page.getByRole('button', { name: 'Change status' }).click();
    await this.page.waitForLoadState('load');
  }
  timeline() {
    return this.page.locator('[data-test="case-timeline"]');
  }
}

export class SupervisorDashboardPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/staff/supervisor`);
  }
  async total(which: 'open' | 'at-risk' | 'breached' | 'unassigned'): Promise<number> {
    return Number(await this.page.locator(`[data-test="total-${which}"]`).innerText());
  }
  teamRow(team: string) {
    return this.page.locator(`[data-test="team-row"][data-team="${team}"]`);
  }
}
