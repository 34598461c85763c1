import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';

export async function findPortalSession(
  db: Executor,
  id: string,
  now: Date,
): Promise<{ councilId: string; data: Record<string, unknown> } | undefined> {
  const result = await sql<{ council_id: string; data: Record<string, unknown> }>`
    select council_id, data from portal_session where id = ${id} and expires_at > ${now}`.execute(db);
  const row = result.rows[0];
  return row ? { councilId: row.council_id, data: row.data } : undefined;
}

export async function savePortalSession(
  db: Executor,
  id: string,
  councilId: string,
  data: Record<string, unknown>,
  expiresAt: Date,
  accountId: string | null = null,
): Promise<void> {
  await sql`insert into portal_session (id, council_id, data, expires_at, account_id)
    values (${id}, ${councilId}, ${JSON.stringify(data)}::jsonb, ${expiresAt}, ${accountId})
    on conflict (id) do update set data = excluded.data, expires_at = excluded.expires_at,
      account_id = excluded.account_id`.execute(db);
}

export async function deletePortalSession(db: Executor, id: string): Promise<void> {
  await sql`delete from portal_session where id = ${id}`.execute(db);
}

/** Ends every session signed in to the account ("sign out everywhere"); returns how many. */
export async function deleteAccountSessions(
  db: Executor,
  councilId: string,
  accountId: string,
): Promise<number> {
  const result = await sql`delete from portal_session
    where council_id = ${councilId} and account_id = ${accountId}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export async function deleteExpiredPortalSessions(db: Executor, now: Date): Promise<number> {
  const result = await sql`delete from portal_session where expires_at <= ${now}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
