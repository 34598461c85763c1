import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditContextFor } from '../../platform/audit/audit.ts';
import { can } from '../../platform/auth/permissions.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { DomainError, type FieldError, NotFound, ValidationFailed } from '../../platform/http/errors.ts';
import { idempotencyKeyFrom } from '../../platform/idempotency/idempotency.ts';
import { partyTimeline, type TimelineItem, type TimelineSource } from '../../platform/timeline/timeline.ts';
import { INTERACTION_LABELS, INTERACTION_TYPES } from '../catalogue/index.ts';
import {
  AVOIDABLE_REASON_LABELS,
  AVOIDABLE_REASONS,
  CHANNEL_LABELS,
  CONTACT_CHANNELS,
  ContactBody,
  ContactIdParams,
  ContactListQuery,
  DIRECTION_LABELS,
  DIRECTIONS,
  OUTCOME_LABELS,
  OUTCOMES,
  TimelineParams,
  TimelineQueryString,
} from './contacts.schemas.ts';
import {
  type ContactInput,
  type ContactRecord,
  type ContactsService,
  durationSeconds,
  isUuid,
  parseFilterTime,
  startOfLocalDay,
} from './contacts.service.ts';

export interface ContactsRouteOptions {
  service: ContactsService;
  /** Every module's timeline source: this module's contacts, and (wired in the app) requests. */
  timelineSources: readonly TimelineSource[];
  /** Names a party for the pages (the parties module's getParty); the API never needs it. */
  partyName: (councilId: string, partyId: string) => Promise<string | null>;
  /**
   * Services the form suggests as "discussed" (code and name), from the catalogue: the council's own
   * requestable services, not every information entry, so the page stays small. Any other service can
   * still be typed by name or code.
   */
  serviceOptions?: (councilId: string) => Promise<{ code: string; name: string }[]>;
}

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

const context = (request: FastifyRequest) => auditContextFor(principalOf(request), request);

export function contactJson(c: ContactRecord) {
  return {
    id: c.id,
    partyId: c.partyId,
    channel: c.channel,
    direction: c.direction,
    startedAt: c.startedAt.toISOString(),
    endedAt: c.endedAt.toISOString(),
    durationSeconds: durationSeconds(c),
    siteId: c.siteId,
    agentId: c.agentId,
    recordedBy: c.recordedBy,
    interactionType: c.interactionType,
    serviceCodes: c.serviceCodes,
    outcome: c.outcome,
    avoidable: c.avoidable,
    avoidableReason: c.avoidableReason,
    notes: c.notes,
    caseIds: c.caseIds,
    requests: c.requests,
    services: c.services,
    createdAt: c.createdAt.toISOString(),
  };
}

function timelineJson(item: TimelineItem) {
  return { ...item, at: item.at.toISOString() };
}

function parseBefore(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new ValidationFailed([{ field: 'before', message: 'before must be a date and time (RFC 3339)' }]);
  }
  return date;
}

// ---------------------------------------------------------------------------------------------
// Staff pages

type FormBody = Record<string, string | string[] | undefined>;
const field = (body: FormBody, name: string): string => {
  const value = body[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
};
const fields = (body: FormBody, name: string): string[] =>
  [body[name]]
    .flat()
    .map((v) => v?.trim() ?? '')
    .filter(Boolean);

const LONDON_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const hhmm = (date: Date) => LONDON_TIME.format(date);

/** A time of day (HH:MM, UK time) on the local day of `day`. */
function atLocalTime(day: Date, time: string, fieldName: string, errors: FieldError[]): Date | undefined {
  const match = /^(\d{1,2})[:.](\d{2})$/.exec(time);
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) {
    errors.push({ field: fieldName, message: 'Enter a time in the 24-hour clock, such as 09:30 or 14:05' });
    return undefined;
  }
  const midnight = startOfLocalDay(day);
  const guess = new Date(midnight.getTime() + (Number(match[1]) * 60 + Number(match[2])) * 60_000);
  // Across a clock change the offset differs from midnight's; correct by the displayed difference.
  const shown = hhmm(guess).split(':').map(Number);
  const drift =
    ((shown[0] ?? 0) * 60 + (shown[1] ?? 0) - (Number(match[1]) * 60 + Number(match[2]))) * 60_000;
  return new Date(guess.getTime() - drift);
}

const CASE_ID_SPLIT = /[\s,;]+/;

