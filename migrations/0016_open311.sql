-- Open311 GeoReport v2: what a client sent with a request beyond the request itself (media_url,
-- device_id, account_id), and the service request updates clients POST (servicerequestupdates),
-- kept by the client's update_id so a repeated POST is answered without a second update.

create table open311_request (
  request_id uuid primary key,
  council_id uuid not null references council (id),
  media_url text,
  device_id text,
  account_id text,
  created_at timestamptz not null default now()
);

create table open311_update (
  council_id uuid not null references council (id),
  -- The client's own id for the update (FixMyStreet's comment id): one update per id.
  update_id text not null,
  request_id uuid not null,
  status text not null,
  description text not null default '',
  media_url text,
  external_status_code text,
  updated_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (council_id, update_id)
);

-- GET requests lists the newest requests first (the last 90 days by default).
create index service_request_submitted on service_request (council_id, submitted_at desc, id desc);
