import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';
import type { CaseStatus, Outcome } from './lifecycle.ts';

/** What Open311's GET requests may filter on; ids may be uuids, references or both. */
export interface Open311RequestQuery {
  ids?: readonly string[];
  references?: readonly string[];
  serviceCodes?: readonly string[];
  open?: boolean;
  submittedFrom?: Date;
  /** Exclusive. */
  submittedTo?: Date;
  /** Exclusive: changed strictly after this time. */
  updatedAfter?: Date;
  /** Exclusive: last changed strictly before this time. */
  updatedBefore?: Date;
  limit: number;
  offset: number;
}

/**
 * One request as Open311 publishes it: only the columns GeoReport v2 shows. Times are W3C text in UTC
 * (`2026-11-22T09:30:00Z`), formatted by the database, because a thousand-row answer would otherwise
 * spend longer turning timestamps into Dates and back into text than reading them.
 */
export interface Open311RequestRow {
  id: string;
  reference: string;
  status: CaseStatus;
  outcome: Outcome | null;
  serviceCode: string;
  serviceName: string;
  description: string;
  requestedAt: string;
  updatedAt: string;
  dueAt: string | null;
  locationText: string | null;
  uprn: number | null;
  lat: number | null;
  long: number | null;
}

const w3c = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`);

/**
 * A page of requests for Open311, newest first, in one statement (the service_request_submitted index
 * serves the default window). Nothing personal is selected.
 */
export async function listOpen311Requests(
  db: Executor,
  councilId: string,
  query: Open311RequestQuery,
): Promise<Open311RequestRow[]> {
  const where: RawBuilder<unknown>[] = [sql`council_id = ${councilId}`];
  const ids = query.ids ?? [];
  const references = query.references ?? [];
  if (query.ids || query.references) {
    if (ids.length === 0 && references.length === 0) return [];
    // One array parameter each, rather than a parameter per id.
    if (ids.length && references.length)
      where.push(sql`(id = any(${[...ids]}::uuid[]) or reference = any(${[...references]}::text[]))`);
    else if (ids.length) where.push(sql`id = any(${[...ids]}::uuid[])`);
    else where.push(sql`reference = any(${[...references]}::text[])`);
  }
  if (query.serviceCodes?.length) where.push(sql`service_code = any(${[...query.serviceCodes]}::text[])`);
  if (query.open !== undefined) where.push(sql`is_open = ${query.open}`);
  if (query.submittedFrom) where.push(sql`submitted_at >= ${query.submittedFrom}`);
  if (query.submittedTo) where.push(sql`submitted_at < ${query.submittedTo}`);
  if (query.updatedAfter) where.push(sql`updated_at > ${query.updatedAfter}`);
  if (query.updatedBefore) where.push(sql`updated_at < ${query.updatedBefore}`);
  const result = await sql<Open311RequestRow>`
    select id, reference, status, outcome, service_code as "serviceCode", service_name as "serviceName",
           description, ${w3c('submitted_at')} as "requestedAt", ${w3c('updated_at')} as "updatedAt",
           ${w3c('due_at')} as "dueAt", location_text as "locationText", uprn, lat, long
      from service_request
     where ${sql.join(where, sql` and `)}
     order by submitted_at desc, id desc
     limit ${query.limit} offset ${query.offset}`.execute(db);
  return result.rows;
}
