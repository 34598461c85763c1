import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type FieldError } from './errors.ts';
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

/** One error path for every route: problem+json for the API, a GOV.UK error page for everything else. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const api = isApiRequest(request);
    if (error instanceof DomainError) {
      if (api) return sendProblem(request, reply, error.status, error.code, error.message, error.fieldErrors);
      return renderErrorPage(reply, error.status, error.message);
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
      return renderErrorPage(reply, 400, 'There is a problem with the information you gave');
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ err: { message: error.message, code: error.code } }, 'request rejected');
    // Client errors from Fastify itself (bad JSON, wrong content type, body too large) are safe to explain.
    const detail = status >= 500 ? 'Something went wrong. It has been logged.' : error.message;
    if (api) return sendProblem(request, reply, status, error.code ?? 'Error', detail);
    return renderErrorPage(reply, status);
  });

  app.setNotFoundHandler((request, reply) => {
    if (isApiRequest(request)) {
      return sendProblem(
        request,
        reply,
        404,
        'NotFound',
        `No such endpoint: ${request.method} ${request.url}`,
      );
    }
    return renderErrorPage(reply, 404);
  });
}
