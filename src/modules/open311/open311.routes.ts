import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UnknownFormat } from './open311.errors.ts';
import {
  isFormat,
  OPEN311_CONTENT_TYPES,
  type Open311Format,
  type Open311Value,
  serialise,
} from './open311.format.ts';
import type { Body, Open311Requests } from './open311.requests.ts';
import { FormatParams, IdParams, JurisdictionQuery, ServiceParams } from './open311.schemas.ts';
import type { Open311Service } from './open311.service.ts';

export interface Open311RouteOptions {
  service: Open311Service;
  /** Service requests over Open311 (POST/GET requests, tokens, servicerequestupdates). */
  requests?: Open311Requests;
}

/** A form-encoded or JSON body (anything else counts as empty), with query fields beneath it. */
function fieldsOf(request: FastifyRequest): Body {
  const body = request.body;
  const query = (request.query ?? {}) as Body;
  if (body && typeof body === 'object' && !Array.isArray(body)) return { ...query, ...(body as Body) };
  return { ...query };
}

function formatOf(value: string): Open311Format {
  if (!isFormat(value)) throw new UnknownFormat(value);
  return value;
}

function send(reply: FastifyReply, format: Open311Format, root: string, value: Open311Value) {
  return reply.type(OPEN311_CONTENT_TYPES[format]).send(serialise(format, root, value));
}

/**
 * Open311 GeoReport v2 at /open311/v2, the read side that needs only the catalogue. Routes are public:
 * reading the service list needs no key; the POST endpoints (added with cases) check api_key.
 */
export async function open311Routes(app: FastifyInstance, options: Open311RouteOptions): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = options;

  typed.get(
    '/open311/v2/discovery.:format',
    { config: { public: true }, schema: { params: FormatParams } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      const base = `${request.protocol}://${request.host}`;
      return send(reply, format, 'discovery', await service.discovery(base));
    },
  );

  typed.get(
    '/open311/v2/services.:format',
    { config: { public: true }, schema: { params: FormatParams, querystring: JurisdictionQuery } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      return send(reply, format, 'services', await service.services(request.query.jurisdiction_id));
    },
  );

  typed.get(
    '/open311/v2/services/:service_code.:format',
    { config: { public: true }, schema: { params: ServiceParams, querystring: JurisdictionQuery } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      const definition = await service.definition(request.params.service_code, request.query.jurisdiction_id);
      return send(reply, format, 'service_definition', definition);
    },
  );

  const requests = options.requests;
  if (!requests) return;
  const caller = (request: FastifyRequest) => ({ id: request.id, ip: request.ip });

  typed.post(
    '/open311/v2/requests.:format',
    { config: { public: true }, schema: { params: FormatParams } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      return send(
        reply,
        format,
        'service_requests',
        await requests.create(fieldsOf(request), caller(request)),
      );
    },
  );

  typed.get(
    '/open311/v2/requests.:format',
    { config: { public: true }, schema: { params: FormatParams } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      return send(reply, format, 'service_requests', await requests.list(fieldsOf(request)));
    },
  );

  typed.get(
    '/open311/v2/requests/:id.:format',
    { config: { public: true }, schema: { params: IdParams } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      return send(
        reply,
        format,
        'service_requests',
        await requests.one(request.params.id, fieldsOf(request)),
      );
    },
  );

  typed.get(
    '/open311/v2/tokens/:id.:format',
    { config: { public: true }, schema: { params: IdParams } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      return send(
        reply,
        format,
        'service_requests',
        await requests.token(request.params.id, fieldsOf(request)),
      );
    },
  );

  typed.get(
    '/open311/v2/servicerequestupdates.:format',
    { config: { public: true }, schema: { params: FormatParams } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      return send(reply, format, 'service_request_updates', await requests.updates(fieldsOf(request)));
    },
  );

  typed.post(
    '/open311/v2/servicerequestupdates.:format',
    { config: { public: true }, schema: { params: FormatParams } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      const posted = await requests.postUpdate(fieldsOf(request), caller(request));
      return send(reply, format, 'service_request_updates', posted);
    },
  );
}
