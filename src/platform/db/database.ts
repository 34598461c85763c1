import { AsyncLocalStorage } from 'node:async_hooks';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { allowCopy } from './copy.ts';
import { type EmbeddedDatabase, type EmbeddedRole, openEmbedded, openEphemeral } from './embedded.ts';
import { preparingPool } from './prepared.ts';

// bigint counts and ids fit in a JS number for our purposes; dates stay as 'YYYY-MM-DD' strings so
// that a date of birth never shifts by a time zone.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

/**
 * Kysely over any set of tables. Each module declares its own table types and narrows with
 * `executor.withTables<ModuleTables>()`, so modules never share table definitions.
 */
// biome-ignore lint/complexity/noBannedTypes: Kysely's empty database type, narrowed per module with withTables
export type Executor = Kysely<{}>;
// biome-ignore lint/complexity/noBannedTypes: see Executor
export type Tx = Transaction<{}>;

export type DatabaseKind = 'embedded' | 'server';

export interface Database {
  readonly kind: DatabaseKind;
  readonly pool: pg.Pool;
  readonly db: Executor;
  /** Where a client can reach this database (a socket directory or the server URL without secrets). */
  readonly location: string;
  close(): Promise<void>;
  /** Throwaway embedded databases only: a tarball of the data directory (see openEphemeral). */
  dumpDataDir?(): Promise<Blob>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  role: EmbeddedRole;
  poolMax?: number;
  /** Use a throwaway in-memory embedded database (tests). */
  ephemeral?: boolean;
  /** Start the throwaway database from this data directory tarball instead of an empty one. */
  loadDataDir?: Blob | undefined;
  /** Prepare repeated statements by name on a Postgres server (see prepared.ts); default true. */
  preparedStatements?: boolean;
}

/** Marks code running inside `inTransaction`, where the pool must not be used. */
export const transactionScope = new AsyncLocalStorage<true>();

export class PoolUsedInsideTransaction extends Error {
  constructor() {
    super(
      'A query went to the connection pool from inside a transaction. Pass the transaction (tx) to the repository instead: on the embedded database the pool waits for the transaction to end, so this would hang.',
    );
    this.name = 'PoolUsedInsideTransaction';
  }
}

/** Fails fast, on both databases, when code inside a transaction reaches for the pool. */
function guardPool(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (callback?: (...args: unknown[]) => void) => unknown;
  const guarded = (callback?: (...args: unknown[]) => void) => {
    if (transactionScope.getStore()) {
      const error = new PoolUsedInsideTransaction();
      if (callback) {
        callback(error);
        return undefined;
      }
      return Promise.reject(error);
    }
    return connect(callback);
  };
  (pool as unknown as { connect: typeof guarded }).connect = guarded;
}

function wrap(
  kind: DatabaseKind,
  pool: pg.Pool,
  location: string,
  options: { embedded?: EmbeddedDatabase; prepare?: boolean },
): Database {
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  guardPool(pool);
  // biome-ignore lint/complexity/noBannedTypes: see Executor
  const db = new Kysely<{}>({
    dialect: new PostgresDialect({ pool: options.prepare ? preparingPool(pool) : pool }),
  });
  if (kind === 'server') allowCopy(db, pool);
  return {
    kind,
    pool,
    db,
    location,
    close: async () => {
      await db.destroy();
      await options.embedded?.close();
    },
    ...(options.embedded?.dumpDataDir ? { dumpDataDir: options.embedded.dumpDataDir } : {}),
  };
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const max = options.poolMax ?? 10;
  if (options.databaseUrl) {
    const prepare = options.preparedStatements ?? true;
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max,
    });
    const url = new URL(options.databaseUrl);
    return wrap('server', pool, `${url.hostname}:${url.port || 5432}${url.pathname}`, {
      prepare,
    });
  }
  const embedded = options.ephemeral
    ? await openEphemeral(options.dataDir, options.loadDataDir)
    : await openEmbedded(options.dataDir, options.role);
  const pool = new pg.Pool({
    host: embedded.socketDir,
    user: 'postgres',
    database: 'postgres',
    max,
    // PGlite serialises queries; a longer wait is queueing, not a fault.
    connectionTimeoutMillis: 60_000,
  });
  return wrap('embedded', pool, embedded.socketDir, { embedded });
}
