import { DomainError, NotFound, ValidationFailed } from '../../platform/http/errors.ts';

export class PropertyNotFound extends NotFound {
  constructor(uprn: number | string) {
    super(`The property with UPRN ${uprn}`);
  }
}

export class StreetNotFound extends NotFound {
  constructor(usrn: number | string) {
    super(`The street with USRN ${usrn}`);
  }
}

export class AssetNotFound extends NotFound {
  constructor(ref: string) {
    super(`The asset ${ref}`);
  }
}

/** A whole file was refused (truncated, wrong trailer count, not AddressBase): nothing was changed. */
export class ImportFailed extends DomainError {
  constructor(message: string) {
    super('ImportFailed', message, 422);
  }
}

/** The location could not be placed in any area this council knows about. */
export class LocationNotPlaced extends DomainError {
  constructor(message: string) {
    super('LocationNotPlaced', message, 404);
  }
}

export class NoResponsibleBody extends DomainError {
  constructor(serviceCategory: string) {
    super('NoResponsibleBody', `No body is recorded as responsible for "${serviceCategory}" here`, 404);
  }
}

export { ValidationFailed };
