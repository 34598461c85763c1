import { Conflict, DomainError, NotFound, ValidationFailed } from '../../platform/http/errors.ts';

export class PartyNotFound extends NotFound {
  constructor() {
    super('The person or organisation');
  }
}

export class PartyDetailNotFound extends NotFound {
  constructor(what: string) {
    super(what);
  }
}

export class AlertAlreadyEnded extends DomainError {
  constructor() {
    super('AlertAlreadyEnded', 'This alert has already been ended', 409);
  }
}

export class PartyChangedMeanwhile extends Conflict {
  constructor() {
    super(
      'PartyChangedMeanwhile',
      'Someone else changed this record while you were editing it. Reload it and make your change again.',
    );
  }
}

export class PartyAlreadyMerged extends DomainError {
  constructor() {
    super('PartyAlreadyMerged', 'This record has been merged into another one and cannot be changed', 409);
  }
}

export class MergeNotReversible extends DomainError {
  constructor(message: string) {
    super('MergeNotReversible', message, 409);
  }
}

export class SourceKeyTaken extends Conflict {
  constructor(system: string) {
    super('SourceKeyTaken', `Another record already holds this ${system} key`, [
      { field: 'identifiers', message: `Another record already holds this ${system} key` },
    ]);
  }
}

export { ValidationFailed };
