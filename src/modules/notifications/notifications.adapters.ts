import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { NotificationsConfig } from '../../config.ts';
import type { Executor } from '../../platform/db/database.ts';
import { insertOutboxItem } from './notifications.repository.ts';
import type { Channel } from './notifications.templates.ts';

/** A rendered message on its way to a provider. */
export interface OutgoingMessage {
  readonly messageId: string;
  readonly councilId: string;
  readonly channel: Channel;
  /** An email address, or a phone number in E.164. */
  readonly to: string;
  readonly subject: string | null;
  readonly body: string;
}

export interface DeliveryReceipt {
  /** The provider's id for the message, where it gives one. */
  readonly providerId: string | null;
}

/** The provider refused the message and will refuse it again (bad address, bad key): do not retry. */
export class PermanentDeliveryFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryFailure';
  }
}

/** The provider could not take the message now (outage, rate limit, network): retry later. */
export class TemporaryDeliveryFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporaryDeliveryFailure';
  }
}

/** Email and SMS go out through one of these: the outbox (demo), GOV.UK Notify or SMTP. */
export interface NotificationAdapter {
  readonly name: 'outbox' | 'notify' | 'smtp';
  deliver(message: OutgoingMessage): Promise<DeliveryReceipt>;
}

// ---- Outbox ----

/** Keeps messages in Guildhall's own table for staff to read; nothing leaves the building. */
export function createOutboxAdapter(db: Executor): NotificationAdapter {
  return {
    name: 'outbox',
    async deliver(message) {
      const id = await insertOutboxItem(db, message);
      return { providerId: `outbox-${id}` };
    },
  };
}

// ---- GOV.UK Notify ----

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * The bearer token GOV.UK Notify expects: a JWT signed with HS256 using the API key's secret, with
 * `iss` the service id and `iat` the current time in seconds. The key is `{name}-{service id}-{secret}`,
 * where the service id and secret are the last two UUIDs (36 characters each).
 */
export function notifyBearerToken(apiKey: string, now: Date = new Date()): string {
  const serviceId = apiKey.slice(-73, -37);
  const secret = apiKey.slice(-36);
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const claims = base64url(JSON.stringify({ iss: serviceId, iat: Math.floor(now.getTime() / 1000) }));
  const signature = base64url(createHmac('sha256', secret).update(`${header}.${claims}`).digest());
  return `${header}.${claims}.${signature}`;
}

export interface NotifyAdapterOptions {
  apiKey: string;
  baseUrl: string;
  /** A Notify email template whose subject is ((subject)) and body ((body)). */
  emailTemplateId: string;
  /** A Notify text message template whose content is ((body)). */
  smsTemplateId: string;
  timeoutMs?: number;
}

function notifyErrorText(status: number, body: unknown): string {
  const errors = (body as { errors?: { error?: string; message?: string }[] } | null)?.errors;
  const detail = Array.isArray(errors)
    ? errors.map((e) => [e.error, e.message].filter(Boolean).join(': ')).join('; ')
    : '';
  return `GOV.UK Notify answered ${status}${detail ? `: ${detail}` : ''}`;
}

export function createNotifyAdapter(options: NotifyAdapterOptions): NotificationAdapter {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  return {
    name: 'notify',
    async deliver(message) {
      const url = `${baseUrl}/v2/notifications/${message.channel}`;
      const payload =
        message.channel === 'email'
          ? {
              email_address: message.to,
              template_id: options.emailTemplateId,
              personalisation: { subject: message.subject ?? '', body: message.body },
              reference: message.messageId,
            }
          : {
              phone_number: message.to,
              template_id: options.smsTemplateId,
              personalisation: { body: message.body },
              reference: message.messageId,
            };
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${notifyBearerToken(options.apiKey)}`,
            'content-type': 'application/json',
            'user-agent': 'guildhall-notifications',
          },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new TemporaryDeliveryFailure(
          `GOV.UK Notify could not be reached: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const body = (await response.json().catch(() => null)) as unknown;
      if (response.status === 201 || response.status === 200) {
        const id = (body as { id?: unknown } | null)?.id;
        return { providerId: typeof id === 'string' ? id : null };
      }
      // 429 is a rate or daily limit: it passes. Other 4xx (bad address, bad key, team-only key) do not.
      if (response.status >= 400 && response.status < 500 && response.status !== 429)
        throw new PermanentDeliveryFailure(notifyErrorText(response.status, body));
      throw new TemporaryDeliveryFailure(notifyErrorText(response.status, body));
    },
  };
}

// ---- SMTP ----

export interface SmtpAdapterOptions {
  host: string;
  port: number;
  secure: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  /** Accept a self-signed certificate (tests only). */
  allowSelfSigned?: boolean;
}

export function createSmtpAdapter(options: SmtpAdapterOptions): NotificationAdapter {
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    ...(options.user ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    ...(options.allowSelfSigned ? { tls: { rejectUnauthorized: false } } : {}),
  });
  return {
    name: 'smtp',
    async deliver(message) {
      if (message.channel !== 'email')
        throw new PermanentDeliveryFailure(
          'Text messages cannot go out over SMTP; set NOTIFICATIONS_ADAPTER=notify to send them',
        );
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject ?? '',
          text: message.body,
          headers: { 'X-Guildhall-Message-Id': message.messageId },
        });
        return { providerId: info.messageId ?? null };
      } catch (error) {
        const e = error as { responseCode?: number; code?: string; message?: string };
        const text = `The mail server refused the message: ${e.message ?? String(error)}`;
        // 5xx replies (no such mailbox, rejected sender) are final; 4xx and connection trouble pass.
        if (e.responseCode !== undefined && e.responseCode >= 500) throw new PermanentDeliveryFailure(text);
        throw new TemporaryDeliveryFailure(text);
      }
    },
  };
}

/** The adapter the configuration chooses. */
export function adapterFromConfig(config: NotificationsConfig, db: Executor): NotificationAdapter {
  if (
    config.adapter === 'notify' &&
    config.notify.apiKey &&
    config.notify.emailTemplateId &&
    config.notify.smsTemplateId
  )
    return createNotifyAdapter({
      apiKey: config.notify.apiKey,
      baseUrl: config.notify.baseUrl,
      emailTemplateId: config.notify.emailTemplateId,
      smsTemplateId: config.notify.smsTemplateId,
    });
  if (config.adapter === 'smtp' && config.smtp.host && config.smtp.from)
    return createSmtpAdapter({
      host: config.smtp.host,
      port: config.smtp.port,
      secure: config.smtp.secure,
      user: config.smtp.user,
      password: config.smtp.password,
      from: config.smtp.from,
    });
  if (config.adapter !== 'outbox')
    throw new Error(`The ${config.adapter} notifications adapter is not fully configured`);
  return createOutboxAdapter(db);
}
