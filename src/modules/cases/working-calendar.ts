import { DateTime } from 'luxon';

/**
 * A council's working week: the days and hours in which service-level clocks run, in UK time, less
 * bank holidays (which are data, loaded per division from GOV.UK's bank-holidays.json format).
 */
export interface WorkingCalendar {
  readonly zone: string;
  /** ISO weekdays that are worked: 1 = Monday ... 7 = Sunday. */
  readonly weekdays: readonly number[];
  /** Minutes after midnight when the working day starts and ends. */
  readonly dayStartMinute: number;
  readonly dayEndMinute: number;
  /** Dates (YYYY-MM-DD, local) that are not worked. */
  readonly holidays: ReadonlySet<string>;
}

export function standardCalendar(holidays: Iterable<string>): WorkingCalendar {
  return {
    zone: 'Europe/London',
    weekdays: [1, 2, 3, 4, 5],
    dayStartMinute: 9 * 60,
    dayEndMinute: 17 * 60,
    holidays: new Set(holidays),
  };
}

// A clock never needs to look further ahead than this; it guards against a calendar with no working days.
const MAX_DAYS = 3 * 366;

function isWorkingDay(calendar: WorkingCalendar, day: DateTime): boolean {
  return calendar.weekdays.includes(day.weekday) && !calendar.holidays.has(day.toISODate() ?? '');
}

function dayBounds(calendar: WorkingCalendar, day: DateTime): { start: DateTime; end: DateTime } {
  const midnight = day.startOf('day');
  return {
    start: midnight.plus({ minutes: calendar.dayStartMinute }),
    end: midnight.plus({ minutes: calendar.dayEndMinute }),
  };
}

/** The working moment at or after `from`: `from` itself if it is inside working hours, else the next day's start. */
export function nextWorkingMoment(calendar: WorkingCalendar, from: Date): Date {
  let cursor = DateTime.fromJSDate(from, { zone: calendar.zone });
  for (let i = 0; i < MAX_DAYS; i++) {
    if (isWorkingDay(calendar, cursor)) {
      const { start, end } = dayBounds(calendar, cursor);
      if (cursor < start) return start.toJSDate();
      if (cursor < end) return cursor.toJSDate();
    }
    cursor = cursor.plus({ days: 1 }).startOf('day');
  }
  throw new Error('The working calendar has no working time');
}

/** The moment when `minutes` of working time have passed after `from`. */
export function addWorkingMinutes(calendar: WorkingCalendar, from: Date, minutes: number): Date {
  if (minutes < 0) throw new RangeError('minutes must not be negative');
  let cursor = DateTime.fromJSDate(nextWorkingMoment(calendar, from), { zone: calendar.zone });
  let remaining = minutes;
  for (let i = 0; i < MAX_DAYS; i++) {
    const { end } = dayBounds(calendar, cursor);
    const available = end.diff(cursor, 'minutes').minutes;
    if (remaining <= available) return cursor.plus({ minutes: remaining }).toJSDate();
    remaining -= available;
    cursor = DateTime.fromJSDate(nextWorkingMoment(calendar, end.plus({ minutes: 1 }).toJSDate()), {
      zone: calendar.zone,
    });
  }
  throw new Error('The target is too far beyond the working calendar');
}

/** Working days are counted whole: a request made on Monday with a 2-day target is due at close of Wednesday. */
export function addWorkingDays(calendar: WorkingCalendar, from: Date, days: number): Date {
  if (days < 0) throw new RangeError('days must not be negative');
  let cursor = DateTime.fromJSDate(from, { zone: calendar.zone });
  let counted = 0;
  for (let i = 0; i < MAX_DAYS * 2; i++) {
    if (counted === days) {
      // Due at the end of the working day reached (or, for 0 days, the end of today's working day).
      let day = cursor;
      for (let j = 0; j < MAX_DAYS && !isWorkingDay(calendar, day); j++) day = day.plus({ days: 1 });
      return dayBounds(calendar, day).end.toJSDate();
    }
    cursor = cursor.plus({ days: 1 });
    if (isWorkingDay(calendar, cursor)) counted++;
  }
  throw new Error('The target is too far beyond the working calendar');
}

/** Working minutes between two moments (0 if `to` is not after `from`). */
export function workingMinutesBetween(calendar: WorkingCalendar, from: Date, to: Date): number {
  if (to <= from) return 0;
  let cursor = DateTime.fromJSDate(from, { zone: calendar.zone });
  const stop = DateTime.fromJSDate(to, { zone: calendar.zone });
  let total = 0;
  for (let i = 0; i < MAX_DAYS * 4 && cursor < stop; i++) {
    if (isWorkingDay(calendar, cursor)) {
      const { start, end } = dayBounds(calendar, cursor);
      const a = cursor > start ? cursor : start;
      const b = stop < end ? stop : end;
      if (b > a) total += b.diff(a, 'minutes').minutes;
    }
    cursor = cursor.plus({ days: 1 }).startOf('day');
  }
  return Math.round(total * 1000) / 1000;
}
