import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type StaffSession, signInAs, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { createJobSender, type JobQueue, startJobQueue } from '../../platform/jobs/jobs.ts';
import {
  createNotificationsService,
  createOutboxAdapter,
  notificationJobDefinitions,
  type RecipientPreferences,
} from '../notifications/index.ts';
import { parseResourceForm } from './bookings.resources.ts';
import { createBookingsService } from './bookings.service.ts';

const valid = {
  serviceCode: 'tennis-court-booking',
  name: 'Riverside tennis court',
  kind: 'court',
  location: 'Riverside Recreation Ground',
  capacity: '1',
  slotMinutes: '60',
  advanceDays: '14',
  'hours-1': '09:00-12:00, 13:00-17:00',
  'hours-6': '8.30 to 12.30',
  closedDates: '25/12/2026\n2026-12-26',
  public: 'yes',
  active: 'yes',
};

describe('the bookable resource form', () => {
  it('turns what staff type into opening hours, closed dates and limits', () => {
    const { definition, errors } = parseResourceForm(valid, new Set(['tennis-court-booking']));
    expect(errors).toEqual([]);
    expect(definition).toMatchObject({
      serviceCode: 'tennis-court-booking',
      kind: 'court',
      capacity: 1,
      slotMinutes: 60,
      opening: [
        { day: 1, open: '09:00', close: '12:00' },
        { day: 1, open: '13:00', close: '17:00' },
        { day: 6, open: '08:30', close: '12:30' },
      ],
      closedDates: ['2026-12-25', '2026-12-26'],
      public: true,
      active: true,
    });
  });

  it('says which field is wrong and why', () => {
    const { errors } = parseResourceForm(
      {
        ...valid,
        serviceCode: 'pay-council-tax',
        name: '',
        kind: 'spaceship',
        capacity: '0',
        slotMinutes: 'an hour',
        'hours-1': '17:00-09:00',
        'hours-6': 'mornings',
        closedDates: 'Christmas',
        public: '',
      },
      new Set(['tennis-court-booking']),
    );
    expect(Object.fromEntries(errors.map((e) => [e.field, e.message]))).toEqual({
      serviceCode: 'Select a booking service from the list',
      name: 'Enter a name',
      kind: 'Select what kind of thing it is',
      capacity: 'The number of places must be between 1 and 1000',
      slotMinutes: 'The slot length must be a whole number',
      'hours-1': 'Monday’s closing time must be after its opening time',
      'hours-6': 'Enter Saturday’s opening hours as times from and to, like 09:00-17:00',
      closedDates: '“Christmas” is not a date, like 25/12/2026',
      public: 'Select whether the public can book it online',
    });
    expect(
      parseResourceForm({ ...valid, 'hours-1': '', 'hours-6': '' }, null).errors.map((e) => e.message),
    ).toEqual(['Enter the opening hours for at least one day']);
    expect(parseResourceForm({ ...valid, slotMinutes: '300' }, null).errors.map((e) => e.message)).toEqual([
      'The slot length must fit within the opening hours',
    ]);
    expect(
      parseResourceForm({ ...valid, 'hours-1': '09:00-12:00, 11:00-13:00' }, null).errors.map(
        (e) => e.message,
      ),
    ).toEqual(['Monday’s opening hours must not overlap']);
  });
});

