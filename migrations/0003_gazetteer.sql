-- Gazetteer: BS7666 streets (USRN), basic land and property units (UPRN), land and property
-- identifiers (LPIs, the addresses), cross-references, organisations, classifications; the postcode
-- directory; council assets; areas, bodies and who is responsible for what where.
--
-- Coordinates are British National Grid (EPSG:27700) metres. There is no PostGIS in PGlite, so
-- locations are core `point`s in BNG metres with GiST indexes: `<->` is then the distance in metres.
-- Record tables follow AddressBase Premium / NLPG record types 11, 15, 21, 23, 24, 31 and 32. The
-- gazetteer records do not reference each other by foreign key: a change-only supply may arrive in
-- any order, and the importer checks the references itself before it swaps data in.

create table gazetteer_street (
  council_id uuid not null references council (id),
  usrn bigint not null check (usrn between 1 and 99999999),
  -- 1 official designated street name, 2 street description, 3 numbered street, 4 unofficial, 9 for LLPG access
  record_type smallint,
  naming_authority integer,
  state smallint,
  state_date date,
  surface smallint,
  classification smallint,
  version integer,
  start_date date,
  end_date date,
  last_update_date date,
  entry_date date,
  start_easting double precision,
  start_northing double precision,
  end_easting double precision,
  end_northing double precision,
  tolerance integer,
  primary key (council_id, usrn)
);

create table gazetteer_street_descriptor (
  council_id uuid not null references council (id),
  usrn bigint not null,
  language text not null default 'ENG',
  description text not null,
  locality text,
  town text,
  administrative_area text,
  start_date date,
  end_date date,
  last_update_date date,
  entry_date date,
  primary key (council_id, usrn, language)
);
create index gazetteer_street_descriptor_name on gazetteer_street_descriptor
  using gin (lower(description) gin_trgm_ops);

create table gazetteer_blpu (
  council_id uuid not null references council (id),
  uprn bigint not null check (uprn between 1 and 999999999999),
  -- 1 approved, 3 alternative, 6 provisional, 8 historical
  logical_status smallint not null check (logical_status in (1, 3, 6, 8)),
  state smallint,
  state_date date,
  parent_uprn bigint,
  easting double precision not null,
  northing double precision not null,
  lat double precision,
  long double precision,
  location point generated always as (point(easting, northing)) stored,
  rpc smallint,
  local_custodian_code integer,
  country text,
  start_date date,
  end_date date,
  last_update_date date,
  entry_date date,
  postal_address text,
  postcode text,
  multi_occ_count integer,
  primary key (council_id, uprn)
);
create index gazetteer_blpu_parent on gazetteer_blpu (council_id, parent_uprn) where parent_uprn is not null;
create index gazetteer_blpu_location on gazetteer_blpu using gist (location);

create table gazetteer_lpi (
  council_id uuid not null references council (id),
  lpi_key text not null,
  uprn bigint not null,
  language text not null default 'ENG',
  logical_status smallint not null check (logical_status in (1, 3, 6, 8)),
  start_date date,
  end_date date,
  last_update_date date,
  entry_date date,
  sao_start_number integer,
  sao_start_suffix text,
  sao_end_number integer,
  sao_end_suffix text,
  sao_text text,
  pao_start_number integer,
  pao_start_suffix text,
  pao_end_number integer,
  pao_end_suffix text,
  pao_text text,
  usrn bigint not null,
  usrn_match_indicator text,
  area_name text,
  level text,
  official_flag text,
  primary key (council_id, lpi_key)
);
create index gazetteer_lpi_uprn on gazetteer_lpi (council_id, uprn);
create index gazetteer_lpi_usrn on gazetteer_lpi (council_id, usrn);

create table gazetteer_xref (
  council_id uuid not null references council (id),
  xref_key text not null,
  uprn bigint not null,
  cross_reference text not null,
  version integer,
  source text not null,
  start_date date,
  end_date date,
  last_update_date date,
  entry_date date,
  primary key (council_id, xref_key)
);
create index gazetteer_xref_uprn on gazetteer_xref (council_id, uprn);
create index gazetteer_xref_reference on gazetteer_xref (council_id, source, cross_reference);

create table gazetteer_organisation (
  council_id uuid not null references council (id),
  org_key text not null,
  uprn bigint not null,
  organisation text not null,
  legal_name text,
  start_date date,
  end_date date,
  last_update_date date,
  entry_date date,
  primary key (council_id, org_key)
);
create index gazetteer_organisation_uprn on gazetteer_organisation (council_id, uprn);

create table gazetteer_classification (
  council_id uuid not null references council (id),
  class_key text not null,
  uprn bigint not null,
  classification_code text not null,
  class_scheme text,
  scheme_version text,
  start_date date,
  end_date date,
  last_update_date date,
  entry_date date,
  primary key (council_id, class_key)
);
create index gazetteer_classification_uprn on gazetteer_classification (council_id, uprn);

