import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../platform/auth/permissions.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import { ValidationFailed } from './gazetteer.errors.ts';
import {
  AddressQuery,
  AddressSearchResponse,
  type LocationQuery,
  NearestAssetsQuery,
  NearestAssetsResponse,
  PropertyResponse,
  ResponsibilityQuery,
  ResponsibilityResponse,
  StreetResponse,
  UprnParams,
  UsrnParams,
} from './gazetteer.schemas.ts';
import type { GazetteerService, Location, ResponsibleBody } from './gazetteer.service.ts';

/**
 * The people and organisations linked to a property (the parties module answers this; the gazetteer
 * does not read parties tables). `href` is the party's staff page, `/staff/parties/{id}`.
 */
export type PartiesAtProperty = (
  councilId: string,
  uprn: string,
) => Promise<Array<{ id: string; displayName: string; role: string; href: string }>>;

export interface GazetteerRouteOptions {
  service: GazetteerService;
  /** A slippy-map tile URL template ({z}/{x}/{y}); without one, pages show coordinates but no map. */
  mapTileUrl?: string | undefined;
  /** Lists the parties at a UPRN on the property page, for staff who may read parties. */
  partiesAtProperty?: PartiesAtProperty | undefined;
}

/**
 * The parties section of a property page: null (no section) when there is no parties lookup or the
 * member of staff may not read parties, otherwise the parties linked to the UPRN (maybe none).
 */
export async function partiesForPropertyPage(
  principal: Principal,
  uprn: number,
  partiesAtProperty: PartiesAtProperty | undefined,
): Promise<Awaited<ReturnType<PartiesAtProperty>> | null> {
  if (!partiesAtProperty || !can(principal.role, 'parties.read')) return null;
  return partiesAtProperty(principal.councilId, String(uprn));
}

/** Service categories a property page answers "who is responsible here" for. */
const PROPERTY_PAGE_CATEGORIES = [
  'waste-collection',
  'street-lighting',
  'highways',
  'planning',
  'housing-repairs',
];

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

/** Exactly one way of saying where: a UPRN, a USRN, an easting and northing, or a lat and long. */
export function locationFrom(query: LocationQuery): Location {
  const given = [
    query.uprn !== undefined,
    query.usrn !== undefined,
    query.easting !== undefined || query.northing !== undefined,
    query.lat !== undefined || query.long !== undefined,
  ].filter(Boolean).length;
  if (given !== 1) {
    throw new ValidationFailed(
      [{ field: 'uprn', message: 'Give exactly one of: uprn, usrn, easting and northing, or lat and long' }],
      'Say where: give exactly one of uprn, usrn, easting and northing, or lat and long',
    );
  }
  if (query.uprn !== undefined) return { uprn: Number(query.uprn) };
  if (query.usrn !== undefined) return { usrn: Number(query.usrn) };
  if (query.easting !== undefined || query.northing !== undefined) {
    if (query.easting === undefined || query.northing === undefined) {
      const field = query.easting === undefined ? 'easting' : 'northing';
      throw new ValidationFailed([
        { field, message: `${field} is required with ${field === 'easting' ? 'northing' : 'easting'}` },
      ]);
    }
    return { easting: query.easting, northing: query.northing };
  }
  if (query.lat === undefined || query.long === undefined) {
    const field = query.lat === undefined ? 'lat' : 'long';
    throw new ValidationFailed([
      { field, message: `${field} is required with ${field === 'lat' ? 'long' : 'lat'}` },
    ]);
  }
  return { lat: query.lat, long: query.long };
}

/** A 3×3 block of map tiles around a point, drawn as SVG so no script or inline style is needed. */
export function mapTiles(tileUrl: string, lat: number, long: number, zoom = 17) {
  const scale = 2 ** zoom;
  const x = ((long + 180) / 360) * scale;
  const latRad = (lat * Math.PI) / 180;
  const y = ((1 - Math.log(Math.tan(latRad) + 1 / Math.cos(latRad)) / Math.PI) / 2) * scale;
  const tx = Math.floor(x);
  const ty = Math.floor(y);
  const tiles = [];
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      tiles.push({
        href: tileUrl
          .replace('{z}', String(zoom))
          .replace('{x}', String(tx + dx))
          .replace('{y}', String(ty + dy)),
        x: (dx + 1) * 256,
        y: (dy + 1) * 256,
      });
    }
  }
  return {
    tiles,
    pinX: Math.round((x - tx + 1) * 256),
    pinY: Math.round((y - ty + 1) * 256),
    // Where the drawing's (0, 0) is in the zoom level's world pixels, so a script can turn a point
    // on the drawing back into lat/long (the portal's "drop a pin").
    zoom,
    originX: (tx - 1) * 256,
    originY: (ty - 1) * 256,
  };
}

/** Lets the page load map tiles from the configured tile server, and nothing else new. */
export function allowTiles(reply: FastifyReply, tileUrl: string): void {
  const csp = reply.getHeader('content-security-policy');
  if (typeof csp !== 'string') return;
  const origin = new URL(tileUrl.replace(/[{}]/g, '')).origin;
  reply.header(
    'content-security-policy',
    csp.replace("img-src 'self' data:", `img-src 'self' data: ${origin}`),
  );
}

