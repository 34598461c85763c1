import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, createTestApp, csrfFrom, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { acceptedTypes, checkUpload, createPortalUploads, sniffType } from './portal.uploads.ts';

// A real 1×1 PNG, and the first bytes of a JPEG, a WebP and a HEIC file.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([1, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const HEIC = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(12)]);

describe('checking an uploaded file', () => {
  it('knows a file by its first bytes, not its name', () => {
    expect(sniffType(PNG)).toBe('image/png');
    expect(sniffType(JPEG)).toBe('image/jpeg');
    expect(sniffType(WEBP)).toBe('image/webp');
    expect(sniffType(HEIC)).toBe('image/heic');
    expect(sniffType(Buffer.from('%PDF-1.7\n'))).toBe('application/pdf');
    expect(sniffType(Buffer.from('MZ this is a program'))).toBeNull();
  });

  it('takes the types a question accepts, or photos when it does not say', () => {
    expect(acceptedTypes(['jpg', 'jpeg', 'png', 'heic'])).toEqual(['image/jpeg', 'image/png', 'image/heic']);
    expect(acceptedTypes(['pdf'])).toEqual(['application/pdf']);
    expect(acceptedTypes(undefined)).toEqual(['image/jpeg', 'image/png', 'image/heic', 'image/webp']);
  });

  it('refuses empty, too big and wrong files, and keeps only the name of a path', () => {
    const photos = acceptedTypes(undefined);
    const file = (content: Buffer, filename = 'x.png', truncated = false) => ({
      filename,
      content,
      truncated,
    });
    expect(checkUpload(file(Buffer.alloc(0)), photos, 100)).toEqual({ ok: false, problem: 'empty' });
    expect(checkUpload(file(PNG, 'x.png', true), photos, 100)).toEqual({ ok: false, problem: 'too_big' });
    expect(checkUpload(file(Buffer.alloc(101, 1)), photos, 100)).toEqual({ ok: false, problem: 'too_big' });
    expect(checkUpload(file(Buffer.from('not a picture'), 'x.jpg'), photos, 100)).toEqual({
      ok: false,
      problem: 'wrong_type',
    });
    expect(checkUpload(file(Buffer.from('%PDF-1.7'), 'x.pdf'), photos, 100)).toEqual({
      ok: false,
      problem: 'wrong_type',
    });
    expect(checkUpload(file(PNG, 'C:\\Users\\me\\lamp.png'), photos, 100)).toEqual({
      ok: true,
      contentType: 'image/png',
      filename: 'lamp.png',
    });
  });
});

