import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditContextFor } from '../../platform/audit/audit.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import type { MessageFilter } from './notifications.repository.ts';
import {
  MESSAGE_STATUSES,
  MessageListQuery,
  MessageParams,
  STATUS_LABELS,
  shownStatus,
} from './notifications.schemas.ts';
import type { NotificationsService } from './notifications.service.ts';
import { TEMPLATE_LABELS, type TemplateKey } from './notifications.templates.ts';

export interface NotificationsRouteOptions {
  service: NotificationsService;
}

const PAGE_SIZE = 50;
const CSV_LIMIT = 50_000;

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

function filterFrom(query: MessageListQuery): MessageFilter {
  return {
    q: query.q?.trim() || undefined,
    status: query.status || undefined,
    before: query.before,
  };
}

/** A spreadsheet must not run a cell as a formula (CSV injection). */
function cell(value: string | null | undefined): string {
  const text = value ?? '';
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Staff pages for the messages Guildhall has sent or tried to send: search, read, download. */
export async function notificationsRoutes(
  app: FastifyInstance,
  options: NotificationsRouteOptions,
): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = options;

  typed.get(
    '/staff/notifications',
    { config: { permission: 'notifications.read' }, schema: { querystring: MessageListQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      const filter = filterFrom(request.query);
      const found = await service.list(principal.councilId, filter, PAGE_SIZE + 1);
      const messages = found.slice(0, PAGE_SIZE);
      const { before: _before, ...query } = request.query;
      return reply.view('notifications/views/list.njk', {
        messages: messages.map((m) => ({ ...m, shownStatus: shownStatus(m) })),
        query,
        nextBefore: found.length > PAGE_SIZE ? messages.at(-1)?.id : undefined,
        filtered: Boolean(filter.q || filter.status),
        statuses: MESSAGE_STATUSES.map((s) => ({
          value: s,
          text: STATUS_LABELS[s],
          selected: s === query.status,
        })),
        statusLabels: STATUS_LABELS,
        templateLabels: TEMPLATE_LABELS,
        adapter: service.adapterName,
      });
    },
  );

  typed.get(
    '/staff/notifications.csv',
    { config: { permission: 'notifications.read' }, schema: { querystring: MessageListQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { before: _before, ...query } = request.query;
      const messages = await service.export(
        principal.councilId,
        filterFrom(query),
        CSV_LIMIT,
        auditContextFor(principal, request),
      );
      const csv = stringify(
        messages.map((m) => [
          m.id,
          m.createdAt.toISOString(),
          m.sentAt?.toISOString() ?? '',
          m.template,
          m.channel,
          m.language,
          cell(m.recipient),
          cell(m.reference),
          shownStatus(m),
          cell(m.statusDetail),
          m.adapter ?? '',
          m.attempts,
          cell(m.subject),
        ]),
        {
          header: true,
          columns: [
            'id',
            'created_at',
            'sent_at',
            'template',
            'channel',
            'language',
            'recipient',
            'reference',
            'status',
            'status_detail',
            'adapter',
            'attempts',
            'subject',
          ],
        },
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="sent-messages.csv"')
        .send(csv);
    },
  );

  typed.get(
    '/staff/notifications/:id',
    { config: { permission: 'notifications.read' }, schema: { params: MessageParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { message, attempts } = await service.message(
        principal.councilId,
        request.params.id,
        auditContextFor(principal, request),
      );
      const shown = shownStatus(message);
      return reply.view('notifications/views/message.njk', {
        message,
        attempts: attempts.map((a) => ({
          ...a,
          outcomeText:
            a.outcome === 'sent' && a.adapter === 'outbox' ? 'kept in outbox' : a.outcome.replace(/_/g, ' '),
        })),
        shownStatus: shown,
        statusLabel: STATUS_LABELS[shown],
        templateLabel: TEMPLATE_LABELS[message.template as TemplateKey] ?? message.template,
      });
    },
  );
}
