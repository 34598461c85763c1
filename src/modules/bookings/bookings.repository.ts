import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';

export interface OpeningHours {
  day: number;
  open: string;
  close: string;
}

export interface ResourceRecord {
  id: string;
  councilId: string;
  serviceCode: string;
  name: string;
  location: string | null;
  capacity: number;
  slotMinutes: number;
  opening: OpeningHours[];
  advanceDays: number;
  active: boolean;
  kind: ResourceKind;
  /** UK dates (YYYY-MM-DD) when it is closed whatever the weekly hours say. */
  closedDates: string[];
  /** Whether citizens may book it on the portal (staff and the API always may). */
  public: boolean;
}

export const RESOURCE_KINDS = ['court', 'pitch', 'room', 'class', 'appointment', 'other'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** What an admin (or a seed) says about a resource. */
export type ResourceDefinition = Omit<
  ResourceRecord,
  'id' | 'councilId' | 'active' | 'kind' | 'closedDates' | 'public'
> &
  Partial<Pick<ResourceRecord, 'active' | 'kind' | 'closedDates' | 'public'>>;

export interface BookingRecord {
  id: string;
  reference: string;
  resourceId: string;
  resourceName: string;
  serviceCode: string;
  location: string | null;
  startsAt: Date;
  endsAt: Date;
  places: number;
  status: 'booked' | 'cancelled';
  name: string | null;
  email: string | null;
  phone: string | null;
  channel: string;
  createdAt: Date;
  cancelledAt: Date | null;
}

type ResourceRow = {
  id: string;
  council_id: string;
  service_code: string;
  name: string;
  location: string | null;
  capacity: number;
  slot_minutes: number;
  opening: OpeningHours[];
  advance_days: number;
  active: boolean;
  kind: ResourceKind;
  closed_dates: string[];
  public: boolean;
};

const toResource = (r: ResourceRow): ResourceRecord => ({
  id: r.id,
  councilId: r.council_id,
  serviceCode: r.service_code,
  name: r.name,
  location: r.location,
  capacity: r.capacity,
  slotMinutes: r.slot_minutes,
  opening: r.opening,
  advanceDays: r.advance_days,
  active: r.active,
  kind: r.kind,
  closedDates: r.closed_dates,
  public: r.public,
});

const RESOURCE_COLUMNS = sql`id, council_id, service_code, name, location, capacity, slot_minutes, opening,
  advance_days, active, kind, closed_dates, public`;

type BookingRow = {
  id: string;
  reference: string;
  resource_id: string;
  resource_name: string;
  service_code: string;
  location: string | null;
  starts_at: Date;
  ends_at: Date;
  places: number;
  status: 'booked' | 'cancelled';
  name: string | null;
  email: string | null;
  phone: string | null;
  channel: string;
  created_at: Date;
  cancelled_at: Date | null;
};

const toBooking = (r: BookingRow): BookingRecord => ({
  id: r.id,
  reference: r.reference,
  resourceId: r.resource_id,
  resourceName: r.resource_name,
  serviceCode: r.service_code,
  location: r.location,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  places: r.places,
  status: r.status,
  name: r.name,
  email: r.email,
  phone: r.phone,
  channel: r.channel,
  createdAt: r.created_at,
  cancelledAt: r.cancelled_at,
});

const BOOKING_COLUMNS = sql`b.id, b.reference, b.resource_id, r.name as resource_name, r.service_code, r.location,
  b.starts_at, b.ends_at, b.places, b.status, b.name, b.email, b.phone, b.channel, b.created_at, b.cancelled_at`;

export async function upsertResource(
  db: Executor,
  councilId: string,
  r: ResourceDefinition,
): Promise<string> {
  const result = await sql<{ id: string }>`
    insert into bookable_resource (council_id, service_code, name, location, capacity, slot_minutes, opening,
      advance_days, kind, closed_dates, public)
    values (${councilId}, ${r.serviceCode}, ${r.name}, ${r.location}, ${r.capacity}, ${r.slotMinutes},
            ${JSON.stringify(r.opening)}::jsonb, ${r.advanceDays}, ${r.kind ?? 'other'},
            ${JSON.stringify(r.closedDates ?? [])}::jsonb, ${r.public ?? true})
    on conflict (council_id, service_code, name) do update set location = excluded.location,
      capacity = excluded.capacity, slot_minutes = excluded.slot_minutes, opening = excluded.opening,
      advance_days = excluded.advance_days, kind = excluded.kind, closed_dates = excluded.closed_dates,
      public = excluded.public, active = true
    returning id`.execute(db);
  return result.rows[0]?.id ?? '';
}

/** Inserts a new resource; undefined when the service already has one of that name. */
export async function insertResource(
  tx: Executor,
  councilId: string,
  r: ResourceDefinition,
): Promise<string | undefined> {
  const result = await sql<{ id: string }>`
    insert into bookable_resource (council_id, service_code, name, location, capacity, slot_minutes, opening,
      advance_days, kind, closed_dates, public, active)
    values (${councilId}, ${r.serviceCode}, ${r.name}, ${r.location}, ${r.capacity}, ${r.slotMinutes},
            ${JSON.stringify(r.opening)}::jsonb, ${r.advanceDays}, ${r.kind ?? 'other'},
            ${JSON.stringify(r.closedDates ?? [])}::jsonb, ${r.public ?? true}, ${r.active ?? true})
    on conflict (council_id, service_code, name) do nothing
    returning id`.execute(tx);
  return result.rows[0]?.id;
}

/** Updates a resource; false when another resource of the service already has the name. */
export async function updateResource(
  tx: Executor,
  councilId: string,
  id: string,
  r: ResourceDefinition,
): Promise<boolean> {
  const clash = await sql`select 1 from bookable_resource
    where council_id = ${councilId} and service_code = ${r.serviceCode} and name = ${r.name} and id <> ${id}`.execute(
    tx,
  );
  if (clash.rows.length) return false;
  await sql`update bookable_resource set service_code = ${r.serviceCode}, name = ${r.name},
      location = ${r.location}, capacity = ${r.capacity}, slot_minutes = ${r.slotMinutes},
      opening = ${JSON.stringify(r.opening)}::jsonb, advance_days = ${r.advanceDays},
      kind = ${r.kind ?? 'other'}, closed_dates = ${JSON.stringify(r.closedDates ?? [])}::jsonb,
      public = ${r.public ?? true}, active = ${r.active ?? true}
    where council_id = ${councilId} and id = ${id}`.execute(tx);
  return true;
}

export async function listResources(
  db: Executor,
  councilId: string,
  filter: { serviceCode?: string | undefined; publicOnly?: boolean; withInactive?: boolean } = {},
): Promise<ResourceRecord[]> {
  const result = await sql<ResourceRow>`
    select ${RESOURCE_COLUMNS}
    from bookable_resource where council_id = ${councilId}
    ${filter.withInactive ? sql`` : sql`and active`}
    ${filter.publicOnly ? sql`and public` : sql``}
    ${filter.serviceCode ? sql`and service_code = ${filter.serviceCode}` : sql``}
    order by service_code, name`.execute(db);
  return result.rows.map(toResource);
}

export async function findResource(
  db: Executor,
  councilId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ResourceRecord | undefined> {
  const result = await sql<ResourceRow>`
    select ${RESOURCE_COLUMNS}
    from bookable_resource where council_id = ${councilId} and id = ${id}
    ${options.forUpdate ? sql`for update` : sql``}`.execute(db);
  const row = result.rows[0];
  return row ? toResource(row) : undefined;
}

/** Places taken per slot start in [from, to). */
export async function slotLoads(
  db: Executor,
  resourceId: string,
  from: Date,
  to: Date,
): Promise<Map<number, number>> {
  const result = await sql<{ starts_at: Date; booked: number }>`
    select starts_at, booked from booking_slot_load
    where resource_id = ${resourceId} and starts_at >= ${from} and starts_at < ${to}`.execute(db);
  return new Map(result.rows.map((r) => [r.starts_at.getTime(), r.booked]));
}

/**
 * Takes `places` in the slot if it still has room; returns false when it is full. One statement,
 * so two people taking the last place at once cannot both get it.
 */
export async function takePlaces(
  tx: Executor,
  resourceId: string,
  startsAt: Date,
  places: number,
  capacity: number,
): Promise<boolean> {
  const result = await sql<{ booked: number }>`
    insert into booking_slot_load (resource_id, starts_at, booked) values (${resourceId}, ${startsAt}, ${places})
    on conflict (resource_id, starts_at) do update set booked = booking_slot_load.booked + excluded.booked
      where booking_slot_load.booked + excluded.booked <= ${capacity}
    returning booked`.execute(tx);
  const booked = result.rows[0]?.booked;
  return booked !== undefined && booked <= capacity;
}

export async function releasePlaces(
  tx: Executor,
  resourceId: string,
  startsAt: Date,
  places: number,
): Promise<void> {
  await sql`update booking_slot_load set booked = greatest(0, booked - ${places})
    where resource_id = ${resourceId} and starts_at = ${startsAt}`.execute(tx);
}

export async function insertBooking(
  tx: Executor,
  councilId: string,
  b: {
    resourceId: string;
    reference: string;
    startsAt: Date;
    endsAt: Date;
    places: number;
    name: string | null;
    email: string | null;
    phone: string | null;
    partyId: string | null;
    channel: string;
  },
): Promise<string> {
  const result = await sql<{ id: string }>`
    insert into booking (council_id, resource_id, reference, starts_at, ends_at, places, status, name, email, phone, party_id, channel)
    values (${councilId}, ${b.resourceId}, ${b.reference}, ${b.startsAt}, ${b.endsAt}, ${b.places}, 'booked',
            ${b.name}, ${b.email}, ${b.phone}, ${b.partyId}, ${b.channel})
    returning id`.execute(tx);
  return result.rows[0]?.id ?? '';
}

export async function findBooking(
  db: Executor,
  councilId: string,
  reference: string,
  options: { forUpdate?: boolean } = {},
): Promise<BookingRecord | undefined> {
  const result = await sql<BookingRow>`
    select ${BOOKING_COLUMNS} from booking b join bookable_resource r on r.id = b.resource_id
    where b.council_id = ${councilId} and b.reference = ${reference}
    ${options.forUpdate ? sql`for update of b` : sql``}`.execute(db);
  const row = result.rows[0];
  return row ? toBooking(row) : undefined;
}

export async function markCancelled(tx: Executor, councilId: string, id: string, at: Date): Promise<void> {
  await sql`update booking set status = 'cancelled', cancelled_at = ${at} where council_id = ${councilId} and id = ${id}`.execute(
    tx,
  );
}

export async function listBookings(
  db: Executor,
  councilId: string,
  filter: { from: Date; to: Date; resourceId?: string; status?: 'booked' | 'cancelled' },
  limit: number,
): Promise<BookingRecord[]> {
  const result = await sql<BookingRow>`
    select ${BOOKING_COLUMNS} from booking b join bookable_resource r on r.id = b.resource_id
    where b.council_id = ${councilId} and b.starts_at >= ${filter.from} and b.starts_at < ${filter.to}
    ${filter.resourceId ? sql`and b.resource_id = ${filter.resourceId}` : sql``}
    ${filter.status ? sql`and b.status = ${filter.status}` : sql``}
    order by b.starts_at, r.name limit ${limit}`.execute(db);
  return result.rows.map(toBooking);
}

/** Booked appointments starting in [from, to) whose reminder has not been queued, oldest first. */
export async function findDueReminders(
  db: Executor,
  from: Date,
  to: Date,
  limit: number,
): Promise<(BookingRecord & { councilId: string; partyId: string | null })[]> {
  const result = await sql<BookingRow & { council_id: string; party_id: string | null }>`
    select ${BOOKING_COLUMNS}, b.council_id, b.party_id
    from booking b join bookable_resource r on r.id = b.resource_id
    where b.status = 'booked' and b.reminder_sent_at is null
      and b.starts_at >= ${from} and b.starts_at < ${to}
    order by b.starts_at limit ${limit}`.execute(db);
  return result.rows.map((r) => ({ ...toBooking(r), councilId: r.council_id, partyId: r.party_id }));
}

export async function markReminderSent(db: Executor, bookingId: string, at: Date): Promise<void> {
  await sql`update booking set reminder_sent_at = ${at}
    where id = ${bookingId} and reminder_sent_at is null`.execute(db);
}