describe.each(testDatabaseKinds())('bookable resources and reminders (%s)', (kind) => {
  let t: TestApp;
  let agent: StaffSession;
  let queue: JobQueue | undefined;
  beforeAll(async () => {
    t = await createTestApp(kind, { GUILDHALL_DEMO_ADDRESSES: '100' });
    agent = await signInAs(t.app, 'agent');
    // The delivery queue must exist before a reminder can be put on it; nothing works it here.
    queue = await startJobQueue({
      pool: t.runtime.database.pool,
      definitions: notificationJobDefinitions(t.runtime.services.notifications),
      work: false,
    });
  });
  afterAll(async () => {
    await queue?.stop();
    await t?.close();
  });

  const page = (url: string, session = agent) =>
    t.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  const post = (url: string, form: Record<string, string>, session = agent) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: session.csrfToken, ...form }).toString(),
    });
  const audited = async (action: string, subjectId: string) =>
    (
      await sql<{ n: number }>`select count(*)::int as n from audit_event
        where action = ${action} and subject_id = ${subjectId}`.execute(t.runtime.database.db)
    ).rows[0]?.n;

  it('lets staff add a resource, with an error summary for bad input, and shows it on the portal', async () => {
    const list = await page('/staff/bookings/resources');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Victoria Park tennis court 1');
    expect(list.body).toContain('href="/staff/bookings/resources/new"');
    const form = await page('/staff/bookings/resources/new');
    expect(form.body).toContain('<option value="tennis-court-booking"');

    const bad = await post('/staff/bookings/resources/new', { ...valid, name: '', capacity: 'lots' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('govuk-error-summary');
    expect(bad.body).toContain('href="#name"');
    expect(bad.body).toContain('The number of places must be a whole number');
    // What was typed stays in the form.
    expect(bad.body).toContain('value="Riverside Recreation Ground"');

    const saved = await post('/staff/bookings/resources/new', valid);
    expect(saved.statusCode).toBe(303);
    const id = /created=([0-9a-f-]{36})/.exec(saved.headers.location ?? '')?.[1] ?? '';
    expect(await audited('booking_resource.created', id)).toBe(1);
    expect((await page(saved.headers.location ?? '')).body).toContain('Riverside tennis court is added.');

    const same = await post('/staff/bookings/resources/new', valid);
    expect(same.statusCode).toBe(400);
    expect(same.body).toContain('This service already has a resource with that name');

    const portal = await t.app.inject({ method: 'GET', url: '/services/tennis-court-booking/book' });
    expect(portal.body).toContain('Riverside tennis court');
  });

  it('edits a resource: staff-only resources leave the portal, closed dates offer no slots', async () => {
    const resource = (await t.runtime.services.bookings.resources(t.councilId)).find(
      (r) => r.name === 'Victoria Park tennis court 2',
    );
    const id = resource?.id ?? '';
    const form = await page(`/staff/bookings/resources/${id}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="08:00-21:00"');

    const tomorrow = DateTime.now().setZone('Europe/London').plus({ days: 1 });
    const hours = Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [`hours-${d}`, '08:00-21:00']));
    const saved = await post(`/staff/bookings/resources/${id}`, {
      ...valid,
      name: 'Victoria Park tennis court 2',
      ...hours,
      closedDates: tomorrow.toFormat('d/M/yyyy'),
      public: 'no',
    });
    expect(saved.statusCode).toBe(303);
    expect(await audited('booking_resource.updated', id)).toBe(1);

    const updated = await t.runtime.services.bookings.resource(t.councilId, id);
    expect(updated).toMatchObject({ public: false, location: 'Riverside Recreation Ground' });
    expect(t.runtime.services.bookings.bookableDates(updated)).not.toContain(tomorrow.toISODate());
    const portal = await t.app.inject({ method: 'GET', url: '/services/tennis-court-booking/book' });
    expect(portal.body).toContain('Victoria Park tennis court 1');
    expect(portal.body).not.toContain('Victoria Park tennis court 2');
    // Staff may still book it by phone; the web may not.
    const startsAt =
      DateTime.fromISO(`${tomorrow.plus({ days: 1 }).toISODate()}T10:00`, {
        zone: 'Europe/London',
      }).toISO() ?? '';
    const details = { resourceId: id, startsAt, name: 'Pat', email: 'pat@example.com' };
    const context = systemAuditContext(t.councilId, 'test');
    await expect(
      t.runtime.services.bookings.book(t.councilId, { ...details, channel: 'web' }, context),
    ).rejects.toMatchObject({ code: 'ResourceNotFound' });
    expect(
      (await t.runtime.services.bookings.book(t.councilId, { ...details, channel: 'phone' }, context)).status,
    ).toBe('booked');
  });

  it('keeps the admin pages to staff who may manage bookings', async () => {
    const auditor = await signInAs(t.app, 'auditor');
    expect((await page('/staff/bookings/resources', auditor)).statusCode).toBe(403);
    expect((await post('/staff/bookings/resources/new', valid, auditor)).statusCode).toBe(403);
    // And every form needs its CSRF token.
    const forged = await t.app.inject({
      method: 'POST',
      url: '/staff/bookings/resources/new',
      headers: { cookie: agent.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...valid, name: 'Forged court' }).toString(),
    });
    expect(forged.statusCode).toBe(403);
  });

  it('sends one appointment reminder a day ahead, and none to an address that opted out', async () => {
    const db = t.runtime.database.db;
    const preferences = new Map<string, RecipientPreferences>();
    const notifications = createNotificationsService(db, {
      jobs: createJobSender(),
      adapter: createOutboxAdapter(db),
      recipients: async (_councilId, partyId) => preferences.get(partyId) ?? null,
      publicUrl: 'https://council.example.gov.uk/',
    });
    const court = (await t.runtime.services.bookings.resources(t.councilId)).find(
      (r) => r.name === 'Victoria Park tennis court 1',
    );
    const day = DateTime.now().setZone('Europe/London').plus({ days: 2 }).toISODate();
    const at = (time: string) => DateTime.fromISO(`${day}T${time}`, { zone: 'Europe/London' }).toISO() ?? '';
    const context = systemAuditContext(t.councilId, 'test');
    const book = (time: string, extra: Record<string, string>) =>
      t.runtime.services.bookings.book(
        t.councilId,
        {
          resourceId: court?.id ?? '',
          startsAt: at(time),
          name: 'Remi',
          email: 'remi@example.com',
          channel: 'phone',
          ...extra,
        },
        context,
      );
    const soon = await book('09:00', { phone: '020 7946 0123' });
    const optedOutParty = '0190a0b0-0000-7000-8000-000000000001';
    preferences.set(optedOutParty, {
      language: 'cy',
      preferredChannel: 'email',
      contactPoints: [{ kind: 'email', value: 'optout@example.com', doNotContact: true }],
    });
    const optedOut = await book('10:00', { email: 'optout@example.com', partyId: optedOutParty });
    const later = await book('20:00', {});
    const cancelled = await book('11:00', {});
    await t.runtime.services.bookings.cancel(t.councilId, cancelled.reference, context);

    // The job runs at 12:00 the day before: 09:00 to 11:00 are within a day, 20:00 is not yet.
    const noon = DateTime.fromISO(`${day}T12:00`, { zone: 'Europe/London' }).minus({ days: 1 }).toJSDate();
    const reminders = createBookingsService(db, {
      now: () => noon,
      remind: (r) => notifications.remindAppointment(r),
    });
    await reminders.sendReminders();
    await reminders.sendReminders();
    const sent = async (reference: string) => notifications.list(t.councilId, { q: reference }, 10);
    const [first, ...others] = await sent(soon.reference);
    expect(others).toEqual([]);
    expect(first).toMatchObject({
      template: 'appointment_reminder',
      channel: 'email',
      recipient: 'remi@example.com',
    });
    expect(await notifications.deliver(first?.id ?? '')).toBe('sent');
    const [delivered] = await sent(soon.reference);
    expect(delivered?.subject).toContain('Reminder: your appointment on');
    expect(delivered?.body).toContain('Victoria Park tennis court 1');
    expect(delivered?.body).toContain('Time: 9:00am');
    // A whole address under PUBLIC_URL: a path alone is no link in an email.
    expect(delivered?.body).toContain(`\nhttps://council.example.gov.uk/bookings/${soon.reference}`);

    const [stopped] = await sent(optedOut.reference);
    expect(stopped).toMatchObject({ language: 'cy', recipient: 'optout@example.com' });
    expect(await notifications.deliver(stopped?.id ?? '')).toBe('opted_out');
    expect(await sent(later.reference)).toEqual([]);
    expect(await sent(cancelled.reference)).toEqual([]);

    // Recorded as sent: a later run (even after a crash that lost the record) sends nothing again.
    await sql`update booking set reminder_sent_at = null where reference = ${soon.reference}`.execute(db);
    await reminders.sendReminders();
    expect(await sent(soon.reference)).toHaveLength(1);
  });
});