/** The wrap-up form (screen 2) as the service's input; the start and end times as the agent left them. */
function wrapUpInput(body: FormBody, now: Date): { input: ContactInput; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const opened = new Date(field(body, 'openedAt'));
  const openedAt = Number.isNaN(opened.getTime()) ? now : opened;
  const startTime = field(body, 'startTime');
  const endTime = field(body, 'endTime');
  const startedAt =
    !startTime || startTime === hhmm(openedAt)
      ? openedAt
      : atLocalTime(openedAt, startTime, 'startTime', errors);
  const endedAt = endTime ? atLocalTime(openedAt, endTime, 'endTime', errors) : now;
  const avoidable = field(body, 'avoidable');
  return {
    errors,
    input: {
      partyId: field(body, 'partyId') || null,
      channel: field(body, 'channel'),
      direction: field(body, 'direction'),
      interactionType: field(body, 'interactionType') || null,
      serviceCodes: fields(body, 'serviceCodes'),
      outcome: field(body, 'outcome'),
      avoidable: avoidable === 'yes',
      avoidableReason: avoidable === 'yes' ? field(body, 'avoidableReason') || null : null,
      notes: field(body, 'notes'),
      caseIds: field(body, 'caseIds').split(CASE_ID_SPLIT).filter(Boolean),
      startedAt,
      endedAt,
    },
  };
}

const PAGE_FIELD: Record<string, string> = {
  startedAt: 'startTime',
  endedAt: 'endTime',
  siteId: 'channel',
};

function errorLocals(errors: readonly FieldError[]) {
  const fieldErrors: Record<string, string> = {};
  const list = errors.map((e) => {
    const name = PAGE_FIELD[e.field] ?? e.field.replace(/\[\d+\]$/, '');
    fieldErrors[name] ??= e.message;
    return { text: e.message, href: `#${name}` };
  });
  return { errors: list, fieldErrors };
}

const options = <K extends string>(keys: readonly K[], labels: Record<K, string>) =>
  keys.map((value) => ({ value, text: labels[value] }));

const labels = {
  channelLabels: CHANNEL_LABELS,
  directionLabels: DIRECTION_LABELS,
  outcomeLabels: OUTCOME_LABELS,
  avoidableReasonLabels: AVOIDABLE_REASON_LABELS,
  interactionLabels: INTERACTION_LABELS,
};

