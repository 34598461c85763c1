import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Kysely, PostgresDialect, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type Executor, transactionScope } from './database.ts';

/**
 * Bulk loading with `COPY ... FROM STDIN` (pg-copy-streams). Only the Postgres server takes it:
 * PGlite behind its socket answers the copy sub-protocol by dropping the connection, so callers
 * keep a statement-based path for the embedded database and use this when it is offered.
 */
const pools = new WeakMap<Executor, pg.Pool>();

/** Called by openDatabase for a server database, so that its executor can COPY. */
export function allowCopy(db: Executor, pool: pg.Pool): void {
  pools.set(db, pool);
}

export interface CopyIn {
  /** Sends rows in COPY text format; waits while the server is behind. */
  write(rows: string): Promise<void>;
  /** Finishes the COPY and returns the connection; rejects if the server refused any row. */
  end(): Promise<void>;
  /** Abandons the COPY (the server discards what it was sent). */
  abort(): Promise<void>;
}

/**
 * Starts `statement` (a `COPY ... FROM STDIN`) on a connection of its own, committed when `end`
 * resolves. Returns null where COPY is not available (the embedded database). Never call it inside
 * a transaction: the rows would not be part of it.
 */
export async function openCopyIn(db: Executor, statement: string): Promise<CopyIn | null> {
  const pool = pools.get(db);
  if (!pool) return null;
  const client = await pool.connect();
  const stream = client.query(copyFrom(statement));
  let failure: Error | null = null;
  stream.on('error', (error: Error) => {
    failure ??= error;
  });
  let released = false;
  const release = (broken: boolean) => {
    if (released) return;
    released = true;
    client.release(broken);
  };
  return {
    async write(rows) {
      if (failure) throw failure;
      if (!stream.write(rows)) await once(stream, 'drain');
    },
    async end() {
      try {
        stream.end();
        await finished(stream);
        if (failure) throw failure;
        release(false);
      } catch (error) {
        release(true);
        throw error;
      }
    },
    async abort() {
      if (released) return;
      stream.destroy(new Error('import abandoned'));
      await finished(stream).catch(() => {});
      release(true);
    },
  };
}

/** Whether `db` takes COPY (the Postgres server does; the embedded database does not). */
export function copyAvailable(db: Executor): boolean {
  return pools.has(db);
}

/** A transaction on a connection of its own, in which COPY runs alongside ordinary statements. */
export interface CopyTransaction {
  /** The transaction's connection, for ordinary statements (repositories take it as their executor). */
  readonly db: Executor;
  /** Runs `statement` (a `COPY ... FROM STDIN`) with `rows` in COPY text format, in the transaction. */
  copy(statement: string, rows: string): Promise<void>;
}

/**
 * Runs `work` in one transaction on a connection of its own, where it can COPY rows into several
 * tables and run statements: all of it commits, or none. Only where `copyAvailable`.
 */
export async function inCopyTransaction<T>(
  db: Executor,
  work: (tx: CopyTransaction) => Promise<T>,
): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error('COPY is not available on this database (the embedded database)');
  const client = await pool.connect();
  // Kysely over this one connection: it is handed out for every statement and never released.
  const connection: PostgresPoolClient = {
    query: client.query.bind(client) as PostgresPoolClient['query'],
    release: () => {},
  };
  // biome-ignore lint/complexity/noBannedTypes: see Executor
  const single = new Kysely<{}>({
    dialect: new PostgresDialect({ pool: { connect: async () => connection, end: async () => {} } }),
  });
  const copy = async (statement: string, rows: string) => {
    const stream = client.query(copyFrom(statement));
    stream.end(rows);
    await finished(stream);
  };
  let broken = false;
  try {
    await client.query('begin');
    const result = await transactionScope.run(true, () => work({ db: single, copy }));
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
    await single.destroy();
  }
}

/**
 * One value in COPY text format: `\N` for null; backslash, tab, newline and carriage return
 * escaped. Numbers and booleans as Postgres reads them.
 */
export function copyValue(value: string | number | boolean | null): string {
  if (value === null) return '\\N';
  if (typeof value !== 'string') return String(value);
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('\t', '\\t')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r');
}
const NEEDS_ESCAPE = /[\\\t\n\r]/;
