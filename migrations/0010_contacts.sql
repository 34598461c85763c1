-- Contacts: every interaction the front office has with a customer, on every channel.
--
-- The table is range-partitioned by month on started_at, so that the party timeline (the hot read)
-- touches only the partitions it needs, each with a small index, and old months can be detached and
-- archived without a long DELETE (see docs/contacts.md). Rows outside the months that exist land in
-- the default partition; the `contacts.partitions` job keeps future months created ahead of time.

create table contact (
  id uuid not null default uuid_v7(),
  council_id uuid not null references council (id),
  -- Null for an anonymous contact (the caller gave no details or did not need to).
  party_id uuid,
  channel text not null
    check (channel in ('phone', 'face_to_face', 'web', 'email', 'sms', 'letter', 'social')),
  direction text not null check (direction in ('inbound', 'outbound')),
  started_at timestamptz not null,
  ended_at timestamptz not null,
  -- Where and by whom (governance: sites and staff users). agent_id is null when an API client
  -- recorded the contact; recorded_by names the staff user or API token either way.
  site_id uuid,
  agent_id uuid,
  recorded_by text not null,
  -- LGIL interaction type (catalogue INTERACTION_TYPES) and the catalogue service codes discussed.
  interaction_type text,
  service_codes text[] not null default '{}',
  outcome text not null
    check (outcome in ('resolved', 'request_raised', 'referred', 'signposted', 'callback_booked')),
  avoidable boolean not null default false,
  avoidable_reason text
    check (avoidable_reason in ('chasing_progress', 'repeat', 'misdirected', 'unclear_information',
                                'failure_to_act', 'other')),
  notes text not null default '',
  created_at timestamptz not null default now(),
  primary key (id, started_at),
  check (ended_at >= started_at),
  check (avoidable or avoidable_reason is null),
  foreign key (council_id, party_id) references party (council_id, id),
  foreign key (site_id) references site (id),
  foreign key (agent_id) references staff_user (id)
) partition by range (started_at);

-- The timeline read: a party's contacts, newest first (one index per partition).
create index contact_party on contact (council_id, party_id, started_at desc) where party_id is not null;
-- An agent's contacts for a day, and the list API filtered by agent.
create index contact_agent on contact (council_id, agent_id, started_at desc);
-- The list API by date alone.
create index contact_council_started on contact (council_id, started_at desc);

create table contact_default partition of contact default;

-- Creates the month partition holding `month` (any day in it) unless it exists. Rows for that month
-- already in the default partition are moved into the new partition.
create function contact_ensure_month(month date) returns text
language plpgsql as $$
declare
  lo date := date_trunc('month', month)::date;
  hi date := (date_trunc('month', month) + interval '1 month')::date;
  name text := 'contact_' || to_char(lo, 'YYYY_MM');
begin
  if to_regclass(name) is not null then
    return name;
  end if;
  if exists (select 1 from contact_default where started_at >= lo and started_at < hi) then
    execute format('create table %I (like contact including defaults including constraints)', name);
    execute format(
      'insert into %I select * from contact_default where started_at >= %L and started_at < %L',
      name, lo, hi);
    delete from contact_default where started_at >= lo and started_at < hi;
    execute format('alter table contact attach partition %I for values from (%L) to (%L)', name, lo, hi);
  else
    execute format('create table %I partition of contact for values from (%L) to (%L)', name, lo, hi);
  end if;
  return name;
end
$$;

-- Two years back and three months ahead of the day this migration runs; the job adds later months.
do $$
declare
  m date;
begin
  for m in
    select generate_series(date_trunc('month', now()) - interval '24 months',
                           date_trunc('month', now()) + interval '3 months',
                           interval '1 month')::date
  loop
    perform contact_ensure_month(m);
  end loop;
end
$$;

-- Requests (cases) a contact is about or raised. No foreign key: the cases table belongs to the
-- cases module, and the service checks the ids through that module when it is wired in.
create table contact_case (
  council_id uuid not null references council (id),
  contact_id uuid not null,
  case_id uuid not null,
  primary key (contact_id, case_id)
);
create index contact_case_case on contact_case (council_id, case_id);
