import type { FastifyInstance } from 'fastify';
import { type FieldError, ValidationFailed } from './errors.ts';

/** How deep into a JSON body to look; deeper nesting is refused by the routes' own checks. */
const MAX_DEPTH = 8;

/** The fields, by name (`attribute[code]`, `answers.details`), whose text holds a NUL character. */
function nulFields(value: unknown, name: string, found: FieldError[], depth = 0): void {
  if (found.length >= 20 || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      found.push({
        field: name,
        message: `${name} contains a NUL character (\\u0000), which text cannot hold`,
      });
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) nulFields(item, name, found, depth + 1);
    return;
  }
  if (value && typeof value === 'object' && !Buffer.isBuffer(value))
    for (const [key, item] of Object.entries(value))
      nulFields(item, name ? `${name}.${key}` : key, found, depth + 1);
}

/**
 * PostgreSQL text cannot hold a NUL character, so a field carrying one (`description=a%00b`, a JSON
 * "\u0000") would fail deep in a write as a 500. It is refused up front instead: a 400 naming each
 * such field, in whatever format the route answers (problem+json, Open311 errors, an error page).
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const found: FieldError[] = [];
    if (request.url.includes('%00')) nulFields(request.query, '', found);
    nulFields(request.params, '', found);
    if (request.body !== undefined && request.body !== null) nulFields(request.body, '', found);
    if (found.length) throw new ValidationFailed(found);
  });
}
