import { DomainError, NotFound } from '../../platform/http/errors.ts';

/** 403 for Open311: a missing, unknown or unsuitable api_key. */
export class InvalidApiKey extends DomainError {
  constructor(message: string) {
    super('InvalidApiKey', message, 403);
  }
}

export class Open311ServiceNotFound extends NotFound {
  constructor(code: string) {
    super(`The service ${code}`);
    this.name = 'Open311ServiceNotFound';
  }
}

export class UnknownFormat extends NotFound {
  constructor(format: string) {
    super(`The format .${format} (use .xml or .json)`);
    this.name = 'UnknownFormat';
  }
}

export class Open311RequestNotFound extends NotFound {
  constructor(id: string) {
    super(`The service request ${id}`);
    this.name = 'Open311RequestNotFound';
  }
}

/** 404, as the spec says, for a jurisdiction_id this endpoint does not serve. */
export class UnknownJurisdiction extends DomainError {
  constructor(jurisdictionId: string, served: string) {
    super('NotFound', `jurisdiction_id ${jurisdictionId} was not found: this endpoint serves ${served}`, 404);
    this.name = 'UnknownJurisdiction';
  }
}

/** The council, unless a jurisdiction_id other than its slug was given (an empty one counts as none). */
export function checkJurisdiction<T extends { slug: string }>(
  council: T,
  jurisdictionId: string | undefined,
): T {
  if (jurisdictionId !== undefined && jurisdictionId.trim() !== '' && jurisdictionId.trim() !== council.slug)
    throw new UnknownJurisdiction(jurisdictionId.trim(), council.slug);
  return council;
}

/** 405 for a method a resource does not take; `allow` lists those it does. */
export class MethodNotAllowed extends DomainError {
  constructor(method: string, path: string, allow: string) {
    super('MethodNotAllowed', `${method} is not allowed on ${path}: use ${allow}`, 405);
    this.name = 'MethodNotAllowed';
  }
}
