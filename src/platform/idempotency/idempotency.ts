import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal.ts';
import type { Executor, Tx } from '../db/database.ts';
import { isUniqueViolation, type PreparedWrite, writeTogether } from '../db/together.ts';
import { inTransaction } from '../db/transaction.ts';
import { DomainError, ValidationFailed } from '../http/errors.ts';
import {
  claimIdempotencyKey,
  deleteIdempotencyKeysBefore,
  findIdempotentResponse,
  IDEMPOTENCY_KEY_CONSTRAINT,
  type IdempotencyScope,
  idempotencyKeyInsert,
  type StoredIdempotentResponse,
  storeIdempotentResponse,
} from './idempotency.repository.ts';

/**
 * `Idempotency-Key` support for POSTs that create things (IETF draft "The Idempotency-Key HTTP
 * Header Field"). The first request with a key runs and its response is stored in the same
 * transaction as the change; a retry with the same key and the same body gets that response again;
 * the same key with a different body is refused with 422. Keys are kept for 24 hours.
 */
export interface IdempotentRequest {
  readonly councilId: string;
  /** From `idempotencyCaller(principal)`: keys are scoped to whoever sent them. */
  readonly caller: string;
  readonly key: string;
  /** What the request does, e.g. `cases.create`; a key cannot be reused for another operation. */
  readonly operation: string;
  /** The request body (or whatever identifies the request); hashed, never stored. */
  readonly body: unknown;
}

export interface IdempotentResult<T> {
  readonly statusCode: number;
  readonly body: T;
  /** True when this is the stored response to an earlier request with the same key. */
  readonly replayed: boolean;
}

export const IDEMPOTENCY_KEY_RETENTION_HOURS = 24;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Reads and checks the header; undefined when the client sent none. */
export function idempotencyKeyFrom(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const raw = headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim().replace(/^"(.*)"$/, '$1') ?? '';
  if (!KEY_PATTERN.test(value)) {
    throw new ValidationFailed([
      {
        field: 'Idempotency-Key',
        message: 'Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID',
      },
    ]);
  }
  return value;
}

export function idempotencyCaller(principal: Pick<Principal, 'kind' | 'id'>): string {
  return `${principal.kind}:${principal.id}`;
}

/**
 * Runs `work` in one transaction, at most once per idempotency key. Without a request (no header),
 * it simply runs `work` in a transaction.
 */
export async function idempotentTransaction<T>(
  db: Executor,
  request: IdempotentRequest | null | undefined,
  work: (tx: Tx) => Promise<{ statusCode: number; body: T }>,
): Promise<IdempotentResult<T>> {
  return inTransaction(db, async (tx) => {
    if (!request) return { ...(await work(tx)), replayed: false };
    const scope: IdempotencyScope = {
      councilId: request.councilId,
      caller: request.caller,
      key: request.key,
    };
    const hash = requestHash(request.body);
    if (!(await claimIdempotencyKey(tx, scope, request.operation, hash))) {
      return replay<T>(await findIdempotentResponse(tx, scope), request.operation, hash);
    }
    const result = await work(tx);
    await storeIdempotentResponse(tx, scope, result.statusCode, result.body);
    return { ...result, replayed: false };
  });
}

/**
 * The one-statement form of `idempotentTransaction`, for a creation whose whole response is known
 * before anything is written (ids made in Node with `uuidV7`): the key, its response and the writes
 * go to the database as one statement (`writeTogether`). A retry with the same key violates the
 * key's uniqueness, which undoes its writes, and gets the stored response instead; a concurrent one
 * waits for the first to commit. Call it with the pool, not inside a transaction: the violation would
 * abort the transaction before the stored response could be read.
 */
export async function idempotentWrite<T>(
  db: Executor,
  request: IdempotentRequest | null | undefined,
  result: { statusCode: number; body: T },
  writes: readonly PreparedWrite[],
): Promise<IdempotentResult<T>> {
  if (!request) {
    await writeTogether(db, writes);
    return { ...result, replayed: false };
  }
  const scope: IdempotencyScope = { councilId: request.councilId, caller: request.caller, key: request.key };
  const hash = requestHash(request.body);
  try {
    await writeTogether(db, [
      idempotencyKeyInsert(scope, request.operation, hash, result.statusCode, result.body),
      ...writes,
    ]);
    return { ...result, replayed: false };
  } catch (error) {
    if (!isUniqueViolation(error, IDEMPOTENCY_KEY_CONSTRAINT)) throw error;
    return replay<T>(await findIdempotentResponse(db, scope), request.operation, hash);
  }
}

function replay<T>(
  stored: StoredIdempotentResponse | undefined,
  operation: string,
  hash: string,
): IdempotentResult<T> {
  if (!stored) throw new Error('An idempotency key was neither claimed nor found');
  if (stored.operation !== operation || stored.requestHash !== hash) {
    throw new DomainError(
      'IdempotencyKeyReused',
      'This Idempotency-Key was already used for a different request. Use a new key for a new request.',
      422,
      [{ field: 'Idempotency-Key', message: 'This key was already used for a different request' }],
    );
  }
  return { statusCode: stored.statusCode, body: stored.response as T, replayed: true };
}

/** Forgets keys older than the retention period; run by a scheduled job. */
export async function purgeIdempotencyKeys(db: Executor, now = new Date()): Promise<number> {
  return deleteIdempotencyKeysBefore(
    db,
    new Date(now.getTime() - IDEMPOTENCY_KEY_RETENTION_HOURS * 3_600_000),
  );
}

function requestHash(body: unknown): string {
  return createHash('sha256').update(stableJson(body)).digest('hex');
}

/** JSON with object keys sorted, so that `{a,b}` and `{b,a}` hash alike. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
