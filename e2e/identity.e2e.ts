import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { ReviewQueuePage } from './pages/identity.ts';
import { SingleViewPage } from './pages/parties.ts';
import { SignInPage } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

const EXTRACT = `TenancyRef,Forename,Surname,DOB,Address,Postcode,Tel,SPD
H1,Robert,Thompson,02/11/1955,"12 Acacia Avenue, Demo Town",SE1 7PB,020 7946 0002,
H2,Zebedee,Quillfeather,01/06/1990,"4 Wharf Road, Demo Town",SE1 9GF,020 7946 0123,Y
H3,Margaret,Thompson,,"14 Acacia Avenue, Demo Town",SE1 7PB,,
`;

const MAPPING = {
  system: 'housing',
  key: 'TenancyRef',
  kind: 'person',
  columns: {
    givenNames: 'Forename',
    familyName: 'Surname',
    dateOfBirth: 'DOB',
    'address.text': 'Address',
    'address.postcode': 'Postcode',
    phone: 'Tel',
  },
  flags: { singlePersonDiscount: { column: 'SPD' } },
};

describe('record linkage review in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gh-e2e-identity-'));
  const files = mkdtempSync(path.join(os.tmpdir(), 'gh-e2e-extract-'));

  beforeAll(async () => {
    server = await startServer({ GUILDHALL_DATA_DIR: dataDir });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  const noAxeViolations = async (page: Page) =>
    expect(describeViolations(await axeViolations(page)), page.url()).toBe('');

  it('supervisor loads an extract with the command, reviews the uncertain pair, accepts it and sees the merged record', async () => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(page).signIn('supervisor@demo-borough.example', DEMO_PASSWORD);
    const queue = new ReviewQueuePage(page);
    await queue.open(server.url);
    await expect.poll(() => queue.emptyState().innerText()).toContain('There are no pairs to review');
    await noAxeViolations(page);

    writeFileSync(path.join(files, 'housing.csv'), EXTRACT);
    writeFileSync(path.join(files, 'mapping.json'), JSON.stringify(MAPPING));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        path.join(ROOT, 'src/cli.ts'),
        'identity',
        'load',
        path.join(files, 'housing.csv'),
        '--mapping',
        path.join(files, 'mapping.json'),
        '--source',
        'housing',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, GUILDHALL_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
      },
    );
    expect(stdout).toContain('1 linked to existing people, 2 created');
    expect(stdout).toContain('1 queued for review');

    await queue.open(server.url);
    await expect.poll(() => queue.pairs().count()).toBe(1);
    const pair = queue.pair('Margaret Thompson and Margaret Thompson');
    expect(await pair.locator('[data-test="comparison"]').innerText()).toContain(
      '14 Acacia Avenue, Demo Town',
    );
    expect(await pair.locator('[data-test="waterfall"]').innerText()).toContain('Starting point');
    await noAxeViolations(page);

    await queue.accept('Margaret Thompson and Margaret Thompson');
    await expect.poll(() => queue.notice().innerText()).toContain('1 pair merged');
    await noAxeViolations(page);
    await queue.openMergedRecord();
    const view = new SingleViewPage(page);
    await expect.poll(() => view.name().innerText()).toContain('Margaret Thompson');
    expect(await page.locator('main').innerText()).toContain('14 Acacia Avenue');
    await noAxeViolations(page);

    for (const url of ['/staff/identity/thresholds', '/staff/identity/quality']) {
      await page.goto(`${server.url}${url}`);
      await noAxeViolations(page);
    }
    expect(await page.locator('main').innerText()).toContain('Missing date of birth');
    expect(problems).toEqual([]);
    await page.close();
  });
});
