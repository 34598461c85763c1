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

/*
 * Clocks are computed for every request made and every status change, so the calendar works on epoch
 * milliseconds and remembers each local day it has worked out once (its midnight, working hours and
 * whether it is worked). Time-zone arithmetic (luxon) runs once per day per calendar, not per call.
 */
interface Day {
  readonly date: string;
  readonly working: boolean;
  readonly midnight: number;
  readonly start: number;
  readonly end: number;
}

const dayCache = new WeakMap<WorkingCalendar, Map<string, Day>>();
const dateCache = new WeakMap<WorkingCalendar, Map<number, string>>();
// Local midnights fall on quarter hours in every time zone, so a quarter-hour bucket has one local date.
const BUCKET_MS = 15 * 60_000;

function dayOf(calendar: WorkingCalendar, date: string): Day {
  let days = dayCache.get(calendar);
  if (!days) {
    days = new Map();
    dayCache.set(calendar, days);
  }
  let day = days.get(date);
  if (!day) {
    const midnight = DateTime.fromISO(date, { zone: calendar.zone }).startOf('day');
    day = {
      date,
      working: calendar.weekdays.includes(midnight.weekday) && !calendar.holidays.has(date),
      midnight: midnight.toMillis(),
      start: midnight.plus({ minutes: calendar.dayStartMinute }).toMillis(),
      end: midnight.plus({ minutes: calendar.dayEndMinute }).toMillis(),
    };
    days.set(date, day);
  }
  return day;
}

function localDate(calendar: WorkingCalendar, ms: number): string {
  let dates = dateCache.get(calendar);
  if (!dates) {
    dates = new Map();
    dateCache.set(calendar, dates);
  }
  const bucket = Math.floor(ms / BUCKET_MS);
  let date = dates.get(bucket);
  if (date === undefined) {
    date = DateTime.fromMillis(ms, { zone: calendar.zone }).toISODate() ?? '';
    if (dates.size > 200_000) dates.clear();
    dates.set(bucket, date);
  }
  return date;
}

/** The calendar date after `date` (YYYY-MM-DD), remembered: every SLA clock walks the same few weeks. */
function nextDate(date: string): string {
  let next = nextDates.get(date);
  if (next === undefined) {
    const d = new Date(`${date}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    next = d.toISOString().slice(0, 10);
    if (nextDates.size > 100_000) nextDates.clear();
    nextDates.set(date, next);
  }
  return next;
}
const nextDates = new Map<string, string>();

/** The working moment at or after `from`: `from` itself if it is inside working hours, else the next day's start. */
export function nextWorkingMoment(calendar: WorkingCalendar, from: Date): Date {
  return new Date(nextWorkingMs(calendar, from.getTime()));
}

function nextWorkingMs(calendar: WorkingCalendar, from: number): number {
  let date = localDate(calendar, from);
  let cursor = from;
  for (let i = 0; i < MAX_DAYS; i++) {
    const day = dayOf(calendar, date);
    if (day.working) {
      if (cursor < day.start) return day.start;
      if (cursor < day.end) return cursor;
    }
    date = nextDate(date);
    cursor = dayOf(calendar, date).midnight;
  }
  throw new Error('The working calendar has no working time');
}

/** The moment when `minutes` of working time have passed after `from`. */
export function addWorkingMinutes(calendar: WorkingCalendar, from: Date, minutes: number): Date {
  if (minutes < 0) throw new RangeError('minutes must not be negative');
  let cursor = nextWorkingMs(calendar, from.getTime());
  let remaining = minutes;
  for (let i = 0; i < MAX_DAYS; i++) {
    const day = dayOf(calendar, localDate(calendar, cursor));
    const available = (day.end - cursor) / 60_000;
    if (remaining <= available) return new Date(cursor + remaining * 60_000);
    remaining -= available;
    cursor = nextWorkingMs(calendar, day.end + 60_000);
  }
  throw new Error('The target is too far beyond the working calendar');
}

/** Working days are counted whole: a request made on Monday with a 2-day target is due at close of Wednesday. */
export function addWorkingDays(calendar: WorkingCalendar, from: Date, days: number): Date {
  if (days < 0) throw new RangeError('days must not be negative');
  let date = localDate(calendar, from.getTime());
  let counted = 0;
  for (let i = 0; i < MAX_DAYS * 2; i++) {
    if (counted === days) {
      // Due at the end of the working day reached (or, for 0 days, the end of today's working day).
      let due = date;
      for (let j = 0; j < MAX_DAYS && !dayOf(calendar, due).working; j++) due = nextDate(due);
      return new Date(dayOf(calendar, due).end);
    }
    date = nextDate(date);
    if (dayOf(calendar, date).working) counted++;
  }
  throw new Error('The target is too far beyond the working calendar');
}

/** Working minutes between two moments (0 if `to` is not after `from`). */
export function workingMinutesBetween(calendar: WorkingCalendar, from: Date, to: Date): number {
  const stop = to.getTime();
  let cursor = from.getTime();
  if (stop <= cursor) return 0;
  let date = localDate(calendar, cursor);
  let total = 0;
  for (let i = 0; i < MAX_DAYS * 4 && cursor < stop; i++) {
    const day = dayOf(calendar, date);
    if (day.working) {
      const a = Math.max(cursor, day.start);
      const b = Math.min(stop, day.end);
      if (b > a) total += (b - a) / 60_000;
    }
    date = nextDate(date);
    cursor = dayOf(calendar, date).midnight;
  }
  return Math.round(total * 1000) / 1000;
}
