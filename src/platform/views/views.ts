import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import type { FastifyInstance } from 'fastify';
import nunjucks from 'nunjucks';

const SRC = path.resolve(import.meta.dirname, '../..');
const NODE_MODULES = path.resolve(SRC, '../node_modules');
const GOVUK = path.join(NODE_MODULES, 'govuk-frontend/dist');
const MOJ = path.join(NODE_MODULES, '@ministryofjustice/frontend');

/**
 * Templates are named from these roots: "layouts/staff.njk" (platform), "governance/views/users.njk"
 * (a module), "portal/views/start.njk" (a channel), "govuk/..." and "moj/..." (the design systems).
 */
export const TEMPLATE_ROOTS = [
  path.join(SRC, 'platform/views'),
  path.join(SRC, 'modules'),
  path.join(SRC, 'channels'),
  GOVUK,
  MOJ,
];

const LONDON_DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const LONDON_DATE = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

export function configureNunjucks(env: nunjucks.Environment): void {
  // Times are stored in UTC and always shown in UK time.
  env.addFilter('dateTime', (value: unknown) => {
    const date = toDate(value);
    return date ? LONDON_DATE_TIME.format(date) : '';
  });
  env.addFilter('date', (value: unknown) => {
    const date = toDate(value);
    return date ? LONDON_DATE.format(date) : '';
  });
  env.addFilter('json', (value: unknown) => JSON.stringify(value));
  // Build a query string from an object, dropping empty values (filters and pagination links).
  env.addFilter('query', (params: Record<string, unknown>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params ?? {})) {
      if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
    }
    const text = search.toString();
    return text ? `?${text}` : '';
  });
}

export async function registerViews(app: FastifyInstance, options: { cache: boolean }): Promise<void> {
  await app.register(fastifyView, {
    engine: { nunjucks },
    templates: TEMPLATE_ROOTS,
    options: {
      autoescape: true,
      noCache: !options.cache,
      onConfigure: configureNunjucks,
    },
  });

  // The design systems' compiled CSS, JavaScript, fonts and images, served from their packages.
  await app.register(fastifyStatic, {
    root: [path.join(GOVUK, 'govuk/assets'), path.join(MOJ, 'moj/assets')],
    prefix: '/assets/',
    decorateReply: false,
    maxAge: '1d',
  });
  await app.register(fastifyStatic, {
    root: path.join(GOVUK, 'govuk'),
    prefix: '/assets/govuk/',
    decorateReply: false,
    allowedPath: (pathName) => /\.(css|js|mjs|map)$/.test(pathName),
    maxAge: '1d',
  });
  await app.register(fastifyStatic, {
    root: path.join(MOJ, 'moj'),
    prefix: '/assets/moj/',
    decorateReply: false,
    allowedPath: (pathName) => /\.(css|js|mjs|map)$/.test(pathName),
    maxAge: '1d',
  });
  await app.register(fastifyStatic, {
    root: path.join(SRC, 'platform/views/assets'),
    prefix: '/assets/app/',
    decorateReply: false,
    maxAge: '1h',
  });
}
