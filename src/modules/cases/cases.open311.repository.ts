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
  /** Inclusive: changed at or after this time. */
  updatedFrom?: Date;
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
  if (query.updatedFrom) where.push(sql`updated_at >= ${query.updatedFrom}`);
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

/**
 * One public update or status change as Open311's servicerequestupdates publishes it, with the
 * request's reference and the status it was in by then (the latest public status change up to this
 * update, with that change's text, which ends with the outcome's label). `updatedAt` is W3C text in UTC.
 */
export interface Open311UpdateRow {
  updateId: string;
  requestId: string;
  reference: string;
  body: string;
  updatedAt: string;
  /** Null while the request has had no status change. */
  statusTo: CaseStatus | null;
  statusBody: string | null;
}

/** A window of updates: from (included) to (excluded), of these services only when given, paged. */
export interface Open311UpdateWindow {
  from: Date;
  /** Exclusive. */
  to: Date;
  serviceCodes?: readonly string[];
  limit: number;
  offset?: number;
}

/**
 * The public updates and status changes made in a window, oldest first, at most `limit`, in one
 * statement whatever the number of requests: each update's status comes from a lateral look-up of its
 * request's latest status change, served by service_request_update_public. What an outside system's
 * update wrote (external_ref) is left out: that system publishes its updates from its own record.
 */
export async function listOpen311Updates(
  db: Executor,
  councilId: string,
  window: Open311UpdateWindow,
): Promise<Open311UpdateRow[]> {
  const services = window.serviceCodes
    ? sql`and r.service_code = any(${[...window.serviceCodes]}::text[])`
    : sql``;
  const result = await sql<Open311UpdateRow>`
    select u.id as "updateId", u.request_id as "requestId", r.reference,
           u.body, ${w3c('u.created_at')} as "updatedAt",
           s.status_to as "statusTo", s.body as "statusBody"
      from service_request_update u
      join service_request r on r.council_id = u.council_id and r.id = u.request_id
      left join lateral (
        select st.status_to, st.body
          from service_request_update st
         where st.request_id = u.request_id and st.is_public and st.kind = 'status'
           and st.status_to is not null and st.created_at <= u.created_at
         -- A status change is its own status, even beside another made in the same transaction.
         order by (st.id = u.id) desc, st.created_at desc, st.id desc
         limit 1
      ) s on true
     where u.council_id = ${councilId} and u.is_public and u.kind in ('status', 'public')
       and u.created_at >= ${window.from} and u.created_at < ${window.to} ${services}
       -- What an outside system's update wrote is that system's to publish, from its own record.
       and u.external_ref is null
     order by u.created_at, u.id
     limit ${window.limit} offset ${window.offset ?? 0}`.execute(db);
  return result.rows;
}
