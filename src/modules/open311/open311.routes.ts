import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationFailed } from '../../platform/http/errors.ts';
import { MethodNotAllowed, UnknownFormat } from './open311.errors.ts';
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

/**
 * A multipart/form-data body as the same fields a urlencoded form gives: text values, a repeated name
 * (attribute[code][]) as a list. Open311 takes links (media_url), not files, so a file part is refused
 * by name rather than dropped unseen.
 */
export async function multipartFields(contentType: string, body: Buffer): Promise<Body> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new ValidationFailed([
      {
        field: 'body',
        message: 'The multipart/form-data body could not be read: check its boundary and the parts',
      },
    ]);
  }
  const fields = new Map<string, string | string[]>();
  const files: string[] = [];
  for (const [name, value] of form) {
    if (typeof value !== 'string') {
      files.push(name);
      continue;
    }
    const had = fields.get(name);
    fields.set(name, had === undefined ? value : [had, value].flat());
  }
  if (files.length)
    throw new ValidationFailed(
      files.map((name) => ({
        field: name,
        message: `${name} is a file: Open311 takes media_url, a link to the photo or file, not the file itself`,
      })),
    );
  // fromEntries defines each name as the body's own field, so a part named __proto__ is just a field.
  return Object.fromEntries(fields);
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

  // Some clients post multipart/form-data. It is read whole, within the same body limit as a
  // urlencoded form (a bigger one is the same 413), into the same fields, so every check and error
  // after this is the form's.
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer' },
    async (request: FastifyRequest, body: Buffer) =>
      multipartFields(request.headers['content-type'] ?? '', body),
  );

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
  // Any other method on a resource is a 405 naming those it takes (OPTIONS is answered with them).
  const readOnly = ['discovery', 'services', 'services/:service_code'];
  const readWrite = requests ? ['requests', 'servicerequestupdates'] : [];
  const allowedOn = [
    ...readOnly.map((name) => ({ name, allow: ['GET', 'HEAD'] })),
    ...(requests ? ['requests/:id', 'tokens/:id'] : []).map((name) => ({ name, allow: ['GET', 'HEAD'] })),
    ...readWrite.map((name) => ({ name, allow: ['GET', 'HEAD', 'POST'] })),
  ];
  for (const { name, allow } of allowedOn) {
    const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((m) => !allow.includes(m));
    const urls = name.includes(':') ? [`/open311/v2/${name}`] : paths(name);
    for (const url of urls)
      app.route({
        method: others,
        url,
        config,
        handler: async (request, reply) => {
          reply.header('allow', allow.join(', '));
          if (request.method === 'OPTIONS') return reply.code(204).send();
          throw new MethodNotAllowed(
            request.method,
            request.url.split('?')[0] ?? request.url,
            allow.join(', '),
          );
        },
      });
  }
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
