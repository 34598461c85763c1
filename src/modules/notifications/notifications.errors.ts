import { NotFound } from '../../platform/http/errors.ts';

export class MessageNotFound extends NotFound {
  constructor() {
    super('The message');
    this.name = 'MessageNotFound';
  }
}
