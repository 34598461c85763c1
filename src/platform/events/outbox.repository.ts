import { type Generated, sql } from 'kysely';
import type { Executor } from '../db/database.ts';

type Tables = {
  domain_event: {
    id: Generated<number>;
    council_id: string;
    occurred_at: Generated<Date>;
    aggregate_type: string;
    aggregate_id: string;
    event_type: string;
    payload: unknown;
    correlation_id: string | null;
    published_at: Date | null;
  };
};

export interface StoredDomainEvent {
  id: number;
  councilId: string;
  occurredAt: Date;
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  payload: Record<string, unknown>;
  correlationId: string | null;
}

export async function insertDomainEvent(
  db: Executor,
  event: Omit<StoredDomainEvent, 'id' | 'occurredAt'>,
): Promise<number> {
  const row = await domainEventInsert(db, event).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** The insert, built but not run (for `writeTogether`). */
export function domainEventInsert(db: Executor, event: Omit<StoredDomainEvent, 'id' | 'occurredAt'>) {
  return db
    .withTables<Tables>()
    .insertInto('domain_event')
    .values({
      council_id: event.councilId,
      aggregate_type: event.aggregateType,
      aggregate_id: event.aggregateId,
      event_type: event.eventType,
      payload: JSON.stringify(event.payload),
      correlation_id: event.correlationId,
    });
}

/**
 * Takes the oldest unpublished events for a dispatcher, locking them so that two dispatchers never
 * take the same event. Call inside a transaction and mark them published in it.
 */
export async function claimUnpublished(tx: Executor, limit: number): Promise<StoredDomainEvent[]> {
  const result = await sql<{
    id: number;
    council_id: string;
    occurred_at: Date;
    aggregate_type: string;
    aggregate_id: string;
    event_type: string;
    payload: Record<string, unknown>;
    correlation_id: string | null;
  }>`select id, council_id, occurred_at, aggregate_type, aggregate_id, event_type, payload, correlation_id
     from domain_event where published_at is null order by id limit ${limit} for update skip locked`.execute(
    tx,
  );
  return result.rows.map((r) => ({
    id: r.id,
    councilId: r.council_id,
    occurredAt: r.occurred_at,
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    eventType: r.event_type,
    payload: r.payload,
    correlationId: r.correlation_id,
  }));
}

export async function markPublished(tx: Executor, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db(tx)
    .updateTable('domain_event')
    .set({ published_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .execute();
}

export async function listEventsFor(
  db: Executor,
  councilId: string,
  aggregateType: string,
  aggregateId: string,
): Promise<StoredDomainEvent[]> {
  const rows = await db
    .withTables<Tables>()
    .selectFrom('domain_event')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('aggregate_type', '=', aggregateType)
    .where('aggregate_id', '=', aggregateId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    councilId: r.council_id,
    occurredAt: r.occurred_at,
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    eventType: r.event_type,
    payload: (r.payload ?? {}) as Record<string, unknown>,
    correlationId: r.correlation_id,
  }));
}

const db = (executor: Executor) => executor.withTables<Tables>();
