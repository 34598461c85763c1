import { Conflict, DomainError, ValidationFailed } from '../../platform/http/errors.ts';

export class NoCouncil extends DomainError {
  constructor() {
    super(
      'NoCouncil',
      'No council is set up in this database. Run `guildhall seed` or start Guildhall once.',
      503,
    );
  }
}

export class UserAlreadyExists extends Conflict {
  constructor(email: string) {
    super('UserAlreadyExists', `A staff account already uses ${email}`, [
      { field: 'email', message: 'A staff account already uses this email address' },
    ]);
  }
}

export class ApiTokenNameTaken extends Conflict {
  constructor(name: string) {
    super('ApiTokenNameTaken', `An API token called "${name}" already exists`, [
      { field: 'name', message: 'An API token with this name already exists' },
    ]);
  }
}

export { ValidationFailed };
