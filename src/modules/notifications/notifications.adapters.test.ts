import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeNotify, startFakeNotify } from '../../../test/support/fake-notify.ts';
import {
  createNotifyAdapter,
  createSmtpAdapter,
  notifyBearerToken,
  PermanentDeliveryFailure,
  TemporaryDeliveryFailure,
} from './notifications.adapters.ts';
import { renderMessage } from './notifications.templates.ts';

const email = {
  messageId: '0190a5b0-0000-7000-8000-000000000001',
  councilId: '0190a5b0-0000-7000-8000-0000000000aa',
  channel: 'email' as const,
  to: 'resident@example.com',
  subject: 'We have your request',
  body: 'Thank you.',
};
const sms = { ...email, channel: 'sms' as const, to: '+447700900982', subject: null };

describe('message templates', () => {
  const personalisation = {
    councilName: 'Demo Borough Council',
    reference: 'GH-2026-000123',
    serviceName: 'Report a missed bin',
    status: 'In progress',
    expectedAt: '2026-12-03T17:00:00.000Z',
    trackUrl: 'https://demo.example/track/abc',
  };

  it('renders an email subject and body with the personalisation, dates in UK form', () => {
    const message = renderMessage('request_received', 'email', 'en', personalisation);
    expect(message.subject).toBe('We have your request: Report a missed bin (GH-2026-000123)');
    expect(message.body).toContain('Your reference is GH-2026-000123.');
    expect(message.body).toContain('by Thursday 3 December 2026');
    expect(message.body).toContain('https://demo.example/track/abc');
    expect(message.body).not.toMatch(/undefined|null|\n{3}/);
  });

  it('renders Welsh, with Welsh dates', () => {
    const message = renderMessage('request_received', 'email', 'cy', personalisation);
    expect(message.subject).toBe('Mae eich cais wedi dod i law: Report a missed bin (GH-2026-000123)');
    expect(message.body).toContain('Dydd Iau 3 Rhagfyr 2026');
  });

  it('renders a text message on one line and leaves out what is missing', () => {
    const message = renderMessage('status_changed', 'sms', 'en', { ...personalisation, expectedAt: null });
    expect(message.subject).toBeNull();
    expect(message.body).toBe(
      'Demo Borough Council: your request GH-2026-000123 (Report a missed bin) is now: In progress. Track it: https://demo.example/track/abc',
    );
  });

  it('has every template in both languages and both channels, without HTML escaping', () => {
    for (const template of [
      'request_received',
      'status_changed',
      'update_added',
      'appointment_reminder',
      'email_verification',
      'account_exists',
      'password_reset',
      'email_change_verification',
      'email_changed',
    ] as const)
      for (const language of ['en', 'cy'] as const)
        for (const channel of ['email', 'sms'] as const) {
          const message = renderMessage(template, channel, language, {
            ...personalisation,
            serviceName: 'Bins & boxes',
            update: 'We will come back on Monday & Tuesday',
            appointmentAt: '2026-12-01T14:30:00.000Z',
            code: '123456',
          });
          expect(message.body.length).toBeGreaterThan(20);
          if (
            ['request_received', 'status_changed', 'update_added', 'appointment_reminder'].includes(template)
          )
            expect(message.body).toContain('&');
        }
    expect(
      renderMessage('appointment_reminder', 'sms', 'en', {
        ...personalisation,
        appointmentAt: '2026-12-01T14:30:00.000Z',
      }).body,
    ).toContain('on Tuesday 1 December 2026 at 2:30pm');
  });

  it('renders the account emails: a reset link or, without a password, where to sign in; a masked new address', () => {
    const reset = renderMessage('password_reset', 'email', 'en', {
      councilName: 'Demo Borough Council',
      resetUrl: 'https://demo.example/account/password-reset/new?token=abc',
      expiresInHours: 1,
    });
    expect(reset.subject).toBe('Reset your password');
    expect(reset.body).toContain('https://demo.example/account/password-reset/new?token=abc');
    expect(reset.body).toContain('The link expires in 1 hour and works once.');
    const noPassword = renderMessage('password_reset', 'email', 'cy', {
      councilName: 'Cyngor Bwrdeistref Demo',
      signInUrl: 'https://demo.example/account/sign-in',
      oidcProvider: 'GOV.UK One Login',
    });
    expect(noPassword.subject).toBe('Ailosod eich cyfrinair');
    expect(noPassword.body).toContain('rydych yn mewngofnodi gyda GOV.UK One Login');
    expect(noPassword.body).not.toContain('token=');
    const changed = renderMessage('email_changed', 'email', 'en', {
      councilName: 'Demo Borough Council',
      newEmail: 'n***@example.com',
    });
    expect(changed.body).toContain('has been changed from this address to n***@example.com');
  });
});

