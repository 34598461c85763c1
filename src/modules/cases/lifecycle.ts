/**
 * The life of a service request. Each status maps to Open311 GeoReport v2's open/closed and to the
 * extended statuses FixMyStreet and other clients understand.
 */
export const CASE_STATUSES = [
  'submitted',
  'acknowledged',
  'in_progress',
  'on_hold',
  'resolved',
  'closed',
  'cancelled',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const OUTCOMES = [
  'fixed',
  'action_scheduled',
  'duplicate',
  'not_councils_responsibility',
  'no_further_action',
  'unable_to_fix',
  'referred_to_partner',
  'withdrawn',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

const NEXT: Record<CaseStatus, readonly CaseStatus[]> = {
  submitted: ['acknowledged', 'in_progress', 'on_hold', 'resolved', 'cancelled'],
  acknowledged: ['in_progress', 'on_hold', 'resolved', 'cancelled'],
  in_progress: ['on_hold', 'resolved', 'cancelled'],
  on_hold: ['in_progress', 'resolved', 'cancelled'],
  // Reopening sends a request back to work.
  resolved: ['closed', 'in_progress'],
  closed: ['in_progress'],
  cancelled: ['in_progress'],
};

export function canMove(from: CaseStatus, to: CaseStatus): boolean {
  return NEXT[from].includes(to);
}

export function nextStatuses(from: CaseStatus): readonly CaseStatus[] {
  return NEXT[from];
}

export function isOpen(status: CaseStatus): boolean {
  return status !== 'resolved' && status !== 'closed' && status !== 'cancelled';
}

/** A closing move needs an outcome; the outcome says how it ended. */
export function needsOutcome(to: CaseStatus): boolean {
  return to === 'resolved' || to === 'cancelled';
}

export type Open311ExtendedStatus =
  | 'OPEN'
  | 'INVESTIGATING'
  | 'IN_PROGRESS'
  | 'ACTION_SCHEDULED'
  | 'FIXED'
  | 'DUPLICATE'
  | 'NOT_COUNCILS_RESPONSIBILITY'
  | 'NO_FURTHER_ACTION'
  | 'UNABLE_TO_FIX'
  | 'INTERNAL_REFERRAL'
  | 'CLOSED';

export function toOpen311(
  status: CaseStatus,
  outcome?: Outcome,
): { status: 'open' | 'closed'; extended: Open311ExtendedStatus } {
  switch (status) {
    case 'submitted':
      return { status: 'open', extended: 'OPEN' };
    case 'acknowledged':
      return { status: 'open', extended: 'INVESTIGATING' };
    case 'in_progress':
      return {
        status: 'open',
        extended: outcome === 'action_scheduled' ? 'ACTION_SCHEDULED' : 'IN_PROGRESS',
      };
    case 'on_hold':
      return { status: 'open', extended: 'ACTION_SCHEDULED' };
    case 'resolved':
    case 'closed':
    case 'cancelled': {
      const closed: Record<Outcome, Open311ExtendedStatus> = {
        fixed: 'FIXED',
        action_scheduled: 'CLOSED',
        duplicate: 'DUPLICATE',
        not_councils_responsibility: 'NOT_COUNCILS_RESPONSIBILITY',
        no_further_action: 'NO_FURTHER_ACTION',
        unable_to_fix: 'UNABLE_TO_FIX',
        referred_to_partner: 'INTERNAL_REFERRAL',
        withdrawn: 'CLOSED',
      };
      return { status: 'closed', extended: outcome ? closed[outcome] : 'CLOSED' };
    }
  }
}
