import type { Expression, ExpressionBuilder, Generated, Selectable, SqlBool } from 'kysely';
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';
import type { CaseStatus, Outcome } from './lifecycle.ts';

export interface PauseRow {
  start: string;
  end?: string;
}

interface ServiceRequestTable {
  id: Generated<string>;
  council_id: string;
  reference: string;
  service_id: string;
  service_code: string;
  service_name: string;
  service_version: number;
  status: string;
  is_open: Generated<boolean>;
  outcome: string | null;
  priority: string;
  channel: string;
  description: string;
  answers: unknown;
  requester_party_id: string | null;
  on_behalf_of_party_id: string | null;
  contact_details: unknown;
  uprn: number | null;
  usrn: number | null;
  asset_ref: string | null;
  easting: number | null;
  northing: number | null;
  lat: number | null;
  long: number | null;
  location_text: string | null;
  ward_code: string | null;
  ward_name: string | null;
  owner_id: string | null;
  owner_label: string | null;
  team_id: string | null;
  assignee_id: string | null;
  sla_unit: string;
  sla_amount: number;
  submitted_at: Generated<Date>;
  due_at: Date | null;
  warn_at: Date | null;
  pauses: unknown;
  sla_warned_at: Date | null;
  sla_breached_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  duplicate_of: string | null;
  parent_id: string | null;
  complaint_stage: number | null;
  complaint_due_at: Date | null;
  ombudsman_referred_at: Date | null;
  external_id: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

interface UpdateTable {
  id: Generated<string>;
  council_id: string;
  request_id: string;
  kind: string;
  is_public: boolean;
  body: string;
  status_from: string | null;
  status_to: string | null;
  author_id: string | null;
  author_label: string | null;
  external_ref: string | null;
  created_at: Generated<Date>;
}

interface SupporterTable {
  council_id: string;
  request_id: string;
  party_id: string | null;
  from_request_id: string | null;
  created_at: Generated<Date>;
}

interface AttachmentTable {
  id: Generated<string>;
  council_id: string;
  request_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: Buffer;
  is_public: boolean;
  uploaded_by_id: string | null;
  uploaded_by_label: string | null;
  created_at: Generated<Date>;
}

interface SettingTable {
  council_id: string;
  service_code: string;
  duplicate_radius_m: number;
}

type Tables = {
  service_request: ServiceRequestTable;
  service_request_update: UpdateTable;
  service_request_supporter: SupporterTable;
  service_request_attachment: AttachmentTable;
  case_service_setting: SettingTable;
};

const t = (db: Executor) => db.withTables<Tables>();

export type UpdateKind =
  | 'public'
  | 'internal'
  | 'status'
  | 'assignment'
  | 'link'
  | 'sla'
  | 'complaint'
  | 'attachment';

export interface CaseRecord {
  id: string;
  councilId: string;
  reference: string;
  serviceId: string;
  serviceCode: string;
  serviceName: string;
  serviceVersion: number;
  status: CaseStatus;
  outcome: Outcome | null;
  priority: string;
  channel: string;
  description: string;
  answers: Record<string, unknown>;
  requesterPartyId: string | null;
  onBehalfOfPartyId: string | null;
  contactDetails: { email?: string; phone?: string; name?: string } | null;
  uprn: number | null;
  usrn: number | null;
  assetRef: string | null;
  easting: number | null;
  northing: number | null;
  lat: number | null;
  long: number | null;
  locationText: string | null;
  wardCode: string | null;
  wardName: string | null;
  ownerId: string | null;
  ownerLabel: string | null;
  teamId: string | null;
  assigneeId: string | null;
  slaUnit: 'working_hours' | 'working_days';
  slaAmount: number;
  submittedAt: Date;
  dueAt: Date | null;
  warnAt: Date | null;
  pauses: PauseRow[];
  slaWarnedAt: Date | null;
  slaBreachedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  duplicateOf: string | null;
  parentId: string | null;
  complaintStage: 1 | 2 | null;
  complaintDueAt: Date | null;
  ombudsmanReferredAt: Date | null;
  externalId: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

type Row = import('kysely').Selectable<ServiceRequestTable>;

function toCase(r: Row): CaseRecord {
  return {
    id: r.id,
    councilId: r.council_id,
    reference: r.reference,
    serviceId: r.service_id,
    serviceCode: r.service_code,
    serviceName: r.service_name,
    serviceVersion: r.service_version,
    status: r.status as CaseStatus,
    outcome: r.outcome as Outcome | null,
    priority: r.priority,
    channel: r.channel,
    description: r.description,
    answers: (r.answers ?? {}) as Record<string, unknown>,
    requesterPartyId: r.requester_party_id,
    onBehalfOfPartyId: r.on_behalf_of_party_id,
    contactDetails: (r.contact_details ?? null) as CaseRecord['contactDetails'],
    uprn: r.uprn === null ? null : Number(r.uprn),
    usrn: r.usrn === null ? null : Number(r.usrn),
    assetRef: r.asset_ref,
    easting: r.easting,
    northing: r.northing,
    lat: r.lat,
    long: r.long,
    locationText: r.location_text,
    wardCode: r.ward_code,
    wardName: r.ward_name,
    ownerId: r.owner_id,
    ownerLabel: r.owner_label,
    teamId: r.team_id,
    assigneeId: r.assignee_id,
    slaUnit: r.sla_unit as CaseRecord['slaUnit'],
    slaAmount: Number(r.sla_amount),
    submittedAt: r.submitted_at,
    dueAt: r.due_at,
    warnAt: r.warn_at,
    pauses: (r.pauses ?? []) as PauseRow[],
    slaWarnedAt: r.sla_warned_at,
    slaBreachedAt: r.sla_breached_at,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
    duplicateOf: r.duplicate_of,
    parentId: r.parent_id,
    complaintStage: r.complaint_stage as 1 | 2 | null,
    complaintDueAt: r.complaint_due_at,
    ombudsmanReferredAt: r.ombudsman_referred_at,
    externalId: r.external_id,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewCase {
  reference: string;
  serviceId: string;
  serviceCode: string;
  serviceName: string;
  serviceVersion: number;
  status: CaseStatus;
  priority: string;
  channel: string;
  description: string;
  answers: Record<string, unknown>;
  requesterPartyId: string | null;
  onBehalfOfPartyId: string | null;
  contactDetails: CaseRecord['contactDetails'];
  uprn: number | null;
  usrn: number | null;
  assetRef: string | null;
  easting: number | null;
  northing: number | null;
  lat: number | null;
  long: number | null;
  locationText: string | null;
  wardCode: string | null;
  wardName: string | null;
  ownerId: string | null;
  ownerLabel: string | null;
  teamId: string | null;
  assigneeId: string | null;
  slaUnit: string;
  slaAmount: number;
  submittedAt: Date;
  dueAt: Date | null;
  warnAt: Date | null;
  parentId: string | null;
  complaintStage: number | null;
  complaintDueAt: Date | null;
  externalId: string | null;
}

function newRow(councilId: string, c: NewCase) {
  return {
    council_id: councilId,
    reference: c.reference,
    service_id: c.serviceId,
    service_code: c.serviceCode,
    service_name: c.serviceName,
    service_version: c.serviceVersion,
    status: c.status,
    outcome: null,
    priority: c.priority,
    channel: c.channel,
    description: c.description,
    answers: JSON.stringify(c.answers),
    requester_party_id: c.requesterPartyId,
    on_behalf_of_party_id: c.onBehalfOfPartyId,
    contact_details: c.contactDetails ? JSON.stringify(c.contactDetails) : null,
    uprn: c.uprn,
    usrn: c.usrn,
    asset_ref: c.assetRef,
    easting: c.easting,
    northing: c.northing,
    lat: c.lat,
    long: c.long,
    location_text: c.locationText,
    ward_code: c.wardCode,
    ward_name: c.wardName,
    owner_id: c.ownerId,
    owner_label: c.ownerLabel,
    team_id: c.teamId,
    assignee_id: c.assigneeId,
    sla_unit: c.slaUnit,
    sla_amount: c.slaAmount,
    submitted_at: c.submittedAt,
    due_at: c.dueAt,
    warn_at: c.warnAt,
    pauses: '[]',
    sla_warned_at: null,
    sla_breached_at: null,
    resolved_at: null,
    closed_at: null,
    duplicate_of: null,
    parent_id: c.parentId,
    complaint_stage: c.complaintStage,
    complaint_due_at: c.complaintDueAt,
    ombudsman_referred_at: null,
    external_id: c.externalId,
  };
}

/**
 * Inserts a request with an id made in Node, built but not run (for `writeTogether`). A reference
 * already taken violates `CASE_REFERENCE_CONSTRAINT`, and the caller draws another.
 */
export function caseInsert(db: Executor, councilId: string, id: string, c: NewCase) {
  return t(db)
    .insertInto('service_request')
    .values({ id, ...newRow(councilId, c) });
}

export const CASE_REFERENCE_CONSTRAINT = 'service_request_council_id_reference_key';

export async function findCase(
  db: Executor,
  councilId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<CaseRecord | null> {
  let q = t(db)
    .selectFrom('service_request')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('id', '=', id);
  if (options.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toCase(row) : null;
}

export async function findCaseIdByReference(
  db: Executor,
  councilId: string,
  reference: string,
): Promise<string | null> {
  const row = await t(db)
    .selectFrom('service_request')
    .select('id')
    .where('council_id', '=', councilId)
    .where('reference', '=', reference)
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function findCasesByIds(
  db: Executor,
  councilId: string,
  ids: readonly string[],
): Promise<CaseRecord[]> {
  if (ids.length === 0) return [];
  const rows = await t(db)
    .selectFrom('service_request')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('id', 'in', ids)
    .execute();
  return rows.map((r) => toCase(r));
}

export interface CaseChange {
  status?: CaseStatus;
  outcome?: Outcome | null;
  priority?: string;
  teamId?: string | null;
  assigneeId?: string | null;
  dueAt?: Date | null;
  warnAt?: Date | null;
  pauses?: PauseRow[];
  slaWarnedAt?: Date | null;
  slaBreachedAt?: Date | null;
  resolvedAt?: Date | null;
  closedAt?: Date | null;
  duplicateOf?: string | null;
  parentId?: string | null;
  complaintStage?: number | null;
  complaintDueAt?: Date | null;
  ombudsmanReferredAt?: Date | null;
}

export async function updateCase(
  db: Executor,
  councilId: string,
  id: string,
  change: CaseChange,
): Promise<void> {
  const set: Record<string, unknown> = {};
  const map: Record<keyof CaseChange, string> = {
    status: 'status',
    outcome: 'outcome',
    priority: 'priority',
    teamId: 'team_id',
    assigneeId: 'assignee_id',
    dueAt: 'due_at',
    warnAt: 'warn_at',
    pauses: 'pauses',
    slaWarnedAt: 'sla_warned_at',
    slaBreachedAt: 'sla_breached_at',
    resolvedAt: 'resolved_at',
    closedAt: 'closed_at',
    duplicateOf: 'duplicate_of',
    parentId: 'parent_id',
    complaintStage: 'complaint_stage',
    complaintDueAt: 'complaint_due_at',
    ombudsmanReferredAt: 'ombudsman_referred_at',
  };
  for (const [key, column] of Object.entries(map) as [keyof CaseChange, string][]) {
    const value = change[key];
    if (value === undefined) continue;
    set[column] = key === 'pauses' ? JSON.stringify(value) : value;
  }
  await t(db)
    .updateTable('service_request')
    .set({ ...set, updated_at: sql`now()`, version: sql`version + 1` } as never)
    .where('council_id', '=', councilId)
    .where('id', '=', id)
    .execute();
}

// --- Lists and queues ---------------------------------------------------------------------------

export type SlaFilter = 'on_track' | 'at_risk' | 'breached' | 'paused' | 'met';

export interface CaseListQuery {
  status?: readonly CaseStatus[];
  open?: boolean;
  serviceCodes?: readonly string[];
  ids?: readonly string[];
  references?: readonly string[];
  teamId?: string;
  assigneeId?: string;
  /** 'none' for unassigned to an officer. */
  unassigned?: boolean;
  partyId?: string;
  wardCode?: string;
  slaState?: SlaFilter;
  updatedAfter?: Date;
  submittedFrom?: Date;
  submittedTo?: Date;
  sort?: 'due' | 'submitted' | 'updated' | 'priority' | 'reference';
  direction?: 'asc' | 'desc';
  /** Words found in the reference, service, place or description (the queue's find box). */
  text?: string;
  limit: number;
  offset: number;
}

export interface CaseListRow {
  id: string;
  reference: string;
  serviceCode: string;
  serviceName: string;
  status: CaseStatus;
  outcome: Outcome | null;
  priority: string;
  channel: string;
  teamId: string | null;
  assigneeId: string | null;
  requesterPartyId: string | null;
  locationText: string | null;
  wardName: string | null;
  submittedAt: Date;
  dueAt: Date | null;
  warnAt: Date | null;
  resolvedAt: Date | null;
  updatedAt: Date;
}

/** The list filters as one condition, for `.where((eb) => listFilter(eb, ...))`. */
function listFilter(
  eb: ExpressionBuilder<Tables, 'service_request'>,
  councilId: string,
  query: CaseListQuery,
  now: Date,
): Expression<SqlBool> {
  const c: Expression<SqlBool>[] = [eb('council_id', '=', councilId)];
  // A literal, not a parameter: a prepared statement's generic plan can then use the partial indexes
  // on open requests.
  const open = (value: boolean) => eb('is_open', '=', sql.lit(value));
  if (query.open !== undefined) c.push(open(query.open));
  if (query.status?.length) c.push(eb('status', 'in', query.status));
  if (query.serviceCodes?.length) c.push(eb('service_code', 'in', query.serviceCodes));
  if (query.ids?.length) c.push(eb('id', 'in', query.ids));
  if (query.references?.length) c.push(eb('reference', 'in', query.references));
  if (query.teamId) c.push(eb('team_id', '=', query.teamId));
  if (query.assigneeId) c.push(eb('assignee_id', '=', query.assigneeId));
  if (query.unassigned) c.push(eb('assignee_id', 'is', null));
  if (query.partyId)
    c.push(
      eb.or([eb('requester_party_id', '=', query.partyId), eb('on_behalf_of_party_id', '=', query.partyId)]),
    );
  if (query.wardCode) c.push(eb('ward_code', '=', query.wardCode));
  if (query.updatedAfter) c.push(eb('updated_at', '>', query.updatedAfter));
  if (query.submittedFrom) c.push(eb('submitted_at', '>=', query.submittedFrom));
  if (query.submittedTo) c.push(eb('submitted_at', '<', query.submittedTo));
  if (query.text) {
    // Within a queue's other filters, so its index narrows the rows first; % and _ are taken literally.
    const like = `%${query.text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    c.push(
      eb.or([
        eb('reference', 'ilike', like),
        eb('service_name', 'ilike', like),
        eb('location_text', 'ilike', like),
        eb('ward_name', 'ilike', like),
        eb('description', 'ilike', like),
      ]),
    );
  }
  const running = () => [open(true), eb('status', '!=', 'on_hold')];
  switch (query.slaState) {
    case 'breached':
      c.push(...running(), eb('due_at', '<', now));
      break;
    case 'at_risk':
      c.push(...running(), eb('warn_at', '<=', now), eb('due_at', '>=', now));
      break;
    case 'on_track':
      c.push(...running(), eb('warn_at', '>', now));
      break;
    case 'paused':
      c.push(eb('status', '=', 'on_hold'));
      break;
    case 'met':
      c.push(open(false), eb('resolved_at', '<=', eb.ref('due_at')));
      break;
  }
  return eb.and(c);
}

const LIST_COLUMNS = [
  'id',
  'reference',
  'service_code',
  'service_name',
  'status',
  'outcome',
  'priority',
  'channel',
  'team_id',
  'assignee_id',
  'requester_party_id',
  'location_text',
  'ward_name',
  'submitted_at',
  'due_at',
  'warn_at',
  'resolved_at',
  'updated_at',
] as const;

export async function listCases(
  db: Executor,
  councilId: string,
  query: CaseListQuery,
  now: Date,
): Promise<CaseListRow[]> {
  const direction = query.direction ?? 'asc';
  let q = t(db)
    .selectFrom('service_request')
    .select(LIST_COLUMNS)
    .where((eb) => listFilter(eb, councilId, query, now));
  switch (query.sort ?? 'due') {
    case 'due':
      q = q.orderBy('due_at', sql.raw(`${direction} nulls last`)).orderBy('id', direction);
      break;
    case 'submitted':
      q = q.orderBy('submitted_at', direction).orderBy('id', direction);
      break;
    case 'updated':
      q = q.orderBy('updated_at', direction).orderBy('id', direction);
      break;
    case 'priority':
      // Ascending runs low to high, as every other column does; most urgent first is descending.
      q = q
        .orderBy(
          sql`case priority when 'low' then 0 when 'normal' then 1 when 'high' then 2 else 3 end`,
          direction,
        )
        .orderBy('due_at', 'asc')
        .orderBy('id', 'asc');
      break;
    case 'reference':
      q = q.orderBy('reference', direction);
      break;
  }
  const rows = await q.limit(query.limit).offset(query.offset).execute();
  return rows.map(toListRow);
}

type ListColumns = Selectable<Pick<ServiceRequestTable, (typeof LIST_COLUMNS)[number]>>;

function toListRow(r: ListColumns): CaseListRow {
  return {
    id: r.id,
    reference: r.reference,
    serviceCode: r.service_code,
    serviceName: r.service_name,
    status: r.status as CaseStatus,
    outcome: r.outcome as Outcome | null,
    priority: r.priority,
    channel: r.channel,
    teamId: r.team_id,
    assigneeId: r.assignee_id,
    requesterPartyId: r.requester_party_id,
    locationText: r.location_text,
    wardName: r.ward_name,
    submittedAt: r.submitted_at,
    dueAt: r.due_at,
    warnAt: r.warn_at,
    resolvedAt: r.resolved_at,
    updatedAt: r.updated_at,
  };
}

export async function countCases(
  db: Executor,
  councilId: string,
  query: CaseListQuery,
  now: Date,
  cap?: number,
): Promise<number> {
  if (cap !== undefined) {
    // Counting stops at the cap: a queue of 60,000 needs "over 10,000", not a scan of every row.
    const inner = t(db)
      .selectFrom('service_request')
      .select(sql`1`.as('one'))
      .where((eb) => listFilter(eb, councilId, query, now))
      .limit(cap + 1);
    const row = (await t(db)
      .selectFrom(inner.as('capped'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst()) as { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }
  const q = t(db)
    .selectFrom('service_request')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => listFilter(eb, councilId, query, now));
  const row = (await q.executeTakeFirst()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

// --- Updates, supporters, attachments -----------------------------------------------------------

export interface NewUpdate {
  requestId: string;
  kind: UpdateKind;
  isPublic: boolean;
  body: string;
  statusFrom?: string | null;
  statusTo?: string | null;
  authorId: string | null;
  authorLabel: string | null;
  /** An outside system's own id for the update that wrote this (an Open311 client's update_id). */
  externalRef?: string | null;
}

export interface UpdateRecord {
  id: string;
  kind: UpdateKind;
  isPublic: boolean;
  body: string;
  statusFrom: string | null;
  statusTo: string | null;
  authorId: string | null;
  authorLabel: string | null;
  createdAt: Date;
}

export async function insertUpdate(db: Executor, councilId: string, u: NewUpdate): Promise<string> {
  const row = await t(db)
    .insertInto('service_request_update')
    .values({
      council_id: councilId,
      request_id: u.requestId,
      kind: u.kind,
      is_public: u.isPublic,
      body: u.body,
      status_from: u.statusFrom ?? null,
      status_to: u.statusTo ?? null,
      author_id: u.authorId,
      author_label: u.authorLabel,
      external_ref: u.externalRef ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listUpdates(
  db: Executor,
  councilId: string,
  requestId: string,
  options: { publicOnly?: boolean } = {},
): Promise<UpdateRecord[]> {
  let q = t(db)
    .selectFrom('service_request_update')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('request_id', '=', requestId);
  if (options.publicOnly) q = q.where('is_public', '=', true);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as UpdateKind,
    isPublic: r.is_public,
    body: r.body,
    statusFrom: r.status_from,
    statusTo: r.status_to,
    authorId: r.author_id,
    authorLabel: r.author_label,
    createdAt: r.created_at,
  }));
}

/** The text of one public update on a request; null when there is no such update or it is internal. */
export async function publicUpdateBody(
  db: Executor,
  councilId: string,
  requestId: string,
  updateId: string,
): Promise<string | null> {
  const row = await t(db)
    .selectFrom('service_request_update')
    .select('body')
    .where('council_id', '=', councilId)
    .where('request_id', '=', requestId)
    .where('id', '=', updateId)
    .where('is_public', '=', true)
    .executeTakeFirst();
  return row?.body ?? null;
}

export async function insertSupporter(
  db: Executor,
  councilId: string,
  s: { requestId: string; partyId: string | null; fromRequestId: string | null },
): Promise<void> {
  await t(db)
    .insertInto('service_request_supporter')
    .values({
      council_id: councilId,
      request_id: s.requestId,
      party_id: s.partyId,
      from_request_id: s.fromRequestId,
    })
    .execute();
}

export async function listSupporters(
  db: Executor,
  councilId: string,
  requestId: string,
): Promise<{ partyId: string | null; fromRequestId: string | null; createdAt: Date }[]> {
  const rows = await t(db)
    .selectFrom('service_request_supporter')
    .select(['party_id', 'from_request_id', 'created_at'])
    .where('council_id', '=', councilId)
    .where('request_id', '=', requestId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    partyId: r.party_id,
    fromRequestId: r.from_request_id,
    createdAt: r.created_at,
  }));
}

/** Children (tasks split off) and duplicates linked to a request. */
export async function listLinked(
  db: Executor,
  councilId: string,
  requestId: string,
): Promise<{ children: CaseListRow[]; duplicates: CaseListRow[] }> {
  const [children, duplicates] = await Promise.all([
    t(db)
      .selectFrom('service_request')
      .select(LIST_COLUMNS)
      .where('council_id', '=', councilId)
      .where('parent_id', '=', requestId)
      .orderBy('submitted_at')
      .execute(),
    t(db)
      .selectFrom('service_request')
      .select(LIST_COLUMNS)
      .where('council_id', '=', councilId)
      .where('duplicate_of', '=', requestId)
      .orderBy('submitted_at')
      .execute(),
  ]);
  return { children: children.map(toListRow), duplicates: duplicates.map(toListRow) };
}

/**
 * Open requests for a service within a square around a point, nearest first (the caller measures the
 * circle). On the path of every new request, so it reads only what a duplicate suggestion shows, by
 * the GiST index on the point. The council and service are checked on the few rows found there, as
 * one `is true` test that no btree index can answer: Postgres's generic plan for this prepared
 * statement assumes an average service, and given the chance ANDed in the (council, service) index,
 * reading 150,000 entries for a service that holds most requests, where the point index reads 60.
 */
export async function findNearbyOpen(
  ...args: Parameters<typeof nearbyOpenQuery>
): Promise<{ id: string; reference: string; easting: number; northing: number }[]> {
  const rows = await nearbyOpenQuery(...args).execute();
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    easting: r.easting ?? 0,
    northing: r.northing ?? 0,
  }));
}

/** The statement findNearbyOpen runs (its plan is tested). */
export function nearbyOpenQuery(
  db: Executor,
  councilId: string,
  serviceCode: string,
  easting: number,
  northing: number,
  radius: number,
  excludeId: string | null,
) {
  const at = sql`point(${easting}, ${northing})`;
  let q = t(db)
    .selectFrom('service_request')
    .select(['id', 'reference', 'easting', 'northing'])
    .where(sql<boolean>`(council_id = ${councilId} and service_code = ${serviceCode}) is true`)
    .where('is_open', '=', sql.lit(true))
    .where(
      sql<boolean>`point(easting, northing) <@ box(point(${easting - radius}, ${northing - radius}), point(${easting + radius}, ${northing + radius}))`,
    )
    .where('duplicate_of', 'is', null);
  if (excludeId) q = q.where('id', '!=', excludeId);
  return q.orderBy(sql`point(easting, northing) <-> ${at}`).limit(10);
}

export async function duplicateRadius(
  db: Executor,
  councilId: string,
  serviceCode: string,
): Promise<number | null> {
  const row = await t(db)
    .selectFrom('case_service_setting')
    .select('duplicate_radius_m')
    .where('council_id', '=', councilId)
    .where('service_code', '=', serviceCode)
    .executeTakeFirst();
  return row?.duplicate_radius_m ?? null;
}

export async function setDuplicateRadius(
  db: Executor,
  councilId: string,
  serviceCode: string,
  metres: number,
): Promise<void> {
  await t(db)
    .insertInto('case_service_setting')
    .values({ council_id: councilId, service_code: serviceCode, duplicate_radius_m: metres })
    .onConflict((oc) =>
      oc.columns(['council_id', 'service_code']).doUpdateSet({ duplicate_radius_m: metres }),
    )
    .execute();
}

export interface AttachmentRecord {
  id: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  isPublic: boolean;
  uploadedByLabel: string | null;
  createdAt: Date;
}

export async function insertAttachment(
  db: Executor,
  councilId: string,
  a: {
    requestId: string;
    filename: string;
    contentType: string;
    content: Buffer;
    sha256: string;
    isPublic: boolean;
    uploadedById: string | null;
    uploadedByLabel: string | null;
  },
): Promise<string> {
  const row = await t(db)
    .insertInto('service_request_attachment')
    .values({
      council_id: councilId,
      request_id: a.requestId,
      filename: a.filename,
      content_type: a.contentType,
      size_bytes: a.content.length,
      sha256: a.sha256,
      content: a.content,
      is_public: a.isPublic,
      uploaded_by_id: a.uploadedById,
      uploaded_by_label: a.uploadedByLabel,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listAttachments(
  db: Executor,
  councilId: string,
  requestId: string,
): Promise<AttachmentRecord[]> {
  const rows = await t(db)
    .selectFrom('service_request_attachment')
    .select([
      'id',
      'filename',
      'content_type',
      'size_bytes',
      'sha256',
      'is_public',
      'uploaded_by_label',
      'created_at',
    ])
    .where('council_id', '=', councilId)
    .where('request_id', '=', requestId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    filename: r.filename,
    contentType: r.content_type,
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    isPublic: r.is_public,
    uploadedByLabel: r.uploaded_by_label,
    createdAt: r.created_at,
  }));
}

export async function findAttachment(
  db: Executor,
  councilId: string,
  requestId: string,
  id: string,
): Promise<(AttachmentRecord & { content: Buffer }) | null> {
  const r = await t(db)
    .selectFrom('service_request_attachment')
    .selectAll()
    .where('council_id', '=', councilId)
    .where('request_id', '=', requestId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!r) return null;
  return {
    id: r.id,
    filename: r.filename,
    contentType: r.content_type,
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    isPublic: r.is_public,
    uploadedByLabel: r.uploaded_by_label,
    createdAt: r.created_at,
    content: r.content,
  };
}

// --- SLA sweep ----------------------------------------------------------------------------------

/** Open, running requests whose 80% moment has passed without a warning yet. */
export async function claimDueWarnings(
  db: Executor,
  now: Date,
  limit: number,
): Promise<{ id: string; councilId: string }[]> {
  const rows = await t(db)
    .selectFrom('service_request')
    .select(['id', 'council_id'])
    .where('is_open', '=', sql.lit(true))
    .where('sla_warned_at', 'is', null)
    .where('warn_at', '<=', now)
    .where('status', '!=', 'on_hold')
    .orderBy('warn_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((r) => ({ id: r.id, councilId: r.council_id }));
}

export async function claimDueBreaches(
  db: Executor,
  now: Date,
  limit: number,
): Promise<{ id: string; councilId: string }[]> {
  const rows = await t(db)
    .selectFrom('service_request')
    .select(['id', 'council_id'])
    .where('is_open', '=', sql.lit(true))
    .where('sla_breached_at', 'is', null)
    .where('due_at', '<=', now)
    .where('status', '!=', 'on_hold')
    .orderBy('due_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((r) => ({ id: r.id, councilId: r.council_id }));
}

export async function markSla(
  db: Executor,
  ids: readonly string[],
  column: 'sla_warned_at' | 'sla_breached_at',
  now: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await t(db)
    .updateTable('service_request')
    .set({ [column]: now } as never)
    .where('id', 'in', ids)
    .execute();
}

// --- Supervisor figures -------------------------------------------------------------------------

export interface TeamFigures {
  teamId: string | null;
  open: number;
  unassigned: number;
  atRisk: number;
  breached: number;
  onHold: number;
}

export async function teamFigures(db: Executor, councilId: string, now: Date): Promise<TeamFigures[]> {
  const { rows } = await sql<{
    team_id: string | null;
    open: string;
    unassigned: string;
    at_risk: string;
    breached: string;
    on_hold: string;
  }>`
    select team_id,
      count(*) as open,
      count(*) filter (where assignee_id is null) as unassigned,
      count(*) filter (where status <> 'on_hold' and warn_at <= ${now} and due_at >= ${now}) as at_risk,
      count(*) filter (where status <> 'on_hold' and due_at < ${now}) as breached,
      count(*) filter (where status = 'on_hold') as on_hold
    from service_request
    where council_id = ${councilId} and is_open
    group by team_id
    order by count(*) desc`.execute(db);
  return rows.map((r) => ({
    teamId: r.team_id,
    open: Number(r.open),
    unassigned: Number(r.unassigned),
    atRisk: Number(r.at_risk),
    breached: Number(r.breached),
    onHold: Number(r.on_hold),
  }));
}

export interface ResolvedCounts {
  resolved: number;
  /** Resolved requests that had a due date. */
  withTarget: number;
  /** Of those, resolved by their due date. */
  met: number;
}

export interface ResolvedFigures extends ResolvedCounts {
  teamId: string | null;
}

/** Requests resolved in [from, to), per team: one statement on the resolved_at index. */
export async function resolvedFigures(
  db: Executor,
  councilId: string,
  from: Date,
  to: Date,
): Promise<ResolvedFigures[]> {
  const { rows } = await sql<{ team_id: string | null; resolved: string; with_target: string; met: string }>`
    select team_id,
      count(*) as resolved,
      count(*) filter (where due_at is not null) as with_target,
      count(*) filter (where resolved_at <= due_at) as met
    from service_request
    where council_id = ${councilId} and resolved_at >= ${from} and resolved_at < ${to}
    group by team_id
    order by count(*) desc`.execute(db);
  return rows.map((r) => ({
    teamId: r.team_id,
    resolved: Number(r.resolved),
    withTarget: Number(r.with_target),
    met: Number(r.met),
  }));
}

export async function ageingBuckets(
  db: Executor,
  councilId: string,
  now: Date,
): Promise<{ bucket: string; count: number }[]> {
  const { rows } = await sql<{ bucket: string; n: string }>`
    select case
        when submitted_at > ${now}::timestamptz - interval '2 days' then '0-2 days'
        when submitted_at > ${now}::timestamptz - interval '7 days' then '3-7 days'
        when submitted_at > ${now}::timestamptz - interval '28 days' then '8-28 days'
        else 'over 28 days' end as bucket,
      count(*) as n
    from service_request
    where council_id = ${councilId} and is_open
    group by 1`.execute(db);
  const order = ['0-2 days', '3-7 days', '8-28 days', 'over 28 days'];
  const byBucket = new Map(rows.map((r) => [r.bucket, Number(r.n)]));
  return order.map((bucket) => ({ bucket, count: byBucket.get(bucket) ?? 0 }));
}

export async function officerWorkload(
  db: Executor,
  councilId: string,
  now: Date,
): Promise<{ assigneeId: string; open: number; breached: number; atRisk: number }[]> {
  const { rows } = await sql<{ assignee_id: string; open: string; breached: string; at_risk: string }>`
    select assignee_id, count(*) as open,
      count(*) filter (where status <> 'on_hold' and due_at < ${now}) as breached,
      count(*) filter (where status <> 'on_hold' and warn_at <= ${now} and due_at >= ${now}) as at_risk
    from service_request
    where council_id = ${councilId} and is_open and assignee_id is not null
    group by assignee_id
    order by count(*) desc`.execute(db);
  return rows.map((r) => ({
    assigneeId: r.assignee_id,
    open: Number(r.open),
    breached: Number(r.breached),
    atRisk: Number(r.at_risk),
  }));
}

/** Requests per party for the party page and the timeline, newest first. */
export async function listForParty(
  db: Executor,
  councilId: string,
  partyId: string,
  options: { before?: Date; limit: number },
): Promise<CaseListRow[]> {
  return listCases(
    db,
    councilId,
    {
      partyId,
      ...(options.before ? { submittedTo: options.before } : {}),
      sort: 'submitted',
      direction: 'desc',
      limit: options.limit,
      offset: 0,
    },
    new Date(),
  );
}

export async function openServiceCodes(
  db: Executor,
  councilId: string,
): Promise<{ code: string; name: string }[]> {
  const { rows } = await sql<{ service_code: string; service_name: string }>`
    select service_code, min(service_name) as service_name from service_request
    where council_id = ${councilId} and is_open
    group by service_code order by 2`.execute(db);
  return rows.map((r) => ({ code: r.service_code, name: r.service_name }));
}

export interface ImportedCase extends NewCase {
  outcome: Outcome | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  slaWarnedAt: Date | null;
  slaBreachedAt: Date | null;
  pauses: PauseRow[];
}

/** Inserts many requests at once (historic imports, demo data); returns their ids in order. */
export async function bulkInsertCases(
  db: Executor,
  councilId: string,
  cases: readonly ImportedCase[],
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < cases.length; i += 500) {
    const chunk = cases.slice(i, i + 500);
    const rows = await t(db)
      .insertInto('service_request')
      .values(
        chunk.map((c) => ({
          ...newRow(councilId, c),
          outcome: c.outcome,
          resolved_at: c.resolvedAt,
          closed_at: c.closedAt,
          sla_warned_at: c.slaWarnedAt,
          sla_breached_at: c.slaBreachedAt,
          pauses: JSON.stringify(c.pauses),
          updated_at: c.closedAt ?? c.resolvedAt ?? c.submittedAt,
          created_at: c.submittedAt,
        })),
      )
      .returning('id')
      .execute();
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

export async function bulkInsertUpdates(
  db: Executor,
  councilId: string,
  updates: readonly (NewUpdate & { createdAt: Date })[],
): Promise<void> {
  for (let i = 0; i < updates.length; i += 1000) {
    const chunk = updates.slice(i, i + 1000);
    if (chunk.length === 0) continue;
    await t(db)
      .insertInto('service_request_update')
      .values(
        chunk.map((u) => ({
          council_id: councilId,
          request_id: u.requestId,
          kind: u.kind,
          is_public: u.isPublic,
          body: u.body,
          status_from: u.statusFrom ?? null,
          status_to: u.statusTo ?? null,
          author_id: u.authorId,
          author_label: u.authorLabel,
          created_at: u.createdAt,
        })),
      )
      .execute();
  }
}
