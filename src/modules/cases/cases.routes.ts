import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditContextFor } from '../../platform/audit/audit.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { ValidationFailed } from '../../platform/http/errors.ts';
import { idempotencyCaller, idempotencyKeyFrom } from '../../platform/idempotency/idempotency.ts';
import type { CatalogueService } from '../catalogue/index.ts';
import type { PartyAlertsLookup } from '../parties/index.ts';
import { requestJourney } from './cases.journey.ts';
import { casePages } from './cases.pages.ts';
import type { CaseReports } from './cases.reports.ts';
import {
  AssignmentBody,
  AttachmentBody,
  CaseIdParams,
  ComplaintBody,
  CreateCaseBody,
  LinkBody,
  ListCasesQuery,
  StatusBody,
  UpdateBody,
} from './cases.schemas.ts';
import {
  type CaseChannel,
  type CaseDetail,
  type CaseListQueryInput,
  type CaseLocationInput,
  type CasesService,
  type CaseView,
  type CreateCaseInput,
  isUuid,
  STATUS_LABELS,
} from './cases.service.ts';
import { CASE_STATUSES, type CaseStatus } from './lifecycle.ts';

export interface CasesRouteOptions {
  service: CasesService;
  /** The queues' find box and audited export, and the supervisor dashboard. */
  reports: CaseReports;
  /** The catalogue's service versions: a request's answers are shown as the version it was made against asked them. */
  catalogue?: Pick<CatalogueService, 'get'>;
  /** The parties module's staff alerts on a requester, as the viewer's role may see them. */
  partyAlerts?: PartyAlertsLookup;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

export const contextOf = (request: FastifyRequest) => auditContextFor(principalOf(request), request);

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function caseJson(view: CaseView) {
  const r = view.record;
  return {
    id: r.id,
    reference: r.reference,
    serviceCode: r.serviceCode,
    serviceName: r.serviceName,
    serviceVersion: r.serviceVersion,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    outcome: r.outcome,
    open311: view.open311,
    priority: r.priority,
    channel: r.channel,
    description: r.description,
    answers: r.answers,
    requesterPartyId: r.requesterPartyId,
    onBehalfOfPartyId: r.onBehalfOfPartyId,
    location: {
      uprn: r.uprn,
      usrn: r.usrn,
      assetRef: r.assetRef,
      easting: r.easting,
      northing: r.northing,
      lat: r.lat,
      long: r.long,
      text: r.locationText,
      ward: r.wardCode ? { code: r.wardCode, name: r.wardName } : null,
    },
    owner: r.ownerId ? { id: r.ownerId, name: r.ownerLabel } : null,
    teamId: r.teamId,
    teamName: view.teamName,
    assigneeId: r.assigneeId,
    assigneeName: view.assigneeName,
    sla: { state: view.sla.state, dueAt: iso(view.sla.dueAt), used: view.sla.used },
    dueAt: iso(r.dueAt),
    submittedAt: iso(r.submittedAt),
    resolvedAt: iso(r.resolvedAt),
    closedAt: iso(r.closedAt),
    duplicateOf: r.duplicateOf,
    parentId: r.parentId,
    complaint: r.complaintStage
      ? {
          stage: r.complaintStage,
          dueAt: iso(r.complaintDueAt),
          ombudsmanReferredAt: iso(r.ombudsmanReferredAt),
        }
      : null,
    externalId: r.externalId,
    nextStatuses: view.nextStatuses,
    updatedAt: iso(r.updatedAt),
  };
}

function detailJson(view: CaseDetail) {
  return {
    ...caseJson(view),
    updates: view.updates.map((u) => ({
      id: u.id,
      kind: u.kind,
      public: u.isPublic,
      body: u.body,
      statusFrom: u.statusFrom,
      statusTo: u.statusTo,
      author: u.authorLabel,
      createdAt: u.createdAt.toISOString(),
    })),
    supporters: view.supporters.map((s) => ({
      partyId: s.partyId,
      fromRequestId: s.fromRequestId,
      createdAt: s.createdAt.toISOString(),
    })),
    children: view.children.map((c) => ({
      id: c.id,
      reference: c.reference,
      status: c.status,
      serviceCode: c.serviceCode,
    })),
    duplicates: view.duplicates.map((c) => ({ id: c.id, reference: c.reference, status: c.status })),
    attachments: view.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      contentType: a.contentType,
      sizeBytes: a.sizeBytes,
      sha256: a.sha256,
      public: a.isPublic,
      createdAt: a.createdAt.toISOString(),
    })),
  };
}

