import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { type AuditContext, recordAudit } from '../../platform/audit/audit.ts';
import type { Executor, Tx } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { StoredDomainEvent } from '../../platform/events/outbox.ts';
import { ValidationFailed } from '../../platform/http/errors.ts';
import { publicLink } from '../../platform/http/public-link.ts';
import type { JobSender } from '../../platform/jobs/jobs.ts';
import {
  type NotificationAdapter,
  PermanentDeliveryFailure,
  TemporaryDeliveryFailure,
} from './notifications.adapters.ts';
import { MessageNotFound } from './notifications.errors.ts';
import * as repo from './notifications.repository.ts';
import {
  type Channel,
  isTemplateKey,
  type Language,
  type Personalisation,
  renderMessage,
  type TemplateKey,
} from './notifications.templates.ts';

/**
 * What a case event said, from its payload (codes and ids only). A message tells of its own event, not
 * of the case as it stands when the job runs: by then later changes may have been made.
 */
export interface CaseEventFacts {
  /** case.status_changed: the status the request moved to, and the outcome recorded with it. */
  status?: string | null | undefined;
  outcome?: string | null | undefined;
  /** case.update_added: the public update that was added; case.status_changed: the message given with it. */
  updateId?: string | null | undefined;
}

/** What a case notification says; the cases module answers this for a case id and an event's facts. */
export interface CaseNotificationDetails {
  caseId: string;
  reference: string;
  serviceName: string;
  /** The status the event moved the request to; the request's current status when the event has none. */
  statusLabel: string;
  /** The outcome recorded with the event's status change, if any. */
  outcomeLabel: string | null;
  expectedAt: Date | null;
  partyId: string | null;
  email: string | null;
  phone: string | null;
  /** Where the person follows the request on the public site: a path, such as /track/GH-7KQ2-M4XD. */
  trackPath: string;
  /** The text of the event's public update; null when the event added none (or it is not public). */
  update: string | null;
  language: 'en' | 'cy';
}
export type CaseNotificationLookup = (
  councilId: string,
  caseId: string,
  facts?: CaseEventFacts,
) => Promise<CaseNotificationDetails | null>;

/** A party's communication needs and consents, as the parties module holds them. */
export interface RecipientPreferences {
  /** The party's language; null when it is neither English nor Welsh. */
  language: Language | null;
  /** phone, email, sms, post or in_person; null when the party has not said. */
  preferredChannel: string | null;
  /** The party's email addresses and phone numbers (E.164), with their do-not-contact flags. */
  contactPoints: readonly { kind: 'email' | 'phone'; value: string; doNotContact: boolean }[];
}
/** Reads a party's preferences; null when there is no such party. */
export type RecipientLookup = (councilId: string, partyId: string) => Promise<RecipientPreferences | null>;

export interface NotificationsDeps {
  jobs: JobSender;
  adapter: NotificationAdapter;
  /** Turns case events into messages; without it case events are passed over. */
  caseLookup?: CaseNotificationLookup | undefined;
  /** Consents and communication needs; without it no opt-out can be honoured (see docs/notifications.md). */
  recipients?: RecipientLookup | undefined;
  /** The council's name, to sign messages with. */
  councilName?: ((councilId: string) => Promise<string>) | undefined;
  /** The public site's address (config.publicUrl), so that links in messages are whole addresses. */
  publicUrl: string;
}

export interface SendRequest {
  councilId: string;
  template: TemplateKey;
  channel: Channel;
  /** An email address, or a UK or international phone number. */
  to: string;
  language?: Language | undefined;
  partyId?: string | null | undefined;
  /** What the message is about (a case reference), for staff searching the sent messages. */
  reference?: string | null | undefined;
  personalisation: Personalisation;
  /** Makes sending idempotent: a second send with the same key does nothing. */
  sourceKey?: string | undefined;
}

export const DELIVER_JOB = 'notifications.deliver';
export const CASE_EVENT_JOB = 'notifications.case-event';
/** Temporary failures retry with exponential backoff from 30 seconds: 7 retries over one to two hours. */
export const DELIVERY_RETRY = { retryLimit: 7, retryDelay: 30, retryBackoff: true } as const;
const MAX_ATTEMPTS = DELIVERY_RETRY.retryLimit + 1;

