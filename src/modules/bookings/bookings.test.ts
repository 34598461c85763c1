import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createToken, signInAs, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { DomainError } from '../../platform/http/errors.ts';
import { PHONE_FORMAT_MESSAGE } from '../../platform/validation/phone.ts';
import { slotStarts } from './bookings.service.ts';

describe('slots from opening hours', () => {
  it('cuts each opening into whole slots in UK time, across the change to summer time', () => {
    const resource = {
      id: 'r',
      councilId: 'c',
      serviceCode: 's',
      name: 'Court',
      location: null,
      capacity: 1,
      slotMinutes: 60,
      opening: [{ day: 7, open: '08:00', close: '10:30' }],
      advanceDays: 7,
      active: true,
      kind: 'court' as const,
      closedDates: [],
      public: true,
    };
    // Sunday 29 March 2026: the clocks go forward at 01:00 UTC.
    const starts = slotStarts(resource, '2026-03-29');
    expect(starts.map((s) => s.toFormat('HH:mm'))).toEqual(['08:00', '09:00']);
    expect(starts[0]?.toUTC().toFormat('HH:mm')).toBe('07:00');
    expect(slotStarts(resource, '2026-03-30')).toEqual([]);
  });
});

describe.each(testDatabaseKinds())('bookings (%s)', (kind) => {
  let t: TestApp;
  let court: string;
  let swimming: string;
  beforeAll(async () => {
    t = await createTestApp(kind, { GUILDHALL_DEMO_ADDRESSES: '200' });
    const resources = await t.runtime.services.bookings.resources(t.councilId);
    court = resources.find((r) => r.name === 'Victoria Park tennis court 1')?.id ?? '';
    swimming = resources.find((r) => r.serviceCode === 'swimming-lessons')?.id ?? '';
  });
  afterAll(() => t?.close());

  const context = () => systemAuditContext(t.councilId, 'test');
  const tomorrowAt = (time: string) => {
    const day = DateTime.now().setZone('Europe/London').plus({ days: 1 }).toISODate();
    return DateTime.fromISO(`${day}T${time}`, { zone: 'Europe/London' }).toISO() ?? '';
  };
  const details = { name: 'Sam Player', email: 'sam@example.com', channel: 'phone' as const };

  it('gives the last place to exactly one of many people booking it at once', async () => {
    const startsAt = tomorrowAt('10:00');
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        t.runtime.services.bookings.book(t.councilId, { resourceId: court, startsAt, ...details }, context()),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const a of attempts.filter((x) => x.status === 'rejected'))
      expect((a as PromiseRejectedResult).reason).toMatchObject({ code: 'SlotFull', status: 409 });
    const date = startsAt.slice(0, 10);
    const slot = (await t.runtime.services.bookings.slots(t.councilId, court, date)).find(
      (s) => s.startsAt.getTime() === new Date(startsAt).getTime(),
    );
    expect(slot?.remaining).toBe(0);
  });

  it('counts places in a class, and cancelling frees them again', async () => {
    const saturday = DateTime.now().setZone('Europe/London').plus({ weeks: 1 }).set({ weekday: 6 });
    const startsAt =
      DateTime.fromISO(`${saturday.toISODate()}T09:30`, { zone: 'Europe/London' }).toISO() ?? '';
    const a = await t.runtime.services.bookings.book(
      t.councilId,
      { resourceId: swimming, startsAt, places: 10, ...details },
      context(),
    );
    await expect(
      t.runtime.services.bookings.book(
        t.councilId,
        { resourceId: swimming, startsAt, places: 3, ...details },
        context(),
      ),
    ).rejects.toMatchObject({ code: 'SlotFull' });
    await t.runtime.services.bookings.cancel(t.councilId, a.reference, context());
    const b = await t.runtime.services.bookings.book(
      t.councilId,
      { resourceId: swimming, startsAt, places: 12, ...details },
      context(),
    );
    expect(b.status).toBe('booked');
    await expect(
      t.runtime.services.bookings.cancel(t.councilId, a.reference, context()),
    ).rejects.toMatchObject({
      code: 'BookingNotCancellable',
    });
  });

  it('refuses times that are not slots, closed days, and missing details, naming each field', async () => {
    try {
      await t.runtime.services.bookings.book(
        t.councilId,
        { resourceId: court, startsAt: tomorrowAt('10:17'), name: '', email: 'nope', channel: 'web' },
        context(),
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).fieldErrors.map((e) => e.field).sort()).toEqual([
        'email',
        'name',
        'slot',
      ]);
    }
  });

  it('checks a phone number by the one phone rule, so a booking never keeps a number the register refuses', async () => {
    const startsAt = tomorrowAt('11:00');
    // Ofcom's drama range looks like a mobile number but is not one.
    await expect(
      t.runtime.services.bookings.book(
        t.councilId,
        { resourceId: court, startsAt, ...details, phone: '07700 900982' },
        context(),
      ),
    ).rejects.toMatchObject({ fieldErrors: [{ field: 'phone', message: PHONE_FORMAT_MESSAGE }] });
    const booked = await t.runtime.services.bookings.book(
      t.councilId,
      { resourceId: court, startsAt, ...details, phone: '020 7946 0018' },
      context(),
    );
    expect(booked.status).toBe('booked');
  });

  it('books through the API once per Idempotency-Key, and answers problem+json for a full slot', async () => {
    const token = await createToken(t, 'integration');
    const startsAt = tomorrowAt('15:00');
    const post = (key: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/bookings',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
        payload: {
          resourceId: court,
          startsAt,
          name: 'Api Person',
          email: 'api@example.com',
          channel: 'phone',
        },
      });
    const first = await post('book-1');
    const again = await post('book-1');
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json().reference).toBe(first.json().reference);
    const other = await post('book-2');
    expect(other.statusCode).toBe(409);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(
      other.json().errors?.[0]?.field ??
        other.json().invalidParams?.[0]?.name ??
        JSON.stringify(other.json()),
    ).toContain('slot');
    const slots = await t.app.inject({
      method: 'GET',
      url: `/api/v1/bookable-resources/${court}/slots?date=${startsAt.slice(0, 10)}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(
      slots
        .json()
        .slots.find(
          (s: { startsAt: string }) => new Date(s.startsAt).getTime() === new Date(startsAt).getTime(),
        ).remaining,
    ).toBe(0);
  });

  it('lists a day’s bookings for staff with a CSV export, and lets an agent cancel one', async () => {
    const agent = await signInAs(t.app, 'agent');
    const startsAt = tomorrowAt('18:00');
    const booking = await t.runtime.services.bookings.book(
      t.councilId,
      { resourceId: court, startsAt, ...details, name: '=HYPERLINK("x")' },
      context(),
    );
    const date = startsAt.slice(0, 10);
    const page = await t.app.inject({
      method: 'GET',
      url: `/staff/bookings?date=${date}`,
      headers: { cookie: agent.cookie },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(booking.reference);
    const csv = await t.app.inject({
      method: 'GET',
      url: `/staff/bookings.csv?date=${date}`,
      headers: { cookie: agent.cookie },
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain(booking.reference);
    expect(csv.body).toContain(`"'=HYPERLINK(""x"")"`);
    const cancelled = await t.app.inject({
      method: 'POST',
      url: `/staff/bookings/${booking.reference}/cancel`,
      headers: { cookie: agent.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: agent.csrfToken }).toString(),
    });
    expect(cancelled.statusCode).toBe(303);
    expect((await t.runtime.services.bookings.get(t.councilId, booking.reference)).status).toBe('cancelled');
  });
});
