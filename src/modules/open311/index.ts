export { requireApiKey } from './open311.auth.ts';
export {
  InvalidApiKey,
  Open311RequestNotFound,
  Open311ServiceNotFound,
  UnknownFormat,
} from './open311.errors.ts';
export {
  escapeXml,
  isFormat,
  OPEN311_CONTENT_TYPES,
  type Open311Format,
  type Open311Value,
  type ParsedAttributes,
  parseAttributes,
  serialise,
} from './open311.format.ts';
export {
  createOpen311Requests,
  DEFAULT_WINDOW_DAYS,
  MAX_PAGE_SIZE,
  type Open311Area,
  type Open311Requests,
  type Open311RequestsDeps,
} from './open311.requests.ts';
export { type Open311RouteOptions, open311Routes } from './open311.routes.ts';
export {
  createOpen311Service,
  GEOREPORT_V2_SPECIFICATION,
  type Open311Council,
  type Open311Deps,
  type Open311Service,
} from './open311.service.ts';
