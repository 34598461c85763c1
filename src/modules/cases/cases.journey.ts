import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { FieldError } from '../../platform/http/errors.ts';
import { DomainError } from '../../platform/http/errors.ts';
import { idempotencyCaller } from '../../platform/idempotency/idempotency.ts';
import { errorSummary, fieldErrorMessages } from '../../platform/views/form-errors.ts';
import { type CasesRouteOptions, contextOf, principalOf } from './cases.routes.ts';
import {
  CASE_CHANNELS,
  type CaseChannel,
  type CaseLocationInput,
  type CasesService,
  isUuid,
} from './cases.service.ts';

export const CHANNEL_LABELS: Record<CaseChannel, string> = {
  phone: 'Telephone',
  face_to_face: 'Face to face',
  email: 'Email',
  web: 'Web',
  sms: 'SMS',
  post: 'Post',
  open311: 'Open311',
};
const STAFF_CHANNELS: CaseChannel[] = ['phone', 'face_to_face', 'email', 'post', 'web'];

type FormBody = Record<string, string | string[] | undefined>;

const CodeParams = Type.Object({ code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,79}$' }) });

function rawFrom(body: FormBody): Record<string, string | string[]> {
  const raw: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith('_') || v === undefined) continue;
    raw[k] = v;
  }
  return raw;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
