-- Bookings: bookable resources (a tennis court, a meeting room, a repair team's appointment slots),
-- their weekly opening hours cut into slots, and the bookings made in those slots.

create table bookable_resource (
  id uuid primary key default gen_random_uuid(),
  council_id uuid not null references council (id),
  -- The catalogue service people book it through (e.g. tennis-court-booking).
  service_code text not null,
  name text not null,
  location text,
  -- How many bookings (places) one slot holds: 1 for a court, 12 for a swimming class.
  capacity integer not null check (capacity between 1 and 1000),
  slot_minutes integer not null check (slot_minutes between 5 and 480),
  -- Weekly opening in Europe/London local time: [{"day":1..7 (Monday=1),"open":"08:00","close":"20:00"}].
  opening jsonb not null,
  -- How far ahead people may book.
  advance_days integer not null default 14 check (advance_days between 1 and 365),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  unique (council_id, service_code, name)
);

create table booking (
  id uuid primary key default gen_random_uuid(),
  council_id uuid not null references council (id),
  resource_id uuid not null references bookable_resource (id),
  reference text not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  places integer not null default 1 check (places > 0),
  status text not null check (status in ('booked', 'cancelled')),
  name text,
  email text,
  phone text,
  party_id uuid,
  channel text not null,
  created_at timestamptz not null default now(),
  cancelled_at timestamptz,
  unique (council_id, reference)
);
create index booking_resource_start on booking (resource_id, starts_at) where status = 'booked';
create index booking_council_start on booking (council_id, starts_at);

-- Places taken per slot: the one row two people booking the last place at once both update, so
-- capacity holds without locking the whole resource.
create table booking_slot_load (
  resource_id uuid not null references bookable_resource (id),
  starts_at timestamptz not null,
  booked integer not null check (booked >= 0),
  primary key (resource_id, starts_at)
);