function durationText(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const secs = seconds % 60;
  if (hours > 0) return `${hours} hr ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${secs} sec`;
  return `${secs} sec`;
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export async function contactsRoutes(app: FastifyInstance, opts: ContactsRouteOptions): Promise<void> {
  const { service } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const api = { tags: ['contacts'], security: [{ bearerAuth: [] }] };

  // --- REST API --------------------------------------------------------------------------------

  typed.post(
    '/api/v1/contacts',
    {
      config: { permission: 'contacts.record' },
      schema: {
        ...api,
        summary: 'Record a contact with a customer (honours an Idempotency-Key header)',
        body: ContactBody,
      },
    },
    async (request, reply) => {
      const key = idempotencyKeyFrom(request.headers);
      const result = await service.record(principalOf(request), request.body, context(request), {
        idempotencyKey: key,
      });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply
        .code(result.statusCode)
        .header('location', `/api/v1/contacts/${result.body.id}`)
        .send(contactJson(result.body));
    },
  );

  typed.get(
    '/api/v1/contacts/:id',
    {
      config: { permission: 'contacts.read' },
      schema: { ...api, summary: 'One contact', params: ContactIdParams },
    },
    async (request) => contactJson(await service.get(principalOf(request), request.params.id)),
  );

  typed.get(
    '/api/v1/contacts',
    {
      config: { permission: 'contacts.read' },
      schema: {
        ...api,
        summary: 'Contacts newest first, by party, agent and time (page back with `before`)',
        querystring: ContactListQuery,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 50;
      const contacts = await service.list(principal, {
        partyId: q.partyId,
        agentId: q.agent === 'me' ? principal.id : q.agent,
        from: parseFilterTime(q.from, 'from'),
        to: parseFilterTime(q.to, 'to', true),
        before: parseBefore(q.before),
        limit,
      });
      const last = contacts.at(-1);
      return {
        results: contacts.map(contactJson),
        nextBefore: contacts.length === limit && last ? last.startedAt.toISOString() : null,
      };
    },
  );

  typed.get(
    '/api/v1/parties/:id/timeline',
    {
      config: { permission: 'contacts.read' },
      schema: {
        ...api,
        tags: ['contacts', 'parties'],
        summary: 'A party’s contacts and requests interleaved, newest first (page back with `before`)',
        params: TimelineParams,
        querystring: TimelineQueryString,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!isUuid(request.params.id)) throw new NotFound('The person or organisation');
      const limit = request.query.limit ?? 20;
      const items = await partyTimeline(opts.timelineSources, principal, request.params.id, {
        before: parseBefore(request.query.before),
        limit,
      });
      // An empty timeline may mean there is no such party: only then is it worth asking.
      if (items.length === 0 && !(await opts.partyName(principal.councilId, request.params.id))) {
        throw new NotFound('The person or organisation');
      }
      const last = items.at(-1);
      return {
        items: items.map(timelineJson),
        nextBefore: items.length === limit && last ? last.at.toISOString() : null,
      };
    },
  );

  // --- Staff pages -----------------------------------------------------------------------------

  async function partyLocals(principal: Principal, partyId: string | undefined) {
    if (!partyId) return { partyId: '', partyName: null };
    if (!isUuid(partyId)) return { partyId: '', partyName: null };
    const partyName = await opts.partyName(principal.councilId, partyId);
    return partyName ? { partyId, partyName } : { partyId: '', partyName: null };
  }

  async function startLocals(principal: Principal, values: Record<string, unknown>) {
    const services = opts.serviceOptions ? await opts.serviceOptions(principal.councilId) : [];
    return {
      ...labels,
      channels: options(CONTACT_CHANNELS, CHANNEL_LABELS),
      directions: options(DIRECTIONS, DIRECTION_LABELS),
      interactions: INTERACTION_TYPES.map((value) => ({ value, text: INTERACTION_LABELS[value] })),
      services,
      values,
    };
  }

  function wrapUpLocals(values: Record<string, unknown>) {
    return {
      ...labels,
      outcomes: options(OUTCOMES, OUTCOME_LABELS),
      reasons: options(AVOIDABLE_REASONS, AVOIDABLE_REASON_LABELS),
      values,
    };
  }

  // Screen 1: how, and what about.
  // "Record this contact" after raising a request comes here with the caller and the new request
  // (`?partyId=...&caseId=...`); the request is carried to the wrap-up's "Linked requests".
  app.get<{ Querystring: { partyId?: string; caseId?: string } }>(
    '/staff/contacts/new',
    { config: { permission: 'contacts.record' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const party = await partyLocals(principal, request.query.partyId);
      const caseRefs = await service.requestReferences(
        principal,
        (request.query.caseId ?? '').split(CASE_ID_SPLIT).filter(Boolean).slice(0, 10),
      );
      return reply.view(
        'contacts/views/start.njk',
        await startLocals(principal, {
          ...party,
          direction: 'inbound',
          channel: 'phone',
          openedAt: new Date().toISOString(),
          formId: randomUUID(),
          serviceCodes: [],
          caseIds: caseRefs.join(' '),
        }),
      );
    },
  );

  // Screen 1 posted: check it, then screen 2, the wrap-up.
  app.post<{ Body: FormBody }>(
    '/staff/contacts/new',
    { config: { permission: 'contacts.record' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body ?? {};
      const party = await partyLocals(principal, field(body, 'partyId'));
      const values = {
        ...party,
        channel: field(body, 'channel'),
        direction: field(body, 'direction'),
        interactionType: field(body, 'interactionType'),
        serviceCodes: fields(body, 'serviceCodes'),
        openedAt: field(body, 'openedAt') || new Date().toISOString(),
        formId: isUuid(field(body, 'formId')) ? field(body, 'formId') : randomUUID(),
        caseIds: field(body, 'caseIds'),
      };
      let services: Awaited<ReturnType<ContactsService['checkStart']>>;
      try {
        services = await service.checkStart(principal, values);
      } catch (error) {
        if (error instanceof DomainError && error.fieldErrors.length > 0) {
          return reply.code(400).view('contacts/views/start.njk', {
            ...(await startLocals(principal, values)),
            ...errorLocals(error.fieldErrors),
          });
        }
        throw error;
      }
      const opened = new Date(values.openedAt);
      return reply.view(
        'contacts/views/wrap-up.njk',
        wrapUpLocals({
          ...values,
          // From here on the services are carried as codes and shown by name.
          serviceCodes: services.map((s) => s.code),
          services,
          startTime: hhmm(Number.isNaN(opened.getTime()) ? new Date() : opened),
          endTime: '',
          avoidable: 'no',
        }),
      );
    },
  );

  // Screen 2 posted: record it, then screen 3 (the confirmation on the contact's page).
  app.post<{ Body: FormBody }>(
    '/staff/contacts',
    { config: { permission: 'contacts.record' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body ?? {};
      const { input, errors } = wrapUpInput(body, new Date());
      const formId = field(body, 'formId');
      const rerender = async (fieldErrors: readonly FieldError[]) => {
        const party = await partyLocals(principal, field(body, 'partyId'));
        const services = await service.servicesNamed(principal, input.serviceCodes ?? []);
        return reply.code(400).view('contacts/views/wrap-up.njk', {
          ...wrapUpLocals({
            ...input,
            ...party,
            services,
            openedAt: field(body, 'openedAt'),
            formId,
            startTime: field(body, 'startTime'),
            endTime: field(body, 'endTime'),
            avoidable: field(body, 'avoidable') || 'no',
            caseIds: field(body, 'caseIds'),
          }),
          ...errorLocals(fieldErrors),
        });
      };
      if (errors.length > 0) return rerender(errors);
      try {
        // The form's id doubles as an idempotency key: a double-click records one contact.
        const result = await service.record(principal, input, context(request), {
          idempotencyKey: isUuid(formId) ? `form:${formId}` : undefined,
          fingerprint: { ...body, _csrf: undefined },
        });
        return reply.redirect(`/staff/contacts/${result.body.id}?recorded=1`, 303);
      } catch (error) {
        if (error instanceof DomainError && error.fieldErrors.length > 0) return rerender(error.fieldErrors);
        throw error;
      }
    },
  );

  async function listLocals(principal: Principal, contacts: ContactRecord[]) {
    const names = new Map<string, string | null>();
    for (const id of new Set(contacts.map((c) => c.partyId).filter((p): p is string => !!p))) {
      names.set(id, await opts.partyName(principal.councilId, id));
    }
    return contacts.map((c) => ({
      ...c,
      partyName: c.partyId ? (names.get(c.partyId) ?? 'Unknown') : null,
      duration: durationText(durationSeconds(c)),
    }));
  }

  app.get<{ Querystring: { format?: string } }>(
    '/staff/contacts/today',
    { config: { permission: 'contacts.record' } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (request.query.format === 'csv') {
        const today = await service.exportToday(principal, context(request));
        const rows = await listLocals(principal, today.contacts);
        const header = [
          'Contact id',
          'Started',
          'Ended',
          'Duration (seconds)',
          'Channel',
          'Direction',
          'Customer',
          'Customer id',
          'Interaction',
          'Services',
          'Outcome',
          'Avoidable',
          'Avoidable reason',
          'Linked requests',
          'Notes',
        ];
        const lines = rows.map((c) =>
          [
            c.id,
            c.startedAt.toISOString(),
            c.endedAt.toISOString(),
            String(durationSeconds(c)),
            CHANNEL_LABELS[c.channel as keyof typeof CHANNEL_LABELS] ?? c.channel,
            c.direction,
            c.partyName ?? 'Anonymous',
            c.partyId ?? '',
            c.interactionType
              ? (INTERACTION_LABELS[c.interactionType as keyof typeof INTERACTION_LABELS] ?? '')
              : '',
            c.services.map((sv) => sv.name).join('; '),
            OUTCOME_LABELS[c.outcome as keyof typeof OUTCOME_LABELS] ?? c.outcome,
            c.avoidable ? 'Yes' : 'No',
            c.avoidableReason
              ? (AVOIDABLE_REASON_LABELS[c.avoidableReason as keyof typeof AVOIDABLE_REASON_LABELS] ?? '')
              : '',
            c.requests.map((r) => r.reference).join(' '),
            c.notes,
          ]
            .map(csvCell)
            .join(','),
        );
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="my-contacts-${today.date}.csv"`)
          .header('cache-control', 'no-store')
          .send(`${[header.join(','), ...lines].join('\r\n')}\r\n`);
      }
      const today = await service.today(principal);
      const rows = await listLocals(principal, today.contacts);
      return reply.view('contacts/views/today.njk', {
        ...labels,
        today: { ...today, contacts: rows, duration: durationText(today.durationSeconds) },
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { recorded?: string } }>(
    '/staff/contacts/:id',
    { config: { permission: 'contacts.read' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const contact = await service.get(principal, request.params.id);
      const [row] = await listLocals(principal, [contact]);
      const sites = contact.siteId ? await service.sites(principal.councilId) : [];
      return reply.view('contacts/views/contact.njk', {
        ...labels,
        contact: row,
        siteName: sites.find((s) => s.id === contact.siteId)?.name ?? null,
        recorded: request.query.recorded === '1',
        canRecord: can(principal.role, 'contacts.record'),
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { before?: string } }>(
    '/staff/parties/:id/timeline',
    { config: { permission: 'contacts.read' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const party = await partyLocals(principal, request.params.id);
      if (!party.partyName) {
        return reply
          .code(404)
          .view('errors/404.njk', { heading: 'The person or organisation was not found' });
      }
      let before: Date | undefined;
      try {
        before = parseBefore(request.query.before);
      } catch {
        before = undefined;
      }
      const limit = 50;
      const items = await partyTimeline(opts.timelineSources, principal, party.partyId, { before, limit });
      const last = items.at(-1);
      return reply.view('contacts/views/timeline.njk', {
        ...party,
        items,
        before: before?.toISOString() ?? null,
        nextBefore: items.length === limit && last ? last.at.toISOString() : null,
        canRecord: can(principal.role, 'contacts.record'),
      });
    },
  );
}
