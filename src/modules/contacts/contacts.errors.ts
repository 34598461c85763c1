import { NotFound } from '../../platform/http/errors.ts';

export class ContactNotFound extends NotFound {
  constructor() {
    super('The contact');
  }
}
