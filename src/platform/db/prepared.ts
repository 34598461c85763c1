import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/**
 * Named prepared statements for the Postgres server. Every request runs the same few statement
 * shapes again and again; sent unnamed, the server parses each one every time. Sent named, each
 * connection parses a statement once, and after five runs Postgres may keep a generic plan for it
 * (its default plan_cache_mode, `auto`) instead of planning each run again: planning cost more than
 * running for the statements that create a service request. A query whose generic plan would go
 * wrong on a skewed value is written so it cannot (see findNearbyOpen in the cases repository).
 *
 * Only statements worth it are named: ones with parameters (so they already use the extended
 * protocol and are a single statement), of a modest size, once seen twice in this process. The
 * number of names is capped, because each connection keeps every statement it has prepared.
 * Not for the embedded database: PGlite runs one backend for all its socket's connections.
 */
export interface PreparedStatementPolicy {
  /** Most distinct statements a process names (each connection may prepare them all). */
  readonly maxNamed: number;
  /** Longest statement text named, in characters (bulk inserts are not repeated verbatim). */
  readonly maxLength: number;
}

export const DEFAULT_PREPARED_POLICY: PreparedStatementPolicy = { maxNamed: 400, maxLength: 8000 };

/** Postgres's error when a prepared statement's columns changed under it (ALTER TABLE by a newer release). */
function isStalePlan(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '0A000' &&
    /cached plan must not change result type/.test(String((error as { message?: unknown }).message))
  );
}

export function statementNamer(policy: PreparedStatementPolicy = DEFAULT_PREPARED_POLICY) {
  const names = new Map<string, string>();
  const seen = new Set<string>();
  return {
    /** The name to prepare `text` under, or undefined to send it unnamed. */
    nameFor(text: string, parameterCount: number): string | undefined {
      if (parameterCount === 0 || text.length > policy.maxLength) return undefined;
      const name = names.get(text);
      if (name !== undefined) return name;
      if (names.size >= policy.maxNamed) return undefined;
      if (!seen.has(text)) {
        // Forget one-off statements now and then so the first sight of a new shape is cheap.
        if (seen.size >= policy.maxNamed * 10) seen.clear();
        seen.add(text);
        return undefined;
      }
      seen.delete(text);
      const fresh = `gh_${names.size + 1}`;
      names.set(text, fresh);
      return fresh;
    },
    get named(): number {
      return names.size;
    },
  };
}

/**
 * The pool Kysely uses, handing out connections whose parameterised statements are prepared by
 * name (see statementNamer). A connection that reports a stale plan is discarded on release, so
 * the next one prepares the statement afresh.
 */
export function preparingPool(pool: pg.Pool, policy?: PreparedStatementPolicy): PostgresPool {
  const namer = statementNamer(policy);
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let stale = false;
      const query = async <R>(
        text: string,
        parameters: ReadonlyArray<unknown>,
      ): Promise<PostgresQueryResult<R>> => {
        const name = namer.nameFor(text, parameters.length);
        try {
          const values = parameters as unknown[];
          const result = name ? await client.query({ name, text, values }) : await client.query(text, values);
          return result as unknown as PostgresQueryResult<R>;
        } catch (error) {
          if (name && isStalePlan(error)) stale = true;
          throw error;
        }
      };
      return {
        query: ((textOrCursor: unknown, parameters?: ReadonlyArray<unknown>) =>
          typeof textOrCursor === 'string'
            ? query(textOrCursor, parameters ?? [])
            : client.query(textOrCursor as never)) as PostgresPoolClient['query'],
        release: () => client.release(stale),
      };
    },
    end: () => pool.end(),
  };
}
