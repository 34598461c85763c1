-- Platform: extensions, councils, sites, teams, staff users, sessions, API tokens and the audit trail.

create extension if not exists pg_trgm;
create extension if not exists fuzzystrmatch;
create extension if not exists unaccent;

-- Time-ordered UUIDs (RFC 9562 version 7), so that ids sort by creation and index well.
create or replace function uuid_v7() returns uuid
language sql volatile as $$
  -- A random (v4) UUID with its first 48 bits replaced by the Unix time in milliseconds and the
  -- version nibble turned from 4 (0100) into 7 (0111).
  select encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
              from 1 for 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;

create table council (
  id uuid primary key default uuid_v7(),
  slug text not null unique check (slug ~ '^[a-z0-9-]+$'),
  name text not null,
  -- Which profile in src/councils/ shapes this council (branding, feature flags, hooks).
  profile text not null default 'default',
  -- The council's area as a box in British National Grid (EPSG:27700) metres and in WGS84 degrees.
  area_min_easting integer,
  area_min_northing integer,
  area_max_easting integer,
  area_max_northing integer,
  area_min_lat double precision,
  area_min_long double precision,
  area_max_lat double precision,
  area_max_long double precision,
  created_at timestamptz not null default now()
);

create table site (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  name text not null,
  kind text not null check (kind in ('contact_centre', 'one_stop_shop', 'office', 'partner')),
  address text,
  created_at timestamptz not null default now(),
  unique (council_id, name)
);

create table team (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  name text not null,
  kind text not null check (kind in ('front_office', 'back_office', 'partner')),
  email text,
  created_at timestamptz not null default now(),
  unique (council_id, name)
);

create table staff_user (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  email text not null,
  display_name text not null,
  role text not null check (role in ('agent', 'officer', 'supervisor', 'admin', 'auditor', 'integration')),
  password_hash text,
  team_id uuid references team (id),
  site_id uuid references site (id),
  -- Demo accounts have published passwords; production refuses to start while any exist.
  is_demo boolean not null default false,
  disabled boolean not null default false,
  failed_sign_ins integer not null default 0,
  locked_until timestamptz,
  last_sign_in_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index staff_user_email on staff_user (council_id, lower(email));

create table staff_session (
  -- HMAC of the cookie's token: a leaked table cannot be replayed as cookies.
  id text primary key,
  council_id uuid not null references council (id),
  user_id uuid not null references staff_user (id),
  csrf_token text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index staff_session_user on staff_session (user_id);
create index staff_session_expires on staff_session (expires_at);

create table api_token (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  name text not null,
  role text not null check (role in ('agent', 'officer', 'supervisor', 'admin', 'auditor', 'integration')),
  -- SHA-256 of the token; the token itself is shown once, when created.
  token_hash text not null unique,
  token_prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  unique (council_id, name)
);

create table audit_event (
  id bigint generated always as identity primary key,
  council_id uuid references council (id),
  occurred_at timestamptz not null default now(),
  actor_type text not null check (actor_type in ('staff', 'api', 'citizen', 'system', 'anonymous')),
  actor_id text,
  actor_label text,
  action text not null,
  subject_type text,
  subject_id text,
  purpose text,
  correlation_id text,
  ip text,
  details jsonb not null default '{}'::jsonb
);
create index audit_event_council_time on audit_event (council_id, occurred_at desc);
create index audit_event_subject on audit_event (council_id, subject_type, subject_id);
create index audit_event_actor on audit_event (council_id, actor_id);
create index audit_event_action on audit_event (council_id, action);

-- The audit trail is append-only: updates and deletes are refused for every role.
create or replace function audit_event_append_only() returns trigger
language plpgsql as $$
begin
  raise exception 'audit_event is append-only' using errcode = '42501';
end $$;
create trigger audit_event_no_update before update or delete on audit_event
  for each row execute function audit_event_append_only();
create trigger audit_event_no_truncate before truncate on audit_event
  for each statement execute function audit_event_append_only();