function locationOf(body: CreateCaseBody['location']): CaseLocationInput | undefined {
  if (!body) return undefined;
  if (body.uprn !== undefined) return { uprn: body.uprn };
  if (body.usrn !== undefined) return { usrn: body.usrn };
  if (body.assetRef !== undefined) return { assetRef: body.assetRef };
  if (body.easting !== undefined || body.northing !== undefined)
    return { easting: body.easting ?? Number.NaN, northing: body.northing ?? Number.NaN };
  if (body.lat !== undefined || body.long !== undefined)
    return { lat: body.lat ?? Number.NaN, long: body.long ?? Number.NaN };
  if (body.address !== undefined) return { address: body.address };
  throw new ValidationFailed([
    {
      field: 'location',
      message: 'Give a UPRN, a USRN, an asset, an easting and northing, or a latitude and longitude',
    },
  ]);
}

export function createInputFrom(body: CreateCaseBody): CreateCaseInput {
  const location = locationOf(body.location);
  return {
    serviceCode: body.serviceCode,
    ...(body.partyId ? { partyId: body.partyId } : {}),
    ...(body.onBehalfOfPartyId ? { onBehalfOfPartyId: body.onBehalfOfPartyId } : {}),
    ...(body.requester ? { requester: body.requester } : {}),
    ...(body.anonymous !== undefined ? { anonymous: body.anonymous } : {}),
    ...(location ? { location } : {}),
    ...(body.locationText ? { locationText: body.locationText } : {}),
    answers: body.answers ?? {},
    channel: body.channel as CaseChannel,
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.priority ? { priority: body.priority } : {}),
    ...(body.externalId ? { externalId: body.externalId } : {}),
    ...(body.parentId ? { parentId: body.parentId } : {}),
  };
}

function dateParam(value: string | undefined, field: string): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new ValidationFailed([
      { field, message: `${field} must be a date and time, like 2026-11-23T09:00:00Z` },
    ]);
  return d;
}

const SLA_STATES = ['on_track', 'at_risk', 'breached', 'paused', 'met'] as const;
const SORTS = ['due', 'submitted', 'updated', 'priority', 'reference'] as const;

