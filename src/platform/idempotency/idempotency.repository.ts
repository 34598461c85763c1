import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export interface IdempotencyScope {
  readonly councilId: string;
  readonly caller: string;
  readonly key: string;
}

export interface StoredIdempotentResponse {
  operation: string;
  requestHash: string;
  statusCode: number;
  response: unknown;
}

/**
 * Claims the key for this transaction. A concurrent claim of the same key waits on the row lock
 * until the first transaction ends, then sees the stored row (or, if that one rolled back, claims it).
 * Returns true when this transaction now owns the key.
 */
export async function claimIdempotencyKey(
  tx: Executor,
  scope: IdempotencyScope,
  operation: string,
  requestHash: string,
): Promise<boolean> {
  const result = await sql<{ key: string }>`
    insert into idempotency_key (council_id, caller, key, operation, request_hash, status_code, response)
    values (${scope.councilId}, ${scope.caller}, ${scope.key}, ${operation}, ${requestHash}, 0, 'null'::jsonb)
    on conflict do nothing
    returning key`.execute(tx);
  return result.rows.length === 1;
}

/**
 * Stores a key with its finished response in one insert, built but not run (for `writeTogether`).
 * A plain insert: when the key exists, the unique violation undoes the whole statement.
 */
export function idempotencyKeyInsert(
  scope: IdempotencyScope,
  operation: string,
  requestHash: string,
  statusCode: number,
  response: unknown,
) {
  return sql`insert into idempotency_key (council_id, caller, key, operation, request_hash, status_code, response)
    values (${scope.councilId}, ${scope.caller}, ${scope.key}, ${operation}, ${requestHash}, ${statusCode},
      ${JSON.stringify(response)}::jsonb)`;
}

/** The constraint a second insert of the same key violates. */
export const IDEMPOTENCY_KEY_CONSTRAINT = 'idempotency_key_pkey';

export async function storeIdempotentResponse(
  tx: Executor,
  scope: IdempotencyScope,
  statusCode: number,
  response: unknown,
): Promise<void> {
  await sql`update idempotency_key set status_code = ${statusCode}, response = ${JSON.stringify(response)}::jsonb
    where council_id = ${scope.councilId} and caller = ${scope.caller} and key = ${scope.key}`.execute(tx);
}

export async function findIdempotentResponse(
  db: Executor,
  scope: IdempotencyScope,
): Promise<StoredIdempotentResponse | undefined> {
  const result = await sql<{
    operation: string;
    request_hash: string;
    status_code: number;
    response: unknown;
  }>`
    select operation, request_hash, status_code, response from idempotency_key
    where council_id = ${scope.councilId} and caller = ${scope.caller} and key = ${scope.key}`.execute(db);
  const row = result.rows[0];
  return row
    ? {
        operation: row.operation,
        requestHash: row.request_hash,
        statusCode: row.status_code,
        response: row.response,
      }
    : undefined;
}

export async function deleteIdempotencyKeysBefore(db: Executor, before: Date): Promise<number> {
  const result = await sql`delete from idempotency_key where created_at < ${before}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
