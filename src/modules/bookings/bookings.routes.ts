import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { auditContextFor } from '../../platform/audit/audit.ts';
import { can } from '../../platform/auth/permissions.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { toCsv } from '../../platform/http/csv.ts';
import { DomainError } from '../../platform/http/errors.ts';
import { idempotencyCaller, idempotencyKeyFrom } from '../../platform/idempotency/idempotency.ts';
import { errorSummary, fieldErrorMessages } from '../../platform/views/form-errors.ts';
import { RESOURCE_KIND_LABELS, type ResourceForm, resourceToForm, WEEKDAYS } from './bookings.resources.ts';
import type { BookingRecord, BookingsService } from './bookings.service.ts';

export interface BookingsRouteOptions {
  service: BookingsService;
}

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

const bookingJson = (b: BookingRecord) => ({
  reference: b.reference,
  status: b.status,
  resource: { id: b.resourceId, name: b.resourceName, serviceCode: b.serviceCode, location: b.location },
  startsAt: b.startsAt.toISOString(),
  endsAt: b.endsAt.toISOString(),
  places: b.places,
  name: b.name,
  email: b.email,
  phone: b.phone,
  channel: b.channel,
  createdAt: b.createdAt.toISOString(),
  cancelledAt: b.cancelledAt?.toISOString() ?? null,
});

const today = () => DateTime.now().setZone('Europe/London').toISODate() ?? '';

