import { Conflict, DomainError, type FieldError, ValidationFailed } from '../../platform/http/errors.ts';

export class ServiceNotFound extends DomainError {
  constructor(code: string) {
    super('ServiceNotFound', `There is no service with the code “${code}”`, 404);
  }
}

export class ServiceVersionNotFound extends DomainError {
  constructor(code: string, version: number) {
    super('ServiceVersionNotFound', `The service “${code}” has no version ${version}`, 404);
  }
}

export class InvalidServiceDefinition extends DomainError {
  constructor(errors: readonly FieldError[]) {
    super(
      'InvalidServiceDefinition',
      `The service definition has ${errors.length} problem${errors.length === 1 ? '' : 's'}: ${errors
        .slice(0, 3)
        .map((e) => e.message)
        .join('; ')}`,
      400,
      errors,
    );
  }
}

export class ServiceCodeTaken extends Conflict {
  constructor(code: string) {
    super('ServiceCodeTaken', `A service with the code “${code}” already exists`, [
      { field: 'code', message: 'A service with this code already exists' },
    ]);
  }
}

export class NothingToPublish extends Conflict {
  constructor(code: string) {
    super('NothingToPublish', `The service “${code}” has no draft to publish`);
  }
}

export { ValidationFailed };
