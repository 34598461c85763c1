import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type FieldError } from './errors.ts';
import { isOpen311Request, sendOpen311Errors } from './open311.ts';
import { isApiRequest, sendProblem } from './problem.ts';

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns Ajv's report into errors that name the offending field. */
export function fieldErrorsFromValidation(
  issues: readonly ValidationIssue[],
  context?: string,
): FieldError[] {
  return issues.map((issue) => {
    const missing = issue.params?.missingProperty;
    const additional = issue.params?.additionalProperty;
    const pathField = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const field =
      typeof missing === 'string'
        ? [pathField, missing].filter(Boolean).join('.')
        : typeof additional === 'string'
          ? [pathField, additional].filter(Boolean).join('.')
          : pathField || context || 'body';
    let message = issue.message ?? 'is invalid';
    if (typeof missing === 'string') message = 'is required';
    if (typeof additional === 'string') message = 'is not a recognised field';
    return { field, message: `${field} ${message}` };
  });
}

function renderErrorPage(reply: FastifyReply, status: number, heading?: string) {
  const template =
    status === 404
      ? 'errors/404.njk'
      : status === 403 || status === 401
        ? 'errors/403.njk'
        : 'errors/500.njk';
  return reply.code(status).view(template, { heading });
}

/** What a citizen-facing error page says: which kind of error, its status and (for 4xx) why. */
export interface PublicError {
  status: number;
  kind: 'forbidden' | 'form_expired' | 'problem';
  /** The domain error's own explanation, for client errors only (never a server error's detail). */
  message?: string | undefined;
}

/**
 * The citizen-facing error pages, in the public site's own layout and language. The public site
 * (a channel, registered after the platform) fills them in; until then, or without one, or if its
 * page itself fails, public paths get the platform's error pages. Staff pages keep the staff layout,
 * and the API and Open311 keep their own formats.
 */
export interface PublicErrorPages {
  notFound?: (request: FastifyRequest, reply: FastifyReply) => unknown;
  error?: (request: FastifyRequest, reply: FastifyReply, error: PublicError) => unknown;
}

/** Staff pages keep the staff layout for their errors; everything else outside the APIs is public. */
const isStaffPath = (url: string) =>
  url === '/staff' || url.startsWith('/staff/') || url.startsWith('/staff?');

const isPublicPage = (request: FastifyRequest) =>
  !isStaffPath(request.url) && !isApiRequest(request) && !isOpen311Request(request);

/**
 * An HTML error page for the request: the public site's on a public path, the platform's otherwise.
 * A public page that itself fails (the database is down, say) falls back to the platform's page.
 */
export async function renderHtmlError(
  request: FastifyRequest,
  reply: FastifyReply,
  pages: PublicErrorPages | undefined,
  error: PublicError & { heading?: string | undefined },
): Promise<unknown> {
  if (isPublicPage(request)) {
    const render = error.status === 404 ? pages?.notFound : pages?.error;
    if (render) {
      try {
        return await render(request, reply, error);
      } catch (err) {
        request.log.error({ err }, 'public error page failed');
      }
    }
  }
  if (error.kind === 'form_expired') return reply.code(error.status).view('errors/csrf.njk', {});
  return renderErrorPage(reply, error.status, error.heading);
}

const kindOf = (status: number): PublicError['kind'] =>
  status === 401 || status === 403 ? 'forbidden' : 'problem';

/** One error path for every route: problem+json for the API, a GOV.UK error page for everything else. */
export function registerErrorHandling(
  app: FastifyInstance,
  options: { publicErrorPages?: PublicErrorPages } = {},
): void {
  const pages = options.publicErrorPages;
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isOpen311Request(request)) return renderOpen311Error(error, request, reply);
    const api = isApiRequest(request);
    if (error instanceof DomainError) {
      if (api) return sendProblem(request, reply, error.status, error.code, error.message, error.fieldErrors);
      return renderHtmlError(request, reply, pages, {
        status: error.status,
        kind: kindOf(error.status),
        message: error.status < 500 ? error.message : undefined,
        heading: error.message,
      });
    }
    if (error.validation) {
      const errors = fieldErrorsFromValidation(
        error.validation as ValidationIssue[],
        error.validationContext,
      );
      if (api) {
        return sendProblem(
          request,
          reply,
          400,
          'ValidationFailed',
          errors.map((e) => e.message).join('; '),
          errors,
        );
      }
      const heading = 'There is a problem with the information you gave';
      return renderHtmlError(request, reply, pages, { status: 400, kind: 'problem', heading });
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ err: { message: error.message, code: error.code } }, 'request rejected');
    // Client errors from Fastify itself (bad JSON, wrong content type, body too large) are safe to explain.
    const detail = status >= 500 ? 'Something went wrong. It has been logged.' : error.message;
    if (api) return sendProblem(request, reply, status, error.code ?? 'Error', detail);
    return renderHtmlError(request, reply, pages, { status, kind: kindOf(status) });
  });

  app.setNotFoundHandler((request, reply) => {
    if (isOpen311Request(request)) {
      const path = request.url.split('?')[0] ?? request.url;
      return sendOpen311Errors(request, reply, 404, [
        { code: 404, description: `No such Open311 resource: ${request.method} ${path}` },
      ]);
    }
    if (isApiRequest(request)) {
      return sendProblem(
        request,
        reply,
        404,
        'NotFound',
        `No such endpoint: ${request.method} ${request.url}`,
      );
    }
    return renderHtmlError(request, reply, pages, { status: 404, kind: 'problem' });
  });
}

/** Open311 GeoReport v2 errors: errors/error{code, description}, one per offending field or attribute. */
function renderOpen311Error(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof DomainError) {
    const items =
      error.fieldErrors.length > 0
        ? error.fieldErrors.map((e) => ({ code: error.status, description: e.message }))
        : [{ code: error.status, description: error.message }];
    return sendOpen311Errors(request, reply, error.status, items);
  }
  if (error.validation) {
    const errors = fieldErrorsFromValidation(error.validation as ValidationIssue[], error.validationContext);
    return sendOpen311Errors(
      request,
      reply,
      400,
      errors.map((e) => ({ code: 400, description: e.message })),
    );
  }
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ err: { message: error.message, code: error.code } }, 'request rejected');
  const description = status >= 500 ? 'Something went wrong. It has been logged.' : error.message;
  return sendOpen311Errors(request, reply, status, [{ code: status, description }]);
}
