import { type Generated, sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';

interface RequestTable {
  request_id: string;
  council_id: string;
  media_url: string | null;
  device_id: string | null;
  account_id: string | null;
  zipcode: string | null;
  service_notice: string | null;
  created_at: Generated<Date>;
}

interface UpdateTable {
  council_id: string;
  update_id: string;
  request_id: string;
  status: string;
  description: string;
  media_url: string | null;
  external_status_code: string | null;
  updated_at: Date;
  created_at: Generated<Date>;
}

type Tables = { open311_request: RequestTable; open311_update: UpdateTable };

const t = (db: Executor) => db.withTables<Tables>();

export interface RequestExtras {
  mediaUrl: string | null;
  deviceId: string | null;
  accountId: string | null;
  zipcode: string | null;
  /** What POST requests told the client it left out. */
  serviceNotice: string | null;
}

export async function insertRequestExtras(
  db: Executor,
  councilId: string,
  requestId: string,
  extras: RequestExtras,
): Promise<void> {
  await t(db)
    .insertInto('open311_request')
    .values({
      request_id: requestId,
      council_id: councilId,
      media_url: extras.mediaUrl,
      device_id: extras.deviceId,
      account_id: extras.accountId,
      zipcode: extras.zipcode,
      service_notice: extras.serviceNotice,
    })
    .onConflict((oc) => oc.column('request_id').doNothing())
    .execute();
}

/** media_url, zipcode (and the rest) of each of these requests that has any, by request id. */
export async function requestExtras(
  db: Executor,
  councilId: string,
  requestIds: readonly string[],
): Promise<Map<string, RequestExtras>> {
  if (requestIds.length === 0) return new Map();
  const rows = await t(db)
    .selectFrom('open311_request')
    .select(['request_id', 'media_url', 'device_id', 'account_id', 'zipcode', 'service_notice'])
    .where('council_id', '=', councilId)
    // One text parameter rather than a thousand (or an array the driver escapes item by item).
    .where(sql<boolean>`request_id = any(string_to_array(${requestIds.join(',')}, ',')::uuid[])`)
    .execute();
  return new Map(
    rows.map((r) => [
      r.request_id,
      {
        mediaUrl: r.media_url,
        deviceId: r.device_id,
        accountId: r.account_id,
        zipcode: r.zipcode,
        serviceNotice: r.service_notice,
      },
    ]),
  );
}

export interface PostedUpdate {
  updateId: string;
  requestId: string;
  status: string;
  description: string;
  mediaUrl: string | null;
  externalStatusCode: string | null;
  updatedAt: Date;
}

function toPosted(r: import('kysely').Selectable<UpdateTable>): PostedUpdate {
  return {
    updateId: r.update_id,
    requestId: r.request_id,
    status: r.status,
    description: r.description,
    mediaUrl: r.media_url,
    externalStatusCode: r.external_status_code,
    updatedAt: r.updated_at,
  };
}

/** The update a client posted to this request under this update_id. */
export async function findPostedUpdate(
  db: Executor,
  councilId: string,
  requestId: string,
  updateId: string,
): Promise<PostedUpdate | null> {
  const row = await t(db)
    .selectFrom('open311_update')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('request_id', '=', requestId)
    .where('update_id', '=', updateId)
    .executeTakeFirst();
  return row ? toPosted(row) : null;
}

/** Updates clients posted, by the time they gave, in a window (`to` excluded), oldest first. */
export async function postedUpdatesIn(
  db: Executor,
  councilId: string,
  window: { from: Date; to: Date; limit: number },
): Promise<PostedUpdate[]> {
  const rows = await t(db)
    .selectFrom('open311_update')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('updated_at', '>=', window.from)
    .where('updated_at', '<', window.to)
    .orderBy('updated_at')
    // Posted with the same time: in the order they came.
    .orderBy('created_at')
    .limit(window.limit)
    .execute();
  return rows.map(toPosted);
}

/** Records a posted update; false when its update_id was already taken on this request (a retry). */
export async function insertPostedUpdate(db: Executor, councilId: string, u: PostedUpdate): Promise<boolean> {
  const row = await t(db)
    .insertInto('open311_update')
    .values({
      council_id: councilId,
      update_id: u.updateId,
      request_id: u.requestId,
      status: u.status,
      description: u.description,
      media_url: u.mediaUrl,
      external_status_code: u.externalStatusCode,
      updated_at: u.updatedAt,
    })
    .onConflict((oc) => oc.columns(['council_id', 'request_id', 'update_id']).doNothing())
    .returning('update_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Frees an update_id whose update could not be applied, so the client may try again. */
export async function deletePostedUpdate(
  db: Executor,
  councilId: string,
  requestId: string,
  updateId: string,
): Promise<void> {
  await t(db)
    .deleteFrom('open311_update')
    .where('council_id', '=', councilId)
    .where('request_id', '=', requestId)
    .where('update_id', '=', updateId)
    .execute();
}
