import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

/** The messages Guildhall sends; each has an email and an SMS text, in English and Welsh. */
export const TEMPLATES = [
  'request_received',
  'status_changed',
  'update_added',
  'appointment_reminder',
  'email_verification',
  'account_exists',
  'password_reset',
  'email_change_verification',
  'email_changed',
] as const;
export type TemplateKey = (typeof TEMPLATES)[number];

export const TEMPLATE_LABELS: Record<TemplateKey, string> = {
  request_received: 'Request received',
  status_changed: 'Status changed',
  update_added: 'Update added',
  appointment_reminder: 'Appointment reminder',
  email_verification: 'Email verification',
  account_exists: 'Account already exists',
  password_reset: 'Password reset',
  email_change_verification: 'New email address to confirm',
  email_changed: 'Email address changed',
};

export const CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
export type Language = 'en' | 'cy';

/** Values a template is rendered with; dates travel as ISO strings and are formatted per language. */
export type Personalisation = Record<string, string | number | null | undefined>;

export interface RenderedMessage {
  /** Email only. */
  subject: string | null;
  body: string;
}

const TEMPLATE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'templates');

// Plain text: nothing is HTML-escaped, and a missing value renders as nothing rather than "undefined".
const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATE_DIR, { noCache: false }), {
  autoescape: false,
  trimBlocks: true,
  lstripBlocks: true,
});

export function isTemplateKey(value: string): value is TemplateKey {
  return (TEMPLATES as readonly string[]).includes(value);
}

const LOCALES: Record<Language, string> = { en: 'en-GB', cy: 'cy-GB' };

function formatDate(iso: string, language: Language): string | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat(LOCALES[language], {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/London',
  })
    .format(date)
    .replace(',', ''); // GOV.UK style: Thursday 3 December 2026
}

function formatTime(iso: string, language: Language): string | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat(LOCALES[language], {
    hour: 'numeric',
    minute: '2-digit',
    hour12: language === 'en',
    timeZone: 'Europe/London',
  })
    .format(date)
    .replace(' ', '');
}

/**
 * Renders a template. Email files hold the subject on their first line, then a blank line, then the
 * body. `expectedAt` and `appointmentAt` (ISO) become `expectedDate`, `appointmentDate` and
 * `appointmentTime` in the message's language.
 */
export function renderMessage(
  template: TemplateKey,
  channel: Channel,
  language: Language,
  personalisation: Personalisation,
): RenderedMessage {
  const values: Record<string, unknown> = { ...personalisation };
  if (typeof personalisation.expectedAt === 'string')
    values.expectedDate = formatDate(personalisation.expectedAt, language);
  if (typeof personalisation.appointmentAt === 'string') {
    values.appointmentDate = formatDate(personalisation.appointmentAt, language);
    values.appointmentTime = formatTime(personalisation.appointmentAt, language);
  }
  const text = env.render(`${language}/${template}.${channel}.njk`, values).replace(/\n{3,}/g, '\n\n');
  if (channel === 'sms') return { subject: null, body: text.trim().replace(/\s+/g, ' ') };
  const [subject = '', ...rest] = text.split('\n');
  return { subject: subject.trim(), body: rest.join('\n').trim() };
}