/** Filters shared by the API list, the work queues and the CSV export. */
export function listQueryFrom(q: ListCasesQuery): CaseListQueryInput {
  const errors: { field: string; message: string }[] = [];
  const statuses = q.status
    ? q.status
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
  let open: boolean | undefined;
  const status: CaseStatus[] = [];
  for (const s of statuses) {
    if (s === 'open') open = true;
    else if (s === 'closed') open = false;
    else if ((CASE_STATUSES as readonly string[]).includes(s)) status.push(s as CaseStatus);
    else
      errors.push({
        field: 'status',
        message: `Unknown status “${s}”: use ${CASE_STATUSES.join(', ')}, open or closed`,
      });
  }
  if (q.open === 'true') open = true;
  if (q.open === 'false') open = false;
  if (q.slaState && !(SLA_STATES as readonly string[]).includes(q.slaState))
    errors.push({ field: 'slaState', message: `slaState must be one of ${SLA_STATES.join(', ')}` });
  if (q.sort && !(SORTS as readonly string[]).includes(q.sort))
    errors.push({ field: 'sort', message: `sort must be one of ${SORTS.join(', ')}` });
  for (const [field, value] of [
    ['team', q.team],
    ['partyId', q.partyId],
  ] as const) {
    if (value && !isUuid(value)) errors.push({ field, message: `${field} must be an id` });
  }
  if (q.assignee && q.assignee !== 'none' && !isUuid(q.assignee))
    errors.push({ field: 'assignee', message: 'assignee must be a staff id, or none for unassigned' });
  if (errors.length) throw new ValidationFailed(errors);
  const updatedAfter = dateParam(q.updatedAfter, 'updatedAfter');
  const submittedFrom = dateParam(q.submittedFrom, 'submittedFrom');
  const submittedTo = dateParam(q.submittedTo, 'submittedTo');
  const codes = q.serviceCode
    ? q.serviceCode
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
  const ids = q.ids
    ? q.ids
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
  return {
    ...(status.length ? { status } : {}),
    ...(open !== undefined ? { open } : {}),
    ...(codes.length ? { serviceCodes: codes } : {}),
    ...(ids.length ? { ids } : {}),
    ...(q.team ? { teamId: q.team } : {}),
    ...(q.assignee === 'none' ? { unassigned: true } : q.assignee ? { assigneeId: q.assignee } : {}),
    ...(q.partyId ? { partyId: q.partyId } : {}),
    ...(q.ward ? { wardCode: q.ward } : {}),
    ...(q.slaState ? { slaState: q.slaState as (typeof SLA_STATES)[number] } : {}),
    ...(updatedAfter ? { updatedAfter } : {}),
    ...(submittedFrom ? { submittedFrom } : {}),
    ...(submittedTo ? { submittedTo } : {}),
    ...(q.sort ? { sort: q.sort as (typeof SORTS)[number] } : {}),
    ...(q.direction === 'desc' || q.direction === 'asc' ? { direction: q.direction } : {}),
    ...(q.page ? { page: q.page } : {}),
    ...(q.pageSize ? { pageSize: q.pageSize } : {}),
  };
}

