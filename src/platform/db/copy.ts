import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Executor } from './database.ts';

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
