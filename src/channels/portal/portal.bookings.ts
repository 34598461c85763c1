import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { BookingRecord, BookingsService } from '../../modules/bookings/index.ts';
import type { AuditContext } from '../../platform/audit/audit.ts';
import { DomainError, type FieldError } from '../../platform/http/errors.ts';
import { errorSummary, fieldErrorMessages } from '../../platform/views/form-errors.ts';
import type { PortalPage } from './portal.requests.ts';
import { allowRequest, openPortalSession, type PortalSessions } from './portal.sessions.ts';

export interface BookingJourneyDeps {
  bookings: BookingsService;
  sessions: PortalSessions;
  secureCookies: boolean;
  serviceName: (councilId: string, code: string) => Promise<string | null>;
  pageContext: (request: FastifyRequest, reply: FastifyReply) => Promise<PortalPage>;
}

const ZONE = 'Europe/London';

const citizenContext = (councilId: string, request: FastifyRequest): AuditContext => ({
  councilId,
  actorType: 'citizen',
  actorId: null,
  actorLabel: 'citizen portal',
  correlationId: request.id,
  ip: request.ip,
});

/** Book a court, pitch, room or class: choose what and when, see free times, give your details. */
export async function bookingJourneyRoutes(app: FastifyInstance, deps: BookingJourneyDeps): Promise<void> {
  const pub = { config: { public: true } } as const;
  const session = (request: FastifyRequest, reply: FastifyReply, councilId: string) =>
    openPortalSession(deps.sessions, request, reply, councilId, deps.secureCookies);

  const dayLabel = (date: string, locale: string) =>
    DateTime.fromISO(date, { zone: ZONE })
      .setLocale(locale === 'cy' ? 'cy' : 'en-GB')
      .toFormat('cccc d LLLL');

  async function bookingPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: FieldError[] } = {},
  ) {
    const page = await deps.pageContext(request, reply);
    const { code } = request.params as { code: string };
    const resources = await deps.bookings.resources(page.council.id, code, { publicOnly: true });
    if (resources.length === 0)
      return reply
        .code(404)
        .view('portal/views/not-found.njk', { ...page, message: page.t('service.notFound') });
    const q = { ...(request.query as Record<string, string | undefined>), ...(extra.values ?? {}) };
    const resource =
      resources.find((r) => r.id === q.resource) ?? (resources.length === 1 ? resources[0] : undefined);
    const dates = resource ? deps.bookings.bookableDates(resource) : [];
    const date = resource && q.date && dates.includes(q.date) ? q.date : undefined;
    const slots = resource && date ? await deps.bookings.slots(page.council.id, resource.id, date) : [];
    return reply.code(extra.errors?.length ? 400 : 200).view('portal/views/book.njk', {
      ...page,
      serviceCode: code,
      serviceName: (await deps.serviceName(page.council.id, code)) ?? '',
      resources,
      resource,
      dates: dates.map((d) => ({ value: d, text: dayLabel(d, page.locale), selected: d === date })),
      date,
      dateLabel: date ? dayLabel(date, page.locale) : '',
      slots: slots.map((s) => ({
        value: s.startsAt.toISOString(),
        label: s.label,
        remaining: s.remaining,
        checked: q.slot === s.startsAt.toISOString(),
      })),
      values: q,
      ...(extra.errors?.length
        ? { errors: errorSummary(extra.errors), fieldErrors: fieldErrorMessages(extra.errors) }
        : {}),
    });
  }

  app.get('/services/:code/book', pub, (request, reply) => bookingPage(request, reply));

  app.post('/services/:code/book', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const values = Object.fromEntries(
      ['resource', 'date', 'slot', 'name', 'email', 'phone', 'places'].map((k) => [
        k,
        (body[k] ?? '').trim(),
      ]),
    );
    if (!values.slot)
      return bookingPage(request, reply, {
        values,
        errors: [{ field: 'slot', message: page.t('book.errorSlot') }],
      });
    try {
      const booking = await deps.bookings.book(
        page.council.id,
        {
          resourceId: values.resource ?? '',
          startsAt: values.slot,
          ...(values.places ? { places: Number(values.places) } : {}),
          name: values.name ?? '',
          email: values.email ?? '',
          ...(values.phone ? { phone: values.phone } : {}),
          channel: 'web',
        },
        citizenContext(page.council.id, request),
      );
      const state = await session(request, reply, page.council.id);
      allowRequest(state.data, booking.reference);
      await state.save();
      return reply.redirect(`/bookings/${booking.reference}?booked=1`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      const errors = error.fieldErrors.length
        ? [...error.fieldErrors]
        : [{ field: 'slot', message: error.message }];
      return bookingPage(request, reply, { values, errors });
    }
  });

  async function shownBooking(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ page: PortalPage; booking: BookingRecord } | null> {
    const page = await deps.pageContext(request, reply);
    const { reference } = request.params as { reference: string };
    const state = await session(request, reply, page.council.id);
    if (!state.data.requests.includes(reference.toUpperCase())) return null;
    try {
      return { page, booking: await deps.bookings.get(page.council.id, reference) };
    } catch (error) {
      if (error instanceof DomainError && error.status === 404) return null;
      throw error;
    }
  }

  const bookingView = (page: PortalPage, b: BookingRecord, extra: Record<string, unknown> = {}) => ({
    ...page,
    booking: {
      reference: b.reference,
      resourceName: b.resourceName,
      location: b.location,
      when: `${dayLabel(DateTime.fromJSDate(b.startsAt, { zone: ZONE }).toISODate() ?? '', page.locale)}, ${DateTime.fromJSDate(b.startsAt, { zone: ZONE }).toFormat('HH:mm')}–${DateTime.fromJSDate(b.endsAt, { zone: ZONE }).toFormat('HH:mm')}`,
      places: b.places,
      status: b.status,
      cancellable: b.status === 'booked' && b.startsAt > new Date(),
    },
    ...extra,
  });

  app.get('/bookings/:reference', pub, async (request, reply) => {
    const shown = await shownBooking(request, reply);
    const { reference } = request.params as { reference: string };
    if (!shown)
      return reply.redirect(`/bookings/manage?reference=${encodeURIComponent(reference.slice(0, 20))}`, 303);
    const q = request.query as Record<string, string | undefined>;
    return reply.view(
      'portal/views/booking.njk',
      bookingView(shown.page, shown.booking, { booked: q.booked === '1', cancelled: q.cancelled === '1' }),
    );
  });

  app.post('/bookings/:reference/cancel', pub, async (request, reply) => {
    const shown = await shownBooking(request, reply);
    const { reference } = request.params as { reference: string };
    if (!shown)
      return reply.redirect(`/bookings/manage?reference=${encodeURIComponent(reference.slice(0, 20))}`, 303);
    try {
      await deps.bookings.cancel(
        shown.page.council.id,
        shown.booking.reference,
        citizenContext(shown.page.council.id, request),
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      return reply
        .code(409)
        .view(
          'portal/views/booking.njk',
          bookingView(shown.page, shown.booking, { errors: [{ text: error.message, href: '#cancel' }] }),
        );
    }
    return reply.redirect(`/bookings/${shown.booking.reference}?cancelled=1`, 303);
  });

  app.get('/bookings/manage', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const reference = String((request.query as Record<string, unknown>).reference ?? '').slice(0, 20);
    return reply.view('portal/views/manage-booking.njk', { ...page, values: { reference } });
  });

  app.post('/bookings/manage', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const values = {
      reference: (body.reference ?? '').trim().slice(0, 20),
      email: (body.email ?? '').trim().slice(0, 254),
    };
    const errors: FieldError[] = [];
    if (!values.reference) errors.push({ field: 'reference', message: page.t('book.errorReference') });
    if (!values.email) errors.push({ field: 'email', message: page.t('book.errorEmail') });
    let booking: BookingRecord | null = null;
    if (!errors.length) {
      try {
        booking = await deps.bookings.get(page.council.id, values.reference);
      } catch (error) {
        if (!(error instanceof DomainError && error.status === 404)) throw error;
      }
      if (!booking || booking.email?.toLowerCase() !== values.email.toLowerCase()) {
        booking = null;
        errors.push({ field: 'reference', message: page.t('book.errorNoMatch') });
      }
    }
    if (!booking)
      return reply.code(400).view('portal/views/manage-booking.njk', {
        ...page,
        values,
        errors: errorSummary(errors),
        fieldErrors: fieldErrorMessages(errors),
      });
    const state = await session(request, reply, page.council.id);
    allowRequest(state.data, booking.reference);
    await state.save();
    return reply.redirect(`/bookings/${booking.reference}`, 303);
  });
}
