-- Identity: back-office extracts linked to the party register, the clerical review queue, and daily
-- data-quality snapshots. The party a source record belongs to now is found through its source-key
-- identifier (party_identifier, scheme 'source'), which follows merges and their undoing.

-- One row per record of a back-office extract, as last loaded: what the source system says about
-- the person (for idempotent re-runs and the fraud and data-quality signals).
create table identity_source_record (
  council_id uuid not null references council (id),
  system text not null,
  -- The key as party_identifier.value_key holds it.
  source_key text not null,
  -- The party the record was loaded into (a merge moves the key; signals follow the key).
  party_id uuid not null,
  kind text not null,
  -- The record as mapped (the input the parties module validates), and a hash of it.
  input jsonb not null,
  input_hash text not null,
  date_of_birth date,
  address_text text,
  postcode_key text,
  postcode_invalid boolean not null default false,
  -- The extract claims a council tax single-person discount for this person's address.
  single_person_discount boolean not null default false,
  outcome text not null check (outcome in ('created', 'linked', 'queued', 'updated', 'unchanged')),
  first_loaded_at timestamptz not null default now(),
  last_loaded_at timestamptz not null default now(),
  primary key (council_id, system, source_key)
);
create index identity_source_record_party on identity_source_record (council_id, party_id);

-- Pairs whose match probability fell between the thresholds, for a person to decide. A rejected
-- pair stays as a remembered non-match, so it is never queued again.
create table identity_review (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  -- The record already in the register, and the one the extract added.
  left_party_id uuid not null,
  right_party_id uuid not null,
  system text,
  source_key text,
  match_probability double precision not null,
  log2_odds double precision not null,
  -- The weight waterfall (explainPair) with the values compared.
  explanation jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'accepted', 'rejected')),
  merge_id uuid,
  skipped_at timestamptz,
  decided_by text,
  decided_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (council_id, left_party_id) references party (council_id, id),
  foreign key (council_id, right_party_id) references party (council_id, id),
  check (left_party_id <> right_party_id)
);
create unique index identity_review_pair on identity_review (
  council_id, least(left_party_id, right_party_id), greatest(left_party_id, right_party_id));
create index identity_review_pending on identity_review (council_id, status, match_probability desc);

-- A daily measure per source system ('' for the whole register), so the dashboard shows trends.
create table identity_quality_snapshot (
  council_id uuid not null references council (id),
  taken_on date not null,
  measure text not null check (measure in ('missing_dob', 'invalid_postcode', 'duplicates')),
  system text not null,
  value integer not null,
  total integer not null,
  primary key (council_id, taken_on, measure, system)
);
