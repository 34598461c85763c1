import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { can } from '../../platform/auth/permissions.ts';
import { londonDateTime, toCsv } from '../../platform/http/csv.ts';
import { DomainError, type FieldError } from '../../platform/http/errors.ts';
import { fieldErrorMessages } from '../../platform/views/form-errors.ts';
import { type Answers, checkAnswersRows, displayAnswer, type ServiceDefinition } from '../catalogue/index.ts';
import { CHANNEL_LABELS } from './cases.journey.ts';
import { CLOSED_WORK_PERIODS, type ClosedWorkPeriod } from './cases.reports.ts';
import { type CasesRouteOptions, contextOf, listQueryFrom, principalOf } from './cases.routes.ts';
import { CaseIdParams, QueueQuery, SupervisorQuery } from './cases.schemas.ts';
import {
  type CaseChannel,
  type CaseListQueryInput,
  type CasesService,
  COMPLAINT_STAGE_DAYS,
  OUTCOME_LABELS,
  STATUS_LABELS,
} from './cases.service.ts';
import { CASE_STATUSES, isOpen, needsOutcome, OUTCOMES } from './lifecycle.ts';

type FormBody = Record<string, string | string[] | undefined>;

const field = (body: FormBody, name: string): string => {
  const value = body[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
};
const list = (body: FormBody, name: string): string[] => {
  const value = body[name];
  return (Array.isArray(value) ? value : value ? [value] : []).map((v) => v.trim()).filter(Boolean);
};

export const SLA_LABELS: Record<string, string> = {
  on_track: 'On track',
  at_risk: 'At risk',
  breached: 'Breached',
  paused: 'Paused',
  met: 'Met',
  none: 'No target',
};
export const SLA_TAGS: Record<string, string> = {
  on_track: 'govuk-tag--green',
  at_risk: 'govuk-tag--orange',
  breached: 'govuk-tag--red',
  paused: 'govuk-tag--grey',
  met: 'govuk-tag--green',
  none: 'govuk-tag--grey',
};
export const STATUS_TAGS: Record<string, string> = {
  submitted: 'govuk-tag--blue',
  acknowledged: 'govuk-tag--light-blue',
  in_progress: 'govuk-tag--purple',
  on_hold: 'govuk-tag--yellow',
  resolved: 'govuk-tag--green',
  closed: 'govuk-tag--grey',
  cancelled: 'govuk-tag--grey',
};

export const PRIORITY_LABELS: Record<string, string> = {
  urgent: 'Urgent',
  high: 'High',
  normal: 'Normal',
  low: 'Low',
};

const labels = {
  priorityLabels: PRIORITY_LABELS,
  statusLabels: STATUS_LABELS,
  statusTags: STATUS_TAGS,
  slaLabels: SLA_LABELS,
  slaTags: SLA_TAGS,
  outcomeLabels: OUTCOME_LABELS,
};

/** The queue columns that sort, in the order of the table. */
const QUEUE_SORTS = ['reference', 'priority', 'due', 'submitted'] as const;

const PAGE_SIZE = 50;
const CSV_LIMIT = 50_000;

/**
 * The GOV.UK error summary's list. `ids` maps a field to its input's id where the two differ (one page
 * has several forms, so their inputs cannot all be named after the field).
 */
function errorList(errors: readonly FieldError[], fallback: string, ids: Record<string, string> = {}) {
  if (errors.length === 0) return [{ text: fallback, href: '#main-content' }];
  return errors.map((e) => ({ text: e.message, href: `#${ids[e.field] ?? e.field.replace(/\./g, '-')}` }));
}

/** Each form on the case page: its fields' input ids, where they differ from the field's name. */
const FORM_IDS: Record<string, Record<string, string>> = {
  status: { note: 'status-note' },
  update: {},
  assignment: {},
  link: {},
  complaint: { note: 'complaint-note' },
};

/** Staff pages: the case page, work queues, My work and the supervisor dashboard. */
export async function casePages(
  app: FastifyInstance,
  service: CasesService,
  options: Pick<CasesRouteOptions, 'catalogue' | 'partyAlerts' | 'reports'>,
): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  /** The definition the request was made against; null if the catalogue no longer has it. */
  async function definitionOf(councilId: string, code: string, version: number) {
    if (!options.catalogue) return null;
    try {
      return (await options.catalogue.get(councilId, code, version)).definition;
    } catch (error) {
      if (error instanceof DomainError && error.status === 404) return null;
      throw error;
    }
  }

  async function renderCase(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    statusCode = 200,
  ) {
    const principal = principalOf(request);
    const detail = await service.detail(principal.councilId, id, contextOf(request));
    const nameOf = (partyId: string | null) =>
      partyId ? service.callerName(principal.councilId, partyId) : Promise.resolve(null);
    const record = detail.record;
    const alertsOf = (partyId: string | null) =>
      partyId && options.partyAlerts
        ? options.partyAlerts(principal, partyId, contextOf(request), 'case')
        : Promise.resolve([]);
    const [directory, nearby, requester, onBehalfOf, definition, requesterAlerts, onBehalfOfAlerts] =
      await Promise.all([
        service.directory(principal.councilId),
        isOpen(record.status) && !record.duplicateOf
          ? service.nearby(principal.councilId, record.id)
          : Promise.resolve([]),
        nameOf(record.requesterPartyId),
        nameOf(record.onBehalfOfPartyId),
        definitionOf(principal.councilId, record.serviceCode, record.serviceVersion),
        alertsOf(record.requesterPartyId),
        alertsOf(record.onBehalfOfPartyId),
      ]);
    const canWork = can(principal.role, 'cases.work');
    const answers = record.answers as Answers;
    return reply.code(statusCode).view('cases/views/case.njk', {
      ...labels,
      c: record,
      detail,
      requester,
      onBehalfOf,
      alerts: [
        ...requesterAlerts.map((a) => ({ ...a, subject: requester?.displayName ?? null })),
        ...onBehalfOfAlerts.map((a) => ({ ...a, subject: onBehalfOf?.displayName ?? null })),
      ],
      sla: detail.sla,
      slaState: detail.sla.state,
      slaUse: slaUse(detail.sla.used, record.slaAmount, record.slaUnit),
      nextStatuses: detail.nextStatuses.map((s) => ({
        value: s,
        text: STATUS_LABELS[s],
        needsOutcome: needsOutcome(s),
      })),
      outcomes: OUTCOMES.map((o) => ({ value: o, text: OUTCOME_LABELS[o] })),
      answers: answerRows(definition, answers),
      placeAnswered: definition ? placeFromAnswers(definition, answers) : null,
      describedIn: definition && !record.description ? describedIn(definition, answers) : null,
      channelLabel: CHANNEL_LABELS[record.channel as CaseChannel] ?? record.channel,
      teams: directory.teams,
      officers: directory.officers,
      nearby,
      canWork,
      isMine: detail.record.assigneeId === principal.id,
      complaintDays: COMPLAINT_STAGE_DAYS,
      flash: (request.query as Record<string, string | undefined>).done ?? null,
      ...extra,
    });
  }

  /**
   * Runs one of the case page's forms. When it is refused, the page comes back with the error summary,
   * the error beside each field, and what the officer chose and typed in that form (`form`).
   */
  async function caseAction(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    action: () => Promise<unknown>,
    done: string,
    form: { name: keyof typeof FORM_IDS; values: Record<string, string> },
  ) {
    try {
      await action();
      return reply.redirect(`/staff/cases/${request.params.id}?done=${encodeURIComponent(done)}`, 303);
    } catch (error) {
      if (error instanceof DomainError && error.status < 500 && error.status !== 404 && error.status !== 403)
        return renderCase(
          request,
          reply,
          request.params.id,
          {
            errors: errorList(error.fieldErrors, error.message, FORM_IDS[form.name]),
            form: { name: form.name, values: form.values, errors: fieldErrorMessages(error.fieldErrors) },
          },
          error.status === 409 ? 409 : 400,
        );
      throw error;
    }
  }

  typed.get(
    '/staff/cases/:id',
    { config: { permission: 'cases.read' }, schema: { params: CaseIdParams } },
    async (request, reply) => renderCase(request, reply, request.params.id),
  );

  typed.post(
    '/staff/cases/:id/status',
    { config: { permission: 'cases.work' }, schema: { params: CaseIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as FormBody;
      const status = field(body, 'status');
      // The message stays with staff unless the officer chooses the requester.
      const noteVisibility = field(body, 'noteVisibility') === 'public' ? 'public' : 'internal';
      return caseAction(
        request,
        reply,
        () =>
          service.changeStatus(
            principal.councilId,
            request.params.id,
            {
              status,
              ...(field(body, 'outcome') && needsOutcome(status as never)
                ? { outcome: field(body, 'outcome') }
                : {}),
              note: field(body, 'note'),
              notePublic: noteVisibility === 'public',
            },
            contextOf(request),
          ),
        'status',
        {
          name: 'status',
          values: { status, outcome: field(body, 'outcome'), note: field(body, 'note'), noteVisibility },
        },
      );
    },
  );

  typed.post(
    '/staff/cases/:id/updates',
    { config: { permission: 'cases.work' }, schema: { params: CaseIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as FormBody;
      const visibility = field(body, 'visibility');
      return caseAction(
        request,
        reply,
        () =>
          service.addUpdate(
            principal.councilId,
            request.params.id,
            {
              body: field(body, 'body'),
              ...(visibility === 'public'
                ? { public: true }
                : visibility === 'internal'
                  ? { public: false }
                  : {}),
            },
            contextOf(request),
          ),
        visibility === 'public' ? 'update' : 'note',
        { name: 'update', values: { body: field(body, 'body'), visibility: visibility || 'internal' } },
      );
    },
  );

  typed.post(
    '/staff/cases/:id/assignment',
    { config: { permission: 'cases.work' }, schema: { params: CaseIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as FormBody;
      const toMe = field(body, 'toMe') === 'yes';
      const teamId = field(body, 'teamId');
      const assigneeId = field(body, 'assigneeId');
      return caseAction(
        request,
        reply,
        () =>
          service.assign(
            principal.councilId,
            request.params.id,
            toMe
              ? { assigneeId: principal.id }
              : {
                  ...(teamId ? { teamId } : {}),
                  ...(assigneeId === 'none' ? { assigneeId: null } : assigneeId ? { assigneeId } : {}),
                },
            contextOf(request),
          ),
        'assigned',
        { name: 'assignment', values: { teamId, assigneeId } },
      );
    },
  );

  typed.post(
    '/staff/cases/:id/links',
    { config: { permission: 'cases.work' }, schema: { params: CaseIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as FormBody;
      return caseAction(
        request,
        reply,
        () =>
          service.link(
            principal.councilId,
            request.params.id,
            { kind: field(body, 'kind'), otherId: field(body, 'otherId') },
            contextOf(request),
          ),
        'linked',
        { name: 'link', values: { kind: field(body, 'kind'), otherId: field(body, 'otherId') } },
      );
    },
  );

  typed.post(
    '/staff/cases/:id/complaint',
    { config: { permission: 'cases.work' }, schema: { params: CaseIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as FormBody;
      return caseAction(
        request,
        reply,
        () =>
          service.escalateComplaint(
            principal.councilId,
            request.params.id,
            { to: field(body, 'to'), note: field(body, 'note') },
            contextOf(request),
          ),
        'complaint',
        { name: 'complaint', values: { to: field(body, 'to'), note: field(body, 'note') } },
      );
    },
  );

  typed.get(
    '/staff/cases/:id/attachments/:attachmentId',
    {
      config: { permission: 'cases.read' },
      schema: {
        params: Type.Object({
          id: Type.String({ maxLength: 40 }),
          attachmentId: Type.String({ maxLength: 40 }),
        }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const file = await service.getAttachment(
        principal.councilId,
        request.params.id,
        request.params.attachmentId,
      );
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename.replace(/["\r\n]/g, '_')}"`)
        .header('digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`)
        .send(file.content);
    },
  );

  // --- Work queues ------------------------------------------------------------------------------

  const reports = options.reports;

  async function queueQuery(request: FastifyRequest, mine: boolean) {
    const principal = principalOf(request);
    const raw = { ...(request.query as Record<string, string | undefined>) };
    const directory = await service.directory(principal.councilId);
    const me = directory.officers.find((o) => o.id === principal.id);
    // A team's queue by default: the signed-in officer's own team, unless they choose another or all.
    if (!mine && raw.team === undefined && me?.teamId && directory.teams.some((t) => t.id === me.teamId))
      raw.team = me.teamId;
    const cleaned: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(raw)) if (v !== undefined && v !== '' && v !== 'all') cleaned[k] = v;
    if (mine) cleaned.assignee = principal.id;
    if (!cleaned.status) cleaned.status = 'open';
    if (cleaned.page) cleaned.page = Math.max(1, Number.parseInt(String(cleaned.page), 10) || 1);
    let query: CaseListQueryInput;
    const errors: FieldError[] = [];
    try {
      query = listQueryFrom(cleaned as never);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      errors.push(...error.fieldErrors);
      query = { open: true };
    }
    const text = raw.q?.trim() ?? '';
    return { principal, raw, cleaned, query, text, directory, errors };
  }

  async function renderQueue(
    request: FastifyRequest,
    reply: FastifyReply,
    mine: boolean,
    extra: Record<string, unknown> = {},
  ) {
    const { principal, raw, cleaned, query, text, directory, errors } = await queueQuery(request, mine);
    const page = await reports.queue(principal.councilId, {
      sort: 'due',
      ...query,
      ...(text ? { text } : {}),
      pageSize: PAGE_SIZE,
      countCap: 10_000,
    });
    const [services, wards] = await Promise.all([
      service.queueServices(principal.councilId),
      service.wards(principal.councilId),
    ]);
    const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
    const path = mine ? '/staff/queues/mine' : '/staff/queues';
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) if (v && k !== 'page' && k !== 'done') base[k] = v;
    if (!mine && !base.team) base.team = 'all';
    const href = (extra: Record<string, string | number>) => `${path}${toQuery({ ...base, ...extra })}`;
    // The sort in force, as the list applied it (due date, soonest first, unless chosen otherwise).
    const currentSort = query.sort ?? 'due';
    const currentDirection = query.direction ?? 'asc';
    const sortHeaders = Object.fromEntries(
      QUEUE_SORTS.map((key) => {
        const sorted = currentSort === key;
        return [
          key,
          {
            ariaSort: sorted ? (currentDirection === 'asc' ? 'ascending' : 'descending') : 'none',
            href: href({
              sort: key,
              direction: sorted && currentDirection === 'asc' ? 'desc' : 'asc',
              page: '',
            }),
          },
        ];
      }),
    );
    return reply.view('cases/views/queue.njk', {
      ...labels,
      mine,
      page,
      pages,
      filters: { ...raw, status: cleaned.status, team: raw.team ?? 'all' },
      sortHeaders,
      pageHref: (n: number) => href({ page: n }),
      statuses: [
        { value: 'open', text: 'All open' },
        ...CASE_STATUSES.map((s) => ({ value: s, text: STATUS_LABELS[s] })),
        { value: 'closed', text: 'All closed' },
      ],
      slaStates: Object.entries(SLA_LABELS)
        .filter(([k]) => k !== 'none')
        .map(([value, text]) => ({ value, text })),
      services,
      wards,
      teams: directory.teams,
      officers: directory.officers,
      canWork: can(principal.role, 'cases.work'),
      // My work's download is the officer's own requests in every team, as the page shows them.
      exportHref: `/staff/queues/export.csv${toQuery({ ...cleaned, ...(mine ? { assignee: principal.id, team: 'all' } : {}), page: '' })}`,
      errors: errors.length ? errorList(errors, '') : undefined,
      done: (request.query as Record<string, string | undefined>).done,
      meId: principal.id,
      // Where the form comes back to, without the last action's banner.
      returnTo: withoutDone(request.url.split('#')[0] ?? path),
      ...extra,
    });
  }

  /** A whole reference in the find box goes straight to its request. */
  async function openReference(request: FastifyRequest, reply: FastifyReply, mine: boolean) {
    const text = (request.query as { q?: string }).q?.trim();
    const id = text ? await reports.referenceIn(principalOf(request).councilId, text) : null;
    if (id) return reply.redirect(`/staff/cases/${id}`, 303);
    return renderQueue(request, reply, mine);
  }

  typed.get(
    '/staff/queues',
    { config: { permission: 'cases.read' }, schema: { querystring: QueueQuery } },
    async (request, reply) => openReference(request, reply, false),
  );

  typed.get(
    '/staff/queues/mine',
    { config: { permission: 'cases.read' }, schema: { querystring: QueueQuery } },
    async (request, reply) => openReference(request, reply, true),
  );

  typed.get(
    '/staff/queues/export.csv',
    { config: { permission: 'cases.read' }, schema: { querystring: QueueQuery } },
    async (request, reply) => {
      const { principal, query, cleaned, text } = await queueQuery(request, false);
      const { page: _page, done: _done, ...filters } = cleaned;
      const items = await reports.exportQueue(
        principal.councilId,
        { sort: 'due', ...query, ...(text ? { text } : {}) },
        CSV_LIMIT,
        filters,
        contextOf(request),
      );
      const header = [
        'Reference',
        'Service',
        'Status',
        'Outcome',
        'Priority',
        'SLA',
        'Due',
        'Submitted',
        'Team',
        'Officer',
        'Ward',
        'Location',
      ];
      // Times in UK time as the screen shows them, in a form a spreadsheet sorts: 2026-09-30 13:00.
      const rows = items.map((i) => [
        i.reference,
        i.serviceName,
        STATUS_LABELS[i.status],
        i.outcome ? OUTCOME_LABELS[i.outcome] : '',
        PRIORITY_LABELS[i.priority] ?? i.priority,
        SLA_LABELS[i.slaState] ?? '',
        i.dueAt ? londonDateTime(i.dueAt) : '',
        londonDateTime(i.submittedAt),
        i.teamName ?? '',
        i.assigneeName ?? '',
        i.wardName ?? '',
        i.locationText ?? '',
      ]);
      const stamp = londonDateTime(new Date()).slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="work-queue-${stamp}.csv"`)
        .send(toCsv(header, rows));
    },
  );

  typed.post('/staff/queues/assign', { config: { permission: 'cases.work' } }, async (request, reply) => {
    const principal = principalOf(request);
    const body = (request.body ?? {}) as FormBody;
    const target = field(body, 'assignTo');
    const back = withoutDone(
      field(body, 'returnTo').startsWith('/staff/queues') ? field(body, 'returnTo') : '/staff/queues',
    );
    const ids = list(body, 'ids');
    const [kind, id] = target.split(':');
    const input =
      kind === 'team' && id
        ? { teamId: id, assigneeId: null }
        : kind === 'officer' && id
          ? { assigneeId: id }
          : kind === 'me'
            ? { assigneeId: principal.id }
            : null;
    try {
      if (!input)
        throw new DomainError('ValidationFailed', 'Choose who to assign the requests to', 400, [
          { field: 'assignTo', message: 'Choose who to assign the selected requests to' },
        ]);
      const result = await service.assignMany(principal.councilId, ids, input, contextOf(request));
      const sep = back.includes('?') ? '&' : '?';
      return reply.redirect(`${back}${sep}done=${result.assigned}`, 303);
    } catch (error) {
      if (error instanceof DomainError && error.status < 500) {
        request.query = Object.fromEntries(new URL(back, 'http://localhost').searchParams) as never;
        reply.code(400);
        // Only the error: the banner of an earlier assignment is no news now.
        return renderQueue(request, reply, back.startsWith('/staff/queues/mine'), {
          errors: errorList(error.fieldErrors, error.message),
          returnTo: back,
          done: undefined,
        });
      }
      throw error;
    }
  });

  // --- Supervisor dashboard ----------------------------------------------------------------------

  /** A share as a percentage to one place ("87.5%"), or nothing when there is no share. */
  const percent = (rate: number | null) => (rate === null ? '' : `${Math.round(rate * 1000) / 10}%`);

  /** The closed-work period chosen (days), or the default: the last 7 days. */
  const periodOf = (days: string | undefined): ClosedWorkPeriod =>
    CLOSED_WORK_PERIODS.find((p) => String(p) === days) ?? CLOSED_WORK_PERIODS[0];

  /**
   * Queue links for the dashboard's figures. An age bucket is a range of submission times, taken at
   * the moment the dashboard was drawn, so the queue shows the requests the figure counted.
   */
  function ageingHref(bucket: string, at: Date): string {
    const ago = (days: number) => new Date(at.getTime() - days * 86_400_000).toISOString();
    const range: Record<string, { submittedFrom?: string; submittedTo?: string }> = {
      '0-2 days': { submittedFrom: ago(2) },
      '3-7 days': { submittedFrom: ago(7), submittedTo: ago(2) },
      '8-28 days': { submittedFrom: ago(28), submittedTo: ago(7) },
      'over 28 days': { submittedTo: ago(28) },
    };
    return `/staff/queues${toQuery({ team: 'all', status: 'open', sort: 'submitted', ...range[bucket] })}`;
  }

  typed.get(
    '/staff/supervisor',
    { config: { permission: 'cases.supervise' }, schema: { querystring: SupervisorQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      const days = periodOf(request.query.days);
      const figures = await reports.dashboard(principal.councilId, days);
      const maxAgeing = Math.max(1, ...figures.ageing.map((a) => a.count));
      return reply.view('cases/views/supervisor.njk', {
        ...labels,
        figures,
        days,
        periods: CLOSED_WORK_PERIODS.map((p) => ({ value: String(p), text: `Last ${p} days` })),
        ageing: figures.ageing.map((a) => ({
          ...a,
          width: Math.round((a.count / maxAgeing) * 100),
          href: ageingHref(a.bucket, figures.at),
        })),
        percent,
        csvHref: (table: string) => `/staff/supervisor/export.csv${toQuery({ table, days })}`,
      });
    },
  );

  typed.get(
    '/staff/supervisor/export.csv',
    { config: { permission: 'cases.supervise' }, schema: { querystring: SupervisorQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      const days = periodOf(request.query.days);
      const table = DASHBOARD_TABLES.find((t) => t === request.query.table) ?? 'teams';
      const f = await reports.dashboard(principal.councilId, days);
      const tables: Record<(typeof DASHBOARD_TABLES)[number], [string[], (string | number)[][]]> = {
        teams: [
          ['Team', 'Open', 'Not assigned', 'On hold', 'At risk', 'Breached'],
          f.teams.map((t) => [t.teamName, t.open, t.unassigned, t.onHold, t.atRisk, t.breached]),
        ],
        ageing: [['Age', 'Open requests'], f.ageing.map((a) => [a.bucket, a.count])],
        officers: [
          ['Officer', 'Open', 'At risk', 'Breached'],
          f.workload.map((w) => [w.name, w.open, w.atRisk, w.breached]),
        ],
        resolved: [
          ['Team', 'Resolved', 'With a due date', 'Resolved by the due date', 'SLA met'],
          [
            ...f.closed.teams.map((t) => [t.teamName, t.resolved, t.withTarget, t.met, percent(t.metRate)]),
            [
              'All teams',
              f.closed.totals.resolved,
              f.closed.totals.withTarget,
              f.closed.totals.met,
              percent(f.closed.totals.metRate),
            ],
          ],
        ],
      };
      const [header, rows] = tables[table];
      const stamp = londonDateTime(f.at).slice(0, 10);
      const name = table === 'resolved' ? `resolved-last-${days}-days` : table;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="dashboard-${name}-${stamp}.csv"`)
        .send(toCsv(header, rows));
    },
  );
}

/** The supervisor dashboard's tables, each downloadable as CSV. */
const DASHBOARD_TABLES = ['teams', 'ageing', 'officers', 'resolved'] as const;

/** A queue address without the `done` banner of the action that led to it. */
function withoutDone(url: string): string {
  const [path = '', query = ''] = url.split('?');
  const params = new URLSearchParams(query);
  params.delete('done');
  const rest = params.toString();
  return rest ? `${path}?${rest}` : path;
}

function toQuery(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function displayValue(value: unknown): string {
  if (value === true) return 'Yes';
  if (value === false) return 'No';
  if (Array.isArray(value)) return value.join(', ');
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const parts = [
      v.text,
      v.description,
      v.uprn ? `UPRN ${v.uprn}` : null,
      v.lat !== undefined ? `${v.lat}, ${v.long}` : null,
    ];
    return parts.filter(Boolean).join(' – ');
  }
  return String(value ?? '');
}

/**
 * The answers as the form asked them: each question's label and the answer in words (an option's
 * label, a UK date), in the form's order. Answers the definition does not know (an import, a changed
 * form) are shown as stored.
 */
function answerRows(definition: ServiceDefinition | null, answers: Answers) {
  const humanise = (code: string) => {
    const words = code.replace(/_/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
  };
  if (!definition)
    return Object.entries(answers).map(([code, value]) => ({
      label: humanise(code),
      value: displayValue(value),
    }));
  const known = new Set(definition.questions.map((q) => q.code));
  return [
    ...checkAnswersRows(definition.questions, answers)
      .filter((row) => answers[row.code] !== undefined && answers[row.code] !== '')
      .map((row) => ({ label: row.label, value: row.value })),
    ...Object.entries(answers)
      .filter(([code]) => !known.has(code))
      .map(([code, value]) => ({ label: humanise(code), value: displayValue(value) })),
  ];
}

/** Where the request is about, from its address or location answer, for a request made without a place. */
function placeFromAnswers(definition: ServiceDefinition, answers: Answers): string | null {
  for (const q of definition.questions) {
    const value = answers[q.code];
    if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const v = value as { text?: string; description?: string };
    if (q.type === 'address' && v.text) return v.text;
    if (q.type === 'location') return v.description || displayAnswer(q, value);
  }
  return null;
}

/** The question whose free-text answer describes the request, when the request has no description of its own. */
function describedIn(
  definition: ServiceDefinition,
  answers: Answers,
): { label: string; text: string } | null {
  const q = definition.questions.find(
    (q) => q.type === 'textarea' && typeof answers[q.code] === 'string' && answers[q.code] !== '',
  );
  return q ? { label: q.label, text: answers[q.code] as string } : null;
}

/** How much of the target is used, or by how much it is overdue, in the target's own working units. */
function slaUse(used: number, amount: number, unit: 'working_hours' | 'working_days'): string {
  const noun = unit === 'working_days' ? 'working day' : 'working hour';
  if (used <= 1) return `${Math.round(used * 100)}% of the time used`;
  const over = Math.round((used - 1) * amount);
  if (over < 1) return `Overdue by less than a ${noun}`;
  return `Overdue by ${over} ${noun}${over === 1 ? '' : 's'}`;
}
