-- Parties: people, organisations and households; their names, identifiers, contact points,
-- addresses, relationships, staff alerts and merges. Search keys are normalised by the application
-- (src/modules/parties/parties.normalise.ts) so that saving and searching use the same rules.

create table party (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  -- Short human reference, read out over the phone: P-7KQ2-M4XD.
  reference text not null,
  kind text not null check (kind in ('person', 'organisation', 'household')),
  status text not null default 'active' check (status in ('active', 'merged')),
  merged_into uuid references party (id),
  -- Person names in the BS8766 style.
  title text,
  given_names text,
  family_name text,
  suffix text,
  preferred_name text,
  -- Organisations and households.
  organisation_name text,
  organisation_type text check (organisation_type in ('business', 'charity', 'partner_agency', 'public_body', 'other')),
  display_name text not null,
  -- Lower-case, unaccented display name, for trigram search of organisations and households.
  name_key text not null,
  -- A partial date of birth is stored as its first possible day with its precision.
  date_of_birth date,
  birth_date_precision text check (birth_date_precision in ('day', 'month', 'year')),
  date_of_death date,
  -- Communication needs.
  preferred_channel text check (preferred_channel in ('phone', 'email', 'sms', 'post', 'in_person')),
  language text not null default 'en' check (language in ('en', 'cy', 'other')),
  language_other text,
  large_print boolean not null default false,
  bsl boolean not null default false,
  interpreter boolean not null default false,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (council_id, reference),
  -- Rows about a party refer to it with its council, so they can never cross councils.
  unique (council_id, id),
  check ((date_of_birth is null) = (birth_date_precision is null))
);
create index party_dob on party (council_id, date_of_birth);
-- Organisations and households are found by trigram on their whole name; people by their name keys.
create index party_org_name_trgm on party using gin (name_key gin_trgm_ops) where kind <> 'person';

-- Every name a person is known by: current, preferred and previous (with the dates it applied).
-- Search runs on the first forename and the family name, exactly and by double metaphone.
create table party_name (
  id uuid primary key default uuid_v7(),
  council_id uuid not null,
  party_id uuid not null,
  use text not null check (use in ('current', 'preferred', 'previous')),
  title text,
  given_names text,
  family_name text,
  given_key text not null,
  family_key text not null,
  given_sound text generated always as (dmetaphone(given_key)) stored,
  family_sound text generated always as (dmetaphone(family_key)) stored,
  -- The party's date of birth, copied here so that "name and date of birth" is answered from the
  -- index alone (kept in step by the repository whenever the party changes).
  date_of_birth date,
  valid_from date,
  valid_to date,
  created_at timestamptz not null default now()
);
-- Covering indexes: a search reads candidates from the index without visiting the table.
create index party_name_keys on party_name (council_id, family_key, given_key) include (party_id, use, date_of_birth);
create index party_name_sounds on party_name (council_id, family_sound, given_sound)
  include (party_id, use, given_key, family_key, date_of_birth);
create index party_name_party on party_name (party_id);

-- The distinct name keys in use, so a misspelt or half-typed name is corrected against a few
-- thousand words rather than a million rows.
create table party_name_term (
  council_id uuid not null references council (id),
  part text not null check (part in ('given', 'family')),
  term text not null,
  sound text generated always as (dmetaphone(term)) stored,
  primary key (council_id, part, term)
);
-- GIN rather than GiST: on many short words GiST's signatures blur and it was twenty times slower here.
create index party_name_term_trgm on party_name_term using gin (term gin_trgm_ops);
create index party_name_term_sound on party_name_term (council_id, part, sound);
create index party_name_term_prefix on party_name_term (council_id, part, term text_pattern_ops);

