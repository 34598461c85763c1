import { DateTime } from 'luxon';
import { type AuditContext, recordAudit } from '../../platform/audit/audit.ts';
import type { Executor } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { recordDomainEvent } from '../../platform/events/outbox.ts';
import { type FieldError, ValidationFailed } from '../../platform/http/errors.ts';
import { idempotentTransaction } from '../../platform/idempotency/idempotency.ts';
import { normalisePhone, PHONE_FORMAT_MESSAGE } from '../../platform/validation/phone.ts';
import { generateReference } from '../cases/index.ts';
import { BookingNotCancellable, BookingNotFound, ResourceNotFound, SlotFull } from './bookings.errors.ts';
import * as repo from './bookings.repository.ts';
import { resourceAdmin } from './bookings.resources.ts';

export type {
  BookingRecord,
  OpeningHours,
  ResourceDefinition,
  ResourceKind,
  ResourceRecord,
} from './bookings.repository.ts';
export { RESOURCE_KINDS } from './bookings.repository.ts';

const ZONE = 'Europe/London';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface Slot {
  startsAt: Date;
  endsAt: Date;
  /** "09:00", in UK time. */
  label: string;
  remaining: number;
}

export interface BookingInput {
  resourceId: string;
  /** The slot's start, as an ISO 8601 instant. */
  startsAt: string;
  places?: number;
  name: string;
  email: string;
  phone?: string;
  partyId?: string;
  channel: 'web' | 'phone' | 'face_to_face' | 'email';
}

const BOOKING_CHANNELS = new Set(['web', 'phone', 'face_to_face', 'email']);

/** Slot starts for one local date from the weekly opening hours, as UK local times. */
export function slotStarts(resource: repo.ResourceRecord, date: string): DateTime[] {
  const day = DateTime.fromISO(date, { zone: ZONE });
  if (!day.isValid) return [];
  const starts: DateTime[] = [];
  for (const hours of resource.opening.filter((o) => o.day === day.weekday)) {
    const [openH, openM] = hours.open.split(':').map(Number);
    const [closeH, closeM] = hours.close.split(':').map(Number);
    let start = day.set({ hour: openH ?? 0, minute: openM ?? 0, second: 0, millisecond: 0 });
    const close = day.set({ hour: closeH ?? 0, minute: closeM ?? 0, second: 0, millisecond: 0 });
    while (start.plus({ minutes: resource.slotMinutes }) <= close) {
      starts.push(start);
      start = start.plus({ minutes: resource.slotMinutes });
    }
  }
  return starts;
}

/** What the reminder job hands the notifications module for one booking. */
export interface AppointmentReminder {
  councilId: string;
  bookingId: string;
  reference: string;
  /** What the appointment is for: the resource's name ("Victoria Park tennis court 1"). */
  serviceName: string;
  place: string | null;
  appointmentAt: Date;
  partyId: string | null;
  email: string | null;
  phone: string | null;
}

export interface BookingsDeps {
  now?: () => Date;
  /**
   * Queues the appointment reminder for a booking (the notifications module, which picks the channel
   * and honours do-not-contact). Must be idempotent per booking: the job may call it twice after a crash.
   */
  remind?: (reminder: AppointmentReminder) => Promise<unknown>;
  /** The catalogue's booking services a resource may belong to, for the admin form. */
  bookableServices?: (councilId: string) => Promise<{ code: string; name: string }[]>;
}

/** How long before an appointment its reminder goes. */
export const REMINDER_HOURS = 24;

