import { Conflict, DomainError } from '../../platform/http/errors.ts';
import type { CaseStatus } from './lifecycle.ts';

const STATUS_LABEL: Record<CaseStatus, string> = {
  submitted: 'submitted',
  acknowledged: 'acknowledged',
  in_progress: 'in progress',
  on_hold: 'on hold',
  resolved: 'resolved',
  closed: 'closed',
  cancelled: 'cancelled',
};

export class CaseNotFound extends DomainError {
  constructor() {
    super('CaseNotFound', 'There is no request with that id or reference', 404);
  }
}

export class ImpossibleTransition extends Conflict {
  constructor(from: CaseStatus, to: CaseStatus, allowed: readonly CaseStatus[]) {
    super(
      'ImpossibleTransition',
      `A request that is ${STATUS_LABEL[from]} cannot be moved to ${STATUS_LABEL[to]}. It can be moved to: ${
        allowed.map((s) => STATUS_LABEL[s]).join(', ') || 'nothing'
      }.`,
      [{ field: 'status', message: `A ${STATUS_LABEL[from]} request cannot become ${STATUS_LABEL[to]}` }],
    );
  }
}

export class CaseClosed extends Conflict {
  constructor(message = 'This request is closed; reopen it first') {
    super('CaseClosed', message);
  }
}

export class AttachmentNotFound extends DomainError {
  constructor() {
    super('AttachmentNotFound', 'There is no such attachment on this request', 404);
  }
}

export { STATUS_LABEL };
