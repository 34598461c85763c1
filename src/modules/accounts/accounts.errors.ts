import { DomainError } from '../../platform/http/errors.ts';

/** Too many wrong passwords: the account is locked until `lockedUntil`, for signing in and for changes. */
export class AccountLocked extends DomainError {
  readonly lockedUntil: Date;
  constructor(field: string, lockedUntil: Date) {
    super('AccountLocked', 'You have tried too many times', 429, [
      { field, message: 'You have tried too many times' },
    ]);
    this.lockedUntil = lockedUntil;
  }
}