describe('GOV.UK Notify adapter', () => {
  let notify: FakeNotify;
  beforeAll(async () => {
    notify = await startFakeNotify();
  });
  afterAll(() => notify?.close());

  const adapter = () =>
    createNotifyAdapter({
      apiKey: notify.apiKey,
      baseUrl: notify.url,
      emailTemplateId: 'f33517ff-2a88-4f6e-b855-c550268ce08a',
      smsTemplateId: 'a4e1b2c3-d4e5-4f60-8a7b-8c9d0e1f2a3b',
    });

  it('builds the bearer token from the key: HS256, iss the service id, iat now', () => {
    const token = notifyBearerToken(notify.apiKey, new Date('2026-11-22T12:00:00Z'));
    const [head, claims, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(head ?? '', 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(JSON.parse(Buffer.from(claims ?? '', 'base64url').toString())).toEqual({
      iss: notify.serviceId,
      iat: 1795348800,
    });
    const expected = createHmac('sha256', notify.apiKey.slice(-36))
      .update(`${head}.${claims}`)
      .digest('base64url');
    expect(signature).toBe(expected);
  });

  it('posts emails and texts to Notify with the templates and the rendered text', async () => {
    expect(await adapter().deliver(email)).toEqual({ providerId: expect.stringMatching(/^notify-/) });
    expect(await adapter().deliver(sms)).toEqual({ providerId: expect.stringMatching(/^notify-/) });
    expect(notify.requests.slice(-2)).toEqual([
      {
        path: '/v2/notifications/email',
        body: {
          email_address: 'resident@example.com',
          template_id: 'f33517ff-2a88-4f6e-b855-c550268ce08a',
          personalisation: { subject: 'We have your request', body: 'Thank you.' },
          reference: email.messageId,
        },
      },
      {
        path: '/v2/notifications/sms',
        body: {
          phone_number: '+447700900982',
          template_id: 'a4e1b2c3-d4e5-4f60-8a7b-8c9d0e1f2a3b',
          personalisation: { body: 'Thank you.' },
          reference: email.messageId,
        },
      },
    ]);
  });

  it('treats a 400 as permanent and a 429 or 500 as temporary, quoting Notify', async () => {
    notify.respondWith({
      status: 400,
      errors: [{ error: 'ValidationError', message: 'phone_number Not a UK mobile number' }],
    });
    await expect(adapter().deliver(sms)).rejects.toThrow(
      new PermanentDeliveryFailure(
        'GOV.UK Notify answered 400: ValidationError: phone_number Not a UK mobile number',
      ),
    );
    notify.respondWith({
      status: 429,
      errors: [{ error: 'RateLimitError', message: 'Exceeded rate limit' }],
    });
    await expect(adapter().deliver(sms)).rejects.toBeInstanceOf(TemporaryDeliveryFailure);
    notify.respondWith({ status: 500, errors: [{ error: 'Exception', message: 'Internal server error' }] });
    await expect(adapter().deliver(email)).rejects.toBeInstanceOf(TemporaryDeliveryFailure);
  });

  it('is refused by Notify with a wrong key, and that is permanent', async () => {
    const wrong = createNotifyAdapter({
      apiKey: `guildhall_test-${notify.serviceId}-00000000-0000-4000-8000-000000000000`,
      baseUrl: notify.url,
      emailTemplateId: 'f33517ff-2a88-4f6e-b855-c550268ce08a',
      smsTemplateId: 'a4e1b2c3-d4e5-4f60-8a7b-8c9d0e1f2a3b',
    });
    await expect(wrong.deliver(email)).rejects.toThrow(/403: AuthError: Invalid token: signature/);
    await expect(wrong.deliver(email)).rejects.toBeInstanceOf(PermanentDeliveryFailure);
  });

  it('treats an unreachable Notify as temporary', async () => {
    const down = createNotifyAdapter({
      apiKey: notify.apiKey,
      baseUrl: 'http://127.0.0.1:1',
      emailTemplateId: 'f33517ff-2a88-4f6e-b855-c550268ce08a',
      smsTemplateId: 'a4e1b2c3-d4e5-4f60-8a7b-8c9d0e1f2a3b',
    });
    await expect(down.deliver(email)).rejects.toBeInstanceOf(TemporaryDeliveryFailure);
  });
});

describe('SMTP adapter', () => {
  const received: { from: string; to: string[]; data: string }[] = [];
  let server: SMTPServer;
  let port: number;
  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith('@nowhere.example'))
          return callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
        if (address.address.endsWith('@busy.example'))
          return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString(),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const adapter = () =>
    createSmtpAdapter({
      host: '127.0.0.1',
      port,
      secure: false,
      from: 'Demo Borough <noreply@demo.example>',
    });

  it('sends an email with the subject, text and our message id', async () => {
    const receipt = await adapter().deliver(email);
    expect(receipt.providerId).toMatch(/^<.+>$/);
    const mail = received.at(-1);
    expect(mail?.from).toBe('noreply@demo.example');
    expect(mail?.to).toEqual(['resident@example.com']);
    expect(mail?.data).toContain('Subject: We have your request');
    expect(mail?.data).toContain('Thank you.');
    expect(mail?.data).toMatch(new RegExp(`X-Guildhall-Message-Id: ${email.messageId}`, 'i'));
  });

  it('treats a 5xx refusal as permanent and a 4xx as temporary', async () => {
    await expect(adapter().deliver({ ...email, to: 'someone@nowhere.example' })).rejects.toBeInstanceOf(
      PermanentDeliveryFailure,
    );
    await expect(adapter().deliver({ ...email, to: 'someone@busy.example' })).rejects.toBeInstanceOf(
      TemporaryDeliveryFailure,
    );
  });

  it('cannot send text messages', async () => {
    await expect(adapter().deliver(sms)).rejects.toThrow(/Text messages cannot go out over SMTP/);
  });
});
