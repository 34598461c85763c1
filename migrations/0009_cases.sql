-- Cases: service requests, their updates and notes, links (duplicates, me-too, parent/child),
-- attachments and per-service settings. Parties, services, teams and staff are referred to by id;
-- their modules own them.

create table service_request (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  -- GH-XXXX-XXXX, Crockford base32 with a check character (reference.ts).
  reference text not null,
  -- The service and the version of its definition the request was made under (catalogue module).
  service_id uuid not null,
  service_code text not null,
  service_name text not null,
  service_version integer not null,
  status text not null check (status in ('submitted', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled')),
  is_open boolean generated always as (status in ('submitted', 'acknowledged', 'in_progress', 'on_hold')) stored,
  outcome text check (outcome in ('fixed', 'action_scheduled', 'duplicate', 'not_councils_responsibility', 'no_further_action', 'unable_to_fix', 'referred_to_partner', 'withdrawn')),
  priority text not null check (priority in ('urgent', 'high', 'normal', 'low')),
  channel text not null,
  description text not null default '',
  -- Answers as the catalogue's form engine validated them, keyed by question code.
  answers jsonb not null default '{}'::jsonb,
  -- Who asked (parties module), and for whom; both absent for an anonymous request.
  requester_party_id uuid,
  on_behalf_of_party_id uuid,
  -- Contact details given with an anonymous request ({email, phone, name}); personal data, never logged.
  contact_details jsonb,
  -- Where: a property, a street, an asset or a point (BNG metres and WGS84 both kept).
  uprn bigint,
  usrn bigint,
  asset_ref text,
  easting double precision,
  northing double precision,
  lat double precision,
  long double precision,
  location_text text,
  ward_code text,
  ward_name text,
  -- People: the front-office member of staff who raised it (the owner/advocate), the team and officer.
  owner_id uuid,
  owner_label text,
  team_id uuid,
  assignee_id uuid,
  -- The SLA as it applied when the request was made, and the clock's current position.
  sla_unit text not null check (sla_unit in ('working_hours', 'working_days')),
  sla_amount double precision not null,
  submitted_at timestamptz not null default now(),
  due_at timestamptz,
  warn_at timestamptz,
  -- Periods on hold: [{start, end?}], which the clock does not count.
  pauses jsonb not null default '[]'::jsonb,
  sla_warned_at timestamptz,
  sla_breached_at timestamptz,
  resolved_at timestamptz,
  closed_at timestamptz,
  -- Links: the request this duplicates, and the parent this task was split from.
  duplicate_of uuid references service_request (id),
  parent_id uuid references service_request (id),
  -- Complaints: stage 1 or 2, when the stage's response is due, and referral to the ombudsman.
  complaint_stage smallint check (complaint_stage in (1, 2)),
  complaint_due_at timestamptz,
  ombudsman_referred_at timestamptz,
  -- A caller's own reference (Open311 clients send one).
  external_id text,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (council_id, reference)
);
-- Work queues: a team's (or an officer's) open requests, soonest due first.
create index service_request_team_queue on service_request (council_id, team_id, due_at, id) where is_open;
create index service_request_assignee_queue on service_request (council_id, assignee_id, due_at, id) where is_open;
create index service_request_open_due on service_request (council_id, due_at) where is_open;
-- The SLA sweep: open requests whose warning or breach moment has passed and is not yet recorded.
create index service_request_warn_sweep on service_request (warn_at) where is_open and sla_warned_at is null;
create index service_request_breach_sweep on service_request (due_at) where is_open and sla_breached_at is null;
create index service_request_requester on service_request (council_id, requester_party_id, submitted_at desc);
create index service_request_on_behalf on service_request (council_id, on_behalf_of_party_id) where on_behalf_of_party_id is not null;
create index service_request_updated on service_request (council_id, updated_at, id);
create index service_request_service on service_request (council_id, service_code, submitted_at desc);
-- Duplicate suggestions: open requests for the same service near a point (plain BNG box; no PostGIS).
create index service_request_nearby on service_request (council_id, service_code, easting, northing) where is_open;
create index service_request_parent on service_request (parent_id) where parent_id is not null;
create index service_request_duplicate on service_request (duplicate_of) where duplicate_of is not null;
create index service_request_external on service_request (council_id, external_id) where external_id is not null;

-- The case's story: public updates (the requester sees them), internal notes, and the system's own
-- entries for status changes, assignment, links and SLA warnings.
create table service_request_update (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  request_id uuid not null references service_request (id),
  kind text not null check (kind in ('public', 'internal', 'status', 'assignment', 'link', 'sla', 'complaint', 'attachment')),
  is_public boolean not null,
  body text not null,
  status_from text,
  status_to text,
  author_id uuid,
  author_label text,
  created_at timestamptz not null default now()
);
create index service_request_update_request on service_request_update (request_id, created_at);
create index service_request_update_public on service_request_update (request_id, created_at desc) where is_public;

-- "Me too": other people who reported the same thing, linked to the open request.
create table service_request_supporter (
  council_id uuid not null references council (id),
  request_id uuid not null references service_request (id),
  party_id uuid,
  -- The duplicate request that was linked, when there was one.
  from_request_id uuid references service_request (id),
  created_at timestamptz not null default now()
);
create index service_request_supporter_request on service_request_supporter (request_id);

-- Files: the bytes are kept here with their SHA-256, so a file can be checked on the way out.
create table service_request_attachment (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  request_id uuid not null references service_request (id),
  filename text not null,
  content_type text not null,
  size_bytes integer not null check (size_bytes > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null,
  is_public boolean not null default false,
  uploaded_by_id uuid,
  uploaded_by_label text,
  created_at timestamptz not null default now()
);
create index service_request_attachment_request on service_request_attachment (request_id, created_at);

-- Per-service settings that belong to case handling rather than to the service definition.
create table case_service_setting (
  council_id uuid not null references council (id),
  service_code text not null,
  -- Open requests for the same service within this many metres are offered as duplicates.
  duplicate_radius_m integer not null default 50 check (duplicate_radius_m between 0 and 5000),
  primary key (council_id, service_code)
);