create table party_identifier (
  id uuid primary key default uuid_v7(),
  council_id uuid not null,
  party_id uuid not null,
  scheme text not null check (scheme in ('ni_number', 'nhs_number', 'council_tax', 'tenancy', 'source')),
  -- For source-system keys: which system the key belongs to (e.g. "revenues", "housing").
  system text,
  value text not null,
  value_key text not null,
  created_at timestamptz not null default now(),
  check ((scheme = 'source') = (system is not null))
);
create index party_identifier_value on party_identifier (council_id, value_key);
create index party_identifier_party on party_identifier (party_id);
-- A source system's key names one party: imports are idempotent by it.
create unique index party_identifier_source on party_identifier (council_id, system, value_key) where scheme = 'source';

create table contact_point (
  id uuid primary key default uuid_v7(),
  council_id uuid not null,
  party_id uuid not null,
  kind text not null check (kind in ('phone', 'email')),
  -- E.164 for phones, lower case for email.
  value text not null,
  label text,
  is_preferred boolean not null default false,
  is_verified boolean not null default false,
  do_not_contact boolean not null default false,
  created_at timestamptz not null default now()
);
create index contact_point_value on contact_point (council_id, value);
create index contact_point_party on contact_point (party_id);

create table party_address (
  id uuid primary key default uuid_v7(),
  council_id uuid not null,
  party_id uuid not null,
  role text not null check (role in ('home', 'correspondence', 'work')),
  text text not null,
  postcode text,
  postcode_key text,
  -- Filled when the gazetteer matches the address to a property.
  uprn bigint check (uprn between 1 and 999999999999),
  valid_from date,
  valid_to date,
  created_at timestamptz not null default now()
);
create index party_address_postcode on party_address (council_id, postcode_key);
create index party_address_party on party_address (party_id);

create table party_relationship (
  id uuid primary key default uuid_v7(),
  council_id uuid not null,
  type text not null check (type in ('household_member', 'household_head', 'employee_of', 'parent_of', 'carer_of',
    'representative_of', 'landlord_of', 'director_of')),
  from_party_id uuid not null,
  to_party_id uuid not null,
  foreign key (council_id, from_party_id) references party (council_id, id),
  foreign key (council_id, to_party_id) references party (council_id, id),
  valid_from date,
  valid_to date,
  created_at timestamptz not null default now(),
  check (from_party_id <> to_party_id),
  check (valid_to is null or valid_from is null or valid_to >= valid_from)
);
create index party_relationship_from on party_relationship (from_party_id);
create index party_relationship_to on party_relationship (to_party_id);

-- Warnings for staff (e.g. potentially violent person, vulnerable adult), shown only to the roles listed.
create table party_alert (
  id uuid primary key default uuid_v7(),
  council_id uuid not null,
  party_id uuid not null,
  kind text not null check (kind in ('potentially_violent', 'vulnerable', 'safeguarding', 'other')),
  reason text not null,
  review_on date not null,
  visible_to text[] not null,
  raised_by text,
  created_at timestamptz not null default now(),
  ended_at timestamptz
);
create index party_alert_party on party_alert (party_id);

-- A merge keeps both parties' rows as they were and the ids of every row it moved, so it can be undone.
create table party_merge (
  id uuid primary key default uuid_v7(),
  council_id uuid not null,
  survivor_id uuid not null,
  merged_id uuid not null,
  foreign key (council_id, survivor_id) references party (council_id, id),
  foreign key (council_id, merged_id) references party (council_id, id),
  survivor_before jsonb not null,
  merged_before jsonb not null,
  moved jsonb not null,
  merged_by text,
  merged_at timestamptz not null default now(),
  unmerged_by text,
  unmerged_at timestamptz
);
create index party_merge_survivor on party_merge (survivor_id);
create index party_merge_merged on party_merge (merged_id);

-- One composite foreign key per row (the party, in the same council) instead of two.
alter table party_name add foreign key (council_id, party_id) references party (council_id, id);
alter table party_identifier add foreign key (council_id, party_id) references party (council_id, id);
alter table contact_point add foreign key (council_id, party_id) references party (council_id, id);
alter table party_address add foreign key (council_id, party_id) references party (council_id, id);
alter table party_alert add foreign key (council_id, party_id) references party (council_id, id);