export const CASE_EVENTS = ['case.created', 'case.status_changed', 'case.update_added'] as const;
const CASE_TEMPLATES: Record<(typeof CASE_EVENTS)[number], TemplateKey> = {
  'case.created': 'request_received',
  'case.status_changed': 'status_changed',
  'case.update_added': 'update_added',
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** An email address in lower case, or a phone number in E.164; null when it is neither. */
export function normaliseRecipient(channel: Channel, value: string): string | null {
  const trimmed = value.trim();
  if (channel === 'email') return EMAIL.test(trimmed) && trimmed.length <= 320 ? trimmed.toLowerCase() : null;
  const phone = parsePhoneNumberFromString(trimmed, 'GB');
  return phone?.isValid() ? phone.number : null;
}

/** Whether a number can take a text message: UK mobiles (07…) and any number abroad. */
function textable(e164: string): boolean {
  if (!e164.startsWith('+44')) return true;
  return e164.startsWith('+447') && !e164.startsWith('+4470') && !e164.startsWith('+4476');
}

function optedOut(preferences: RecipientPreferences, channel: Channel, recipient: string): boolean {
  const kind = channel === 'email' ? 'email' : 'phone';
  return preferences.contactPoints.some(
    (c) => c.kind === kind && c.doNotContact && normaliseRecipient(channel, c.value) === recipient,
  );
}

/** The facts a case event's job carries from its payload: codes and ids only, never personal data. */
function caseEventFacts(event: StoredDomainEvent): CaseEventFacts {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  if (event.eventType === 'case.status_changed')
    return {
      status: text(event.payload.to),
      outcome: text(event.payload.outcome),
      // The public message given with the change, told in the same notification.
      ...(text(event.payload.updateId) ? { updateId: text(event.payload.updateId) } : {}),
    };
  if (event.eventType === 'case.update_added') return { updateId: text(event.payload.updateId) };
  return {};
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createNotificationsService(db: Executor, deps: NotificationsDeps) {
  /**
   * Queues a message in the caller's transaction: it exists, and is delivered, only if the caller's
   * change commits. Returns the message id, or null when the source key was already used.
   */
  async function send(tx: Tx, request: SendRequest): Promise<string | null> {
    if (!isTemplateKey(request.template))
      throw new ValidationFailed([
        { field: 'template', message: `There is no template ${request.template}` },
      ]);
    const recipient = normaliseRecipient(request.channel, request.to);
    if (!recipient)
      throw new ValidationFailed([
        {
          field: 'to',
          message:
            request.channel === 'email'
              ? 'Enter an email address in the correct format, like name@example.com'
              : 'Enter a phone number, like 07911 123 456 or +44 7911 123 456',
        },
      ]);
    const id = await repo.insertMessage(tx, {
      councilId: request.councilId,
      template: request.template,
      channel: request.channel,
      language: request.language ?? 'en',
      recipient,
      partyId: request.partyId ?? null,
      reference: request.reference ?? null,
      personalisation: request.personalisation,
      sourceKey: request.sourceKey ?? null,
    });
    if (id) await deps.jobs.enqueue(tx, DELIVER_JOB, { messageId: id }, DELIVERY_RETRY);
    return id;
  }

  async function finish(
    message: repo.MessageRecord,
    outcome: repo.AttemptRecord['outcome'],
    status: repo.MessageStatus,
    detail: string | null,
    extra: { subject?: string | null; body?: string | null; providerId?: string | null } = {},
  ): Promise<void> {
    await inTransaction(db, async (tx) => {
      await repo.insertAttempt(tx, {
        councilId: message.councilId,
        messageId: message.id,
        adapter: deps.adapter.name,
        outcome,
        detail,
      });
      await repo.updateMessage(tx, message.id, {
        status,
        statusDetail: detail,
        adapter: deps.adapter.name,
        sent: status === 'sent',
        ...extra,
      });
    });
  }

  /**
   * The delivery job: checks consent, renders the template, hands it to the adapter and records the
   * attempt. Throws on a temporary failure so that the queue retries; a permanent failure, an opt-out
   * or the last attempt is recorded and not retried.
   */
  async function deliver(messageId: string): Promise<repo.MessageStatus | null> {
    const message = await repo.findMessage(db, messageId);
    if (!message) return null;
    if (message.status !== 'queued' && message.status !== 'retrying') return message.status;

    if (message.partyId && deps.recipients) {
      const preferences = await deps.recipients(message.councilId, message.partyId);
      if (preferences && optedOut(preferences, message.channel, message.recipient)) {
        await finish(message, 'opted_out', 'opted_out', 'Not sent: opted out');
        return 'opted_out';
      }
    }

    const councilName = deps.councilName ? await deps.councilName(message.councilId) : '';
    const rendered = renderMessage(message.template as TemplateKey, message.channel, message.language, {
      councilName,
      ...message.personalisation,
    });
    try {
      const receipt = await deps.adapter.deliver({
        messageId: message.id,
        councilId: message.councilId,
        channel: message.channel,
        to: message.recipient,
        subject: rendered.subject,
        body: rendered.body,
      });
      await finish(message, 'sent', 'sent', null, { ...rendered, providerId: receipt.providerId });
      return 'sent';
    } catch (error) {
      if (error instanceof PermanentDeliveryFailure) {
        await finish(message, 'permanent_failure', 'failed', errorText(error), rendered);
        return 'failed';
      }
      const detail = errorText(error);
      if (message.attempts + 1 >= MAX_ATTEMPTS) {
        await finish(
          message,
          'temporary_failure',
          'failed',
          `Gave up after ${MAX_ATTEMPTS} attempts: ${detail}`,
          rendered,
        );
        return 'failed';
      }
      await finish(message, 'temporary_failure', 'retrying', detail, rendered);
      throw error instanceof TemporaryDeliveryFailure ? error : new TemporaryDeliveryFailure(detail);
    }
  }

  /**
   * The domain-event subscriber, run in the dispatcher's transaction: queues a job for each case event
   * that should reach the person who made the request (public updates only).
   */
  async function handleDomainEvent(event: StoredDomainEvent, tx: Tx): Promise<void> {
    if (event.aggregateType !== 'case' || !(CASE_EVENTS as readonly string[]).includes(event.eventType))
      return;
    if (event.eventType === 'case.update_added' && event.payload.public !== true) return;
    // A message given with a status change goes out with that change's notification.
    if (event.eventType === 'case.update_added' && event.payload.withStatus === true) return;
    if (!deps.caseLookup) return;
    await deps.jobs.enqueue(
      tx,
      CASE_EVENT_JOB,
      {
        eventId: event.id,
        councilId: event.councilId,
        caseId: event.aggregateId,
        eventType: event.eventType,
        ...caseEventFacts(event),
      },
      DELIVERY_RETRY,
    );
  }

  /**
   * Where a message about something a person asked for goes: their language, and a text when they
   * prefer the phone and gave a mobile, else an email, else a text; null when there is nowhere.
   */
  async function chooseTarget(
    councilId: string,
    details: { partyId: string | null; email: string | null; phone: string | null; language: Language },
  ): Promise<{ channel: Channel; to: string; language: Language } | null> {
    let language: Language = details.language;
    let preferred: string | null = null;
    if (details.partyId && deps.recipients) {
      const preferences = await deps.recipients(councilId, details.partyId);
      if (preferences?.language) language = preferences.language;
      preferred = preferences?.preferredChannel ?? null;
    }
    const email = details.email ? normaliseRecipient('email', details.email) : null;
    const phone = details.phone ? normaliseRecipient('sms', details.phone) : null;
    const mobile = phone && textable(phone) ? phone : null;
    if ((preferred === 'sms' || preferred === 'phone') && mobile)
      return { channel: 'sms', to: mobile, language };
    if (email) return { channel: 'email', to: email, language };
    if (mobile) return { channel: 'sms', to: mobile, language };
    return null;
  }

  /**
   * The case-event job: reads the case's details as of the event (its status, its update) and queues
   * one message on the right channel.
   */
  async function notifyCaseEvent(
    data: {
      eventId: number;
      councilId: string;
      caseId: string;
      eventType: string;
    } & CaseEventFacts,
  ): Promise<string | null> {
    if (!deps.caseLookup || !(data.eventType in CASE_TEMPLATES)) return null;
    const template = CASE_TEMPLATES[data.eventType as (typeof CASE_EVENTS)[number]];
    const details = await deps.caseLookup(data.councilId, data.caseId, {
      status: data.status ?? null,
      outcome: data.outcome ?? null,
      updateId: data.updateId ?? null,
    });
    if (!details) return null;
    // An update message without its update (no longer public, or a job queued without its id) says nothing.
    if (template === 'update_added' && !details.update) return null;
    const target = await chooseTarget(data.councilId, details);
    if (!target) return null;
    return inTransaction(db, (tx) =>
      send(tx, {
        councilId: data.councilId,
        template,
        channel: target.channel,
        to: target.to,
        language: target.language,
        partyId: details.partyId,
        reference: details.reference,
        personalisation: {
          reference: details.reference,
          serviceName: details.serviceName,
          status: details.statusLabel,
          outcome: template === 'status_changed' ? details.outcomeLabel : null,
          expectedAt: details.expectedAt?.toISOString() ?? null,
          trackUrl: publicLink(deps.publicUrl, details.trackPath),
          update: template === 'update_added' || template === 'status_changed' ? details.update : null,
        },
        sourceKey: `domain_event:${data.eventId}`,
      }),
    );
  }

  /**
   * Queues an appointment reminder (a booking a day ahead) on the person's channel. At most one per
   * booking, however often it is called; a do-not-contact flag on the party stops it at delivery.
   */
  async function remindAppointment(reminder: {
    councilId: string;
    bookingId: string;
    reference: string;
    serviceName: string;
    place: string | null;
    appointmentAt: Date;
    partyId: string | null;
    email: string | null;
    phone: string | null;
    language?: Language;
  }): Promise<string | null> {
    const target = await chooseTarget(reminder.councilId, {
      ...reminder,
      language: reminder.language ?? 'en',
    });
    if (!target) return null;
    return inTransaction(db, (tx) =>
      send(tx, {
        councilId: reminder.councilId,
        template: 'appointment_reminder',
        channel: target.channel,
        to: target.to,
        language: target.language,
        partyId: reminder.partyId,
        reference: reminder.reference,
        personalisation: {
          reference: reminder.reference,
          serviceName: reminder.serviceName,
          place: reminder.place,
          appointmentAt: reminder.appointmentAt.toISOString(),
          trackUrl: publicLink(deps.publicUrl, `/bookings/${reminder.reference}`),
        },
        sourceKey: `appointment_reminder:${reminder.bookingId}`,
      }),
    );
  }

  return {
    send,
    deliver,
    handleDomainEvent,
    notifyCaseEvent,
    remindAppointment,
    adapterName: deps.adapter.name,
    list: (councilId: string, filter: repo.MessageFilter, limit: number) =>
      repo.listMessages(db, councilId, filter, limit),
    /** One message with its attempts; reading it (it holds personal data) is audited. */
    async message(
      councilId: string,
      id: string,
      context: AuditContext,
    ): Promise<{ message: repo.MessageRecord; attempts: repo.AttemptRecord[] }> {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new MessageNotFound();
      return inTransaction(db, async (tx) => {
        const message = await repo.findCouncilMessage(tx, councilId, id);
        if (!message) throw new MessageNotFound();
        const attempts = await repo.listAttempts(tx, id);
        await recordAudit(tx, context, {
          action: 'notification.viewed',
          subjectType: 'notification_message',
          subjectId: id,
        });
        return { message, attempts };
      });
    },
    /** Messages for a CSV download; the export is audited with the filter used. */
    async export(
      councilId: string,
      filter: repo.MessageFilter,
      limit: number,
      context: AuditContext,
    ): Promise<repo.MessageRecord[]> {
      return inTransaction(db, async (tx) => {
        const messages = await repo.listMessages(tx, councilId, filter, limit);
        await recordAudit(tx, context, {
          action: 'notification.exported',
          details: { status: filter.status ?? null, searched: Boolean(filter.q), count: messages.length },
        });
        return messages;
      });
    },
    outbox: (councilId: string) => repo.listOutbox(db, councilId),
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