export function createBookingsService(db: Executor, options: BookingsDeps = {}) {
  const now = options.now ?? (() => new Date());

  async function requireResource(
    councilId: string,
    id: string,
    filter: { publicOnly?: boolean } = {},
  ): Promise<repo.ResourceRecord> {
    const resource = /^[0-9a-f-]{36}$/i.test(id) ? await repo.findResource(db, councilId, id) : undefined;
    if (!resource?.active || (filter.publicOnly && !resource.public)) throw new ResourceNotFound();
    return resource;
  }

  /** The dates people may book from today, in UK time, that have any opening and are not closed. */
  function bookableDates(resource: repo.ResourceRecord): string[] {
    const today = DateTime.fromJSDate(now(), { zone: ZONE }).startOf('day');
    const closed = new Set(resource.closedDates);
    const dates: string[] = [];
    for (let i = 0; i <= resource.advanceDays; i++) {
      const date = today.plus({ days: i });
      const iso = date.toISODate() ?? '';
      if (resource.opening.some((o) => o.day === date.weekday) && !closed.has(iso)) dates.push(iso);
    }
    return dates;
  }

  async function slots(councilId: string, resourceId: string, date: string): Promise<Slot[]> {
    const resource = await requireResource(councilId, resourceId);
    if (!bookableDates(resource).includes(date)) return [];
    const starts = slotStarts(resource, date).filter((s) => s.toJSDate() > now());
    if (starts.length === 0) return [];
    const first = starts[0]?.toJSDate() ?? now();
    const last = starts.at(-1)?.plus({ minutes: resource.slotMinutes }).toJSDate() ?? now();
    const loads = await repo.slotLoads(db, resource.id, first, last);
    return starts.map((s) => ({
      startsAt: s.toJSDate(),
      endsAt: s.plus({ minutes: resource.slotMinutes }).toJSDate(),
      label: s.toFormat('HH:mm'),
      remaining: resource.capacity - (loads.get(s.toMillis()) ?? 0),
    }));
  }

  /** Books a slot; with an idempotency key, a retry returns the same booking instead of a second one. */
  async function book(
    councilId: string,
    input: BookingInput,
    context: AuditContext,
    idempotency: { key: string; caller: string; body: unknown } | null = null,
  ): Promise<repo.BookingRecord> {
    const errors: FieldError[] = [];
    // Citizens on the web may book only what is open to the public; staff book anything active.
    const resource = await requireResource(councilId, input.resourceId, {
      publicOnly: input.channel === 'web',
    });
    const start = DateTime.fromISO(String(input.startsAt ?? ''), { zone: ZONE });
    const places = input.places ?? 1;
    const name = String(input.name ?? '').trim();
    const email = String(input.email ?? '').trim();
    const phone = String(input.phone ?? '').trim();
    if (!start.isValid) errors.push({ field: 'slot', message: 'Choose a time' });
    else {
      const date = start.toISODate() ?? '';
      const valid =
        bookableDates(resource).includes(date) &&
        slotStarts(resource, date).some((s) => s.toMillis() === start.toMillis()) &&
        start.toJSDate() > now();
      if (!valid) errors.push({ field: 'slot', message: 'Choose one of the times shown' });
    }
    if (!Number.isInteger(places) || places < 1 || places > resource.capacity)
      errors.push({ field: 'places', message: `Book between 1 and ${resource.capacity} places` });
    if (!name) errors.push({ field: 'name', message: 'Enter your name' });
    else if (name.length > 200)
      errors.push({ field: 'name', message: 'Your name must be 200 characters or fewer' });
    if (!EMAIL.test(email))
      errors.push({
        field: 'email',
        message: 'Enter an email address in the correct format, like name@example.com',
      });
    if (phone && !normalisePhone(phone)) errors.push({ field: 'phone', message: PHONE_FORMAT_MESSAGE });
    if (!BOOKING_CHANNELS.has(input.channel)) errors.push({ field: 'channel', message: 'Choose a channel' });
    if (errors.length) throw new ValidationFailed(errors);

    const startsAt = start.toJSDate();
    const endsAt = start.plus({ minutes: resource.slotMinutes }).toJSDate();
    const request = idempotency
      ? {
          councilId,
          caller: idempotency.caller,
          key: idempotency.key,
          operation: 'bookings.create',
          body: idempotency.body,
        }
      : null;
    const result = await idempotentTransaction<string>(db, request, async (tx) => {
      if (!(await repo.takePlaces(tx, resource.id, startsAt, places, resource.capacity)))
        throw new SlotFull();
      let ref = '';
      for (let attempt = 0; attempt < 5 && !ref; attempt++) {
        const candidate = generateReference('BK');
        if (!(await repo.findBooking(tx, councilId, candidate))) ref = candidate;
      }
      const id = await repo.insertBooking(tx, councilId, {
        resourceId: resource.id,
        reference: ref,
        startsAt,
        endsAt,
        places,
        name,
        email,
        phone: phone || null,
        partyId: input.partyId ?? null,
        channel: input.channel,
      });
      await recordAudit(tx, context, {
        action: 'booking.created',
        subjectType: 'booking',
        subjectId: id,
        details: { resourceId: resource.id, places },
      });
      await recordDomainEvent(tx, context, {
        aggregateType: 'booking',
        aggregateId: id,
        eventType: 'booking.created',
        payload: { resourceId: resource.id, serviceCode: resource.serviceCode },
      });
      return { statusCode: 201, body: ref };
    });
    return get(councilId, result.body);
  }

  async function get(councilId: string, reference: string): Promise<repo.BookingRecord> {
    const booking = await repo.findBooking(db, councilId, reference.trim().toUpperCase());
    if (!booking) throw new BookingNotFound();
    return booking;
  }

  async function cancel(
    councilId: string,
    reference: string,
    context: AuditContext,
  ): Promise<repo.BookingRecord> {
    await inTransaction(db, async (tx) => {
      const booking = await repo.findBooking(tx, councilId, reference.trim().toUpperCase(), {
        forUpdate: true,
      });
      if (!booking) throw new BookingNotFound();
      if (booking.status === 'cancelled')
        throw new BookingNotCancellable('This booking is already cancelled');
      if (booking.startsAt <= now())
        throw new BookingNotCancellable('This booking has already started, so it cannot be cancelled');
      await repo.releasePlaces(tx, booking.resourceId, booking.startsAt, booking.places);
      await repo.markCancelled(tx, councilId, booking.id, now());
      await recordAudit(tx, context, {
        action: 'booking.cancelled',
        subjectType: 'booking',
        subjectId: booking.id,
      });
      await recordDomainEvent(tx, context, {
        aggregateType: 'booking',
        aggregateId: booking.id,
        eventType: 'booking.cancelled',
        payload: { resourceId: booking.resourceId },
      });
    });
    return get(councilId, reference);
  }

  /**
   * Queues the reminder of every booking starting within REMINDER_HOURS whose reminder has not gone,
   * then records that it went. The notifications module dedupes by booking, so a crash between the
   * two sends nothing twice. Returns how many reminders were handed over.
   */
  async function sendReminders(limit = 500): Promise<number> {
    if (!options.remind) return 0;
    const from = now();
    const due = await repo.findDueReminders(
      db,
      from,
      new Date(from.getTime() + REMINDER_HOURS * 3_600_000),
      limit,
    );
    for (const b of due) {
      await options.remind({
        councilId: b.councilId,
        bookingId: b.id,
        reference: b.reference,
        serviceName: b.resourceName,
        place: b.location,
        appointmentAt: b.startsAt,
        partyId: b.partyId,
        email: b.email,
        phone: b.phone,
      });
      await repo.markReminderSent(db, b.id, now());
    }
    return due.length;
  }

  return {
    /** Active resources (of one service); `publicOnly` for what citizens may book on the portal. */
    resources: (councilId: string, serviceCode?: string, filter: { publicOnly?: boolean } = {}) =>
      repo.listResources(db, councilId, { serviceCode, ...filter }),
    resource: requireResource,
    defineResource: (councilId: string, r: repo.ResourceDefinition) => repo.upsertResource(db, councilId, r),
    ...resourceAdmin(db, { bookableServices: options.bookableServices }),
    sendReminders,
    bookableDates,
    slots,
    book,
    get,
    cancel,
    /** Bookings starting on a UK date (or from `from` for `days`), for the staff list and CSV. */
    list: (councilId: string, filter: { date: string; days?: number; resourceId?: string }) => {
      const from = DateTime.fromISO(filter.date, { zone: ZONE }).startOf('day');
      const start = from.isValid ? from : DateTime.fromJSDate(now(), { zone: ZONE }).startOf('day');
      return repo.listBookings(
        db,
        councilId,
        {
          from: start.toJSDate(),
          to: start.plus({ days: filter.days ?? 1 }).toJSDate(),
          ...(filter.resourceId ? { resourceId: filter.resourceId } : {}),
        },
        2000,
      );
    },
  };
}

export type BookingsService = ReturnType<typeof createBookingsService>;