export async function gazetteerRoutes(app: FastifyInstance, options: GazetteerRouteOptions): Promise<void> {
  const { service } = options;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const mapTileUrl =
    options.mapTileUrl && /^https:\/\/[^\s]+\{z\}.*\{x\}.*\{y\}/.test(options.mapTileUrl)
      ? options.mapTileUrl
      : undefined;

  await app.register(fastifyStatic, {
    root: path.join(import.meta.dirname, 'assets'),
    prefix: '/assets/gazetteer/',
    decorateReply: false,
    maxAge: '1h',
  });

  // ---- Staff pages ----------------------------------------------------------------------------

  typed.get('/staff/addresses', { config: { permission: 'gazetteer.read' } }, async (request, reply) => {
    const principal = principalOf(request);
    const raw = (request.query as Record<string, unknown>).q;
    const q = typeof raw === 'string' ? raw.trim() : '';
    const errors: FieldError[] = [];
    if (q.length > 200)
      errors.push({ field: 'address-search', message: 'Search for 200 characters or fewer' });
    const found = q && errors.length === 0 ? await service.searchAddresses(principal.councilId, q, 50) : null;
    const counts = q ? null : await service.counts(principal.councilId);
    return reply.code(errors.length ? 400 : 200).view('gazetteer/views/search.njk', {
      q,
      found,
      counts,
      errors: errors.map((e) => ({ text: e.message, href: `#${e.field}` })),
      fieldErrors: Object.fromEntries(errors.map((e) => [e.field, e.message])),
    });
  });

  typed.get(
    '/staff/addresses/:uprn',
    { config: { permission: 'gazetteer.read' }, schema: { params: UprnParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const uprn = Number(request.params.uprn);
      const property = await service.getProperty(principal.councilId, uprn);
      const [assets, responsibilities, parties] = await Promise.all([
        service.nearestAssets(
          principal.councilId,
          { easting: property.easting, northing: property.northing },
          { limit: 5, withinMetres: 150 },
        ),
        Promise.all(
          PROPERTY_PAGE_CATEGORIES.map((c) =>
            service
              .responsibleBodyFor(principal.councilId, { uprn }, c)
              .catch(() => null as ResponsibleBody | null),
          ),
        ),
        partiesForPropertyPage(principal, uprn, options.partiesAtProperty),
      ]);
      if (mapTileUrl) allowTiles(reply, mapTileUrl);
      return reply.view('gazetteer/views/property.njk', {
        property,
        assets,
        responsibilities: responsibilities.filter((r): r is ResponsibleBody => r !== null),
        parties,
        map: mapTileUrl ? mapTiles(mapTileUrl, property.lat, property.long) : null,
      });
    },
  );

  typed.get(
    '/staff/streets/:usrn',
    { config: { permission: 'gazetteer.read' }, schema: { params: UsrnParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const street = await service.getStreet(principal.councilId, Number(request.params.usrn));
      return reply.view('gazetteer/views/street.njk', { street });
    },
  );

  // ---- REST API -------------------------------------------------------------------------------

  typed.get(
    '/api/v1/addresses',
    {
      config: { permission: 'gazetteer.read' },
      schema: {
        summary: 'Find addresses by words, postcode or UPRN',
        description:
          'Free text ("12 high st", "flat 2 mill house"), a postcode with or without the space, or a UPRN. Only approved addresses are returned as the address; a match on an alternative address is flagged.',
        tags: ['gazetteer'],
        security: [{ bearerAuth: [] }],
        querystring: AddressQuery,
        response: { 200: AddressSearchResponse },
      },
    },
    async (request) =>
      service.searchAddresses(
        principalOf(request).councilId,
        request.query.q ?? '',
        request.query.limit ?? 10,
      ),
  );

  typed.get(
    '/api/v1/addresses/:uprn',
    {
      config: { permission: 'gazetteer.read' },
      schema: {
        summary: 'A property by UPRN: current address, coordinates, classification, ward, history',
        tags: ['gazetteer'],
        security: [{ bearerAuth: [] }],
        params: UprnParams,
        response: { 200: PropertyResponse },
      },
    },
    async (request) => service.getProperty(principalOf(request).councilId, Number(request.params.uprn)),
  );

  typed.get(
    '/api/v1/streets/:usrn',
    {
      config: { permission: 'gazetteer.read' },
      schema: {
        summary: 'A street by USRN, with its properties and assets',
        tags: ['gazetteer'],
        security: [{ bearerAuth: [] }],
        params: UsrnParams,
        response: { 200: StreetResponse },
      },
    },
    async (request) => service.getStreet(principalOf(request).councilId, Number(request.params.usrn)),
  );

  typed.get(
    '/api/v1/assets/nearest',
    {
      config: { permission: 'gazetteer.read' },
      schema: {
        summary: 'The nearest council assets to a place (distance in British National Grid metres)',
        tags: ['gazetteer'],
        security: [{ bearerAuth: [] }],
        querystring: NearestAssetsQuery,
        response: { 200: NearestAssetsResponse },
      },
    },
    async (request) => {
      const query = request.query;
      const types = query.type
        ? query.type
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : undefined;
      const results = await service.nearestAssets(principalOf(request).councilId, locationFrom(query), {
        ...(types ? { types } : {}),
        limit: query.limit ?? 10,
        withinMetres: query.within ?? 500,
      });
      return { results };
    },
  );

  typed.get(
    '/api/v1/responsibility',
    {
      config: { permission: 'gazetteer.read' },
      schema: {
        summary: 'Which body is responsible for a category of service at a place',
        description:
          'District, county, unitary, parish or partner, decided by the responsibility rules for the areas the place is in.',
        tags: ['gazetteer'],
        security: [{ bearerAuth: [] }],
        querystring: ResponsibilityQuery,
        response: { 200: ResponsibilityResponse },
      },
    },
    async (request) =>
      service.responsibleBodyFor(
        principalOf(request).councilId,
        locationFrom(request.query),
        request.query.service,
      ),
  );
}
