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
}

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
});

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
  r: Omit<ResourceRecord, 'id' | 'councilId' | 'active'>,
): Promise<string> {
  const result = await sql<{ id: string }>`
    insert into bookable_resource (council_id, service_code, name, location, capacity, slot_minutes, opening, advance_days)
    values (${councilId}, ${r.serviceCode}, ${r.name}, ${r.location}, ${r.capacity}, ${r.slotMinutes},
            ${JSON.stringify(r.opening)}::jsonb, ${r.advanceDays})
    on conflict (council_id, service_code, name) do update set location = excluded.location,
      capacity = excluded.capacity, slot_minutes = excluded.slot_minutes, opening = excluded.opening,
      advance_days = excluded.advance_days, active = true
    returning id`.execute(db);
  return result.rows[0]?.id ?? '';
}

export async function listResources(
  db: Executor,
  councilId: string,
  serviceCode?: string,
): Promise<ResourceRecord[]> {
  const result = await sql<ResourceRow>`
    select id, council_id, service_code, name, location, capacity, slot_minutes, opening, advance_days, active
    from bookable_resource where council_id = ${councilId} and active
    ${serviceCode ? sql`and service_code = ${serviceCode}` : sql``}
    order by service_code, name`.execute(db);
  return result.rows.map(toResource);
}

export async function findResource(
  db: Executor,
  councilId: string,
  id: string,
): Promise<ResourceRecord | undefined> {
  const result = await sql<ResourceRow>`
    select id, council_id, service_code, name, location, capacity, slot_minutes, opening, advance_days, active
    from bookable_resource where council_id = ${councilId} and id = ${id}`.execute(db);
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