-- One row per approved (1) or alternative (3) LPI: what address search reads. Derived from the
-- records above by the importer (and the demo seed), never edited by hand.
create table gazetteer_address (
  council_id uuid not null references council (id),
  lpi_key text not null,
  uprn bigint not null,
  usrn bigint not null,
  logical_status smallint not null,
  language text not null,
  -- Upper case without spaces, for postcode lookups with or without the space.
  postcode_key text,
  -- Lower-case words separated by single spaces, with a space at each end, so that LIKE '% word%'
  -- matches the start of a word (and pg_trgm can use the word-boundary trigrams).
  search_text text not null,
  -- Street, then numbers padded, then names: the order a person expects a list of addresses in.
  sort_key text not null,
  primary key (council_id, lpi_key)
);
create index gazetteer_address_search on gazetteer_address using gin (search_text gin_trgm_ops);
create index gazetteer_address_postcode on gazetteer_address (council_id, postcode_key text_pattern_ops);
create index gazetteer_address_uprn on gazetteer_address (council_id, uprn);
create index gazetteer_address_usrn on gazetteer_address (council_id, usrn, sort_key);

-- Staging for imports: rows are loaded here first (by import id), checked, then applied to the live
-- tables in one transaction. Unlogged: a crash loses only an import in progress.
create unlogged table gazetteer_staging_record (
  import_id uuid not null,
  line integer not null,
  record_type smallint not null,
  change_type char(1) not null,
  -- The record's key (USRN, UPRN, LPI key, ...) as text, and the UPRN or USRN it belongs to.
  record_key text not null,
  owner_key bigint,
  fields text[] not null
);
create index gazetteer_staging_record_import on gazetteer_staging_record (import_id, record_type, record_key);

create table gazetteer_import (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  kind text not null check (kind in ('addressbase', 'postcodes', 'assets')),
  file_name text not null,
  mode text not null check (mode in ('full', 'change')),
  status text not null check (status in ('running', 'applied', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  counts jsonb not null default '{}'::jsonb,
  -- The first rejected lines, each {line, reason}; the count of all of them is in counts.
  rejected jsonb not null default '[]'::jsonb,
  failure text
);
create index gazetteer_import_council on gazetteer_import (council_id, started_at desc);

-- ONS Postcode Directory: national reference data, the same for every council, so not per council.
create table gazetteer_postcode (
  postcode text primary key,
  postcode_key text not null unique,
  easting integer,
  northing integer,
  lat double precision,
  long double precision,
  location point generated always as (point(easting, northing)) stored,
  country_code text,
  county_code text,
  local_authority_code text,
  ward_code text,
  parish_code text,
  introduced text,
  terminated text
);
create index gazetteer_postcode_location on gazetteer_postcode using gist (location)
  where terminated is null and easting is not null;

-- Areas (wards, parishes, districts, counties, unitaries) by their GSS code, with names.
create table gazetteer_area (
  council_id uuid not null references council (id),
  code text not null,
  kind text not null check (kind in ('ward', 'parish', 'district', 'county', 'unitary', 'region', 'country')),
  name text not null,
  primary key (council_id, code)
);

-- Bodies that deliver services: this council, the other tier, parishes and partners.
create table gazetteer_body (
  council_id uuid not null references council (id),
  code text not null check (code ~ '^[a-z0-9-]+$'),
  name text not null,
  kind text not null check (kind in ('district', 'county', 'unitary', 'parish', 'partner')),
  email text,
  phone text,
  website text,
  primary key (council_id, code)
);

-- Who is responsible for a category of service in an area. area_code '*' is everywhere in the
-- council's area; service_category '*' is every service. The most specific rule wins.
create table gazetteer_responsibility (
  council_id uuid not null references council (id),
  service_category text not null check (service_category ~ '^([a-z0-9-]+|\*)$'),
  area_code text not null default '*',
  body_code text not null,
  notes text,
  primary key (council_id, service_category, area_code),
  foreign key (council_id, body_code) references gazetteer_body (council_id, code)
);

create table gazetteer_asset_type (
  code text primary key check (code ~ '^[a-z_]+$'),
  name text not null
);
insert into gazetteer_asset_type (code, name) values
  ('street_light', 'Street light'),
  ('litter_bin', 'Litter bin'),
  ('bench', 'Bench'),
  ('tree', 'Tree'),
  ('gully', 'Gully'),
  ('sign', 'Sign'),
  ('play_equipment', 'Play equipment');

create table gazetteer_asset (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  -- The council's own asset number, as painted on the lamp post.
  asset_ref text not null,
  type_code text not null references gazetteer_asset_type (code),
  easting double precision not null,
  northing double precision not null,
  location point generated always as (point(easting, northing)) stored,
  usrn bigint,
  status text not null default 'in_service'
    check (status in ('planned', 'in_service', 'fault_reported', 'out_of_service', 'removed')),
  description text,
  attributes jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (council_id, asset_ref)
);
create index gazetteer_asset_location on gazetteer_asset using gist (location);
create index gazetteer_asset_usrn on gazetteer_asset (council_id, usrn);

-- The words of an address as address search compares them: lower case, apostrophes dropped, every
-- other run of punctuation a single space, numbers split from letters ("12a" is "12 a"), and a
-- space at each end. gazetteer.format.ts (searchWords) does the same to what people type.
create function gazetteer_search_text(value text) returns text
language sql immutable parallel safe as $$
  select ' ' || btrim(regexp_replace(
    regexp_replace(regexp_replace(replace(replace(lower(coalesce(value, '')), '''', ''), '’', ''),
      '([0-9])([a-z])', '\1 \2', 'g'), '([a-z])([0-9])', '\1 \2', 'g'),
    '[^a-z0-9]+', ' ', 'g')) || ' '
$$;
