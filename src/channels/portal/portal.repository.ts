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
): Promise<void> {
  await sql`insert into portal_session (id, council_id, data, expires_at)
    values (${id}, ${councilId}, ${JSON.stringify(data)}::jsonb, ${expiresAt})
    on conflict (id) do update set data = excluded.data, expires_at = excluded.expires_at`.execute(db);
}

export async function deleteExpiredPortalSessions(db: Executor, now: Date): Promise<number> {
  const result = await sql`delete from portal_session where expires_at <= ${now}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
