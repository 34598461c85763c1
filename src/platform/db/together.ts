import { randomUUID } from 'node:crypto';
import { type OperationNodeSource, sql } from 'kysely';
import type { Executor } from './database.ts';

/**
 * A write that has been built but not run: a Kysely insert, update or delete (without `.execute()`),
 * or a `sql` fragment holding one. Repositories return these for `writeTogether`.
 */
export type PreparedWrite = OperationNodeSource;

/**
 * Runs several writes as ONE statement, each a data-modifying common table expression, so they
 * commit or fail together as a transaction would, in one round trip and without BEGIN and COMMIT.
 * For hot paths such as creating a service request, where a transaction's seven round trips cost
 * more than the work.
 *
 * PostgreSQL runs every part on the same snapshot, so no part sees another's rows: the writes must
 * not depend on each other's results. Make ids in Node (`uuidV7`) and pass them to every part.
 * Constraints are checked as usual; a violation anywhere undoes every part.
 */
export async function writeTogether(db: Executor, writes: readonly PreparedWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const parts = writes.map((write, i) => sql`${sql.raw(`w${i}`)} as (${write})`);
  await sql`with ${sql.join(parts)} select 1`.execute(db);
}

/** True when `error` is PostgreSQL's unique violation, on `constraint` when one is named. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: string; constraint?: string };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/**
 * A time-ordered UUID (version 7, RFC 9562), the same kind the database's `uuid_v7()` makes: made in
 * Node when rows must be related, or a response written, before they are inserted.
 */
export function uuidV7(): string {
  // A random (version 4) UUID, drawn from Node's buffered entropy, with its first 48 bits replaced by
  // the time and its version digit by 7: the variant bits and the 74 random bits are as version 7 has them.
  const random = randomUUID();
  const now = Date.now();
  // A bulk load makes thousands of ids in a millisecond: the time's digits are worked out once for it.
  if (now !== prefixMs) {
    prefixMs = now;
    const ms = now.toString(16).padStart(12, '0');
    prefix = `${ms.slice(0, 8)}-${ms.slice(8)}-7`;
  }
  return prefix + random.slice(15);
}
let prefixMs = -1;
let prefix = '';
