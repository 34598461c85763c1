import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/councils/demo.ts';
import { PhotoStep, PinMap, ReportJourney } from './pages/portal.ts';
import { SignInPage } from './pages/staff.ts';
import { axeViolations, describeViolations, launchBrowser, watchForProblems } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

// A real 1×1 PNG: what a phone's camera roll hands over, only smaller.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const TILES = 'https://tiles.example.test';

describe('reporting a problem with a photo and a map pin, on a phone', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ GUILDHALL_DEMO_ADDRESSES: '500', MAP_TILE_URL: `${TILES}/{z}/{x}/{y}.png` });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('drops a pin on the map, adds a photo, removes and re-adds it, and sends it with the report', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    // The tile server is a stand-in: every tile is the same small image.
    await context.route(`${TILES}/**`, (route) => route.fulfill({ body: PNG, contentType: 'image/png' }));
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const journey = new ReportJourney(page);
    const photo = new PhotoStep(page);
    const pin = new PinMap(page);

    await journey.start(server.url, 'street-light-fault');
    // With JavaScript and tiles there is a map; a tap drops the pin and fills in the point.
    await pin.map().waitFor();
    expect(await pin.point()).toEqual({ lat: '', long: '' });
    const box = await pin.map().boundingBox();
    await pin.map().tap({ position: { x: (box?.width ?? 300) / 2, y: (box?.height ?? 200) / 2 } });
    const tapped = await pin.point();
    expect(Number(tapped.lat)).toBeCloseTo(51.504, 1);
    expect(Number(tapped.long)).toBeCloseTo(-0.128, 1);
    // The arrow keys move it too, for people who do not use a pointer.
    await pin.map().focus();
    await page.keyboard.press('ArrowRight');
    expect(Number((await pin.point()).long)).toBeGreaterThan(Number(tapped.long));
    expect(await page.locator('[data-map="status"]').innerText()).toContain('Pin placed');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await page.getByLabel('Describe the location').fill('By the bus shelter');
    await journey.continue();

    await page.getByLabel('Street light number').fill('SL-0412');
    await journey.continue();
    await page.getByRole('radio', { name: 'It flickers or goes on and off' }).check();
    await journey.continue();

    // The photo page: a GOV.UK file upload that says what it takes.
    expect(await journey.heading().innerText()).toBe('Photo (optional)');
    expect(await page.locator('.govuk-hint').first().innerText()).toContain(
      'JPG, PNG or HEIC, smaller than 10MB',
    );
    expect(describeViolations(await axeViolations(page))).toBe('');
    await photo.choose('Photo (optional)', {
      name: 'lamp.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.from('this is not a photo'),
    });
    await journey.continue();
    expect(await photo.errorSummary().innerText()).toContain('The selected file must be a JPG, PNG or HEIC');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await photo.choose('Photo (optional)', { name: 'lamp.png', mimeType: 'image/png', buffer: PNG });
    await journey.continue();

    await journey.continue(); // no phone number
    await page.getByLabel('Email address (optional)').fill('photo.e2e@example.com');
    await journey.continue();
    expect(await journey.heading().innerText()).toBe('Check your answers before sending');
    const answers = page.locator('.govuk-summary-list');
    expect(await answers.innerText()).toContain('lamp.png');
    expect(await answers.innerText()).toContain('By the bus shelter');
    expect(describeViolations(await axeViolations(page))).toBe('');

    // Remove asks first; then the row says there is no file, and Change adds one again.
    await photo.remove('Photo (optional)');
    expect(await journey.heading().innerText()).toBe('Do you want to remove lamp.png?');
    expect(describeViolations(await axeViolations(page))).toBe('');
    await photo.confirmRemove();
    expect(await answers.innerText()).toContain('No file added');
    await page.getByRole('link', { name: 'Change Photo (optional)' }).click();
    await page.waitForLoadState('load');
    await photo.choose('Photo (optional)', { name: 'lamp.png', mimeType: 'image/png', buffer: PNG });
    await journey.continue();
    await page.goto(`${server.url}/services/street-light-fault/request/check`);
    expect(await answers.innerText()).toContain('lamp.png');

    const reference = await journey.send();
    expect(reference).toMatch(/^GH-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(describeViolations(await axeViolations(page))).toBe('');
    // The 400s are the wrong file shown again with its error, on purpose.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);

    // Staff see the photo on the request.
    const staff = await browser.newContext();
    const staffPage = await staff.newPage();
    await staffPage.goto(`${server.url}/staff/sign-in`);
    await new SignInPage(staffPage).signIn('supervisor@demo-borough.example', DEMO_PASSWORD);
    await staffPage.goto(`${server.url}/staff/cases/${reference}`);
    expect(await staffPage.getByRole('link', { name: 'lamp.png' }).count()).toBe(1);
    await staff.close();
    await context.close();
  });

  it('without JavaScript, reports with a photo all the same and shows no map', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    const journey = new ReportJourney(page);
    const photo = new PhotoStep(page);
    await journey.start(server.url, 'street-light-fault');
    expect(await new PinMap(page).map().isVisible()).toBe(false);
    await journey.findAddress('2 high street');
    await journey.chooseAddress(/^2 High Street/);
    await journey.continue();
    await page.getByRole('radio', { name: 'It is not working' }).check();
    await journey.continue();
    await photo.choose('Photo (optional)', { name: 'post.png', mimeType: 'image/png', buffer: PNG });
    await journey.continue();
    await journey.continue();
    await journey.continue();
    expect(await page.locator('.govuk-summary-list').innerText()).toContain('post.png');
    expect(await journey.send()).toMatch(/^GH-/);
    await context.close();
  });
});
