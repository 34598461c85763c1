import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';

export interface StoredUpload {
  questionCode: string;
  filename: string;
  contentType: string;
  content: Buffer;
  sizeBytes: number;
  sha256: string;
}

export async function saveUpload(
  db: Executor,
  councilId: string,
  journeyId: string,
  u: StoredUpload,
): Promise<void> {
  await sql`insert into portal_upload (council_id, journey_id, question_code, filename, content_type, content, size_bytes, sha256)
    values (${councilId}, ${journeyId}, ${u.questionCode}, ${u.filename}, ${u.contentType}, ${u.content}, ${u.sizeBytes}, ${u.sha256})
    on conflict (council_id, journey_id, question_code) do update set filename = excluded.filename,
      content_type = excluded.content_type, content = excluded.content, size_bytes = excluded.size_bytes,
      sha256 = excluded.sha256, created_at = now()`.execute(db);
}

/** A journey's uploads, with or without their content. */
export async function listUploads(
  db: Executor,
  councilId: string,
  journeyId: string,
  options: { withContent: boolean },
): Promise<StoredUpload[]> {
  const result = await sql<{
    question_code: string;
    filename: string;
    content_type: string;
    content: Buffer | null;
    size_bytes: number;
    sha256: string;
  }>`select question_code, filename, content_type, ${options.withContent ? sql`content` : sql`null::bytea as content`},
      size_bytes, sha256
    from portal_upload where council_id = ${councilId} and journey_id = ${journeyId}
    order by question_code`.execute(db);
  return result.rows.map((r) => ({
    questionCode: r.question_code,
    filename: r.filename,
    contentType: r.content_type,
    content: r.content ?? Buffer.alloc(0),
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
  }));
}

export async function deleteUpload(
  db: Executor,
  councilId: string,
  journeyId: string,
  questionCode: string,
): Promise<void> {
  await sql`delete from portal_upload where council_id = ${councilId} and journey_id = ${journeyId}
    and question_code = ${questionCode}`.execute(db);
}

/**
 * Deletes uploads whose journey is in no live portal session (sent, abandoned, or its session
 * expired), keeping anything younger than `graceSince` so an upload racing its session's save stays.
 */
export async function deleteOrphanUploads(db: Executor, now: Date, graceSince: Date): Promise<number> {
  const result = await sql`delete from portal_upload u
    where u.created_at < ${graceSince}
      and not exists (
        select 1 from portal_session s, jsonb_each(coalesce(s.data -> 'journeys', '{}'::jsonb)) j
        where s.council_id = u.council_id and j.value ->> 'id' = u.journey_id and s.expires_at > ${now})`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0);
}
