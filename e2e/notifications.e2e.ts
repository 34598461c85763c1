import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { inTransaction } from '../src/platform/db/transaction.ts';
import { openRuntime } from '../src/runtime.ts';
import { SentMessagesPage } from './pages/notifications.ts';
import { SignInPage } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

describe('sent messages in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-e2e-notify-'));

  beforeAll(async () => {
    server = await startServer({ GUILDHALL_DATA_DIR: dataDir });
    browser = await launchBrowser();
    // Queue a message as a module would, joining the running server's embedded database; the
    // server's own worker delivers it through the outbox adapter.
    const runtime = await openRuntime(loadConfig({ GUILDHALL_DATA_DIR: dataDir, NODE_ENV: 'test' }), {
      role: 'cli',
    });
    try {
      const council = await runtime.services.governance.defaultCouncil();
      await inTransaction(runtime.database.db, (tx) =>
        runtime.services.notifications.send(tx, {
          councilId: council.id,
          template: 'request_received',
          channel: 'email',
          to: 'resident@example.com',
          language: 'cy',
          reference: 'GH-E2E-0001',
          personalisation: {
            reference: 'GH-E2E-0001',
            serviceName: 'Report a pothole',
            trackUrl: 'http://localhost/track/GH-E2E-0001',
            expectedAt: '2026-12-03T17:00:00.000Z',
          },
        }),
      );
    } finally {
      await runtime.close();
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('supervisor finds a message by reference, reads it, and every page passes axe', async () => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn('supervisor@demo-borough.example', DEMO_PASSWORD);
    const messages = new SentMessagesPage(page);
    await messages.open(server.url);
    await messages.search('GH-E2E');
    await expect
      .poll(
        async () => {
          await page.reload();
          // The message's status tag, not the whole table: the table's caption ("Sent messages")
          // would match while the message is still queued. Not there yet: look again next second,
          // rather than wait out the browser's timeout.
          const status = messages.table().locator('tbody .govuk-tag');
          return (await status.count()) === 0 ? '' : status.first().innerText();
        },
        { timeout: 30_000, interval: 1_000 },
      )
      // No email provider is configured for the browser tests, so the outbox keeps the message and
      // says so, rather than claim it was sent.
      .toBe('Kept in outbox (not sent)');
    expect(await messages.table().innerText()).toContain('resident@example.com');
    expect(describeViolations(await axeViolations(page))).toBe('');

    await messages.openMessage('Request received');
    expect(await messages.body().innerText()).toContain('Eich cyfeirnod yw GH-E2E-0001');
    expect(describeViolations(await axeViolations(page))).toBe('');

    await messages.open(server.url);
    await messages.search('nobody-at-all');
    expect(await messages.emptyState().innerText()).toContain('No messages match this search');
    expect(describeViolations(await axeViolations(page))).toBe('');
    expect(problems).toEqual([]);
    await page.close();
  });
});
