import { type Generated, sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';

interface MessageTable {
  id: Generated<string>;
  council_id: string;
  created_at: Generated<Date>;
  template: string;
  channel: string;
  language: string;
  recipient: string;
  party_id: string | null;
  reference: string | null;
  personalisation: unknown;
  subject: string | null;
  body: string | null;
  status: Generated<string>;
  status_detail: string | null;
  adapter: string | null;
  provider_id: string | null;
  attempts: Generated<number>;
  sent_at: Date | null;
  updated_at: Generated<Date>;
  source_key: string | null;
}

interface AttemptTable {
  id: Generated<number>;
  council_id: string;
  message_id: string;
  attempted_at: Generated<Date>;
  adapter: string;
  outcome: string;
  detail: string | null;
}

interface OutboxTable {
  id: Generated<number>;
  council_id: string;
  message_id: string;
  delivered_at: Generated<Date>;
  channel: string;
  recipient: string;
  subject: string | null;
  body: string;
}

type Tables = {
  notification_message: MessageTable;
  notification_attempt: AttemptTable;
  notification_outbox: OutboxTable;
};

const t = (db: Executor) => db.withTables<Tables>();

export type MessageStatus = 'queued' | 'retrying' | 'sent' | 'failed' | 'opted_out';
/** A status as staff read it: `sent` by the outbox adapter is `kept_in_outbox`, for it went to no one. */
export type ShownStatus = MessageStatus | 'kept_in_outbox';

export interface MessageRecord {
  id: string;
  councilId: string;
  createdAt: Date;
  template: string;
  channel: 'email' | 'sms';
  language: 'en' | 'cy';
  recipient: string;
  partyId: string | null;
  reference: string | null;
  personalisation: Record<string, string | number | null>;
  subject: string | null;
  body: string | null;
  status: MessageStatus;
  statusDetail: string | null;
  adapter: string | null;
  providerId: string | null;
  attempts: number;
  sentAt: Date | null;
}

export interface AttemptRecord {
  id: number;
  attemptedAt: Date;
  adapter: string;
  outcome: 'sent' | 'temporary_failure' | 'permanent_failure' | 'opted_out';
  detail: string | null;
}

export interface OutboxItem {
  id: number;
  messageId: string;
  deliveredAt: Date;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string | null;
  body: string;
}

type MessageRow = {
  [K in keyof MessageTable]: MessageTable[K] extends Generated<infer V> ? V : MessageTable[K];
};

function toMessage(r: MessageRow): MessageRecord {
  return {
    id: r.id,
    councilId: r.council_id,
    createdAt: r.created_at,
    template: r.template,
    channel: r.channel as MessageRecord['channel'],
    language: r.language as MessageRecord['language'],
    recipient: r.recipient,
    partyId: r.party_id,
    reference: r.reference,
    personalisation: (r.personalisation ?? {}) as MessageRecord['personalisation'],
    subject: r.subject,
    body: r.body,
    status: r.status as MessageStatus,
    statusDetail: r.status_detail,
    adapter: r.adapter,
    providerId: r.provider_id,
    attempts: r.attempts,
    sentAt: r.sent_at,
  };
}

export interface NewMessage {
  councilId: string;
  template: string;
  channel: 'email' | 'sms';
  language: 'en' | 'cy';
  recipient: string;
  partyId: string | null;
  reference: string | null;
  personalisation: Record<string, unknown>;
  sourceKey: string | null;
}

/** Inserts a queued message; returns null when a message with the same source key already exists. */
export async function insertMessage(db: Executor, m: NewMessage): Promise<string | null> {
  const row = await t(db)
    .insertInto('notification_message')
    .values({
      council_id: m.councilId,
      template: m.template,
      channel: m.channel,
      language: m.language,
      recipient: m.recipient,
      party_id: m.partyId,
      reference: m.reference,
      personalisation: JSON.stringify(m.personalisation),
      source_key: m.sourceKey,
    })
    .onConflict((oc) =>
      oc.columns(['council_id', 'source_key']).where('source_key', 'is not', null).doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function findMessage(db: Executor, id: string): Promise<MessageRecord | undefined> {
  const row = await t(db)
    .selectFrom('notification_message')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toMessage(row) : undefined;
}

export async function findCouncilMessage(
  db: Executor,
  councilId: string,
  id: string,
): Promise<MessageRecord | undefined> {
  const row = await t(db)
    .selectFrom('notification_message')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toMessage(row) : undefined;
}

export async function updateMessage(
  db: Executor,
  id: string,
  fields: {
    status: MessageStatus;
    statusDetail: string | null;
    adapter: string;
    subject?: string | null;
    body?: string | null;
    providerId?: string | null;
    sent?: boolean;
  },
): Promise<void> {
  await t(db)
    .updateTable('notification_message')
    .set({
      status: fields.status,
      status_detail: fields.statusDetail,
      adapter: fields.adapter,
      ...(fields.subject !== undefined ? { subject: fields.subject } : {}),
      ...(fields.body !== undefined ? { body: fields.body } : {}),
      ...(fields.providerId !== undefined ? { provider_id: fields.providerId } : {}),
      ...(fields.sent ? { sent_at: sql<Date>`now()` } : {}),
      attempts: sql<number>`attempts + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function insertAttempt(
  db: Executor,
  a: {
    councilId: string;
    messageId: string;
    adapter: string;
    outcome: AttemptRecord['outcome'];
    detail: string | null;
  },
): Promise<void> {
  await t(db)
    .insertInto('notification_attempt')
    .values({
      council_id: a.councilId,
      message_id: a.messageId,
      adapter: a.adapter,
      outcome: a.outcome,
      detail: a.detail,
    })
    .execute();
}

export async function listAttempts(db: Executor, messageId: string): Promise<AttemptRecord[]> {
  const rows = await t(db)
    .selectFrom('notification_attempt')
    .select(['id', 'attempted_at', 'adapter', 'outcome', 'detail'])
    .where('message_id', '=', messageId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    attemptedAt: r.attempted_at,
    adapter: r.adapter,
    outcome: r.outcome as AttemptRecord['outcome'],
    detail: r.detail,
  }));
}

export interface MessageFilter {
  /** Matches the recipient or the reference, anywhere in it. */
  q?: string | undefined;
  status?: ShownStatus | undefined;
  /** Keyset paging: messages older than this one (ids are time-ordered UUIDs). */
  before?: string | undefined;
}

export async function listMessages(
  db: Executor,
  councilId: string,
  filter: MessageFilter,
  limit: number,
): Promise<MessageRecord[]> {
  let query = t(db).selectFrom('notification_message').selectAll().where('council_id', '=', councilId);
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, '\\$&')}%`;
    query = query.where((eb) =>
      eb.or([eb('recipient', 'ilike', pattern), eb('reference', 'ilike', pattern)]),
    );
  }
  if (filter.status === 'kept_in_outbox')
    query = query.where('status', '=', 'sent').where('adapter', '=', 'outbox');
  else if (filter.status === 'sent')
    query = query.where('status', '=', 'sent').where('adapter', '<>', 'outbox');
  else if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.before) query = query.where('id', '<', filter.before);
  const rows = await query.orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toMessage);
}

export async function insertOutboxItem(
  db: Executor,
  m: {
    councilId: string;
    messageId: string;
    channel: 'email' | 'sms';
    to: string;
    subject: string | null;
    body: string;
  },
): Promise<number> {
  const row = await t(db)
    .insertInto('notification_outbox')
    .values({
      council_id: m.councilId,
      message_id: m.messageId,
      channel: m.channel,
      recipient: m.to,
      subject: m.subject,
      body: m.body,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listOutbox(db: Executor, councilId: string): Promise<OutboxItem[]> {
  const rows = await t(db)
    .selectFrom('notification_outbox')
    .selectAll()
    .where('council_id', '=', councilId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    messageId: r.message_id,
    deliveredAt: r.delivered_at,
    channel: r.channel as OutboxItem['channel'],
    recipient: r.recipient,
    subject: r.subject,
    body: r.body,
  }));
}