export async function casesRoutes(app: FastifyInstance, options: CasesRouteOptions): Promise<void> {
  const { service } = options;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const api = { tags: ['cases'], security: [{ bearerAuth: [] }] };

  typed.post(
    '/api/v1/cases',
    {
      config: { permission: 'cases.create' },
      schema: {
        ...api,
        summary: 'Make a service request; honours Idempotency-Key',
        body: CreateCaseBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const key = idempotencyKeyFrom(request.headers);
      const result = await service.create(
        principal.councilId,
        createInputFrom(request.body),
        contextOf(request),
        {
          ...(key ? { idempotencyKey: key, caller: idempotencyCaller(principal) } : {}),
          owner: principal.kind === 'staff' ? { id: principal.id, label: principal.label } : null,
        },
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply
        .code(result.statusCode)
        .header('location', `/api/v1/cases/${result.body.id}`)
        .send(result.body);
    },
  );

  typed.get(
    '/api/v1/cases',
    {
      config: { permission: 'cases.read' },
      schema: {
        ...api,
        summary: 'List requests with filters (status may be a list, or open / closed), newest due first',
        querystring: ListCasesQuery,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const page = await service.list(principal.councilId, listQueryFrom(request.query));
      return {
        results: page.items.map((i) => ({
          id: i.id,
          reference: i.reference,
          serviceCode: i.serviceCode,
          serviceName: i.serviceName,
          status: i.status,
          outcome: i.outcome,
          priority: i.priority,
          teamId: i.teamId,
          teamName: i.teamName,
          assigneeId: i.assigneeId,
          assigneeName: i.assigneeName,
          slaState: i.slaState,
          dueAt: iso(i.dueAt),
          submittedAt: iso(i.submittedAt),
          updatedAt: iso(i.updatedAt),
        })),
        total: page.total,
        page: page.page,
        pageSize: page.pageSize,
      };
    },
  );

  typed.get(
    '/api/v1/cases/:id',
    {
      config: { permission: 'cases.read' },
      schema: {
        ...api,
        summary: 'A request with its updates, links and attachments (by id or reference)',
        params: CaseIdParams,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return detailJson(await service.detail(principal.councilId, request.params.id, contextOf(request)));
    },
  );

  typed.post(
    '/api/v1/cases/:id/status',
    {
      config: { permission: 'cases.work' },
      schema: {
        ...api,
        summary: 'Move a request to another status (resolved and cancelled need an outcome)',
        params: CaseIdParams,
        body: StatusBody,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return caseJson(
        await service.changeStatus(principal.councilId, request.params.id, request.body, contextOf(request)),
      );
    },
  );

  typed.post(
    '/api/v1/cases/:id/updates',
    {
      config: { permission: 'cases.work' },
      schema: {
        ...api,
        summary: 'Add a public update or an internal note',
        params: CaseIdParams,
        body: UpdateBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const created = await service.addUpdate(
        principal.councilId,
        request.params.id,
        request.body,
        contextOf(request),
      );
      return reply.code(201).send({ id: created.updateId });
    },
  );

  typed.post(
    '/api/v1/cases/:id/assignment',
    {
      config: { permission: 'cases.work' },
      schema: {
        ...api,
        summary: 'Assign to a team and/or an officer',
        params: CaseIdParams,
        body: AssignmentBody,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return caseJson(
        await service.assign(principal.councilId, request.params.id, request.body, contextOf(request)),
      );
    },
  );

  typed.post(
    '/api/v1/cases/:id/links',
    {
      config: { permission: 'cases.work' },
      schema: {
        ...api,
        summary: 'Link as a duplicate (me too) or as a task of a parent request',
        params: CaseIdParams,
        body: LinkBody,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return caseJson(
        await service.link(principal.councilId, request.params.id, request.body, contextOf(request)),
      );
    },
  );

  typed.get(
    '/api/v1/cases/:id/duplicates',
    {
      config: { permission: 'cases.read' },
      schema: {
        ...api,
        summary: 'Open requests for the same service nearby, offered as duplicates',
        params: CaseIdParams,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return { results: await service.nearby(principal.councilId, request.params.id) };
    },
  );

  typed.post(
    '/api/v1/cases/:id/children',
    {
      config: { permission: 'cases.work' },
      schema: {
        ...api,
        summary: 'Split off a task (a child request) to another service and team',
        params: CaseIdParams,
        body: CreateCaseBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const created = await service.createChild(
        principal.councilId,
        request.params.id,
        createInputFrom(request.body),
        contextOf(request),
        principal.kind === 'staff' ? { id: principal.id, label: principal.label } : null,
      );
      return reply.code(201).header('location', `/api/v1/cases/${created.id}`).send(created);
    },
  );

  typed.post(
    '/api/v1/cases/:id/complaint',
    {
      config: { permission: 'cases.work' },
      schema: {
        ...api,
        summary: 'Escalate a complaint to stage 2 or refer it to the ombudsman',
        params: CaseIdParams,
        body: ComplaintBody,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return caseJson(
        await service.escalateComplaint(
          principal.councilId,
          request.params.id,
          request.body,
          contextOf(request),
        ),
      );
    },
  );

  typed.post(
    '/api/v1/cases/:id/attachments',
    {
      config: { permission: 'cases.work' },
      bodyLimit: 15 * 1024 * 1024,
      schema: {
        ...api,
        summary: 'Attach a file (images, PDF, office documents; up to 10 MB, base64)',
        params: CaseIdParams,
        body: AttachmentBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const content = Buffer.from(request.body.contentBase64, 'base64');
      const created = await service.addAttachment(
        principal.councilId,
        request.params.id,
        {
          filename: request.body.filename,
          contentType: request.body.contentType,
          content,
          ...(request.body.public !== undefined ? { public: request.body.public } : {}),
        },
        contextOf(request),
      );
      return reply.code(201).send(created);
    },
  );

  await casePages(app, service, options);
  await requestJourney(app, service, options);
}
