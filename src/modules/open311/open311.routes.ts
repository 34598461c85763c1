import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UnknownFormat } from './open311.errors.ts';
import {
  formatFrom,
  OPEN311_CONTENT_TYPES,
  type Open311Format,
  type Open311Value,
  serialise,
  serialiseRequests,
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

function formatOf(value: string | undefined): Open311Format {
  if (value === undefined) return 'xml';
  const format = formatFrom(value);
  if (!format) throw new UnknownFormat(value);
  return format;
}

/**
 * The id and format of a last path segment (`pothole.json`, `GH-7K2M-Q9XD.xml`). Without an `.xml` or
 * `.json` suffix the whole segment is the id and the answer is XML, the format the spec requires.
 */
function idAndFormat(segment: string): { id: string; format: Open311Format } {
  const dot = segment.lastIndexOf('.');
  const format = dot > 0 ? formatFrom(segment.slice(dot + 1)) : undefined;
  return format ? { id: segment.slice(0, dot), format } : { id: segment, format: 'xml' };
}

function send(reply: FastifyReply, format: Open311Format, root: string, value: Open311Value) {
  return reply.type(OPEN311_CONTENT_TYPES[format]).send(serialise(format, root, value));
}

/**
 * Open311 GeoReport v2 at /open311/v2. Routes are public: reading needs no key; the POST endpoints
 * check api_key. Every resource answers `.xml` and `.json`, and XML when the path has no suffix.
 */
export async function open311Routes(app: FastifyInstance, options: Open311RouteOptions): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = options;
  const config = { public: true };
  /** Both spellings of a collection resource: `/name.{format}` and `/name` (XML). */
  const paths = (name: string) => [`/open311/v2/${name}.:format`, `/open311/v2/${name}`];
  const formatParams = { params: FormatParams };
  const base = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

  for (const url of paths('discovery'))
    typed.get(url, { config, schema: formatParams }, async (request, reply) => {
      const format = formatOf(request.params.format);
      return send(reply, format, 'discovery', await service.discovery(base(request)));
    });

  for (const url of paths('services'))
    typed.get(
      url,
      { config, schema: { ...formatParams, querystring: JurisdictionQuery } },
      async (request, reply) => {
        const format = formatOf(request.params.format);
        return send(reply, format, 'services', await service.services(request.query.jurisdiction_id));
      },
    );

  typed.get(
    '/open311/v2/services/:service_code',
    { config, schema: { params: ServiceParams, querystring: JurisdictionQuery } },
    async (request, reply) => {
      const { id, format } = idAndFormat(request.params.service_code);
      const definition = await service.definition(id, request.query.jurisdiction_id);
      return send(reply, format, 'service_definition', definition);
    },
  );

  const requests = options.requests;
  if (!requests) return;
  const caller = (request: FastifyRequest) => ({ id: request.id, ip: request.ip });

  for (const url of paths('requests')) {
    typed.post(url, { config, schema: formatParams }, async (request, reply) => {
      const format = formatOf(request.params.format);
      const created = await requests.create(fieldsOf(request), caller(request));
      return send(reply, format, 'service_requests', created);
    });

    typed.get(url, { config, schema: formatParams }, async (request, reply) => {
      const format = formatOf(request.params.format);
      const items = await requests.list(fieldsOf(request));
      return reply.type(OPEN311_CONTENT_TYPES[format]).send(serialiseRequests(format, items));
    });
  }

  typed.get('/open311/v2/requests/:id', { config, schema: { params: IdParams } }, async (request, reply) => {
    const { id, format } = idAndFormat(request.params.id);
    const items = await requests.one(id, fieldsOf(request));
    return reply.type(OPEN311_CONTENT_TYPES[format]).send(serialiseRequests(format, items));
  });

  typed.get('/open311/v2/tokens/:id', { config, schema: { params: IdParams } }, async (request, reply) => {
    const { id, format } = idAndFormat(request.params.id);
    return send(reply, format, 'service_requests', await requests.token(id, fieldsOf(request)));
  });

  for (const url of paths('servicerequestupdates')) {
    typed.get(url, { config, schema: formatParams }, async (request, reply) => {
      const format = formatOf(request.params.format);
      return send(reply, format, 'service_request_updates', await requests.updates(fieldsOf(request)));
    });

    typed.post(url, { config, schema: formatParams }, async (request, reply) => {
      const format = formatOf(request.params.format);
      const posted = await requests.postUpdate(fieldsOf(request), caller(request));
      return send(reply, format, 'service_request_updates', posted);
    });
  }
}
