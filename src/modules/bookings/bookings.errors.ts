import { Conflict, DomainError } from '../../platform/http/errors.ts';

export class BookingNotFound extends DomainError {
  constructor() {
    super('BookingNotFound', 'There is no booking with that reference', 404);
  }
}

export class ResourceNotFound extends DomainError {
  constructor() {
    super('ResourceNotFound', 'There is nothing bookable with that id', 404);
  }
}

export class SlotFull extends Conflict {
  constructor() {
    super('SlotFull', 'That time has just been booked by someone else. Choose another time', [
      { field: 'slot', message: 'That time has just been booked by someone else. Choose another time' },
    ]);
  }
}

export class BookingNotCancellable extends Conflict {
  constructor(reason: string) {
    super('BookingNotCancellable', reason);
  }
}
