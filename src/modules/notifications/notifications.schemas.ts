import { type Static, Type } from 'typebox';
import type { MessageRecord, ShownStatus } from './notifications.repository.ts';

/** The statuses staff see, search by and download: the stored ones, with the outbox's kept apart from sent. */
export const MESSAGE_STATUSES = [
  'queued',
  'retrying',
  'sent',
  'kept_in_outbox',
  'failed',
  'opted_out',
] as const satisfies readonly ShownStatus[];

export const STATUS_LABELS: Record<ShownStatus, string> = {
  queued: 'Queued',
  retrying: 'Retrying',
  sent: 'Sent',
  kept_in_outbox: 'Kept in outbox (not sent)',
  failed: 'Not sent: failed',
  opted_out: 'Not sent: opted out',
};

/**
 * A message's status as staff read it. The outbox adapter (no email or SMS provider configured) keeps
 * a message for staff to read and sends it to no one, so what it "sent" reads as kept in the outbox.
 */
export function shownStatus(message: Pick<MessageRecord, 'status' | 'adapter'>): ShownStatus {
  return message.status === 'sent' && message.adapter === 'outbox' ? 'kept_in_outbox' : message.status;
}

export const MessageListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  status: Type.Optional(Type.Enum(['', ...MESSAGE_STATUSES] as const)),
  before: Type.Optional(Type.String({ format: 'uuid' })),
});
export type MessageListQuery = Static<typeof MessageListQuery>;

export const MessageParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export type MessageParams = Static<typeof MessageParams>;