function decode(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string' || value === '') return {};
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

const str = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() ?? '';

/**
 * Raising a request for a caller, from their record: find the service, answer its questions (prefilled
 * from what is known), check the answers, eligibility and route with the caller, then submit.
 */
export async function requestJourney(
  app: FastifyInstance,
  service: CasesService,
  options: Pick<CasesRouteOptions, 'partyAlerts'> = {},
): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  const partyParam = (request: FastifyRequest): string | undefined => {
    const q = request.query as Record<string, string | undefined>;
    const body = (request.body ?? {}) as FormBody;
    const id = str(body.partyId as string | undefined) || q.partyId || '';
    return isUuid(id) ? id : undefined;
  };

  typed.get('/staff/requests/new', { config: { permission: 'cases.create' } }, async (request, reply) => {
    const principal = principalOf(request);
    const query = request.query as Record<string, string | undefined>;
    const q = (query.q ?? '').trim().slice(0, 200);
    const partyId = partyParam(request);
    const caller = partyId ? await service.callerName(principal.councilId, partyId) : null;
    const hits = q ? await service.findServices(principal.councilId, q) : [];
    return reply.view('cases/views/new-find.njk', { q, hits, partyId, caller });
  });

  async function renderForm(
    request: FastifyRequest<{ Params: { code: string } }>,
    reply: FastifyReply,
    raw: Record<string, unknown> | null,
    errors: FieldError[] = [],
    extra: Record<string, unknown> = {},
  ) {
    const principal = principalOf(request);
    const partyId = partyParam(request);
    const [started, alerts] = await Promise.all([
      service.startRequest(principal, request.params.code, partyId, contextOf(request)),
      partyId && options.partyAlerts
        ? options.partyAlerts(principal, partyId, contextOf(request), 'request')
        : Promise.resolve([]),
    ]);
    const body = (request.body ?? {}) as FormBody;
    return reply.code(errors.length ? 400 : 200).view('cases/views/new-form.njk', {
      d: started.view.definition,
      caller: started.caller,
      alerts,
      partyId,
      raw: raw ?? started.raw,
      description: str(body.description),
      channel: str(body.channel) || 'phone',
      channels: STAFF_CHANNELS.map((c) => ({ value: c, text: CHANNEL_LABELS[c] })),
      errors: errors.length ? errorSummary(errors) : undefined,
      fieldErrors: fieldErrorMessages(errors),
      ...extra,
    });
  }

  typed.get(
    '/staff/requests/new/:code',
    { config: { permission: 'cases.create' }, schema: { params: CodeParams } },
    async (request, reply) => renderForm(request, reply, null),
  );

  typed.post(
    '/staff/requests/new/:code',
    { config: { permission: 'cases.create' }, schema: { params: CodeParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as FormBody;
      const raw = rawFrom(body);
      delete raw.description;
      delete raw.channel;
      delete raw.partyId;
      const partyId = partyParam(request);
      const channel = str(body.channel);
      const extraErrors: FieldError[] = [];
      if (!(CASE_CHANNELS as readonly string[]).includes(channel))
        extraErrors.push({ field: 'channel', message: 'Select how the caller got in touch' });
      const checked = await service.checkRequest(
        principal,
        request.params.code,
        raw,
        partyId,
        contextOf(request),
      );
      if (checked.errors.length || extraErrors.length)
        return renderForm(request, reply, raw, [...checked.errors, ...extraErrors]);
      return reply.view('cases/views/new-check.njk', {
        d: checked.view.definition,
        caller: checked.caller,
        partyId,
        rows: checked.rows,
        eligibility: checked.eligibility,
        route: checked.route,
        routeTeam: checked.routeTeam,
        sla: checked.sla,
        channel,
        channelLabel: CHANNEL_LABELS[channel as CaseChannel],
        description: str(body.description),
        encoded: encode({ raw, description: str(body.description), channel }),
        // One key per check page: pressing submit twice raises one request.
        submissionKey: randomUUID(),
      });
    },
  );

  typed.post(
    '/staff/requests/new/:code/submit',
    { config: { permission: 'cases.create' }, schema: { params: CodeParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as FormBody;
      const saved = decode(str(body._answers));
      const raw = (saved.raw ?? {}) as Record<string, unknown>;
      const partyId = partyParam(request);
      const checked = await service.checkRequest(
        principal,
        request.params.code,
        raw,
        partyId,
        contextOf(request),
      );
      if (checked.errors.length) return renderForm(request, reply, raw, checked.errors);
      // The place the request is about: an address with a UPRN, a point, or the caller's home. An
      // address answered without a UPRN is the place too: the service takes it from the answer.
      let location: CaseLocationInput | undefined;
      let locationText: string | undefined;
      let addressAnswered = false;
      for (const q of checked.view.definition.questions) {
        const a = checked.answers[q.code] as Record<string, unknown> | undefined;
        if (!a || typeof a !== 'object' || Array.isArray(a)) continue;
        if (q.type === 'address' && a.uprn) {
          location = { uprn: String(a.uprn) };
          break;
        }
        if (q.type === 'address' && typeof a.text === 'string' && a.text.trim()) addressAnswered = true;
        if (q.type === 'location' && typeof a.lat === 'number' && typeof a.long === 'number') {
          location = { lat: a.lat, long: a.long };
          locationText = typeof a.description === 'string' ? a.description : undefined;
          break;
        }
        if (q.type === 'location' && typeof a.description === 'string') locationText = a.description;
      }
      if (!location && checked.caller?.uprn && !locationText && !addressAnswered)
        location = { uprn: checked.caller.uprn };
      const key = str(body._key);
      try {
        const result = await service.create(
          principal.councilId,
          {
            serviceCode: request.params.code,
            ...(partyId ? { partyId } : {}),
            ...(location ? { location } : {}),
            ...(locationText ? { locationText } : {}),
            answers: raw,
            channel: (saved.channel as CaseChannel) ?? 'phone',
            description: typeof saved.description === 'string' ? saved.description : '',
          },
          contextOf(request),
          {
            ...(key
              ? { idempotencyKey: `journey-${key}`.slice(0, 255), caller: idempotencyCaller(principal) }
              : {}),
            owner: { id: principal.id, label: principal.label },
          },
        );
        return reply.redirect(`/staff/requests/${result.body.id}/confirmation`, 303);
      } catch (error) {
        if (error instanceof DomainError && error.fieldErrors.length)
          return renderForm(
            request,
            reply,
            raw,
            error.fieldErrors.map((e) => ({
              field: e.field.replace(/^answers\./, '').replace(/\./g, '-'),
              message: e.message,
            })),
          );
        throw error;
      }
    },
  );

  typed.get(
    '/staff/requests/:id/confirmation',
    {
      config: { permission: 'cases.read' },
      schema: { params: Type.Object({ id: Type.String({ maxLength: 40 }) }) },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const view = await service.get(principal.councilId, request.params.id);
      const definition = await service.serviceDefinition(principal.councilId, view.record.serviceCode);
      return reply.view('cases/views/new-confirmation.njk', {
        c: view.record,
        view,
        smsText: definition?.knowledge.smsText ?? null,
      });
    },
  );
}