describe.each(testDatabaseKinds())('a photo with a report on the portal (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, {
      GUILDHALL_DEMO_ADDRESSES: '200',
      MAP_TILE_URL: 'https://tiles.example.test/{z}/{x}/{y}.png',
    });
  });
  afterAll(() => t?.close());

  /** A visitor's browser: keeps cookies and the latest CSRF token; posts forms or multipart forms. */
  function visitor() {
    let cookie = '';
    let csrf = '';
    const remember = (response: LightMyRequestResponse) => {
      cookie = cookieHeader(response, cookie);
      if (response.body.includes('name="_csrf"')) csrf = csrfFrom(response.body);
      return response;
    };
    return {
      get: async (url: string) => remember(await t.app.inject({ method: 'GET', url, headers: { cookie } })),
      post: async (url: string, form: Record<string, string>) =>
        remember(
          await t.app.inject({
            method: 'POST',
            url,
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
          }),
        ),
      /** A multipart form as a browser sends it, with one file field. */
      upload: async (
        url: string,
        file: { field: string; name: string; type: string; content: Buffer } | null,
        options: { csrf?: boolean } = {},
      ) => {
        const form = new FormData();
        if (options.csrf !== false) form.append('_csrf', csrf);
        if (file)
          form.append(file.field, new Blob([new Uint8Array(file.content)], { type: file.type }), file.name);
        else form.append('photo', new Blob([], { type: 'application/octet-stream' }), '');
        const encoded = new Response(form);
        return remember(
          await t.app.inject({
            method: 'POST',
            url,
            headers: { cookie, 'content-type': encoded.headers.get('content-type') ?? '' },
            payload: Buffer.from(await encoded.arrayBuffer()),
          }),
        );
      },
    };
  }

  const base = '/services/street-light-fault/request';

  /** Starts a street light report at a typed description and answers up to the photo page. */
  async function toPhotoPage(browser: ReturnType<typeof visitor>) {
    await browser.get('/services/street-light-fault');
    await browser.post('/services/street-light-fault/start', {});
    await browser.get(`${base}/where`);
    let step = await browser.post(`${base}/where`, { description: 'Outside the library on Park Road' });
    expect(step.headers.location).toBe(`${base}/1`);
    await browser.get(`${base}/1`);
    step = await browser.post(`${base}/1`, { column_number: '' });
    step = await browser.post(`${base}/3`, { fault: 'flickering' });
    expect(step.headers.location).toBe(`${base}/4`);
    return browser.get(`${base}/4`);
  }

  it('adds a photo, shows it on check answers with Change and Remove, and attaches it to the request', async () => {
    const browser = visitor();
    const page = await toPhotoPage(browser);
    expect(page.body).toContain('enctype="multipart/form-data"');
    expect(page.body).toContain('accept="image/jpeg,.jpg,.jpeg,image/png,.png,image/heic,.heic,.heif"');
    expect(page.body).toContain('JPG, PNG or HEIC, smaller than 10MB.');

    // A form without its CSRF token is refused, multipart or not.
    const forged = await browser.upload(
      `${base}/4`,
      { field: 'photo', name: 'lamp.png', type: 'image/png', content: PNG },
      { csrf: false },
    );
    expect(forged.statusCode).toBe(403);

    // A program renamed to .jpg: refused by what it is, with the GOV.UK message.
    const wrong = await browser.upload(`${base}/4`, {
      field: 'photo',
      name: 'lamp.jpg',
      type: 'image/jpeg',
      content: Buffer.from('MZ\x90\x00 not really a photo'),
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('govuk-error-summary');
    expect(wrong.body).toContain('The selected file must be a JPG, PNG or HEIC');
    expect(wrong.body).toContain('href="#photo"');

    const huge = await browser.upload(`${base}/4`, {
      field: 'photo',
      name: 'huge.jpg',
      type: 'image/jpeg',
      content: Buffer.concat([JPEG, Buffer.alloc(10 * 1024 * 1024)]),
    });
    expect(huge.statusCode).toBe(400);
    expect(huge.body).toContain('The selected file must be smaller than 10MB');

    const sent = await browser.upload(`${base}/4`, {
      field: 'photo',
      name: 'lamp.png',
      type: 'image/png',
      content: PNG,
    });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`${base}/5`);
    // Back on the page, it says which file is held; continuing without a new one keeps it.
    expect((await browser.get(`${base}/4`)).body).toContain('You’ve added lamp.png');
    expect((await browser.upload(`${base}/4`, null)).headers.location).toBe(`${base}/5`);

    await browser.post(`${base}/5`, { contact_phone: '' });
    await browser.post(`${base}/details`, { firstName: '', lastName: '', email: '' });
    const check = await browser.get(`${base}/check`);
    const row = /Photo \(optional\)[\s\S]*?<\/div>\s*<\/div>/.exec(check.body)?.[0] ?? '';
    expect(row).toContain('lamp.png');
    expect(row).toContain(`href="${base}/4"`);
    expect(row).toContain(`href="${base}/remove-file/photo"`);

    // Remove asks first (no change on a GET), then the row says there is no file.
    const confirm = await browser.get(`${base}/remove-file/photo`);
    expect(confirm.body).toContain('Do you want to remove lamp.png?');
    expect((await browser.post(`${base}/remove-file/photo`, {})).headers.location).toBe(`${base}/check`);
    const without = await browser.get(`${base}/check`);
    expect(without.body).toContain('No file added');
    expect(without.body).not.toContain('lamp.png');

    // Add it again and send: the request carries the photo as an attachment, byte for byte.
    await browser.get(`${base}/4`);
    await browser.upload(`${base}/4`, { field: 'photo', name: 'lamp', type: 'image/png', content: PNG });
    await browser.get(`${base}/check`);
    const done = await browser.post(`${base}/check`, {});
    expect(done.statusCode).toBe(303);
    const reference = /^\/track\/([A-Z0-9-]+)\?sent=1$/.exec(done.headers.location ?? '')?.[1] ?? '';
    const detail = await t.runtime.services.cases.detail(t.councilId, reference);
    expect(detail.attachments).toHaveLength(1);
    const attachment = detail.attachments[0];
    // A name without an extension gets the one its content says.
    expect(attachment).toMatchObject({ filename: 'lamp.png', contentType: 'image/png' });
    const stored = await t.runtime.services.cases.getAttachment(t.councilId, reference, attachment?.id ?? '');
    expect(Buffer.compare(Buffer.from(stored.content), PNG)).toBe(0);
    expect(detail.record.answers).toMatchObject({ photo: 'lamp.png', fault: 'flickering' });
    // Sent: nothing is held for the journey any more.
    const held = await sql<{ n: number }>`select count(*)::int as n from portal_upload`.execute(
      t.runtime.database.db,
    );
    expect(held.rows[0]?.n).toBe(0);
  });

  it('purges photos held for journeys no session has any more, and keeps those in progress', async () => {
    const abandoned = visitor();
    await toPhotoPage(abandoned);
    await abandoned.upload(`${base}/4`, { field: 'photo', name: 'old.png', type: 'image/png', content: PNG });
    // Starting again replaces the journey; its photo is now held for nobody.
    await abandoned.post('/services/street-light-fault/start', {});
    const current = visitor();
    await toPhotoPage(current);
    await current.upload(`${base}/4`, { field: 'photo', name: 'new.png', type: 'image/png', content: PNG });

    const names = async () =>
      (
        await sql<{ filename: string }>`select filename from portal_upload order by filename`.execute(
          t.runtime.database.db,
        )
      ).rows.map((r) => r.filename);
    expect(await names()).toEqual(['new.png', 'old.png']);
    // Within the hour's grace nothing goes; after it, only the orphan.
    expect(await t.runtime.services.portalUploads.purgeOrphans()).toBe(0);
    const later = createPortalUploads(t.runtime.database.db, () => new Date(Date.now() + 2 * 3_600_000));
    expect(await later.purgeOrphans()).toBe(1);
    expect(await names()).toEqual(['new.png']);
    // When the session itself expires, its photos go too.
    const dayLater = createPortalUploads(t.runtime.database.db, () => new Date(Date.now() + 25 * 3_600_000));
    expect(await dayLater.purgeOrphans()).toBe(1);
    expect(await names()).toEqual([]);
  });

  it('offers a map to drop a pin on where tiles are configured, and refuses a point outside the council’s area', async () => {
    const browser = visitor();
    await browser.get('/services/street-light-fault');
    await browser.post('/services/street-light-fault/start', {});
    const where = await browser.get(`${base}/where`);
    expect(where.body).toContain('data-module="app-map-pin"');
    expect(where.body).toContain('href="https://tiles.example.test/16/');
    expect(where.headers['content-security-policy']).toContain('https://tiles.example.test');

    // Edinburgh is in Great Britain but not in Demo Borough.
    const outside = await browser.post(`${base}/where`, { description: '', lat: '55.9533', long: '-3.1883' });
    expect(outside.statusCode).toBe(400);
    expect(outside.body).toContain('This location is outside the area Demo Borough Council looks after');
    const inside = await browser.post(`${base}/where`, { description: '', lat: '51.5072', long: '-0.1276' });
    expect(inside.headers.location).toBe(`${base}/1`);
    // Back on the page, the map is centred on the pin.
    const again = await browser.get(`${base}/where`);
    expect(again.body).toContain('href="https://tiles.example.test/17/');
    expect(again.body).not.toContain('visibility="hidden"');
  });
});