export async function bookingsRoutes(app: FastifyInstance, options: BookingsRouteOptions): Promise<void> {
  const { service } = options;
  const read = { config: { permission: 'bookings.read' as const } };
  const manage = { config: { permission: 'bookings.manage' as const } };

  // ---------- Staff pages ----------

  const listFilter = (request: FastifyRequest) => {
    const q = request.query as Record<string, string | undefined>;
    const date = /^\d{4}-\d{2}-\d{2}$/.test(q.date ?? '') ? (q.date as string) : today();
    return { date, resourceId: q.resource || undefined };
  };

  app.get('/staff/bookings', read, async (request, reply) => {
    const principal = principalOf(request);
    const filter = listFilter(request);
    const [resources, bookings] = await Promise.all([
      service.resources(principal.councilId),
      service.list(principal.councilId, {
        date: filter.date,
        ...(filter.resourceId ? { resourceId: filter.resourceId } : {}),
      }),
    ]);
    const day = DateTime.fromISO(filter.date, { zone: 'Europe/London' });
    return reply.view('bookings/views/list.njk', {
      resources,
      bookings,
      filter,
      previous: day.minus({ days: 1 }).toISODate(),
      next: day.plus({ days: 1 }).toISODate(),
      cancelled: (request.query as Record<string, string | undefined>).cancelled ?? null,
      canManage: can(principal.role, 'bookings.manage'),
    });
  });

  app.get('/staff/bookings.csv', read, async (request, reply) => {
    const principal = principalOf(request);
    const filter = listFilter(request);
    const bookings = await service.list(principal.councilId, {
      date: filter.date,
      days: 7,
      ...(filter.resourceId ? { resourceId: filter.resourceId } : {}),
    });
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="bookings-${filter.date}.csv"`);
    return toCsv(
      [
        'reference',
        'status',
        'resource',
        'starts_at',
        'ends_at',
        'places',
        'name',
        'email',
        'phone',
        'channel',
      ],
      bookings.map((b) => [
        b.reference,
        b.status,
        b.resourceName,
        b.startsAt,
        b.endsAt,
        b.places,
        b.name,
        b.email,
        b.phone,
        b.channel,
      ]),
    );
  });

  app.post('/staff/bookings/:reference/cancel', manage, async (request, reply) => {
    const principal = principalOf(request);
    const { reference } = request.params as { reference: string };
    const booking = await service.cancel(principal.councilId, reference, auditContextFor(principal, request));
    const date = DateTime.fromJSDate(booking.startsAt, { zone: 'Europe/London' }).toISODate();
    return reply.redirect(
      `/staff/bookings?date=${date}&cancelled=${encodeURIComponent(booking.reference)}`,
      303,
    );
  });

  // ---------- Staff admin: bookable resources ----------

  const formFields = [
    'serviceCode',
    'name',
    'kind',
    'location',
    'capacity',
    'slotMinutes',
    'advanceDays',
    'closedDates',
    'public',
    'active',
    ...WEEKDAYS.map((d) => `hours-${d.day}`),
  ];
  const formFrom = (body: unknown): ResourceForm => {
    const b = (body ?? {}) as Record<string, unknown>;
    return Object.fromEntries(
      formFields.map((k) => [k, typeof b[k] === 'string' ? (b[k] as string).slice(0, 10_000) : '']),
    );
  };

  async function resourceFormPage(
    request: FastifyRequest,
    reply: FastifyReply,
    resourceId: string | null,
    values: ResourceForm,
    error?: DomainError,
  ) {
    const principal = principalOf(request);
    const services = await service.bookableServices(principal.councilId);
    if (values.serviceCode && !services.some((s) => s.code === values.serviceCode))
      services.push({ code: values.serviceCode, name: values.serviceCode });
    const errors = error?.fieldErrors ?? [];
    return reply.code(error ? 400 : 200).view('bookings/views/resource-form.njk', {
      resourceId,
      values,
      services,
      kinds: Object.entries(RESOURCE_KIND_LABELS).map(([value, text]) => ({ value, text })),
      weekdays: WEEKDAYS,
      errors: errorSummary(errors),
      fieldErrors: fieldErrorMessages(errors),
    });
  }

  async function saveResource(request: FastifyRequest, reply: FastifyReply, resourceId: string | null) {
    const principal = principalOf(request);
    const values = formFrom(request.body);
    try {
      const saved = resourceId
        ? await service.updateResource(
            principal.councilId,
            resourceId,
            values,
            auditContextFor(principal, request),
          )
        : await service.createResource(principal.councilId, values, auditContextFor(principal, request));
      return reply.redirect(
        `/staff/bookings/resources?${resourceId ? 'updated' : 'created'}=${encodeURIComponent(saved.id)}`,
        303,
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.status !== 400) throw error;
      return resourceFormPage(request, reply, resourceId, values, error);
    }
  }

  app.get('/staff/bookings/resources', manage, async (request, reply) => {
    const principal = principalOf(request);
    const q = request.query as Record<string, string | undefined>;
    const [resources, services] = await Promise.all([
      service.allResources(principal.councilId),
      service.bookableServices(principal.councilId),
    ]);
    const serviceNames = new Map(services.map((s) => [s.code, s.name]));
    const savedId = q.created ?? q.updated;
    return reply.view('bookings/views/resources.njk', {
      resources: resources.map((r) => ({
        ...r,
        serviceName: serviceNames.get(r.serviceCode) ?? r.serviceCode,
        kindLabel: RESOURCE_KIND_LABELS[r.kind],
        days: WEEKDAYS.filter((d) => r.opening.some((o) => o.day === d.day)).map((d) => d.name.slice(0, 3)),
      })),
      saved: savedId ? (resources.find((r) => r.id === savedId) ?? null) : null,
      savedHow: q.created ? 'added' : 'saved',
    });
  });

  app.get('/staff/bookings/resources/new', manage, (request, reply) =>
    resourceFormPage(request, reply, null, {
      kind: 'court',
      capacity: '1',
      slotMinutes: '60',
      advanceDays: '14',
      public: 'yes',
      active: 'yes',
    }),
  );
  app.post('/staff/bookings/resources/new', manage, (request, reply) => saveResource(request, reply, null));

  app.get('/staff/bookings/resources/:id', manage, async (request, reply) => {
    const principal = principalOf(request);
    const { id } = request.params as { id: string };
    const resource = await service.resourceForAdmin(principal.councilId, id);
    return resourceFormPage(request, reply, resource.id, resourceToForm(resource));
  });
  app.post('/staff/bookings/resources/:id', manage, (request, reply) =>
    saveResource(request, reply, (request.params as { id: string }).id),
  );

  // ---------- REST API ----------

  app.get('/api/v1/bookable-resources', read, async (request) => {
    const principal = principalOf(request);
    const q = request.query as Record<string, string | undefined>;
    const resources = await service.resources(principal.councilId, q.serviceCode || undefined);
    return {
      results: resources.map((r) => ({
        id: r.id,
        serviceCode: r.serviceCode,
        name: r.name,
        location: r.location,
        capacity: r.capacity,
        slotMinutes: r.slotMinutes,
        kind: r.kind,
        public: r.public,
        closedDates: r.closedDates,
        bookableDates: service.bookableDates(r),
      })),
    };
  });

  app.get('/api/v1/bookable-resources/:id/slots', read, async (request) => {
    const principal = principalOf(request);
    const { id } = request.params as { id: string };
    const date = String((request.query as Record<string, unknown>).date ?? today());
    const slots = await service.slots(principal.councilId, id, date);
    return {
      date,
      slots: slots.map((s) => ({
        startsAt: s.startsAt.toISOString(),
        endsAt: s.endsAt.toISOString(),
        remaining: s.remaining,
      })),
    };
  });

  app.post('/api/v1/bookings', manage, async (request, reply) => {
    const principal = principalOf(request);
    const key = idempotencyKeyFrom(request.headers);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const result = await service.book(
      principal.councilId,
      {
        resourceId: String(body.resourceId ?? ''),
        startsAt: String(body.startsAt ?? ''),
        ...(body.places !== undefined ? { places: Number(body.places) } : {}),
        name: String(body.name ?? ''),
        email: String(body.email ?? ''),
        ...(body.phone ? { phone: String(body.phone) } : {}),
        channel: String(body.channel ?? 'phone') as 'phone',
      },
      auditContextFor(principal, request),
      key ? { key, caller: idempotencyCaller(principal), body } : null,
    );
    return reply
      .code(201)
      .header('location', `/api/v1/bookings/${result.reference}`)
      .send(bookingJson(result));
  });

  app.get('/api/v1/bookings/:reference', read, async (request) => {
    const principal = principalOf(request);
    return bookingJson(
      await service.get(principal.councilId, (request.params as { reference: string }).reference),
    );
  });

  app.post('/api/v1/bookings/:reference/cancel', manage, async (request) => {
    const principal = principalOf(request);
    const { reference } = request.params as { reference: string };
    return bookingJson(
      await service.cancel(principal.councilId, reference, auditContextFor(principal, request)),
    );
  });
}
