-- Catalogue: the council's services, each a series of versioned definitions (questions, eligibility,
-- routing, SLA, knowledge), and the search document behind the service finder.

create table catalogue_service (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  code text not null check (code ~ '^[a-z0-9][a-z0-9-]{1,79}$'),
  -- The header below is copied from the version the public sees (the published one, or the latest
  -- draft while nothing is published), so lists and the finder never unpack the definitions.
  name text not null,
  summary text not null default '',
  lgsl_code integer not null,
  lgsl_label text not null,
  service_area text not null,
  function_group text not null,
  interaction text not null check (interaction in ('report', 'request', 'application', 'booking', 'enquiry', 'payment', 'complaint')),
  information_only boolean not null default false,
  -- A governance team id; checked through the governance module when a definition is saved.
  owning_team_id uuid not null,
  status text not null check (status in ('draft', 'published', 'retired')),
  published_version integer,
  latest_version integer not null,
  -- Synonyms and keywords, apostrophes removed ("wasn't" -> "wasnt"), for the finder. The summary is
  -- left out of the search document on purpose: long LGSL descriptions match common words and bury
  -- the services people mean.
  search_terms text not null default '',
  search_vector tsvector generated always as (
    setweight(to_tsvector('english', name), 'A') ||
    setweight(to_tsvector('english', search_terms), 'A') ||
    setweight(to_tsvector('english', lgsl_label), 'B')
  ) stored,
  search_text text generated always as (lower(name || ' ' || search_terms || ' ' || lgsl_label)) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (council_id, code)
);
create index catalogue_service_search on catalogue_service using gin (search_vector);
create index catalogue_service_trgm on catalogue_service using gin (search_text gin_trgm_ops);
create index catalogue_service_list on catalogue_service (council_id, status, name);
create index catalogue_service_lgsl on catalogue_service (council_id, lgsl_code);

create table catalogue_service_version (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  service_id uuid not null references catalogue_service (id),
  version integer not null check (version > 0),
  status text not null check (status in ('draft', 'published', 'retired')),
  -- The whole definition, with teams as ids. A request records (service_id, version) and so always
  -- keeps the questions and rules it was made under.
  definition jsonb not null,
  content_hash text not null,
  created_by text,
  created_at timestamptz not null default now(),
  published_at timestamptz,
  retired_at timestamptz,
  unique (service_id, version)
);
create index catalogue_service_version_council on catalogue_service_version (council_id, service_id);
-- At most one published version and one draft per service.
create unique index catalogue_one_published on catalogue_service_version (service_id) where status = 'published';
create unique index catalogue_one_draft on catalogue_service_version (service_id) where status = 'draft';
