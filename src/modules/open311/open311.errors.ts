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
