import {
  addWorkingDays,
  addWorkingMinutes,
  type WorkingCalendar,
  workingMinutesBetween,
} from './working-calendar.ts';

/** A service-level target, as the catalogue defines it per priority. */
export type SlaTarget =
  | { readonly unit: 'working_hours'; readonly amount: number }
  | { readonly unit: 'working_days'; readonly amount: number };

/** A period in which the clock stood still (the request was on hold). `end` is absent while it lasts. */
export interface Pause {
  readonly start: Date;
  readonly end?: Date;
}

export type SlaState = 'on_track' | 'at_risk' | 'breached' | 'paused' | 'met';

export interface SlaPosition {
  readonly state: SlaState;
  /** When the target falls due, allowing for pauses so far; absent while paused. */
  readonly dueAt: Date | undefined;
  /** Share of the target used, 0..1+ (working time, pauses excluded). */
  readonly used: number;
}

/** Warn at this share of the target (80%, as supervisors are told in advance of a breach). */
export const AT_RISK_SHARE = 0.8;

function targetMinutes(calendar: WorkingCalendar, start: Date, target: SlaTarget): number {
  if (target.unit === 'working_hours') return target.amount * 60;
  return workingMinutesBetween(calendar, start, addWorkingDays(calendar, start, target.amount));
}

/**
 * Where a request stands against its target at `now`. Time on hold does not count: the due date moves
 * on by the working time spent paused.
 */
export function slaPosition(
  calendar: WorkingCalendar,
  start: Date,
  target: SlaTarget,
  pauses: readonly Pause[],
  now: Date,
  resolvedAt?: Date,
): SlaPosition {
  const total = targetMinutes(calendar, start, target);
  const until = resolvedAt ?? now;
  let paused = 0;
  let openPause = false;
  for (const pause of pauses) {
    const end = pause.end ?? until;
    if (!pause.end && !resolvedAt) openPause = true;
    paused += workingMinutesBetween(
      calendar,
      pause.start < start ? start : pause.start,
      end < until ? end : until,
    );
  }
  const active = Math.max(0, workingMinutesBetween(calendar, start, until) - paused);
  const used = total === 0 ? 1 : active / total;
  const dueAt = openPause ? undefined : addWorkingMinutes(calendar, start, total + paused);
  let state: SlaState;
  if (resolvedAt) state = used <= 1 ? 'met' : 'breached';
  else if (used > 1) state = 'breached';
  else if (openPause) state = 'paused';
  else if (used >= AT_RISK_SHARE) state = 'at_risk';
  else state = 'on_track';
  return { state, dueAt, used: Math.round(used * 1000) / 1000 };
}
