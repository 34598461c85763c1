/**
 * Coded domain errors. Modules throw these; each channel maps them to its own format: a GOV.UK
 * error page or summary for HTML, problem+json for the REST API, errors/error for Open311.
 */
export interface FieldError {
  /** The field (form input name or JSON property path) that is wrong. */
  readonly field: string;
  readonly message: string;
}

export class DomainError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fieldErrors: readonly FieldError[];
  constructor(code: string, message: string, status: number, fieldErrors: readonly FieldError[] = []) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.fieldErrors = fieldErrors;
  }
}

export class ValidationFailed extends DomainError {
  constructor(fieldErrors: readonly FieldError[], message = 'There is a problem with the information given') {
    super('ValidationFailed', message, 400, fieldErrors);
  }
}

export class NotFound extends DomainError {
  constructor(what: string) {
    super('NotFound', `${what} was not found`, 404);
  }
}

export class Forbidden extends DomainError {
  constructor(message = 'You do not have permission to do this') {
    super('Forbidden', message, 403);
  }
}

export class Unauthenticated extends DomainError {
  constructor(message = 'Sign in, or send an API token in the Authorization header') {
    super('Unauthenticated', message, 401);
  }
}

export class Conflict extends DomainError {
  constructor(code: string, message: string, fieldErrors: readonly FieldError[] = []) {
    super(code, message, 409, fieldErrors);
  }
}
