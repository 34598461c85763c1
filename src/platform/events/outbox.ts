import type { AuditContext } from '../audit/audit.ts';
import type { Executor, Tx } from '../db/database.ts';
import { inTransaction } from '../db/transaction.ts';
import {
  claimUnpublished,
  domainEventInsert,
  insertDomainEvent,
  markPublished,
  type StoredDomainEvent,
} from './outbox.repository.ts';

export type { StoredDomainEvent } from './outbox.repository.ts';
export { listEventsFor } from './outbox.repository.ts';

export interface DomainEvent {
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** `area.past_tense`: `case.created`, `case.status_changed`, `party.merged`. */
  readonly eventType: string;
  /** Ids and codes only, never personal data. */
  readonly payload?: Record<string, unknown>;
}

/** Writes a domain event in the caller's transaction, so it exists exactly when the change commits. */
export async function recordDomainEvent(
  tx: Executor,
  context: Pick<AuditContext, 'councilId' | 'correlationId'>,
  event: DomainEvent,
): Promise<number> {
  return insertDomainEvent(tx, storedForm(context, event));
}

/** `recordDomainEvent` built but not run, for `writeTogether` (one statement with the change). */
export function domainEventWrite(
  db: Executor,
  context: Pick<AuditContext, 'councilId' | 'correlationId'>,
  event: DomainEvent,
) {
  return domainEventInsert(db, storedForm(context, event));
}

function storedForm(context: Pick<AuditContext, 'councilId' | 'correlationId'>, event: DomainEvent) {
  if (!context.councilId) throw new Error('A domain event needs a council');
  return {
    councilId: context.councilId,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    eventType: event.eventType,
    payload: event.payload ?? {},
    correlationId: context.correlationId,
  };
}

/**
 * Runs inside the dispatcher's transaction: do database work (such as enqueueing a job) through `tx`,
 * never through the pool.
 */
export type DomainEventHandler = (event: StoredDomainEvent, tx: Tx) => Promise<void>;

/**
 * Hands unpublished events, oldest first, to every handler, and marks them published only if all
 * succeed; a failure leaves the batch for the next run (handlers must therefore be idempotent).
 * Returns how many events were dispatched.
 */
export async function dispatchDomainEvents(
  db: Executor,
  handlers: readonly DomainEventHandler[],
  batchSize = 100,
): Promise<number> {
  return inTransaction(db, async (tx) => {
    const events = await claimUnpublished(tx, batchSize);
    for (const event of events) for (const handler of handlers) await handler(event, tx);
    await markPublished(
      tx,
      events.map((e) => e.id),
    );
    return events.length;
  });
}
