import { describe, expect, it } from 'vitest';
import bankHolidays from './data/bank-holidays.json' with { type: 'json' };
import { canMove, isOpen, toOpen311 } from './lifecycle.ts';
import { generateReference, normaliseReference } from './reference.ts';
import { slaPosition } from './sla-clock.ts';
import {
  addWorkingDays,
  addWorkingMinutes,
  standardCalendar,
  workingMinutesBetween,
} from './working-calendar.ts';

const calendar = standardCalendar(bankHolidays['england-and-wales'].events.map((e) => e.date));
// Times below are UK local; November is GMT (UTC+0), June is BST (UTC+1).
const at = (iso: string) => new Date(iso);

describe('working calendar (Mon–Fri 09:00–17:00, England and Wales bank holidays)', () => {
  it('adds working hours within a day and across the night', () => {
    expect(addWorkingMinutes(calendar, at('2026-11-23T10:00:00Z'), 120).toISOString()).toBe(
      '2026-11-23T12:00:00.000Z',
    );
    // Monday 16:00 + 2 working hours = Tuesday 10:00.
    expect(addWorkingMinutes(calendar, at('2026-11-23T16:00:00Z'), 120).toISOString()).toBe(
      '2026-11-24T10:00:00.000Z',
    );
  });

  it('starts the clock at the next working moment for a request made out of hours', () => {
    // Saturday evening + 1 hour = Monday 10:00.
    expect(addWorkingMinutes(calendar, at('2026-11-21T19:00:00Z'), 60).toISOString()).toBe(
      '2026-11-23T10:00:00.000Z',
    );
  });

  it('skips bank holidays, including substitute days', () => {
    // Thursday 24 December 2026 16:00 + 2 hours: Friday 25th and Monday 28th (Boxing Day substitute) are holidays.
    expect(addWorkingMinutes(calendar, at('2026-12-24T16:00:00Z'), 120).toISOString()).toBe(
      '2026-12-29T10:00:00.000Z',
    );
  });

  it('works in British Summer Time', () => {
    // 1 June 2026 09:00 BST is 08:00 UTC.
    expect(addWorkingMinutes(calendar, at('2026-06-01T07:00:00Z'), 30).toISOString()).toBe(
      '2026-06-01T08:30:00.000Z',
    );
  });

  it('counts whole working days, due at close of the last one', () => {
    // Monday 23 Nov + 2 working days = close of Wednesday 25 Nov.
    expect(addWorkingDays(calendar, at('2026-11-23T11:00:00Z'), 2).toISOString()).toBe(
      '2026-11-25T17:00:00.000Z',
    );
    // Friday 3 April 2026 is Good Friday and Monday 6th Easter Monday: Thursday 2nd + 1 day = Tuesday 7th.
    expect(addWorkingDays(calendar, at('2026-04-02T10:00:00Z'), 1).toISOString()).toBe(
      '2026-04-07T16:00:00.000Z',
    );
  });

  it('measures working minutes between two moments', () => {
    expect(workingMinutesBetween(calendar, at('2026-11-20T16:00:00Z'), at('2026-11-23T10:00:00Z'))).toBe(120);
    expect(workingMinutesBetween(calendar, at('2026-11-23T10:00:00Z'), at('2026-11-23T09:00:00Z'))).toBe(0);
  });
});

describe('SLA clock', () => {
  const start = at('2026-11-23T09:00:00Z');
  const target = { unit: 'working_hours', amount: 10 } as const;

  it('is on track, then at risk at 80%, then breached', () => {
    expect(slaPosition(calendar, start, target, [], at('2026-11-23T12:00:00Z')).state).toBe('on_track');
    // 8 of 10 working hours used by Tuesday 09:00.
    expect(slaPosition(calendar, start, target, [], at('2026-11-24T09:00:00Z')).state).toBe('at_risk');
    const late = slaPosition(calendar, start, target, [], at('2026-11-24T12:00:00Z'));
    expect(late.state).toBe('breached');
    expect(late.dueAt?.toISOString()).toBe('2026-11-24T11:00:00.000Z');
  });

  it('stops while on hold and moves the due date on by the time paused', () => {
    const pauses = [{ start: at('2026-11-23T10:00:00Z'), end: at('2026-11-23T14:00:00Z') }];
    const position = slaPosition(calendar, start, target, pauses, at('2026-11-23T15:00:00Z'));
    expect(position.used).toBe(0.2);
    expect(position.dueAt?.toISOString()).toBe('2026-11-24T15:00:00.000Z');
    const open = slaPosition(
      calendar,
      start,
      target,
      [{ start: at('2026-11-23T10:00:00Z') }],
      at('2026-11-23T15:00:00Z'),
    );
    expect(open.state).toBe('paused');
    expect(open.dueAt).toBeUndefined();
  });

  it('records whether a resolved request met its target', () => {
    expect(
      slaPosition(calendar, start, target, [], at('2026-11-25T09:00:00Z'), at('2026-11-23T16:00:00Z')).state,
    ).toBe('met');
    expect(
      slaPosition(calendar, start, target, [], at('2026-11-25T09:00:00Z'), at('2026-11-24T16:00:00Z')).state,
    ).toBe('breached');
  });
});

describe('request references', () => {
  it('look like GH-XXXX-XXXX in Crockford base32 and validate their own check character', () => {
    for (let i = 0; i < 200; i++) {
      const reference = generateReference();
      expect(reference).toMatch(/^GH-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
      expect(normaliseReference(reference)).toBe(reference);
    }
  });

  it('accept what a caller reads out, and reject a mistyped one', () => {
    const reference = generateReference();
    const typed = reference.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
    expect(normaliseReference(typed)).toBe(reference);
    const body = reference.replace(/-/g, '').slice(2);
    const swapped = `${body[1]}${body[0]}${body.slice(2)}`;
    if (swapped !== body) expect(normaliseReference(`GH${swapped}`)).toBeUndefined();
    expect(normaliseReference('GH-1234')).toBeUndefined();
  });
});

describe('request lifecycle', () => {
  it('allows the moves a council makes and refuses others', () => {
    expect(canMove('submitted', 'in_progress')).toBe(true);
    expect(canMove('on_hold', 'in_progress')).toBe(true);
    expect(canMove('resolved', 'in_progress')).toBe(true);
    expect(canMove('closed', 'submitted')).toBe(false);
    expect(canMove('cancelled', 'resolved')).toBe(false);
    expect(isOpen('on_hold')).toBe(true);
    expect(isOpen('resolved')).toBe(false);
  });

  it('maps to Open311 statuses', () => {
    expect(toOpen311('submitted')).toEqual({ status: 'open', extended: 'OPEN' });
    expect(toOpen311('in_progress')).toEqual({ status: 'open', extended: 'IN_PROGRESS' });
    expect(toOpen311('resolved', 'fixed')).toEqual({ status: 'closed', extended: 'FIXED' });
    expect(toOpen311('closed', 'duplicate')).toEqual({ status: 'closed', extended: 'DUPLICATE' });
    expect(toOpen311('cancelled', 'not_councils_responsibility')).toEqual({
      status: 'closed',
      extended: 'NOT_COUNCILS_RESPONSIBILITY',
    });
  });
});
