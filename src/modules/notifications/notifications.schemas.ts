import { type Static, Type } from 'typebox';

export const MESSAGE_STATUSES = ['queued', 'retrying', 'sent', 'failed', 'opted_out'] as const;

export const STATUS_LABELS: Record<(typeof MESSAGE_STATUSES)[number], string> = {
  queued: 'Queued',
  retrying: 'Retrying',
  sent: 'Sent',
  failed: 'Not sent: failed',
  opted_out: 'Not sent: opted out',
};

export const MessageListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  status: Type.Optional(Type.Enum(['', ...MESSAGE_STATUSES] as const)),
  before: Type.Optional(Type.String({ format: 'uuid' })),
});
export type MessageListQuery = Static<typeof MessageListQuery>;

export const MessageParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export type MessageParams = Static<typeof MessageParams>;
